"""Home timelines over HTTP on the local runtime, where the whole pipeline runs for real: DynamoDB Local
streams -> fan-out function -> timeline queue (moto server) -> timeline writer -> timelines table.

One runtime of its own for the module, with CelebrityThreshold=3 and TimelineMaxEntries=6 (template
parameters) and TIMELINE_TRIM_PROBABILITY=1 (a setting the template leaves to its default). The tests
read the tables and queues directly (their names from the runtime's endpoints.json) only to check what
a client cannot see: what is physically stored, and what reached the dead-letter queue.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import httpx
import pytest
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID

from infra.local.sqs_poller import LONG_POLL_SECONDS
from tests.e2e.conftest import RunningRuntime, start_runtime, stop_and_check_clean_exit

pytestmark = pytest.mark.e2e

MAX_ENTRIES = 6
RUNTIME_ENVIRONMENT = {
    "CHIRP_PARAMETER_OVERRIDES": f"CelebrityThreshold=3 TimelineMaxEntries={MAX_ENTRIES}",
    "TIMELINE_TRIM_PROBABILITY": "1",
    # One sandbox per function, warmed at start: the tests run one at a time, and cold starts of more
    # sandboxes would eat into the delivery deadlines on a loaded two-core machine.
    "CHIRP_LOCAL_CONCURRENCY": "1",
}
WARM_UP_SECONDS = 60.0
DEADLINE_SECONDS = 15.0
DAY_MS = 86_400_000

T = TypeVar("T")
_names = itertools.count()


@pytest.fixture(scope="module")
def timeline_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRuntime]:
    """The module's runtime, warmed up by one delivery (a function's first calls create its clients)."""
    runtime = start_runtime(tmp_path_factory.mktemp("chirp-e2e-timelines") / "data", RUNTIME_ENVIRONMENT)
    try:
        with httpx.Client(base_url=runtime.base_url, timeout=60) as api:
            follower, author = reader(api), register(api)
            follow(api, follower, author)
            tweet_id = post(api, author, "warming up")
            eventually(lambda: home_ids(api, follower) == [tweet_id], "the first delivery", timeout=WARM_UP_SECONDS)
        yield runtime
    finally:
        stop_and_check_clean_exit(runtime)


@dataclass(frozen=True)
class Backend:
    """Direct access to the runtime's emulators, for what a client cannot observe."""

    dynamodb: Any
    sqs: Any
    resources: dict[str, str]

    def table(self, logical_id: str) -> str:
        return self.resources[logical_id]

    def stored_entries(self, owner: Account) -> dict[int, int]:
        """The timeline items physically in the owner's partition: entry id -> author id."""
        items = self.dynamodb.query(
            TableName=self.table("TimelinesTable"),
            KeyConditionExpression="owner_id = :owner AND entry_id < :activity",
            ExpressionAttributeValues={":owner": {"N": owner.id}, ":activity": {"N": str(ACTIVITY_ENTRY_ID)}},
            ConsistentRead=True,
        )["Items"]
        return {int(item["entry_id"]["N"]): int(item["author_id"]["N"]) for item in items}

    def is_celebrity(self, user: Account) -> bool:
        item = self.dynamodb.get_item(
            TableName=self.table("UsersTable"), Key={"pk": {"S": f"USER#{user.id}"}}, ConsistentRead=True
        )["Item"]
        return bool(item.get("celebrity", {}).get("BOOL", False))

    def pulls(self, follower: Account, followee: Account) -> bool:
        """Whether the follower pulls the followee's tweets at read time (its activity record lists it)."""
        item = self.dynamodb.get_item(
            TableName=self.table("TimelinesTable"),
            Key={"owner_id": {"N": follower.id}, "entry_id": {"N": str(ACTIVITY_ENTRY_ID)}},
            ConsistentRead=True,
        ).get("Item", {})
        return followee.id in item.get("pulls", {}).get("NS", [])

    def backdate_activity(self, owner: Account, days: int) -> None:
        """Pretend the owner last read its home timeline `days` ago (the clock cannot be moved over HTTP)."""
        self.dynamodb.update_item(
            TableName=self.table("TimelinesTable"),
            Key={"owner_id": {"N": owner.id}, "entry_id": {"N": str(ACTIVITY_ENTRY_ID)}},
            UpdateExpression="SET last_seen_ms = :then",
            ConditionExpression="attribute_exists(owner_id)",
            ExpressionAttributeValues={":then": {"N": str(int(time.time() * 1000) - days * DAY_MS)}},
        )


