"""Who to follow on moto, through the real pipeline (`pipeline.py`): the event publisher puts the follows
table's changes on the bus, the suggestions function consumes its queue (under its own IAM policies, in
Lambda's event format) and the API serves `GET /api/users/me/suggestions` (under the API's)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from chirp.wiring.api import dependencies

from tests.integration.api_client import Account, Api, assert_error
from tests.integration.pipeline import PUBLISHER_FUNCTION, Pipeline, StartPipeline, unfollow

SUGGESTIONS_FUNCTION = "SuggestionsFunction"
Shown = tuple[str, int, list[str]]


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, SUGGESTIONS_FUNCTION))


def suggestions(api: Api, viewer: Account, limit: int | None = None) -> list[dict[str, Any]]:
    query = {"limit": str(limit)} if limit is not None else None
    reply = api.get("/api/users/me/suggestions", token=viewer.access_token, query=query)
    assert reply.status == 200, reply.body
    shown: list[dict[str, Any]] = reply.json()["data"]
    return shown


def summary(shown: list[dict[str, Any]]) -> list[Shown]:
    """(username, followed_by_count, usernames of followed_by) of each suggestion, in order."""
    return [(s["username"], s["followed_by_count"], [a["username"] for a in s["followed_by"]]) for s in shown]


def follow_all(api: Api, follows: list[tuple[Account, Account]]) -> None:
    for follower, followee in follows:
        api.follow(follower, followee)


@pytest.fixture
def graph(api: Api, pipeline: Pipeline) -> dict[str, Account]:
    """b and c follow d, b follows e; then a follows b and c (c last): a's follows' follows are d (2) and e."""
    people = {name: api.register(name) for name in ("a", "b", "c", "d", "e")}
    follow_all(api, [(people["b"], people["d"]), (people["c"], people["d"]), (people["b"], people["e"])])
    pipeline.run_until_quiet()
    follow_all(api, [(people["a"], people["b"]), (people["a"], people["c"])])
    pipeline.run_until_quiet()
    return people


def test_a_follow_refreshes_the_followers_suggestions_with_their_follows_follows(
    api: Api, graph: dict[str, Account]
) -> None:
    # When a reads its suggestions (the graph fixture: a -> b, c; b -> d, e; c -> d)
    shown = suggestions(api, graph["a"])
    # Then d (followed by both, the more recent follow named first), then e; b and c, followed, are not there
    assert summary(shown) == [("d", 2, ["c", "b"]), ("e", 1, ["b"])]
    # And each is a user as every list shows it
    assert shown[0]["id"] == graph["d"].id
    assert shown[0]["public_metrics"]["followers_count"] == 2
    assert shown[0]["followed_by"][0] == {"id": graph["c"].id, "username": "c", "name": "c"}


def test_an_unfollow_removes_what_only_that_followee_brought(
    api: Api, pipeline: Pipeline, graph: dict[str, Account]
) -> None:
    # When a unfollows b
    unfollow(api, graph["a"], graph["b"])
    pipeline.run_until_quiet()
    # Then d is followed by c alone, and e, which only b brought, is left to the popular fill-up (nobody a
    # follows follows it); b, with no follower left, is not popular
    assert summary(suggestions(api, graph["a"])) == [("d", 1, ["c"]), ("e", 0, [])]


def test_the_route_hides_an_account_followed_a_moment_ago(api: Api, graph: dict[str, Account]) -> None:
    # When a follows d, and the suggestions function has not run since
    api.follow(graph["a"], graph["d"])
    # Then d is no longer suggested at once
    assert summary(suggestions(api, graph["a"])) == [("e", 1, ["b"])]


def test_a_new_user_is_shown_the_most_followed_accounts(api: Api, pipeline: Pipeline) -> None:
    # Given x followed by three, y by two, z by one
    x, y, z = (api.register(name) for name in ("x", "y", "z"))
    fans = [api.register() for _ in range(3)]
    follow_all(api, [(fans[0], x), (fans[1], x), (fans[2], x), (fans[0], y), (fans[1], y), (fans[0], z)])
    pipeline.run_until_quiet()
    # When someone who follows nobody asks
    newcomer = api.register("newcomer")
    # Then the most followed come first, suggested for their popularity alone
    assert summary(suggestions(api, newcomer)) == [("x", 0, []), ("y", 0, []), ("z", 0, [])]
    # And the limit holds
    assert summary(suggestions(api, newcomer, limit=2)) == [("x", 0, []), ("y", 0, [])]


def test_no_one_is_ever_suggested_to_themselves(api: Api, pipeline: Pipeline, alice: Account, bob: Account) -> None:
    # Given alice and bob follow each other (each is the other's follows' follow), and alice is popular
    follow_all(api, [(alice, bob), (bob, alice)])
    carol = api.register("carol")
    api.follow(carol, alice)
    pipeline.run_until_quiet()
    # Then alice, popular, is suggested to a newcomer but not to herself; bob, whom she follows, neither
    assert [name for name, _, _ in summary(suggestions(api, api.register()))] == ["alice", "bob"]
    assert summary(suggestions(api, alice)) == []
    # And bob, whose one follow follows only him, is suggested no one (alice, popular, he follows)
    assert summary(suggestions(api, bob)) == []


def test_a_deleted_account_leaves_the_popular_list_and_is_never_suggested(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given bob is popular (alice follows him)
    api.follow(alice, bob)
    pipeline.run_until_quiet()
    assert [c.user_id for c in popular_ids()] == [int(bob.id)]
    # When bob's user item is removed (as account deletion will remove it), and the bus carries UserDeleted
    boto3.client("dynamodb").delete_item(
        TableName=dependencies().settings.users_table, Key={"pk": {"S": f"USER#{bob.id}"}}
    )
    pipeline.run_until_quiet()
    # Then he is off the popular list, and not suggested
    assert popular_ids() == []
    assert suggestions(api, api.register()) == []


def popular_ids() -> list[Any]:
    popular = dependencies().suggestions.popular()
    return list(popular.candidates) if popular is not None else []


def test_a_redelivered_event_changes_nothing(api: Api, pipeline: Pipeline, graph: dict[str, Account]) -> None:
    # Given a's suggestions, and every message the function consumed handed to it once more
    before = suggestions(api, graph["a"])
    consumed = list(pipeline.delivered[SUGGESTIONS_FUNCTION])
    assert consumed
    # When
    assert pipeline.invoke(SUGGESTIONS_FUNCTION, consumed) == []
    # Then
    assert suggestions(api, graph["a"]) == before


@pytest.mark.parametrize("limit", ["0", "51", "ten", "", "1.5"])
def test_a_limit_out_of_1_to_50_is_a_400_naming_it(api: Api, alice: Account, limit: str) -> None:
    # When
    reply = api.get("/api/users/me/suggestions", token=alice.access_token, query={"limit": limit})
    # Then
    assert_error(reply, 400, "malformed_request", "limit", "1 to 50")


def test_suggestions_need_a_caller(api: Api) -> None:
    # Then
    assert_error(api.get("/api/users/me/suggestions"), 401, "not_authenticated")
