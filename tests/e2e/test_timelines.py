"""Home timelines over HTTP on the local runtime, where the whole pipeline runs for real: DynamoDB Local
streams -> fan-out function -> timeline queue (moto server) -> timeline writer -> timelines table.

One runtime of its own for the module, with CelebrityThreshold=3 and TimelineMaxEntries=6 (template
parameters) and TIMELINE_TRIM_PROBABILITY=1 (a setting the template leaves to its default). The tests
read the tables and queues directly (their names from the runtime's endpoints.json) only to check what
a client cannot see: what is physically stored, and what reached the dead-letter queue.

The engagement tests (retweets, replies, counts, the reader's state) share it: every test uses fresh
accounts, so none sees another's tweets. Counts are written by the engagement counter from the
engagements table's stream, and a deleted original's retweets are undone by the engagement clean-up
from the domain-event bus: tests of those wait for the pipeline to settle.
"""

from __future__ import annotations

import itertools
import json
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

import boto3
import httpx
import pytest
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID

from infra.local.sqs_poller import LONG_POLL_SECONDS
from tests.e2e.conftest import RunningRuntime, start_runtime, stop_and_check_clean_exit

pytestmark = pytest.mark.e2e

MAX_ENTRIES = 6
CELEBRITY_THRESHOLD = 3
RUNTIME_ENVIRONMENT = {
    "CHIRP_PARAMETER_OVERRIDES": f"CelebrityThreshold={CELEBRITY_THRESHOLD} TimelineMaxEntries={MAX_ENTRIES}",
    "TIMELINE_TRIM_PROBABILITY": "1",
    # One sandbox per function, warmed at start: the tests run one at a time, and cold starts of more
    # sandboxes would eat into the delivery deadlines on a loaded two-core machine.
    "CHIRP_LOCAL_CONCURRENCY": "1",
}
# What every listed tweet carries (chirp.http.schemas.TimelineTweet).
TIMELINE_TWEET_FIELDS = {
    *("id", "text", "author_id", "created_at", "conversation_id", "in_reply_to_user_id", "referenced_tweets"),
    *("entities", "public_metrics", "author", "viewer", "retweeted_tweet", "quoted_tweet"),
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
        sqs=boto3.client("sqs", endpoint_url=endpoints["sqs"], **credentials),
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
    """One page of the home timeline; every page read is checked to show each original once (a retweet
    stands for its original)."""
    params = {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
    response = api.get("/timeline", params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    originals = [original_id(entry) for entry in body["data"]]
    assert len(originals) == len(set(originals)), f"a page showed an original twice: {body['data']}"
    return body["data"], body["meta"]["next_cursor"]


def original_id(entry: dict[str, Any]) -> str:
    """The id of what a listed tweet shows: a retweet's original, else itself."""
    shown: str = (entry["retweeted_tweet"] or entry)["id"]
    return shown


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
    # Then they are equal, and each entry is a timeline tweet with its author's id, username and name
    assert by_route.status_code == by_id.status_code == 200
    assert by_route.json() == by_id.json()
    entries = by_route.json()["data"]
    assert [entry["id"] for entry in entries] == [mine, theirs]
    assert [entry["author"] for entry in entries] == [
        {"id": who.id, "username": who.username, "name": who.name} for who in (me, author)
    ]
    for entry in entries:
        assert set(entry) == TIMELINE_TWEET_FIELDS
        assert entry["author_id"] == entry["author"]["id"]


# ---------------------------------------------------------------- engagement: helpers

Shown = tuple[str, str, str | None]  # a listed tweet as (id, author id, id of the retweeted original or None)


def shown(entries: list[dict[str, Any]]) -> list[Shown]:
    return [
        (entry["id"], entry["author"]["id"], entry["retweeted_tweet"]["id"] if entry["retweeted_tweet"] else None)
        for entry in entries
    ]


def home_shown(api: httpx.Client, account: Account) -> list[Shown]:
    return shown(home(api, account)[0])


def user_tweets(api: httpx.Client, account: Account) -> list[dict[str, Any]]:
    """The account's user timeline (its tweets and retweets), as an anonymous reader sees it."""
    response = api.get(f"/users/{account.id}/tweets", params={"limit": "100"})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["data"]
    return entries


def tweet_count(api: httpx.Client, account: Account) -> int:
    response = api.get(f"/users/{account.id}")
    assert response.status_code == 200, response.text
    count: int = response.json()["data"]["public_metrics"]["tweet_count"]
    return count


def metrics(api: httpx.Client, tweet_id: str) -> dict[str, int] | int:
    """The tweet's public_metrics, or the status it is refused with (404 once deleted)."""
    response = api.get(f"/tweets/{tweet_id}")
    if response.status_code != 200:
        return response.status_code
    found: dict[str, int] = response.json()["data"]["public_metrics"]
    return found


def home_entry(api: httpx.Client, account: Account, original: str) -> dict[str, Any]:
    """The entry of the account's first home page that shows `original` (itself, or a retweet of it)."""
    entries = [entry for entry in home(api, account)[0] if original_id(entry) == original]
    assert len(entries) == 1, f"{original} is not on the page once: {entries}"
    return entries[0]


def retweet(api: httpx.Client, account: Account, tweet_id: str) -> str:
    response = api.post(f"/tweets/{tweet_id}/retweet", headers=account.auth)
    assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()["data"]
    assert made["retweeted"] is True
    retweet_id: str = made["retweet_id"]
    return retweet_id


def unretweet(api: httpx.Client, account: Account, tweet_id: str) -> httpx.Response:
    return api.delete(f"/tweets/{tweet_id}/retweet", headers=account.auth)


def like(api: httpx.Client, account: Account, tweet_id: str) -> None:
    response = api.post(f"/tweets/{tweet_id}/like", headers=account.auth)
    assert response.status_code == 200, response.text


def unlike(api: httpx.Client, account: Account, tweet_id: str) -> None:
    response = api.delete(f"/tweets/{tweet_id}/like", headers=account.auth)
    assert response.status_code == 200, response.text


def delete(api: httpx.Client, account: Account, tweet_id: str) -> None:
    response = api.delete(f"/tweets/{tweet_id}", headers=account.auth)
    assert response.status_code == 204, response.text


def post_referring(api: httpx.Client, author: Account, text: str, **refers: Any) -> str:
    """A reply (`reply={"in_reply_to_tweet_id": ...}`) or a quote (`quote_tweet_id=...`)."""
    response = api.post("/tweets", json={"text": text, **refers}, headers=author.auth)
    assert response.status_code == 201, response.text
    tweet_id: str = response.json()["data"]["id"]
    return tweet_id


def reply(api: httpx.Client, author: Account, parent: str, text: str) -> str:
    return post_referring(api, author, text, reply={"in_reply_to_tweet_id": parent})


def settles(observe: Callable[[], object], expected: object, what: str, timeout: float = DEADLINE_SECONDS) -> None:
    """Poll `observe` until it returns `expected`; on timeout, fail showing the last observation."""
    seen: list[object] = []

    def matches() -> bool:
        seen[:] = [observe()]
        return seen[0] == expected

    try:
        eventually(matches, what, timeout)
    except AssertionError as late:
        raise AssertionError(f"{late}\n  expected: {expected}\n  observed: {seen[0]}") from None


def make_celebrity(api: httpx.Client, backend: Backend, followers: list[Account]) -> Account:
    """A new author followed by `followers` (at least CelebrityThreshold of them), returned once it is
    promoted and every follower pulls it at read time."""
    assert len(followers) >= CELEBRITY_THRESHOLD
    star = register(api)
    for follower in followers:
        follow(api, follower, star)
    eventually(lambda: backend.is_celebrity(star), "the promotion")
    eventually(lambda: all(backend.pulls(follower, star) for follower in followers), "the followers pull it")
    return star


# ---------------------------------------------------------------- engagement: retweets


@dataclass
class RetweetScene:
    """An author's original, a retweeter, and a reader following each of them and one following both;
    what each of them should see, given whether the original exists and the retweet (if any)."""

    api: httpx.Client
    backend: Backend
    author: Account
    retweeter: Account
    of_author: Account
    of_retweeter: Account
    of_both: Account
    original: str

    def observed(self) -> dict[str, object]:
        api, stored = self.api, self.backend.stored_entries
        return {
            "author's home": home_shown(api, self.author),
            "retweeter's home": home_shown(api, self.retweeter),
            "author's follower's home": home_shown(api, self.of_author),
            "retweeter's follower's home": home_shown(api, self.of_retweeter),
            "home of a follower of both": home_shown(api, self.of_both),
            "retweeter's user timeline": shown(user_tweets(api, self.retweeter)),
            "retweeter's tweet_count": tweet_count(api, self.retweeter),
            "the original's retweet_count": (
                found["retweet_count"] if isinstance(found := metrics(api, self.original), dict) else found
            ),
            "stored": {
                who: set(stored(account))
                for who, account in (
                    ("author", self.author),
                    ("retweeter", self.retweeter),
                    ("author's follower", self.of_author),
                    ("retweeter's follower", self.of_retweeter),
                    ("follower of both", self.of_both),
                )
            },
        }

    def expected(self, original_exists: bool, retweet_id: str | None) -> dict[str, object]:
        """What every view shows once settled. A retweet is shown as itself, by its retweeter, naming the
        original, and stands for the original (the newer entry) where both would show."""
        original = [(self.original, self.author.id, None)] if original_exists else []
        retweeted = [(retweet_id, self.retweeter.id, self.original)] if retweet_id and original_exists else []
        original_entry = {int(self.original)} if original_exists else set()
        retweet_entry = {int(retweet_id)} if retweet_id and original_exists else set()
        return {
            "author's home": original,
            "retweeter's home": retweeted,
            "author's follower's home": original,
            "retweeter's follower's home": retweeted,
            "home of a follower of both": retweeted or original,
            "retweeter's user timeline": retweeted,
            "retweeter's tweet_count": len(retweeted),
            "the original's retweet_count": len(retweeted) if original_exists else 404,
            "stored": {
                "author": original_entry,
                "retweeter": retweet_entry,
                "author's follower": original_entry,
                "retweeter's follower": retweet_entry,
                "follower of both": original_entry | retweet_entry,
            },
        }

    def shows_the_original_nowhere(self) -> bool:
        homes = [self.author, self.retweeter, self.of_author, self.of_retweeter, self.of_both]
        listed = [entry for account in homes for entry in home(self.api, account)[0]]
        listed += user_tweets(self.api, self.retweeter)
        return all(original_id(entry) != self.original for entry in listed)


RETWEET_STEPS = {
    "retweet-unretweet-delete": ("retweet", "unretweet", "delete"),
    "retweet-delete-unretweet": ("retweet", "delete", "unretweet"),
    "unretweet-retweet-delete": ("unretweet", "retweet", "delete"),
    "retweet-delete": ("retweet", "delete"),
}


@pytest.mark.parametrize("steps", list(RETWEET_STEPS.values()), ids=list(RETWEET_STEPS))
def test_retweeting_unretweeting_and_deleting_the_original_settle_in_every_order(
    api: httpx.Client, backend: Backend, steps: tuple[str, ...]
) -> None:
    # Given an author's tweet, a retweeter, and active readers following the author, the retweeter, and both
    author, retweeter = reader(api), reader(api)
    of_author, of_retweeter, of_both = reader(api), reader(api), reader(api)
    for follower, followee in ((of_author, author), (of_retweeter, retweeter), (of_both, author), (of_both, retweeter)):
        follow(api, follower, followee)
    scene = RetweetScene(
        api, backend, author, retweeter, of_author, of_retweeter, of_both, post(api, author, "worth sharing")
    )
    original_exists, retweet_id = True, None
    settles(scene.observed, scene.expected(original_exists, retweet_id), "the original's delivery")
    for position, step in enumerate(steps):
        # When the retweeter retweets it, undoes its retweet (a no-op when there is none), or the author
        # deletes the original (the clean-up then undoes its retweets), in the order given; a step after a
        # delete is taken at once, while the clean-up may still be running
        if step == "retweet":
            retweet_id = retweet(api, retweeter, scene.original)
        elif step == "unretweet":
            undone = unretweet(api, retweeter, scene.original)
            if original_exists or undone.status_code == 200:
                assert undone.status_code == 200, undone.text
                assert undone.json() == {"data": {"retweeted": False, "retweet_id": None}}
            else:  # the original is gone and the clean-up undid the retweet first: nothing is left to undo
                assert undone.status_code == 404, undone.text
                assert undone.json()["error"]["code"] == "not_found"
            retweet_id = None
        else:
            delete(api, author, scene.original)
            original_exists = False
            if position + 1 < len(steps):
                continue
        # Then from the very next read after a delete on, no timeline shows the original, even retweeted
        if not original_exists:
            assert scene.shows_the_original_nowhere()
        # And once the pipeline settles, every timeline, the stored entries, the retweeter's tweets and
        # the original's retweet_count (404 once deleted) are exactly what that state asks
        settles(scene.observed, scene.expected(original_exists, retweet_id), f"the state after {step}")


def test_an_original_retweeted_by_two_followees_shows_once_as_the_newest_retweet(
    api: httpx.Client, backend: Backend
) -> None:
    # Given a reader following an author and two retweeters, with the author's tweet in its timeline
    follower, author, first, second = reader(api), register(api), register(api), register(api)
    for followee in (author, first, second):
        follow(api, follower, followee)
    original = post(api, author, "retweet me, both of you")
    eventually(lambda: home_ids(api, follower) == [original], "the original arrives")
    # When both retweet it
    first_retweet, second_retweet = retweet(api, first, original), retweet(api, second, original)
    # Then, once all three entries are stored, the page shows the original once: the newest retweet
    entries = {int(original), int(first_retweet), int(second_retweet)}
    eventually(lambda: entries <= set(backend.stored_entries(follower)), "both retweets are delivered")
    settles(lambda: home_shown(api, follower), [(second_retweet, second.id, original)], "the page")
    # And it is the retweet itself: its id and retweeter, no text, naming the original, which it embeds
    # with its author, and with the original's counts (once counted)
    entry = home_entry(api, follower, original)
    assert (entry["id"], entry["author_id"], entry["text"]) == (second_retweet, second.id, "")
    assert entry["author"] == {"id": second.id, "username": second.username, "name": second.name}
    assert entry["referenced_tweets"] == [{"type": "retweeted", "id": original}]
    embedded = entry["retweeted_tweet"]
    assert (embedded["id"], embedded["author"]["id"]) == (original, author.id)
    assert embedded["text"] == "retweet me, both of you"
    # And, once counted, it shows the original's counts, as its embedded original and the tweet itself do
    counted = {
        "retweet_count": len({first_retweet, second_retweet}),
        "reply_count": 0,
        "like_count": 0,
        "quote_count": 0,
    }

    def counts() -> tuple[object, ...]:
        shown_entry = home_entry(api, follower, original)
        return shown_entry["public_metrics"], shown_entry["retweeted_tweet"]["public_metrics"], metrics(api, original)

    settles(counts, (counted, counted, counted), "the counts of two retweets")
    # When the follower likes the original through the retweet it sees
    like(api, follower, second_retweet)
    # Then its very next read shows the retweet, and its original, liked
    entry = home_entry(api, follower, original)
    assert entry["viewer"] == entry["retweeted_tweet"]["viewer"] == {"liked": True, "retweeted": False}
    # When the newer retweet is undone, then the older
    # Then the page shows the older retweet, then the original itself
    assert unretweet(api, second, original).status_code == 200
    settles(lambda: home_shown(api, follower), [(first_retweet, first.id, original)], "the newer retweet's removal")
    assert unretweet(api, first, original).status_code == 200
    settles(lambda: home_shown(api, follower), [(original, author.id, None)], "the older retweet's removal")


# ---------------------------------------------------------------- engagement: replies


def test_a_reply_reaches_those_who_follow_both_ends_and_a_self_thread_every_follower(
    api: httpx.Client, backend: Backend
) -> None:
    # Given alice, and two who will reply to her: bob, followed by a reader who follows alice too and by
    # one who does not; carol, followed by alice herself. And a reader following alice only. (Everyone
    # has fewer than CelebrityThreshold followers: every tweet here is pushed.)
    alice, bob, carol = reader(api), reader(api), reader(api)
    of_both, of_bob, of_alice = reader(api), reader(api), reader(api)
    for follower, followee in ((of_both, alice), (of_both, bob), (of_bob, bob), (of_alice, alice), (alice, carol)):
        follow(api, follower, followee)
    # When alice posts, bob and carol reply to her, and then bob writes a thread (a reply to himself)
    root = post(api, alice, "a question")
    bobs_answer = reply(api, bob, root, "an answer")
    carols_answer = reply(api, carol, root, "another answer")
    thread = post(api, bob, "a thread, 1/2")
    thread_reply = reply(api, bob, thread, "2/2")
    # Then once delivered: bob's reply reaches the follower of both him and alice, not his follower who
    # does not follow alice; carol's reaches alice, who follows her; each replier has its own; the follower
    # of alice only gets neither; and bob's self-thread reaches every follower of his
    expected = {
        "alice": [carols_answer, root],
        "bob": [thread_reply, thread, bobs_answer],
        "carol": [carols_answer],
        "follower of alice and bob": [thread_reply, thread, bobs_answer, root],
        "follower of bob only": [thread_reply, thread],
        "follower of alice only": [root],
    }
    readers = {
        "alice": alice,
        "bob": bob,
        "carol": carol,
        "follower of alice and bob": of_both,
        "follower of bob only": of_bob,
        "follower of alice only": of_alice,
    }
    settles(lambda: {who: home_ids(api, account) for who, account in readers.items()}, expected, "the deliveries")
    # And what is not shown is not stored either (one message carried bob's reply to both his followers:
    # it was applied when the follower of both had it)
    assert int(bobs_answer) not in backend.stored_entries(of_bob)
    assert not backend.is_celebrity(bob)
    # And a reply shows what it replies to
    entry = home_entry(api, of_both, bobs_answer)
    assert (entry["in_reply_to_user_id"], entry["conversation_id"]) == (alice.id, root)
    assert entry["referenced_tweets"] == [{"type": "replied_to", "id": root}]


# ---------------------------------------------------------------- engagement: counts


def test_counts_agree_on_home_timelines_tweets_and_user_timelines_pushed_or_pulled(
    api: httpx.Client, backend: Backend
) -> None:
    # Given a reader following an ordinary author and a celebrity (CelebrityThreshold followers), and a
    # tweet of each in the reader's home timeline: the ordinary one pushed, the celebrity's pulled
    follower, ordinary = reader(api), register(api)
    follow(api, follower, ordinary)
    celebrity = make_celebrity(api, backend, [follower, reader(api), reader(api)])
    pushed = post(api, ordinary, "pushed to you")
    pulled = post(api, celebrity, "pulled by you")
    eventually(lambda: home_ids(api, follower) == [pulled, pushed], "both tweets are in the home timeline")
    # When five users like each, two of them retweet it, one replies to it and one quotes it
    fans = [register(api) for _ in range(5)]
    retweeters, repliers, quoters = fans[:2], fans[2:3], fans[3:4]
    for tweet_id in (pushed, pulled):
        for fan in fans:
            like(api, fan, tweet_id)
        for fan in retweeters:
            retweet(api, fan, tweet_id)
        for fan in repliers:
            reply(api, fan, tweet_id, "a reply")
        for fan in quoters:
            post_referring(api, fan, "a quote", quote_tweet_id=tweet_id)
    engaged = {
        "retweet_count": len(retweeters),
        "reply_count": len(repliers),
        "like_count": len(fans),
        "quote_count": len(quoters),
    }

    # Then once counted, each tweet's public_metrics agree on the home timeline, the tweet itself and its
    # author's user timeline, and are exact
    def counts(tweet_id: str, author: Account) -> tuple[object, ...]:
        on_home = home_entry(api, follower, tweet_id)["public_metrics"]
        on_user_timeline = [entry["public_metrics"] for entry in user_tweets(api, author) if entry["id"] == tweet_id]
        return on_home, metrics(api, tweet_id), on_user_timeline

    for tweet_id, author in ((pushed, ordinary), (pulled, celebrity)):
        settles(partial(counts, tweet_id, author), (engaged, engaged, [engaged]), f"the counts of {author.username}")
    # And the home timeline still shows the two tweets only (nobody it follows retweeted, replied or quoted)
    assert home_ids(api, follower) == [pulled, pushed]


# ---------------------------------------------------------------- engagement: the reader's state


def test_the_readers_likes_and_retweets_show_on_its_home_timeline_at_once(api: httpx.Client, backend: Backend) -> None:
    # Given a reader and another, both following an ordinary author and a celebrity, each with a tweet in
    # their home timelines: the ordinary one pushed, the celebrity's pulled
    me, other, ordinary = reader(api), reader(api), register(api)
    for follower in (me, other):
        follow(api, follower, ordinary)
    celebrity = make_celebrity(api, backend, [me, other, reader(api)])
    pushed = post(api, ordinary, "pushed to you")
    pulled = post(api, celebrity, "pulled by you")
    for follower in (me, other):
        settles(partial(home_ids, api, follower), [pulled, pushed], "both tweets are in the home timeline")

    def states(original: str) -> tuple[object, object]:
        """(my view of the original, the other reader's) on our home timelines, read now."""
        return home_entry(api, me, original)["viewer"], home_entry(api, other, original)["viewer"]

    for original in (pushed, pulled):
        untouched = {"liked": False, "retweeted": False}
        assert states(original) == (untouched, untouched)
        # When I like it
        like(api, me, original)
        # Then my very next read shows it liked, and nobody else's
        assert states(original) == ({"liked": True, "retweeted": False}, untouched)
        # When I retweet it
        my_retweet = retweet(api, me, original)
        # Then my very next read shows my retweet in its place, liked and retweeted, as its original is
        entry = home_entry(api, me, original)
        assert (entry["id"], entry["author"]["id"]) == (my_retweet, me.id)
        assert entry["viewer"] == entry["retweeted_tweet"]["viewer"] == {"liked": True, "retweeted": True}
        assert states(original) == ({"liked": True, "retweeted": True}, untouched)
        # When I undo both
        unlike(api, me, original)
        assert unretweet(api, me, original).status_code == 200
        # Then my very next read shows neither
        assert states(original) == (untouched, untouched)


# ---------------------------------------------------------------- engagement: a celebrity's retweets


def test_a_celebritys_retweet_is_pulled_showing_its_original(api: httpx.Client, backend: Backend) -> None:
    # Given a celebrity's followers, one of them following an ordinary author too, whose tweet it has
    only_celebrity, also_author, third = reader(api), reader(api), reader(api)
    celebrity, author = make_celebrity(api, backend, [only_celebrity, also_author, third]), register(api)
    follow(api, also_author, author)
    original = post(api, author, "famous people read me")
    eventually(lambda: home_ids(api, also_author) == [original], "the original arrives")
    # When the celebrity retweets it
    celebrity_retweet = retweet(api, celebrity, original)
    # Then its followers' very next reads show the retweet, by the celebrity, embedding the original by
    # its author; once, for the follower that has the original itself too
    retweeted = [(celebrity_retweet, celebrity.id, original)]
    assert home_shown(api, only_celebrity) == retweeted
    assert home_shown(api, also_author) == retweeted
    entry = home_entry(api, only_celebrity, original)
    assert (entry["text"], entry["referenced_tweets"]) == ("", [{"type": "retweeted", "id": original}])
    assert entry["retweeted_tweet"]["author"] == {"id": author.id, "username": author.username, "name": author.name}
    assert entry["retweeted_tweet"]["text"] == "famous people read me"
    # When a follower likes the original (through the retweet, as a client does)
    like(api, only_celebrity, celebrity_retweet)
    # Then its very next read shows the retweet liked, and another follower's does not
    assert home_entry(api, only_celebrity, original)["viewer"] == {"liked": True, "retweeted": False}
    assert home_entry(api, third, original)["viewer"] == {"liked": False, "retweeted": False}
    # And it was pulled, not pushed: once fan-out has handled a later tweet, no follower has it stored
    marker = post(api, author, "fan-out got here")
    eventually(lambda: int(marker) in backend.stored_entries(also_author), "fan-out of the later tweet")
    assert all(int(celebrity_retweet) not in backend.stored_entries(f) for f in (only_celebrity, also_author, third))
    # When the celebrity undoes it
    assert unretweet(api, celebrity, original).status_code == 200
    # Then the very next reads show it no more: the original alone, where it was delivered
    assert home_shown(api, only_celebrity) == []
    assert home_shown(api, also_author) == [(marker, author.id, None), (original, author.id, None)]
    # When it retweets the original again, and the author then deletes the original
    again = retweet(api, celebrity, original)
    assert home_shown(api, only_celebrity) == [(again, celebrity.id, original)]
    delete(api, author, original)
    # Then the very next reads show neither the original nor the retweet
    assert home_shown(api, only_celebrity) == []
    assert home_shown(api, also_author) == [(marker, author.id, None)]
    # And the clean-up undoes the retweet: the celebrity has no tweet left
    settles(lambda: tweet_count(api, celebrity), 0, "the clean-up of the celebrity's retweet")
    assert user_tweets(api, celebrity) == []
