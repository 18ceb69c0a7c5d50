"""Account deletion and erasure, on moto, through the real pipeline (`pipeline.py`): DELETE /api/users/me makes
the account unusable at once; the erasure function (its queue, its IAM policies, as template.yaml declares them)
and the bus's consumers then take everything of it out of every table, bucket and index, correcting every count
on others; an erasure killed halfway is finished by the next run.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chirp.erasure import service as erasure
from chirp.erasure.models import Phase
from chirp.wiring.account_erasure import dependencies as erasure_dependencies

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import (
    CLEANUP_FUNCTION,
    COUNTER_FUNCTION,
    FANOUT_FUNCTION,
    PUBLISHER_FUNCTION,
    WRITER_FUNCTION,
    Pipeline,
    StartPipeline,
    home,
)

ERASURE_FUNCTION = "AccountErasureFunction"
FUNCTIONS = (
    FANOUT_FUNCTION,
    WRITER_FUNCTION,
    PUBLISHER_FUNCTION,
    CLEANUP_FUNCTION,
    COUNTER_FUNCTION,
    "SearchIndexerFunction",
    "NotifierFunction",
    "MediaCleanupFunction",
    "SuggestionsFunction",
    ERASURE_FUNCTION,
)


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    """Every function an account's data goes through; a small celebrity threshold, so that an author with many
    followers is pulled at read time (as one with a hundred thousand would be) rather than fanned out."""
    # moto is not thread-safe (a transaction deep-copies its tables): the erasure's writes one at a time here
    return start_pipeline(
        functions=FUNCTIONS, parameters={"CelebrityThreshold": "20"}, environment={"ERASURE_PARALLELISM": "1"}
    )


# ---------------------------------------------------------------- acting through the API


def post(api: Api, author: Account, body: dict[str, Any]) -> str:
    reply = api.post("/api/tweets", json_body=body, token=author.access_token)
    assert reply.status == 201, reply.body
    tweet_id: str = reply.json()["data"]["id"]
    return tweet_id


def act(api: Api, method: str, path: str, account: Account, expected: int = 200) -> None:
    reply = api.request(method, path, token=account.access_token)
    assert reply.status == expected, (path, reply.body)


def delete_account(api: Api, account: Account, password: str | None = None) -> Any:
    return api.delete("/api/users/me", json_body={"password": password or account.password}, token=account.access_token)


def tweet_counts(api: Api, tweet_id: str) -> dict[str, int]:
    reply = api.get(f"/api/tweets/{tweet_id}")
    assert reply.status == 200, reply.body
    counts: dict[str, int] = reply.json()["data"]["public_metrics"]
    return counts


# ---------------------------------------------------------------- what is left of a user, anywhere


def tables(environment: dict[str, str]) -> dict[str, str]:
    """Every table of the template, by its variable (USERS_TABLE -> name)."""
    return {name: value for name, value in environment.items() if name.endswith("_TABLE")}


def mentions(value: Any, user_id: str) -> bool:
    """Whether a DynamoDB attribute value (wire format) holds the user's id: as a number, or inside a string."""
    if isinstance(value, dict):
        return any(mentions(inner, user_id) for inner in value.values())
    if isinstance(value, list):
        return any(mentions(inner, user_id) for inner in value)
    return isinstance(value, str) and user_id in value


