"""The engagement counter on moto: edges written as the API writes them (the repositories' own items and
transactions), their records read from moto's DynamoDB Streams in Lambda's format and handed to the
function's `handler` under its IAM policies, and the counts read back from the tweets and from the copies
beside their authors' recent tweets."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb import counters
from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
from chirp.adapters.dynamodb.engagements import like_item
from chirp.adapters.dynamodb.models import (
    COUNT_PREFIXES,
    TOP_OF_PARTITION,
    CountedRecordItem,
    EngagementItem,
    TweetItem,
    UserItem,
    recent_attribute,
)
from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
from chirp.adapters.dynamodb.users import user_key
from chirp.ids import id_timestamp_ms, new_id
from chirp.tweets.models import Tweet
from chirp.wiring import engagement_counter

from infra.local.records import stream_record_event
from tests.integration.conftest import ACCOUNT_ID, REGION

COUNTER_FUNCTION = "EngagementCounterFunction"
HANDLER_FILE = Path(__file__).resolve().parents[2] / "functions" / "engagement_counter" / "app.py"
COUNTS = tuple(COUNT_PREFIXES)

Record = dict[str, Any]


@dataclass(frozen=True)
class LambdaContext:
    """What the handler's Powertools decorators and the counter read of Lambda's context."""

    remaining_ms: int = 30_000
    function_name: str = "chirp-test-EngagementCounterFunction"
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8d"

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


def counter_module() -> ModuleType:
    """functions/engagement_counter/app.py, imported once per process under a name of its own."""
    name = f"chirp_function_{COUNTER_FUNCTION}"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HANDLER_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture(autouse=True)
def fresh_counter_wiring() -> Iterator[None]:
    """The counter's dependencies built again from each test's environment."""
    engagement_counter.dependencies.cache_clear()
    yield
    engagement_counter.dependencies.cache_clear()


@dataclass
class Engagements:
    """Writes users, tweets and edges as the API does, reads the engagements stream as Lambda would, and
    invokes the counter under its IAM policies."""

    environment: dict[str, str]
    streams_client: Any
    act_as: Callable[..., AbstractContextManager[object]]
    tweets: DynamoTweetRepository = field(default_factory=lambda: DynamoTweetRepository(30 * 86_400))
    position: dict[str, str] = field(default_factory=dict)  # shard -> last sequence number read

    # ------------------------------------------------------------ writes, as the API makes them
    def user(self) -> int:
        user_id = new_id()
        UserItem(
            pk=user_key(user_id),
            user_id=user_id,
            username=f"u{user_id}",
            email=f"u{user_id}@example.com",
            password_hash="-",
            name="U",
            created_at_ms=id_timestamp_ms(user_id),
        ).save()
        return user_id

    def post(self, author: int, **references: Any) -> Tweet:
        """A tweet (with `references`: a retweet, reply or quote), in the repository's own transaction."""
        tweet_id = new_id()
        text = "" if "retweet_of" in references else f"tweet {tweet_id}"
        tweet = replace(
            Tweet(id=tweet_id, author_id=author, text=text, created_at_ms=id_timestamp_ms(tweet_id)), **references
        )
        self.tweets.create(tweet)
        return tweet

    def like(self, tweet: Tweet, likers: list[int]) -> None:
        """The likers' like edges (the items the like transaction writes: `like_item`), put in one batch."""
        with EngagementItem.batch_write() as batch:
            for liker in likers:
                batch.save(like_item(liker, tweet, new_id()))

    def unlike(self, tweet: Tweet, likers: list[int]) -> None:
        for liker in likers:
            EngagementItem(user_id=liker, edge=f"L#{tweet.id}").delete()

    # ------------------------------------------------------------ the stream, and the function
    @property
    def stream_arn(self) -> str:
        table = boto3.client("dynamodb", region_name=REGION).describe_table(
            TableName=self.environment["ENGAGEMENTS_TABLE"]
        )
        return str(table["Table"]["LatestStreamArn"])

    def new_records(self) -> list[Record]:
        """The stream's records not read yet, in Lambda's format and stream order."""
        arn, records = self.stream_arn, []
        for shard in self.streams_client.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            shard_id = shard["ShardId"]
            start = (
                {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": self.position[shard_id]}
                if shard_id in self.position
                else {"ShardIteratorType": "TRIM_HORIZON"}
            )
            iterator = self.streams_client.get_shard_iterator(StreamArn=arn, ShardId=shard_id, **start)["ShardIterator"]
            while page := self.streams_client.get_records(ShardIterator=iterator)["Records"]:
                records += [stream_record_event(record, arn, REGION) for record in page]
                self.position[shard_id] = page[-1]["dynamodb"]["SequenceNumber"]
                iterator = self.streams_client.get_shard_iterator(
                    StreamArn=arn, ShardId=shard_id, ShardIteratorType="AFTER_SEQUENCE_NUMBER",
                    SequenceNumber=self.position[shard_id],
                )["ShardIterator"]  # fmt: skip
        return records

    def count(self, records: list[Record], remaining_ms: int = 30_000) -> list[str]:
        """One invocation of the counter with `records`; the sequence numbers it reports failed."""
        with self.act_as(COUNTER_FUNCTION):
            response = counter_module().handler({"Records": records}, LambdaContext(remaining_ms))
        return [str(item["itemIdentifier"]) for item in response["batchItemFailures"]]

    # ------------------------------------------------------------ what was counted
    def counts(self, tweet: Tweet) -> dict[str, int] | None:
        """The tweet's counts on its item (None: the item does not exist)."""
        try:
            item = TweetItem.get(tweet.id, consistent_read=True)
        except TweetItem.DoesNotExist:
            return None
        return {name: int(getattr(item, name) or 0) for name in COUNTS}

    def copies(self, tweet: Tweet) -> dict[str, int] | None:
        """The copy of its counts beside it in its author's recent tweets (None: it is not there, nor are counts)."""
        item = self.recent_item(tweet.author_id)
        copies = {
            name: int(item[f"{prefix}{tweet.id}"]["N"])
            for name, prefix in COUNT_PREFIXES.items()
            if f"{prefix}{tweet.id}" in item
        }
        if recent_attribute(tweet.id) not in item:
            assert copies == {}, f"counts of tweet {tweet.id}, which is not in its author's recent tweets"
            return None
        return {name: copies.get(name, 0) for name in COUNTS}

    def recent_item(self, author_id: int) -> dict[str, Any]:
        key = {"author_id": {"N": str(author_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}}
        table = self.environment["AUTHOR_TWEETS_TABLE"]
        found: dict[str, Any] = (
            boto3.client("dynamodb", region_name=REGION).get_item(TableName=table, Key=key, ConsistentRead=True)
        ).get("Item", {})
        return found


@pytest.fixture
def engagements(
    aws: dict[str, str], streams_client: Any, act_as: Callable[..., AbstractContextManager[object]]
) -> Engagements:
    bind_models(
        Tables(
            users=aws["USERS_TABLE"],
            tweets=aws["TWEETS_TABLE"],
            timelines=aws["TIMELINES_TABLE"],
            author_tweets=aws["AUTHOR_TWEETS_TABLE"],
            engagements=aws["ENGAGEMENTS_TABLE"],
            counted_records=aws["COUNTED_RECORDS_TABLE"],
        )
    )
    return Engagements(environment=aws, streams_client=streams_client, act_as=act_as)


def likes(counts: dict[str, int] | None, value: int) -> bool:
    return counts is not None and counts == {
        "like_count": value,
        "retweet_count": 0,
        "reply_count": 0,
        "quote_count": 0,
    }


def sequence_numbers(records: list[Record]) -> list[str]:
    return [str(record["dynamodb"]["SequenceNumber"]) for record in records]


@dataclass
class TransactionFaults:
    """Answers the counter's TransactWriteItems with an error instead of sending it, when `when` says so
    (given the request's items); counts every TransactWriteItems sent, and its items."""

    code: str
    when: Callable[[list[dict[str, Any]]], bool]
    sent: list[int] = field(default_factory=list)  # the item count of each transaction sent
    failed: int = 0

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        items = json.loads(params["body"])["TransactItems"]
        self.sent.append(len(items))
        if not self.when(items):
            return None
        self.failed += 1
        return _Status(400), {"Error": {"Code": self.code, "Message": f"injected {self.code}"}, "ResponseMetadata": {}}


@dataclass(frozen=True)
class _Status:
    status_code: int


@pytest.fixture
def transactions() -> Iterator[Callable[..., TransactionFaults]]:
    """Install a TransactionFaults on the counter's DynamoDB client (its shared connection's)."""
    events = shared_connection().client.meta.events
    installed: list[TransactionFaults] = []

    def install(
        code: str = "ThrottlingException", when: Callable[[list[dict[str, Any]]], bool] = lambda _: False
    ) -> TransactionFaults:
        faults = TransactionFaults(code, when)
        events.register_first("before-call.dynamodb.TransactWriteItems", faults)
        installed.append(faults)
        return faults

    yield install
    for faults in installed:
        events.unregister("before-call.dynamodb.TransactWriteItems", faults)


def marks(event_id: str) -> Callable[[list[dict[str, Any]]], bool]:
    """Whether a transaction writes `event_id`'s marker."""
    return lambda items: any(
        item.get("Put", {}).get("Item", {}).get("event_id", {}).get("S") == event_id for item in items
    )


# ---------------------------------------------------------------- likes of a hot tweet


def test_200_likes_of_one_tweet_count_200_on_it_and_on_its_copy_in_3_transactions(
    engagements: Engagements, transactions: Callable[..., TransactionFaults]
) -> None:
    # Given a tweet liked by 200 users
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(200)])
    records = engagements.new_records()
    assert len(records) == 200
    sent = transactions()
    # When the counter gets the batch
    failed = engagements.count(records)
    # Then both the tweet and the copy beside it in its author's recent tweets count 200
    assert failed == []
    assert likes(engagements.counts(tweet), 200)
    assert likes(engagements.copies(tweet), 200)
    # And it took three transactions of at most 100 items: 98 + 98 + 4 records, each with the tweet and the copy
    assert sent.sent == [100, 100, 6]


