"""Moderation through the API: the role an operator grants (infra/moderation.py), listing reports, and resolving
them: dismiss, remove the tweet, suspend the account (no login, tokens dead, tweets not served)."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.wiring.api import dependencies

from infra.moderation import set_moderator
from tests.integration.api_client import Account, Api, Reply, assert_error


@pytest.fixture(autouse=True)
def no_token_version_cache(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> None:
    monkeypatch.setenv("TOKEN_VERSION_CACHE_SECONDS", "0")
    dependencies.cache_clear()


def file(api: Api, reporter: Account, target_type: str, target_id: str) -> dict[str, Any]:
    body = {"target": {"type": target_type, "id": target_id}, "reason": "abuse", "comment": "look"}
    reply = api.post("/api/reports", json_body=body, token=reporter.access_token)
    assert reply.status == 201, reply.body
    report: dict[str, Any] = reply.json()["data"]
    return report


def resolve(api: Api, account: Account, report_id: str, action: str) -> Reply:
    path = f"/api/moderation/reports/{report_id}/resolve"
    return api.post(path, json_body={"action": action}, token=account.access_token)


def open_reports(api: Api, account: Account, state: str = "open") -> Reply:
    return api.get("/api/moderation/reports", query={"state": state}, token=account.access_token)


def test_a_moderator_lists_open_reports_newest_first_with_who_filed_them(
    api: Api, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given
    tweet = api.tweet(bob, "rude")
    first = file(api, alice, "tweet", tweet["id"])
    second = file(api, alice, "user", bob.id)
    # When
    reply = open_reports(api, moderator)
    # Then
    assert reply.status == 200, reply.body
    listed = reply.json()["data"]
    assert [report["id"] for report in listed] == [second["id"], first["id"]]
    assert listed[1]["reporter_id"] == alice.id
    assert listed[1]["target_author_id"] == bob.id


def test_the_list_pages_with_a_cursor(api: Api, moderator: Account, alice: Account, bob: Account) -> None:
    # Given
    filed = [file(api, alice, "tweet", api.tweet(bob, f"tweet {n}")["id"])["id"] for n in range(3)]
    # When
    pages = api.walk("/api/moderation/reports", limit=2, token=moderator.access_token)
    # Then
    assert [[report["id"] for report in page] for page in pages] == [filed[:0:-1], filed[:1]]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/moderation/reports"), ("POST", "/api/moderation/reports/1/resolve")],
)
def test_a_stranger_cannot_read_or_resolve_reports(api: Api, alice: Account, method: str, path: str) -> None:
    # When
    reply = api.request(method, path, json_body={"action": "dismiss"}, token=alice.access_token)
    # Then
    assert_error(reply, 403, "forbidden", "moderators")


def test_a_stranger_cannot_resolve_a_real_report(api: Api, moderator: Account, alice: Account, bob: Account) -> None:
    # Given
    report = file(api, alice, "user", bob.id)
    # When
    reply = resolve(api, bob, report["id"], "dismiss")
    # Then
    assert_error(reply, 403, "forbidden")
    assert [listed["id"] for listed in open_reports(api, moderator).json()["data"]] == [report["id"]]


def test_dismissing_resolves_the_report_and_lets_the_reporter_report_again(
    api: Api, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given
    report = file(api, alice, "user", bob.id)
    # When
    reply = resolve(api, moderator, report["id"], "dismiss")
    # Then
    assert reply.status == 200, reply.body
    data = reply.json()["data"]
    assert (data["state"], data["action"], data["resolved_by"]) == ("resolved", "dismiss", moderator.id)
    assert open_reports(api, moderator).json()["data"] == []
    assert [listed["id"] for listed in open_reports(api, moderator, "resolved").json()["data"]] == [report["id"]]
    assert file(api, alice, "user", bob.id)["id"] != report["id"]


def test_resolving_twice_is_409(api: Api, moderator: Account, alice: Account, bob: Account) -> None:
    # Given
    report = file(api, alice, "user", bob.id)
    assert resolve(api, moderator, report["id"], "dismiss").status == 200
    # When
    reply = resolve(api, moderator, report["id"], "suspend_user")
    # Then
    assert_error(reply, 409, "conflict", "resolved")


def test_resolving_an_unknown_report_is_404(api: Api, moderator: Account) -> None:
    assert_error(resolve(api, moderator, "123456789", "dismiss"), 404, "not_found")


def test_removing_a_tweet_deletes_it(api: Api, moderator: Account, alice: Account, bob: Account) -> None:
    # Given
    tweet = api.tweet(bob, "remove me")
    report = file(api, alice, "tweet", tweet["id"])
    # When
    reply = resolve(api, moderator, report["id"], "remove_tweet")
    # Then
    assert reply.status == 200, reply.body
    assert_error(api.get(f"/api/tweets/{tweet['id']}"), 404, "not_found")
    assert api.metrics(bob.id)["tweet_count"] == 0


def test_removing_a_tweet_of_a_report_about_a_user_is_400(
    api: Api, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given
    report = file(api, alice, "user", bob.id)
    # When
    reply = resolve(api, moderator, report["id"], "remove_tweet")
    # Then
    assert_error(reply, 400, "invalid_request", "remove_tweet")


def test_a_suspended_user_cannot_log_in_and_its_tokens_and_tweets_are_gone(
    api: Api, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given a tweet of bob's, reported
    tweet = api.tweet(bob, "the reported one")
    report = file(api, alice, "tweet", tweet["id"])
    # When
    reply = resolve(api, moderator, report["id"], "suspend_user")
    # Then
    assert reply.status == 200, reply.body
    assert_error(api.log_in("bob"), 403, "forbidden", "suspended")
    assert_error(api.get("/api/users/me", token=bob.access_token), 401, "not_authenticated", "revoked")
    assert_error(
        api.post("/api/auth/refresh", json_body={"refresh_token": bob.refresh_token}), 401, "not_authenticated"
    )
    assert_error(api.get(f"/api/tweets/{tweet['id']}", token=alice.access_token), 404, "not_found")
    assert api.get(f"/api/users/{bob.id}/tweets").json()["data"] == []


def test_a_wrong_password_for_a_suspended_account_says_nothing_of_the_suspension(
    api: Api, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given
    assert resolve(api, moderator, file(api, alice, "user", bob.id)["id"], "suspend_user").status == 200
    # When
    reply = api.log_in("bob", "not the password")
    # Then
    assert "suspended" not in assert_error(reply, 401, "not_authenticated")


def test_the_role_revoked_by_the_operator_command_closes_the_routes(
    api: Api, moderator: Account, aws: dict[str, str]
) -> None:
    # Given
    assert open_reports(api, moderator).status == 200
    # When
    set_moderator(aws["USERS_TABLE"], "mod", moderator=False)
    # Then
    assert_error(open_reports(api, moderator), 403, "forbidden")


def test_the_operator_command_refuses_an_unknown_user(aws: dict[str, str]) -> None:
    with pytest.raises(LookupError, match="nobody"):
        set_moderator(aws["USERS_TABLE"], "nobody")
