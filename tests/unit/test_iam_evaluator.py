"""infra.local.iam.evaluator: IAM's decision for one (action, resource), made by moto's evaluator."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.iam.errors import PolicyError
from infra.local.iam.evaluator import PolicyEvaluator
from infra.local.iam.principal import Decision, NamedPolicy

USERS = "arn:aws:dynamodb:us-east-1:123456789012:table/users"
QUEUE = "arn:aws:sqs:us-east-1:123456789012:timeline"


def policy(*statements: dict[str, Any], name: str = "P") -> NamedPolicy:
    return NamedPolicy(name=name, document={"Version": "2012-10-17", "Statement": list(statements)}, origin="test")


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def test_an_allow_statement_allows_what_it_names_and_nothing_else() -> None:
    evaluator = PolicyEvaluator([policy(allow(["dynamodb:GetItem", "dynamodb:PutItem"], USERS))])
    assert evaluator.decide("dynamodb:PutItem", USERS) is Decision.ALLOWED
    assert evaluator.decide("dynamodb:DeleteItem", USERS) is Decision.IMPLICIT_DENY
    assert evaluator.decide("dynamodb:PutItem", f"{USERS}-other") is Decision.IMPLICIT_DENY


def test_an_explicit_deny_wins_over_an_allow_in_another_policy() -> None:
    evaluator = PolicyEvaluator(
        [policy(allow("dynamodb:*", "*"), name="broad"), policy(deny("dynamodb:DeleteItem", USERS), name="guard")]
    )
    assert evaluator.decide("dynamodb:DeleteItem", USERS) is Decision.EXPLICIT_DENY
    assert evaluator.decide("dynamodb:GetItem", USERS) is Decision.ALLOWED


def test_wildcards_in_actions_and_resources() -> None:
    evaluator = PolicyEvaluator(
        [policy(allow("sqs:SendMessage*", QUEUE), allow("dynamodb:Query", [USERS, f"{USERS}/index/*"]))]
    )
    assert evaluator.decide("sqs:SendMessage", QUEUE) is Decision.ALLOWED
    assert evaluator.decide("sqs:SendMessageBatch", QUEUE) is Decision.ALLOWED
    assert evaluator.decide("sqs:ReceiveMessage", QUEUE) is Decision.IMPLICIT_DENY
    assert evaluator.decide("dynamodb:Query", f"{USERS}/index/by_email") is Decision.ALLOWED
    assert evaluator.decide("dynamodb:Query", f"{USERS}2/index/by_email") is Decision.IMPLICIT_DENY


def test_actions_match_whatever_their_case_as_in_iam() -> None:
    # SAM writes `sns:publish` in the policy it adds for an SNS on-failure destination
    evaluator = PolicyEvaluator([policy(allow("sns:publish", "arn:aws:sns:us-east-1:123456789012:t"))])
    assert evaluator.decide("sns:Publish", "arn:aws:sns:us-east-1:123456789012:t") is Decision.ALLOWED


def test_only_star_and_question_mark_are_wildcards() -> None:
    # moto builds a regular expression from the pattern: `.` would match any character without escaping
    evaluator = PolicyEvaluator([policy(allow("s3:GetObject", "arn:aws:s3:::media.bucket/a?c"))])
    assert evaluator.decide("s3:GetObject", "arn:aws:s3:::media.bucket/abc") is Decision.ALLOWED
    assert evaluator.decide("s3:GetObject", "arn:aws:s3:::mediaXbucket/abc") is Decision.IMPLICIT_DENY
    assert evaluator.decide("s3:GetObject", "arn:aws:s3:::media.bucket/ac") is Decision.IMPLICIT_DENY


def test_not_action_allows_every_other_action() -> None:
    evaluator = PolicyEvaluator([policy({"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "Resource": USERS})])
    assert evaluator.decide("dynamodb:GetItem", USERS) is Decision.ALLOWED
    assert evaluator.decide("dynamodb:DeleteItem", USERS) is Decision.IMPLICIT_DENY


def test_a_single_statement_object_and_a_string_resource_are_read_as_lists() -> None:
    single = NamedPolicy(name="P", document={"Statement": allow("dynamodb:GetItem", USERS)}, origin="test")
    assert PolicyEvaluator([single]).decide("dynamodb:GetItem", USERS) is Decision.ALLOWED


def test_a_permissions_boundary_must_allow_too() -> None:
    evaluator = PolicyEvaluator(
        [policy(allow("dynamodb:*", USERS))], boundary=[policy(allow("dynamodb:GetItem", "*"), name="boundary")]
    )
    assert evaluator.decide("dynamodb:GetItem", USERS) is Decision.ALLOWED
    assert evaluator.decide("dynamodb:PutItem", USERS) is Decision.BOUNDARY_DENY


def test_a_conditional_allow_grants_nothing_and_a_conditional_deny_always_denies() -> None:
    condition = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
    statements = [
        allow("dynamodb:GetItem", USERS, Condition=condition),
        deny("dynamodb:PutItem", USERS, Condition=condition),
        allow("dynamodb:PutItem", USERS),
    ]
    evaluator = PolicyEvaluator([policy(*statements)])
    assert evaluator.decide("dynamodb:GetItem", USERS) is Decision.IMPLICIT_DENY
    assert evaluator.decide("dynamodb:PutItem", USERS) is Decision.EXPLICIT_DENY
    assert len(evaluator.ignored_conditions) == 2


@pytest.mark.parametrize(
    "statement",
    [
        {"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::private/*"},
        {"Effect": "Allow", "Action": "s3:GetObject"},
        allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"),
    ],
)
def test_what_moto_cannot_evaluate_is_refused(statement: dict[str, Any]) -> None:
    with pytest.raises(PolicyError):
        PolicyEvaluator([policy(statement)])


def test_decisions_are_cached_and_granting_names_the_statements() -> None:
    first, second = policy(allow("dynamodb:GetItem", USERS), name="A"), policy(allow("dynamodb:*", "*"), name="B")
    evaluator = PolicyEvaluator([first, second])
    assert evaluator.decide("dynamodb:GetItem", USERS) is evaluator.decide("dynamodb:GetItem", USERS)
    assert [(granted.name, index) for granted, index in evaluator.granting("dynamodb:GetItem", USERS)] == [
        ("A", 0),
        ("B", 0),
    ]
