"""infra.local.iam.policies: template.yaml's functions' policies, expanded by SAM's own translator and resolved."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.local.iam.errors import PolicyError
from infra.local.iam.evaluator import PolicyEvaluator
from infra.local.iam.policies import aws_managed_policy
from infra.local.iam.principal import Decision, Principal
from infra.local.template import Template, load_template, load_template_text
from tests.iam_guard import ACCOUNT_ID, PREFIX, REGION, predicted_resolver, template_principals

TEMPLATE_PATH = Path(__file__).resolve().parents[2] / "template.yaml"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{PREFIX}"


@pytest.fixture(scope="module")
def principals() -> dict[str, Principal]:
    template = load_template(TEMPLATE_PATH)
    return template_principals(template, predicted_resolver(template))


def evaluator(principal: Principal) -> PolicyEvaluator:
    return PolicyEvaluator(principal.policies, principal.boundary)


def test_every_function_of_the_template_has_a_principal(principals: dict[str, Principal]) -> None:
    template = load_template(TEMPLATE_PATH)
    functions = {resource.logical_id for resource in template.resources_of_type("AWS::Serverless::Function")}
    assert set(principals) == functions
    api = principals["ApiFunction"].identity
    assert api.caller_arn == f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/chirp-test-ApiFunctionRole/chirp-test-ApiFunction"


def test_the_api_may_write_its_users_table_and_not_a_table_it_is_not_granted(principals: dict[str, Principal]) -> None:
    api = evaluator(principals["ApiFunction"])
    assert api.decide("dynamodb:PutItem", f"{TABLE}UsersTable") is Decision.ALLOWED
    assert api.decide("dynamodb:PutItem", f"{TABLE}SomeoneElsesTable") is Decision.IMPLICIT_DENY
    assert api.decide("dynamodb:DeleteTable", f"{TABLE}UsersTable") is Decision.IMPLICIT_DENY


def test_the_api_reads_its_signing_secret_whatever_its_random_suffix(principals: dict[str, Principal]) -> None:
    api = evaluator(principals["ApiFunction"])
    secret = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{PREFIX}JwtSigningSecret-AbC123"
    assert api.decide("secretsmanager:GetSecretValue", secret) is Decision.ALLOWED
    assert api.decide("secretsmanager:PutSecretValue", secret) is Decision.IMPLICIT_DENY


def test_sam_adds_the_fan_outs_on_failure_destination_and_its_managed_policies(
    principals: dict[str, Principal],
) -> None:
    fanout = principals["TimelineFanoutFunction"]
    names = [policy.name for policy in fanout.policies]
    destination_policies = [
        policy
        for policy in fanout.policies
        if policy.name.startswith("TimelineFanoutFunction") and policy.name.endswith("SQSPolicy")
    ]
    assert destination_policies, names
    assert "OnFailure destination" in destination_policies[0].origin
    failures_queue = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{PREFIX}FanoutFailuresQueue"
    assert evaluator(fanout).decide("sqs:SendMessage", failures_queue) is Decision.ALLOWED
    # Lambda's own needs, from AWS's managed policies SAM attaches (moto's copy of them)
    assert {"AWSLambdaBasicExecutionRole", "AWSLambdaDynamoDBExecutionRole", "AWSXrayWriteOnlyAccess"} <= set(names)
    stream = f"{TABLE}TweetsTable/stream/2026-01-01T00:00:00.000"
    assert evaluator(fanout).decide("dynamodb:GetRecords", stream) is Decision.ALLOWED


def test_a_policy_entry_is_traced_back_to_the_template(principals: dict[str, Principal]) -> None:
    origins = [policy.origin for policy in principals["ApiFunction"].policies]
    assert any(origin.startswith("Policies[0]: ") for origin in origins)
    assert "AWS managed policy AWSLambdaBasicExecutionRole, added by SAM" in origins


def test_resources_are_symbolized_by_their_logical_ids(principals: dict[str, Principal]) -> None:
    symbols = principals["ApiFunction"].symbols
    assert symbols[f"{TABLE}UsersTable"] == "${UsersTable.Arn}"
    assert symbols[f":{ACCOUNT_ID}:"] == ":${AWS::AccountId}:"


# ---------------------------------------------------------------------- roles SAM does not generate
ROLE_TEMPLATE = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Items:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]
      KeySchema: [{AttributeName: pk, KeyType: HASH}]
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: worker/
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt WorkerRole.Arn
  WorkerRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
      Policies:
        - PolicyName: read-items
          PolicyDocument:
            Statement: [{Effect: Allow, Action: dynamodb:GetItem, Resource: !GetAtt Items.Arn}]
  ExtraGrant:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: write-items
      Roles: [!Ref WorkerRole]
      PolicyDocument:
        Statement: [{Effect: Allow, Action: dynamodb:PutItem, Resource: !GetAtt Items.Arn}]
"""


def role_template(text: str) -> Template:
    return Template(document=load_template_text(text), base_dir=Path("/nonexistent"))


def test_a_role_of_the_template_with_the_policies_attached_to_it() -> None:
    template = role_template(ROLE_TEMPLATE)
    worker = template_principals(template, predicted_resolver(template))["Worker"]
    assert [policy.name for policy in worker.policies] == ["read-items", "AWSLambdaBasicExecutionRole", "write-items"]
    assert worker.identity.role_name == "chirp-test-WorkerRole"
    decide = evaluator(worker).decide
    assert decide("dynamodb:GetItem", f"{TABLE}Items") is Decision.ALLOWED
    assert decide("dynamodb:PutItem", f"{TABLE}Items") is Decision.ALLOWED
    assert decide("dynamodb:DeleteItem", f"{TABLE}Items") is Decision.IMPLICIT_DENY


def test_a_role_from_outside_the_template_cannot_be_enforced() -> None:
    template = role_template(ROLE_TEMPLATE.replace("!GetAtt WorkerRole.Arn", "arn:aws:iam::123456789012:role/x"))
    with pytest.raises(PolicyError, match="Worker: its Role"):
        template_principals(template, predicted_resolver(template))


def test_a_managed_policy_must_be_one_moto_knows_by_its_arn() -> None:
    name, document = aws_managed_policy("arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole", "F")
    assert name == "AWSLambdaSQSQueueExecutionRole"
    assert "sqs:ReceiveMessage" in document["Statement"][0]["Action"]
    with pytest.raises(PolicyError, match="by ARN"):
        aws_managed_policy("AWSLambdaRole", "F")
    with pytest.raises(PolicyError, match="not in the template"):
        aws_managed_policy("arn:aws:iam::123456789012:policy/mine", "F")