def test_the_same_batch_delivered_twice_is_counted_once(engagements: Engagements) -> None:
    # Given 200 likes of a tweet, counted
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(200)])
    records = engagements.new_records()
    assert engagements.count(records) == []
    # When the same batch is delivered again
    failed = engagements.count(records)
    # Then nothing moved
    assert failed == []
    assert likes(engagements.counts(tweet), 200)
    assert likes(engagements.copies(tweet), 200)


def test_a_batch_whose_first_half_was_counted_counts_only_its_second_half(
    engagements: Engagements, transactions: Callable[..., TransactionFaults]
) -> None:
    # Given 200 likes, of which the first 100 were counted (an invocation that ended halfway: its markers exist)
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(200)])
    records = engagements.new_records()
    assert engagements.count(records[:100]) == []
    assert likes(engagements.counts(tweet), 100)
    # When the whole batch is delivered (a retry from its start)
    faults = transactions()
    failed = engagements.count(records)
    # Then each record is counted exactly once
    assert failed == []
    assert likes(engagements.counts(tweet), 200)
    assert likes(engagements.copies(tweet), 200)
    # And the chunks holding counted records were each written once more without them
    assert len(faults.sent) == 4


def test_likes_and_unlikes_come_back_to_zero_and_never_below(engagements: Engagements) -> None:
    # Given 10 likes of a tweet, and then the same 10 users' unlikes
    tweet = engagements.post(engagements.user())
    likers = [new_id() for _ in range(10)]
    engagements.like(tweet, likers)
    liked = engagements.new_records()
    engagements.unlike(tweet, likers)
    unliked = engagements.new_records()
    # When the likes are counted, then the unlikes, and both again in one batch (a redelivery)
    assert engagements.count(liked) == []
    assert likes(engagements.counts(tweet), 10)
    assert engagements.count(unliked) == []
    assert engagements.count(liked + unliked) == []
    # Then the counts are 0 on the tweet and on its copy
    assert likes(engagements.counts(tweet), 0)
    assert likes(engagements.copies(tweet), 0)