@pytest.fixture(scope="module")
def backend(timeline_runtime: RunningRuntime) -> Backend:
    endpoints = timeline_runtime.endpoints()
    credentials = {"region_name": endpoints["region"], "aws_access_key_id": "e2e", "aws_secret_access_key": "e2e"}
    return Backend(
        dynamodb=boto3.client("dynamodb", endpoint_url=endpoints["dynamodb"], **credentials),
        sqs=boto3.client("sqs", endpoint_url=endpoints["moto"], **credentials),
        resources={logical_id: resource["ref"] for logical_id, resource in endpoints["resources"].items()},
    )


@pytest.fixture
def api(timeline_runtime: RunningRuntime) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=timeline_runtime.base_url, timeout=60) as client:
        yield client


# ---------------------------------------------------------------- client helpers


@dataclass(frozen=True)
class Account:
    id: str
    username: str
    name: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


def register(api: httpx.Client) -> Account:
    username = f"t{secrets.token_hex(4)}{next(_names)}"[:15]
    response = api.post(
        "/users/register", json={"username": username, "email": f"{username}@example.com", "password": "password-123"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["data"]["id"], username, body["data"]["name"], body["token"]["access_token"])


def reader(api: httpx.Client) -> Account:
    """A new account that has read its home timeline once, so fan-out writes to it."""
    account = register(api)
    home(api, account)
    return account


def post(api: httpx.Client, author: Account, text: str) -> str:
    response = api.post("/tweets", json={"text": text}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: str = response.json()["data"]["id"]
    return tweet_id


def follow(api: httpx.Client, follower: Account, followee: Account) -> None:
    response = api.post(f"/users/{followee.id}/follow", headers=follower.auth)
    assert response.status_code == 200, response.text


def unfollow(api: httpx.Client, follower: Account, followee: Account) -> None:
    response = api.delete(f"/users/{followee.id}/follow", headers=follower.auth)
    assert response.status_code == 200, response.text


def home(
    api: httpx.Client, account: Account, limit: int = 100, cursor: str | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page of the home timeline; every page read is checked to show each original once."""
    params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
    response = api.get("/timeline", params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    ids = [entry["id"] for entry in body["data"]]
    assert len(ids) == len(set(ids)), f"a page showed an original twice: {ids}"
    return body["data"], body["meta"]["next_cursor"]


def home_ids(api: httpx.Client, account: Account) -> list[str]:
    return [entry["id"] for entry in home(api, account)[0]]


def eventually(check: Callable[[], T | None], what: str, timeout: float = DEADLINE_SECONDS) -> T:
    """Poll `check` until it returns something other than None or False, for at most `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.1)


# ---------------------------------------------------------------- posting, following, deleting


def test_the_author_sees_its_tweet_at_once_and_a_follower_soon_after(api: httpx.Client) -> None:
    # Given an active reader following an author
    follower, author = reader(api), register(api)
    follow(api, follower, author)
    # When the author posts
    tweet_id = post(api, author, "hello, followers")
    # Then the author's own home timeline has it at once, and the follower's within the deadline
    assert home_ids(api, author) == [tweet_id]
    eventually(lambda: home_ids(api, follower) == [tweet_id], "the follower sees the new tweet")


def test_following_backfills_and_unfollowing_removes(api: httpx.Client, backend: Backend) -> None:
    # Given an author with two tweets and an active reader
    author = register(api)
    older, newer = post(api, author, "first"), post(api, author, "second")
    follower = reader(api)
    # When the reader follows the author
    follow(api, follower, author)
    # Then the author's recent tweets arrive, newest first
    eventually(lambda: home_ids(api, follower) == [newer, older], "the follow's backfill")
    # When the reader unfollows
    unfollow(api, follower, author)
    # Then they leave its timeline, and its table
    eventually(lambda: home_ids(api, follower) == [], "the unfollow's removal")
    eventually(lambda: backend.stored_entries(follower) == {}, "the entries are deleted")


def test_a_deleted_tweet_is_never_served_once_delete_returned(api: httpx.Client, backend: Backend) -> None:
    # Given a follower that has two of an author's tweets
    follower, author = reader(api), register(api)
    follow(api, follower, author)
    kept, deleted = post(api, author, "keep me"), post(api, author, "delete me")
    eventually(lambda: home_ids(api, follower) == [deleted, kept], "the follower has both tweets")
    # When the author deletes one
    response = api.delete(f"/tweets/{deleted}", headers=author.auth)
    assert response.status_code == 204
    # Then from the very next read on, nobody is served it, even before fan-out removes its entry
    assert home_ids(api, follower) == [kept]
    assert home_ids(api, author) == [kept]
    # And fan-out removes the entry soon after
    eventually(lambda: int(deleted) not in backend.stored_entries(follower), "the entry is deleted")
    assert home_ids(api, follower) == [kept]


# ---------------------------------------------------------------- celebrities


def test_a_celebrity_is_pulled_not_pushed_and_demoted_only_below_the_floor(api: httpx.Client, backend: Backend) -> None:
    # Given CelebrityThreshold=3 (floor 2), an author with two active followers, and an ordinary author
    # whose tweets show when fan-out has got past the celebrity's (the tweets stream keeps order)
    author, ordinary = register(api), register(api)
    first, second, third = reader(api), reader(api), reader(api)
    follow(api, first, author)
    follow(api, second, author)
    follow(api, first, ordinary)
    before = post(api, author, "two followers")
    eventually(lambda: int(before) in backend.stored_entries(second), "fan-out below the threshold")
    assert not backend.is_celebrity(author)
    # When a third reader follows
    follow(api, third, author)
    # Then the author is promoted and every follower's edge is marked as pulled
    eventually(lambda: backend.is_celebrity(author), "the promotion")
    eventually(lambda: all(backend.pulls(f, author) for f in (first, second, third)), "the edges are marked")
    # When it posts
    famous = post(api, author, "three followers")
    # Then every follower sees the tweet at once, each original once, newest first
    for follower in (first, second, third):
        assert home_ids(api, follower)[:2] == [famous, before]
    # And fan-out writes it to nobody (checked once fan-out has handled a later tweet)
    marker = post(api, ordinary, "fan-out got here")
    eventually(lambda: int(marker) in backend.stored_entries(first), "fan-out of the later tweet")
    assert all(int(famous) not in backend.stored_entries(f) for f in (first, second, third))

    # When one follower leaves (2 followers: between the floor and the threshold)
    unfollow(api, third, author)
    # Then it stays a celebrity (checked once the users stream has promoted a later author: it keeps order)
    later = register(api)
    for follower in (first, second, third):
        follow(api, follower, later)
    eventually(lambda: backend.is_celebrity(later), "the later author's promotion")
    assert backend.is_celebrity(author)
    assert backend.pulls(first, author)

    # When a second follower leaves (1 follower: below the floor)
    unfollow(api, second, author)
    # Then it is demoted: its recent tweets are pushed to the remaining follower, whose edge is unmarked
    eventually(lambda: not backend.is_celebrity(author), "the demotion")
    eventually(lambda: int(famous) in backend.stored_entries(first), "the demotion's push of recent tweets")
    eventually(lambda: not backend.pulls(first, author), "the edge is unmarked")
    # And its next tweet is fanned out again
    ordinary_again = post(api, author, "ordinary again")
    eventually(lambda: int(ordinary_again) in backend.stored_entries(first), "fan-out after the demotion")
    assert home_ids(api, first)[:3] == [ordinary_again, marker, famous]


# ---------------------------------------------------------------- inactive readers


def test_inactive_readers_get_no_fan_out_and_are_rebuilt_when_they_read(api: httpx.Client, backend: Backend) -> None:
    # Given a reader who never read and one away for 31 days, each following an author that an active
    # reader follows too (two followers each: below the celebrity threshold)
    active, never, away = reader(api), register(api), reader(api)
    backend.backdate_activity(away, days=31)
    authors = {never.id: register(api), away.id: register(api)}
    for inactive in (never, away):
        follow(api, active, authors[inactive.id])
        follow(api, inactive, authors[inactive.id])
    # When each author posts, and fan-out has reached the active reader (one message carries both followers)
    tweets = {inactive.id: post(api, authors[inactive.id], "who is listening?") for inactive in (never, away)}
    wanted = {int(tweet_id) for tweet_id in tweets.values()}
    eventually(lambda: wanted <= set(backend.stored_entries(active)), "fan-out to the active reader")
    # Then nothing was written for the inactive two
    assert backend.stored_entries(never) == {}
    assert backend.stored_entries(away) == {}
    # When they read
    # Then their timelines are rebuilt from their followees' recent tweets, and stored
    for returning in (never, away):
        assert home_ids(api, returning) == [tweets[returning.id]]
        assert backend.stored_entries(returning) == {int(tweets[returning.id]): int(authors[returning.id].id)}


# ---------------------------------------------------------------- the cap


def test_a_timeline_serves_and_stores_at_most_the_cap(api: httpx.Client, backend: Backend) -> None:
    # Given TimelineMaxEntries=6, TIMELINE_TRIM_PROBABILITY=1 and an author with 9 tweets
    author = register(api)
    tweet_ids = [post(api, author, f"tweet {n}") for n in range(9)]
    newest = tweet_ids[::-1][:MAX_ENTRIES]
    follower = reader(api)
    # When an active reader follows it
    follow(api, follower, author)
    # Then the backfill of all 9 is trimmed in the table to the newest 6
    eventually(
        lambda: sorted(backend.stored_entries(follower), reverse=True) == [int(i) for i in newest],
        "the trimmed backfill",
    )
    # And walking every page, four at a time, yields those 6, newest first, then no cursor
    served: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        page, cursor = home(api, follower, limit=4, cursor=cursor)
        served += [entry["id"] for entry in page]
        if cursor is None:
            break
    assert served == newest


# ---------------------------------------------------------------- failures


def test_a_poison_message_ends_in_the_timeline_dlq(api: httpx.Client, backend: Backend) -> None:
    # Given the timeline queue, its visibility timeout cut from the template's 180 s to 0 s so that
    # the maxReceiveCount failed receives take seconds (the template has no parameter for it)
    queue, dead_letters = backend.resources["TimelineQueue"], backend.resources["TimelineDeadLetterQueue"]
    visibility = backend.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["VisibilityTimeout"])["Attributes"]
    backend.sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "0"})
    # A receive already waiting keeps the visibility it read when it started: let the poller's end.
    time.sleep(LONG_POLL_SECONDS + 0.2)
    try:
        # When a message no writer can apply is sent to it
        poison = json.dumps({"op": "add", "owners": [], "poison": secrets.token_hex(4)})
        backend.sqs.send_message(QueueUrl=queue, MessageBody=poison)

        # Then after its failed receives it is in the DLQ, body intact
        def dead_lettered() -> bool:
            received = backend.sqs.receive_message(QueueUrl=dead_letters, MaxNumberOfMessages=10, VisibilityTimeout=0)
            return poison in [message["Body"] for message in received.get("Messages", [])]

        eventually(dead_lettered, "the poison message reaches the DLQ", timeout=DEADLINE_SECONDS)
    finally:
        backend.sqs.set_queue_attributes(QueueUrl=queue, Attributes=visibility)
    # And the writer goes on applying good changes
    follower, author = reader(api), register(api)
    follow(api, follower, author)
    tweet_id = post(api, author, "after the poison")
    eventually(lambda: home_ids(api, follower) == [tweet_id], "delivery after the poison message")


# ---------------------------------------------------------------- the routes


def test_home_timeline_routes_check_the_token_and_the_owner(api: httpx.Client) -> None:
    # Given two accounts
    me, other = register(api), register(api)
    # Then without a token both routes answer 401, and another's home timeline 403
    assert api.get("/timeline").status_code == 401
    assert api.get(f"/users/{me.id}/timeline").status_code == 401
    forbidden = api.get(f"/users/{other.id}/timeline", headers=me.auth)
    assert forbidden.status_code == 403
    assert forbidden.json()["error"]["code"] == "forbidden"


def test_my_home_timeline_by_id_equals_the_home_timeline_and_names_the_authors(api: httpx.Client) -> None:
    # Given a reader following an author, with a tweet of each in the reader's timeline
    me, author = reader(api), register(api)
    follow(api, me, author)
    theirs = post(api, author, "from the author")
    eventually(lambda: home_ids(api, me) == [theirs], "the author's tweet arrives")
    mine = post(api, me, "from me")
    # When the reader reads its timeline by both routes
    by_route = api.get("/timeline", headers=me.auth)
    by_id = api.get(f"/users/{me.id}/timeline", headers=me.auth)
    # Then they are equal, and each entry is a tweet with its author's id, username and name
    assert by_route.status_code == by_id.status_code == 200
    assert by_route.json() == by_id.json()
    entries = by_route.json()["data"]
    assert [entry["id"] for entry in entries] == [mine, theirs]
    assert [entry["author"] for entry in entries] == [
        {"id": who.id, "username": who.username, "name": who.name} for who in (me, author)
    ]
    for entry in entries:
        assert set(entry) == {"id", "text", "author_id", "created_at", "entities", "public_metrics", "author"}
        assert entry["author_id"] == entry["author"]["id"]
