"""Reporting a tweet or a user through the API: stored for moderators, deduplicated per reporter and target."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_client import Account, Api, Reply, assert_error


def report(api: Api, reporter: Account, target_type: str, target_id: str, **fields: Any) -> Reply:
    body = {"target": {"type": target_type, "id": target_id}, "reason": "spam"} | fields
    return api.post("/api/reports", json_body=body, token=reporter.access_token)


def test_reporting_a_tweet_answers_201_with_the_open_report(api: Api, alice: Account, bob: Account) -> None:
    # Given
    tweet = api.tweet(bob, "buy followers now")
    # When
    reply = report(api, alice, "tweet", tweet["id"], reason="spam", comment="a bot")
    # Then
    assert reply.status == 201, reply.body
    document = reply.json()
    assert document["meta"] == {"created": True}
    data = document["data"]
    assert data["id"].isdigit()
    assert data["target"] == {"type": "tweet", "id": tweet["id"]}
    assert (data["reason"], data["comment"], data["state"], data["action"]) == ("spam", "a bot", "open", None)


def test_reporting_a_user_answers_201(api: Api, alice: Account, bob: Account) -> None:
    # When
    reply = report(api, alice, "user", bob.id, reason="impersonation")
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["target"] == {"type": "user", "id": bob.id}


def test_a_second_report_of_the_same_target_answers_the_first(api: Api, alice: Account, bob: Account) -> None:
    # Given
    first = report(api, alice, "user", bob.id).json()["data"]
    # When
    again = report(api, alice, "user", bob.id, reason="abuse", comment="again")
    # Then the open report is answered, unchanged
    assert again.status == 201, again.body
    assert again.json() == {"data": first, "meta": {"created": False}}


def test_reports_of_the_same_target_by_different_reporters_are_distinct(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # When
    by_alice = report(api, alice, "user", carol.id).json()["data"]
    by_bob = report(api, bob, "user", carol.id).json()["data"]
    # Then
    assert by_alice["id"] != by_bob["id"]


@pytest.mark.parametrize("target_type", ["tweet", "user"])
def test_reporting_an_unknown_target_is_404(api: Api, alice: Account, target_type: str) -> None:
    # When
    reply = report(api, alice, target_type, "123456789")
    # Then
    assert_error(reply, 404, "not_found", "123456789")


def test_reporting_yourself_or_your_own_tweet_is_400(api: Api, alice: Account) -> None:
    # Given
    tweet = api.tweet(alice, "mine")
    # Then
    assert_error(report(api, alice, "user", alice.id), 400, "invalid_request", "yourself")
    assert_error(report(api, alice, "tweet", tweet["id"]), 400, "invalid_request", "yourself")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": {"type": "tweet", "id": "1"}, "reason": "boring"}, "reason"),
        ({"target": {"type": "list", "id": "1"}, "reason": "spam"}, "type"),
        ({"target": {"type": "user", "id": "abc"}, "reason": "spam"}, "id"),
        ({"target": {"type": "user", "id": "1"}, "reason": "spam", "comment": "x" * 1001}, "comment"),
        ({"reason": "spam"}, "target"),
    ],
)
def test_a_bad_report_is_a_4xx_naming_the_field(api: Api, alice: Account, body: dict[str, Any], field: str) -> None:
    # When
    reply = api.post("/api/reports", json_body=body, token=alice.access_token)
    # Then
    assert reply.status in {400, 422}, reply.body
    assert field in reply.error["message"]


def test_every_listed_reason_is_accepted(api: Api, alice: Account, bob: Account) -> None:
    # Given
    reasons = ["spam", "abuse", "harassment", "hate", "violence", "self_harm", "impersonation", "other"]
    for reason in reasons:
        # When
        tweet = api.tweet(bob, f"tweet {reason}")
        reply = report(api, alice, "tweet", tweet["id"], reason=reason)
        # Then
        assert reply.status == 201, reply.body
        assert reply.json()["data"]["reason"] == reason


def test_reporting_needs_an_access_token(api: Api, bob: Account) -> None:
    # When
    reply = api.post("/api/reports", json_body={"target": {"type": "user", "id": bob.id}, "reason": "spam"})
    # Then
    assert_error(reply, 401, "not_authenticated")