def test_a_like_and_its_unlike_in_one_chunk_move_nothing(engagements: Engagements) -> None:
    # Given a like and its unlike, before either was counted
    tweet = engagements.post(engagements.user())
    liker = new_id()
    engagements.like(tweet, [liker])
    engagements.unlike(tweet, [liker])
    records = engagements.new_records()
    # When they are counted in one batch
    assert engagements.count(records) == []
    # Then the counts never moved (they were never written), and both records are marked counted
    assert likes(engagements.counts(tweet), 0)
    assert all(CountedRecordItem.count(record["eventID"]) == 1 for record in records)


# ---------------------------------------------------------------- deleted and trimmed tweets


def test_a_deleted_tweets_likes_are_consumed_without_resurrecting_it(engagements: Engagements) -> None:
    # Given a tweet liked 5 times and then deleted, and another tweet of its author liked 3 times
    author = engagements.user()
    deleted, kept = engagements.post(author), engagements.post(author)
    engagements.like(deleted, [new_id() for _ in range(5)])
    engagements.like(kept, [new_id() for _ in range(3)])
    engagements.tweets.delete(deleted)
    records = engagements.new_records()
    # When the likes are counted
    failed = engagements.count(records)
    # Then no record failed, the deleted tweet is still gone (no item of bare counts, no copy)
    assert failed == []
    assert engagements.counts(deleted) is None
    assert engagements.copies(deleted) is None
    # And the other tweet is counted in the same batch
    assert likes(engagements.counts(kept), 3)
    assert likes(engagements.copies(kept), 3)
    # And the deleted tweet's records are consumed: delivered again, they count nothing and fail nothing
    assert engagements.count(records) == []
    assert engagements.counts(deleted) is None