def remains(environment: dict[str, str], user_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table that holds the user's id, by table variable."""
    client = boto3.client("dynamodb")
    found: dict[str, list[dict[str, Any]]] = {}
    for variable, table in tables(environment).items():
        for page in client.get_paginator("scan").paginate(TableName=table):
            hits = [item for item in page["Items"] if mentions(item, user_id)]
            if hits:
                found.setdefault(variable, []).extend(hits)
    return found


# What may hold a deleted user's id once its erasure is over, and why (README: Account deletion):
# - a rate-limit counter keyed by it expires within its window (a day at most);
# - others' grouped notifications name it among their actors (and markers of it, `<key>@<id>`) until they expire;
#   it is never shown there (the account resolves to nothing);
# - others' replies to its tweets stay theirs, as on Twitter: they name the tweet and the account they replied to
#   (their item, their copy in their recent tweets, their reply edge), which resolve to nothing.
def left_by_design(variable: str, item: dict[str, Any], user_id: str) -> bool:
    match variable:
        case "RATE_LIMITS_TABLE":
            return True
        case "NOTIFICATIONS_TABLE":
            return item["user_id"]["N"] != user_id
        case "TWEETS_TABLE":
            return item["author_id"]["N"] != user_id and item.get("in_reply_to_user_id") == {"N": user_id}
        case "AUTHOR_TWEETS_TABLE":
            return item["author_id"]["N"] != user_id and not _names_outside_replies(item, user_id)
        case "ENGAGEMENTS_TABLE":
            return item["user_id"]["N"] != user_id and item["edge"]["S"].startswith("P#")
    return False


def _names_outside_replies(recent: dict[str, Any], user_id: str) -> bool:
    """Whether another author's recent-tweets item names the user other than as the user a reply replied to."""
    return any(
        mentions(value, user_id) and f'"in_reply_to_user_id":{user_id}' not in value.get("S", "")
        for name, value in recent.items()
        if name not in ("author_id", "tweet_id")
    )


def assert_nothing_left(environment: dict[str, str], account: Account) -> None:
    left = {
        variable: kept
        for variable, items in remains(environment, account.id).items()
        if (kept := [item for item in items if not left_by_design(variable, item, account.id)])
    }
    assert not left, "\n".join(f"{variable}: {item}" for variable, items in left.items() for item in items)


# ---------------------------------------------------------------- deletion: unusable at once


def test_a_deleted_account_is_unusable_at_once(api: Api, pipeline: Pipeline, alice: Account, bob: Account) -> None:
    # Given alice's tweet, followed by bob
    api.follow(bob, alice)
    tweet_id = post(api, alice, {"text": "soon gone"})
    pipeline.run_until_quiet()
    # When alice deletes her account (the erasure not run yet)
    reply = delete_account(api, alice)
    # Then it is refused nothing more than that: 202, and from now on...
    assert reply.status == 202, reply.body
    assert reply.json()["data"] == {"id": alice.id, "state": "erasing"}
    assert api.get("/api/users/me", token=alice.access_token).status == 401  # her tokens are dead
    assert api.post("/api/auth/refresh", json_body={"refresh_token": alice.refresh_token}).status == 401
    assert api.log_in(alice.username).status == 401  # nobody can log in to it
    assert api.get(f"/api/users/{alice.id}").status == 404  # her profile is gone
    assert api.get(f"/api/users/by/username/{alice.username}").status == 404
    assert api.get(f"/api/tweets/{tweet_id}").status == 404  # her tweets are served nowhere
    assert tweet_id not in [entry["id"] for entry in home(api, bob)[0]]
    assert api.post(f"/api/users/{alice.id}/follow", token=bob.access_token).status == 404  # nobody follows her now


def test_deleting_needs_the_password(api: Api, pipeline: Pipeline, alice: Account) -> None:
    # When alice's token is used with a wrong password, or none
    wrong = delete_account(api, alice, password="not her password")
    missing = api.delete("/api/users/me", json_body={}, token=alice.access_token)
    anonymous = api.delete("/api/users/me", json_body={"password": alice.password})
    # Then nothing is deleted
    assert wrong.status == 403, wrong.body
    assert missing.status == 422, missing.body
    assert anonymous.status == 401, anonymous.body
    assert api.get("/api/users/me", token=alice.access_token).status == 200


# ---------------------------------------------------------------- erasure: nothing left


def test_the_erasure_leaves_nothing_of_the_account_and_corrects_every_count(
    api: Api, pipeline: Pipeline, aws: dict[str, str], *, alice: Account, bob: Account, carol: Account
) -> None:
    # Given alice, who follows bob and is followed by carol, posts, replies to, quotes, retweets and likes bob's
    # tweets, blocks and mutes, has muted words, and whose own tweets bob and carol like, retweet and reply to
    api.follow(alice, bob)
    api.follow(carol, alice)
    bobs = post(api, bob, {"text": "bob's #topic"})
    alices = [post(api, alice, {"text": f"zebrafish #{n} @{bob.username}"}) for n in range(3)]
    post(api, alice, {"text": "reply", "reply": {"in_reply_to_tweet_id": bobs}})
    post(api, alice, {"text": "quote", "quote_tweet_id": bobs})
    act(api, "POST", f"/api/tweets/{bobs}/retweet", alice)
    act(api, "POST", f"/api/tweets/{bobs}/like", alice)
    for other in (bob, carol):
        act(api, "POST", f"/api/tweets/{alices[0]}/like", other)
        act(api, "POST", f"/api/tweets/{alices[0]}/retweet", other)
        post(api, other, {"text": "a reply to alice", "reply": {"in_reply_to_tweet_id": alices[1]}})
    dave = api.register()
    act(api, "POST", f"/api/users/{dave.id}/block", alice)
    act(api, "POST", f"/api/users/{carol.id}/mute", alice)
    act(api, "POST", f"/api/users/{alice.id}/mute", dave)
    assert api.post("/api/users/me/muted_words", json_body={"word": "spoiler"}, token=alice.access_token).status == 200
    pipeline.run_until_quiet()
    assert tweet_counts(api, bobs) == {"like_count": 1, "retweet_count": 1, "reply_count": 1, "quote_count": 1}
    before = {who.id: api.metrics(who.id) for who in (bob, carol)}
    assert len(api.get("/api/search/tweets", query={"q": "zebrafish"}, token=bob.access_token).json()["data"]) == 3
    # When alice deletes her account and the pipeline runs until quiet
    assert delete_account(api, alice).status == 202
    handled = pipeline.run_until_quiet()
    # Then her erasure ran, and nothing of her is left in any table...
    assert handled[ERASURE_FUNCTION] >= 1
    assert_nothing_left(aws, alice)
    # ...every count on others is corrected...
    assert tweet_counts(api, bobs) == {"like_count": 0, "retweet_count": 0, "reply_count": 0, "quote_count": 0}
    assert api.metrics(bob.id)["followers_count"] == before[bob.id]["followers_count"] - 1
    assert api.metrics(carol.id)["following_count"] == before[carol.id]["following_count"] - 1
    assert api.metrics(bob.id)["like_count"] == before[bob.id]["like_count"] - 1  # bob's like of her tweet, undone
    # ...nothing of her is found by search or served in a timeline...
    found = api.get("/api/search/tweets", query={"q": "zebrafish"}, token=bob.access_token)
    assert found.status == 200 and found.json()["data"] == []
    users = api.get("/api/search/users", query={"q": alice.username}, token=bob.access_token)
    assert users.status == 200 and users.json()["data"] == []
    assert all(entry["author_id"] != alice.id for entry in home(api, carol)[0])
    # ...and the replies others made to her stay theirs
    assert "a reply to alice" in [tweet["text"] for tweet in api.get(f"/api/users/{bob.id}/tweets").json()["data"]]


def test_the_username_is_held_through_the_grace_period_then_free(
    api: Api, pipeline: Pipeline, aws: dict[str, str], alice: Account
) -> None:
    # Given alice's account, deleted and erased
    assert delete_account(api, alice).status == 202
    pipeline.run_until_quiet()
    # Then her username cannot be taken while its grace period runs, but her email can be used again
    taken = api.post(
        "/api/users/register",
        json_body={"username": alice.username, "email": "someone.else@example.com", "password": "a new password"},
    )
    assert taken.status == 409, taken.body
    again = api.post(
        "/api/users/register", json_body={"username": "alice_again", "email": alice.email, "password": "a new password"}
    )
    assert again.status == 201, again.body
    # When the grace period is over (its claim says when; TTL removes it up to two days later)
    claims = boto3.client("dynamodb")
    claim_key = {"pk": {"S": f"USERNAME#{alice.username.lower()}"}}
    claim = claims.get_item(TableName=aws["USERS_TABLE"], Key=claim_key)["Item"]
    assert set(claim) == {"pk", "expires_at"}  # held by nobody: no user id
    assert abs(int(claim["expires_at"]["N"]) - (time.time() + 30 * 86_400)) < 60
    claims.update_item(
        TableName=aws["USERS_TABLE"],
        Key=claim_key,
        UpdateExpression="SET expires_at = :past",
        ExpressionAttributeValues={":past": {"N": str(int(time.time()) - 1)}},
    )
    # Then anyone may register it
    free = api.post(
        "/api/users/register",
        json_body={"username": alice.username, "email": "newcomer@example.com", "password": "a new password"},
    )
    assert free.status == 201, free.body


# ---------------------------------------------------------------- erasure: resumable


class Killed(BaseException):
    """The sandbox killed mid-chunk (not an Exception: nothing in the code under test may catch it)."""


@pytest.fixture
def killing_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make the erasure's tweet deletions die after `n` of them (once)."""

    def arm(n: int) -> None:
        ports = erasure_dependencies().ports
        tweets = ports.tweets
        deleted = 0
        original = tweets.delete

        def dying_delete(tweet: Any) -> bool:
            nonlocal deleted
            if deleted == n:
                monkeypatch.setattr(tweets, "delete", original)
                raise Killed
            deleted += 1
            return original(tweet)

        monkeypatch.setattr(tweets, "delete", dying_delete)

    yield arm


def test_an_erasure_killed_halfway_is_finished_by_the_next_run(
    api: Api, pipeline: Pipeline, aws: dict[str, str], *, alice: Account, bob: Account, killing_after: Any, act_as: Any
) -> None:
    # Given alice with 30 tweets (two chunks), followed by bob, and an erasure that dies after 10 deletions
    api.follow(bob, alice)
    for n in range(30):
        post(api, alice, {"text": f"tweet {n}"})
    pipeline.run_until_quiet()
    killing_after(10)
    assert delete_account(api, alice).status == 202
    # When the first worker runs and is killed halfway through its first chunk of tweets
    with pytest.raises(Killed):
        pipeline.deliver_queue(ERASURE_FUNCTION)
    progress = erasure_dependencies().ports.store.progress(int(alice.id))
    assert progress is not None and progress.phase is Phase.TWEETS and progress.lease_until_ms > 0
    # Then nobody else takes it while its lease runs (a second message is dropped: the holder goes on)...
    assert erasure.resume_stalled(erasure_dependencies().ports.store, erasure_dependencies().queue, _now_ms()) == []
    # ...and once the lease has run out, the sweeper queues it again and the next worker finishes it
    with act_as(ERASURE_FUNCTION):
        resumed = erasure.resume_stalled(
            erasure_dependencies().ports.store, erasure_dependencies().queue, _now_ms() + 400_000
        )
    assert resumed == [int(alice.id)]
    _expire_lease(aws, alice)
    pipeline.run_until_quiet()
    assert erasure_dependencies().ports.store.progress(int(alice.id)) is None
    assert_nothing_left(aws, alice)
    assert api.metrics(bob.id)["following_count"] == 0


def _now_ms() -> int:
    return int(time.time() * 1000)


def _expire_lease(aws: dict[str, str], account: Account) -> None:
    """The killed worker's lease, run out (as 330 s later)."""
    boto3.client("dynamodb").update_item(
        TableName=aws["USERS_TABLE"],
        Key={"pk": {"S": f"USER#{account.id}"}},
        UpdateExpression="SET erasure_lease_until_ms = :past",
        ExpressionAttributeValues={":past": {"N": str(_now_ms() - 1)}},
    )