def test_a_tweet_trimmed_out_of_its_authors_recent_tweets_is_counted_without_a_copy(engagements: Engagements) -> None:
    # Given an author's three tweets, of which only the newest is still in its recent tweets
    author = engagements.user()
    oldest, _, newest = (engagements.post(author) for _ in range(3))
    assert engagements.tweets.trim_recent(author, 1, 0) == 2
    # And likes of the oldest and of the newest
    engagements.like(oldest, [new_id() for _ in range(4)])
    engagements.like(newest, [new_id() for _ in range(2)])
    # When they are counted
    assert engagements.count(engagements.new_records()) == []
    # Then each tweet counts its likes, and only the newest has a copy
    assert likes(engagements.counts(oldest), 4)
    assert likes(engagements.counts(newest), 2)
    assert engagements.copies(oldest) is None
    assert likes(engagements.copies(newest), 2)


def test_a_tweet_trimmed_between_the_read_and_the_write_gets_no_copy(
    engagements: Engagements, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an author's two tweets in its recent tweets, both liked
    author = engagements.user()
    older, newer = engagements.post(author), engagements.post(author)
    engagements.like(older, [new_id() for _ in range(3)])
    engagements.like(newer, [new_id() for _ in range(3)])
    # And the older one trimmed away just after the counter read which tweets are there
    read_windows = counters.read_windows
    reads: list[dict[int, frozenset[int]]] = []

    def read_then_trim(wanted: dict[int, list[int]]) -> dict[int, frozenset[int]]:
        windows = read_windows(wanted)
        reads.append(dict(windows))
        if len(reads) == 1:
            engagements.tweets.trim_recent(author, 1, 0)
        return windows

    monkeypatch.setattr(counters, "read_windows", read_then_trim)
    # When the likes are counted
    assert engagements.count(engagements.new_records()) == []
    # Then its condition failed, the window was read again, and the trimmed tweet did not get counts back
    assert reads == [{author: frozenset({older.id, newer.id})}, {author: frozenset({newer.id})}]
    assert engagements.copies(older) is None
    assert likes(engagements.counts(older), 3)
    assert likes(engagements.copies(newer), 3)


# ---------------------------------------------------------------- failures


def test_a_throttled_chunk_reports_its_records_and_those_after_while_earlier_chunks_stay_counted(
    engagements: Engagements, transactions: Callable[..., TransactionFaults]
) -> None:
    # Given 300 likes of a tweet (chunks of 98 records), and DynamoDB throttling every attempt of the second chunk
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(300)])
    records = engagements.new_records()
    faults = transactions("ThrottlingException", marks(records[100]["eventID"]))
    # When the batch is counted
    failed = engagements.count(records)
    # Then exactly the second chunk's records and every one after them are reported, and it was retried first
    assert failed == sequence_numbers(records[98:])
    assert faults.failed > 1
    # And the first chunk stays counted
    assert likes(engagements.counts(tweet), 98)
    assert likes(engagements.copies(tweet), 98)
    # And once DynamoDB answers again, Lambda's retry from the first failed record ends exact
    faults.when = lambda _: False
    assert engagements.count(records[98:]) == []
    assert likes(engagements.counts(tweet), 300)
    assert likes(engagements.copies(tweet), 300)


def test_a_transaction_refused_as_invalid_is_split_until_it_passes(
    engagements: Engagements, transactions: Callable[..., TransactionFaults]
) -> None:
    # Given 100 likes, and DynamoDB refusing any transaction of more than 30 items (as it would one over 4 MB)
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(100)])
    faults = transactions("ValidationException", lambda items: len(items) > 30)
    # When they are counted
    failed = engagements.count(engagements.new_records())
    # Then the chunks were halved until they passed, and every like is counted once
    assert failed == []
    assert faults.failed > 0
    assert likes(engagements.counts(tweet), 100)
    assert likes(engagements.copies(tweet), 100)


def test_an_invocation_without_time_for_a_chunk_reports_the_whole_batch(engagements: Engagements) -> None:
    # Given likes, and an invocation with 2 s left
    tweet = engagements.post(engagements.user())
    engagements.like(tweet, [new_id() for _ in range(5)])
    records = engagements.new_records()
    # When / Then every record is reported, nothing is counted
    assert engagements.count(records, remaining_ms=2_000) == sequence_numbers(records)
    assert likes(engagements.counts(tweet), 0)


# ---------------------------------------------------------------- retweets, replies, quotes


def test_retweets_replies_and_quotes_are_counted_on_their_own_counts(engagements: Engagements) -> None:
    # Given a tweet, retweeted by one user, replied to by two, quoted by one, liked by one
    author = engagements.user()
    tweet = engagements.post(author)
    retweeter, replier, quoter = engagements.user(), engagements.user(), engagements.user()
    engagements.post(retweeter, retweet_of=tweet.id, retweet_of_author=author)
    reply = engagements.post(replier, in_reply_to_tweet_id=tweet.id, in_reply_to_user_id=author)
    engagements.post(replier, in_reply_to_tweet_id=tweet.id, in_reply_to_user_id=author)
    engagements.post(quoter, quoted_tweet_id=tweet.id, quoted_author_id=author)
    engagements.like(tweet, [new_id()])
    # When the edges are counted
    assert engagements.count(engagements.new_records()) == []
    # Then each kind is counted on its own count, on the tweet and on its copy
    expected = {"like_count": 1, "retweet_count": 1, "reply_count": 2, "quote_count": 1}
    assert engagements.counts(tweet) == expected
    assert engagements.copies(tweet) == expected
    # And a deleted reply counts down (its edge goes with it)
    engagements.tweets.delete(reply)
    assert engagements.count(engagements.new_records()) == []
    assert engagements.counts(tweet) == expected | {"reply_count": 1}
    assert engagements.copies(tweet) == expected | {"reply_count": 1}
