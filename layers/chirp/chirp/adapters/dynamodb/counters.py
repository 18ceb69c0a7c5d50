"""CounterStore on DynamoDB: one chunk of counting units (chirp.engagements.counting) applied in one
TransactWriteItems, with its records' markers.

The transaction, in this order:
1. a Put per record of its CountedRecordItem (the eventID; expires after two days), on condition that
   there is none: a record is counted once;
2. an Update per distinct tweet whose counts move, ADDing the chunk's summed delta to each of its counts,
   on condition that the tweet exists (an ADD to a missing item would create it: a deleted tweet
   resurrected as bare counts);
3. an Update per distinct author with tweets of the chunk in its recent-tweets window, ADDing the same
   deltas to their copies (`l:`/`r:`/`p:`/`q:<id>`, which home-timeline pages of pulled tweets read),
   on condition that each of those tweets is still there (`t:<id>`): which ones are is read first,
   consistently (one GetItem per author, side by side), and a tweet trimmed or deleted meanwhile must
   not get counts of its own again. Tweets out of the window get no copy.

When conditions fail (DynamoDB names each failed item), what each failure means is settled and the
transaction is written again without it:
- a marker: the record was counted already (a redelivery): it is left out, with its delta;
- a tweet: it was deleted: its update and its copy are left out; its records' markers stay, so the
  records are consumed;
- an author's item: a tweet left its window: the window is read again.
Conflicts with other transactions and throttling are retried by `run_transaction`, then raised as
Retryable; a transaction DynamoDB refuses as invalid is ChunkRefused (the caller splits the chunk).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.operand import Path
from pynamodb.expressions.update import Action
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import CONDITIONAL, cancellation_codes, run_transaction, shared_connection
from chirp.adapters.dynamodb.models import (
    COUNT_PREFIXES,
    COUNTED_RECORD_TTL_SECONDS,
    TOP_OF_PARTITION,
    CountedRecordItem,
    RecentTweetsItem,
    TweetItem,
    recent_attribute,
)
from chirp.concurrency import submit
from chirp.engagements.counting import Applied, Chunk, ChunkRefused
from chirp.errors import Retryable
from chirp.events.stream import EdgeKind

# Each kind's count on the tweet, and the prefix of its copy beside the tweet in its author's recent tweets.
TWEET_COUNTS: dict[EdgeKind, NumberAttribute] = {
    EdgeKind.LIKE: TweetItem.like_count,
    EdgeKind.RETWEET: TweetItem.retweet_count,
    EdgeKind.REPLY: TweetItem.reply_count,
    EdgeKind.QUOTE: TweetItem.quote_count,
}
RECENT_COUNTS: dict[EdgeKind, str] = {
    kind: COUNT_PREFIXES[attribute.attr_name] for kind, attribute in TWEET_COUNTS.items()
}
# Each round settles every failed condition it was told of; more than this many rounds means the items
# keep changing under the chunk (an author's window trimmed again and again): it is delivered again later.
MAX_ROUNDS = 5
REFUSALS = {"ValidationException", "ValidationError"}
# Reads side by side: as many as the shared connection pools (PynamoDB's default, 10); more would each
# open a connection of their own and drop it afterwards.
READ_LANES = 10

Windows = dict[int, frozenset[int]]  # author -> those of the chunk's tweets that are in its recent-tweets item


@dataclass(frozen=True)
class _Write:
    """One item of the transaction, and what its condition failing means."""

    add: Callable[[TransactWrite], None]
    event_id: str | None = None  # a record's marker: counted already
    tweet_id: int | None = None  # a tweet's counts: the tweet is gone
    author_id: int | None = None  # an author's copies: a tweet left its window


class DynamoCounterStore:
    def apply(self, chunk: Chunk) -> Applied:
        expires_at = int(time.time()) + COUNTED_RECORD_TTL_SECONDS
        pending, gone = chunk, set[int]()
        windows = read_windows(chunk.tweets_by_author())
        for round_number in range(1, MAX_ROUNDS + 1):
            writes = _writes(pending, gone, windows, expires_at)
            failed = _write(writes)
            if not failed:
                deleted = sum(1 for unit in pending.units if unit.tweet_id in gone)
                return Applied(
                    counted=len(pending.units) - deleted,
                    already_counted=len(chunk.units) - len(pending.units),
                    of_deleted_tweets=deleted,
                    transactions=round_number,
                )
            pending = pending.without(write.event_id for write in failed if write.event_id is not None)
            if not pending.units:
                return Applied(
                    counted=0, already_counted=len(chunk.units), of_deleted_tweets=0, transactions=round_number
                )
            gone |= {write.tweet_id for write in failed if write.tweet_id is not None}
            trimmed = {write.author_id for write in failed if write.author_id is not None}
            wanted = pending.tweets_by_author()
            windows |= read_windows({author: wanted.get(author, []) for author in trimmed})
        raise Retryable(f"the counts of {len(chunk.units)} records kept changing under them; count them again")


def _writes(chunk: Chunk, gone: set[int], windows: Windows, expires_at: int) -> list[_Write]:
    """The transaction's items: markers, then tweets' counts, then their copies (in that order)."""
    deltas = {tweet_id: kinds for tweet_id, kinds in chunk.deltas().items() if tweet_id not in gone}
    writes = [_Write(_mark(unit.event_id, expires_at), event_id=unit.event_id) for unit in chunk.units]
    writes += [_Write(_count(tweet_id, kinds), tweet_id=tweet_id) for tweet_id, kinds in deltas.items()]
    for author_id, tweet_ids in chunk.tweets_by_author().items():
        window = windows.get(author_id, frozenset())
        copies = {tweet_id: deltas[tweet_id] for tweet_id in tweet_ids if tweet_id in deltas and tweet_id in window}
        if copies:
            writes.append(_Write(_copy(author_id, copies), author_id=author_id))
    return writes


def _mark(event_id: str, expires_at: int) -> Callable[[TransactWrite], None]:
    marker = CountedRecordItem(event_id=event_id, expires_at=expires_at)
    return lambda t: t.save(marker, condition=CountedRecordItem.event_id.does_not_exist())


def _count(tweet_id: int, kinds: Mapping[EdgeKind, int]) -> Callable[[TransactWrite], None]:
    actions: list[Action] = [TWEET_COUNTS[kind].add(delta) for kind, delta in kinds.items()]
    return lambda t: t.update(TweetItem(tweet_id=tweet_id), actions=actions, condition=TweetItem.tweet_id.exists())


def _copy(author_id: int, copies: Mapping[int, Mapping[EdgeKind, int]]) -> Callable[[TransactWrite], None]:
    actions: list[Action] = [
        Path([f"{RECENT_COUNTS[kind]}{tweet_id}"]).add(delta)
        for tweet_id, kinds in copies.items()
        for kind, delta in kinds.items()
    ]
    conditions = [Path([recent_attribute(tweet_id)]).exists() for tweet_id in copies]
    condition: Condition = conditions[0]
    for more in conditions[1:]:
        condition &= more
    return lambda t: t.update(RecentTweetsItem(author_id=author_id), actions=actions, condition=condition)


def _write(writes: list[_Write]) -> list[_Write]:
    """Write the items as one transaction; the items whose conditions failed ([] when it went through)."""

    def build(transaction: TransactWrite) -> None:
        for write in writes:
            write.add(transaction)

    try:
        codes = run_transaction(build)
    except TransactWriteError as error:
        if error.cause_response_code in REFUSALS or REFUSALS & set(cancellation_codes(error)):
            raise ChunkRefused(f"DynamoDB refused the transaction: {error.cause_response_message}") from error
        raise
    return [write for write, code in zip(writes, codes, strict=False) if code == CONDITIONAL]


def read_windows(tweets_by_author: Mapping[int, list[int]]) -> Windows:
    """Which of each author's tweets are in its recent-tweets item: one consistent GetItem per author, each
    projected to those tweets' attributes, in as many lanes side by side as the connection pools."""
    wanted = [(author_id, tweet_ids) for author_id, tweet_ids in tweets_by_author.items() if tweet_ids]
    lanes = [wanted[lane::READ_LANES] for lane in range(min(READ_LANES, len(wanted)))]
    if len(lanes) == 1:
        return _read_lane(lanes[0])
    windows: Windows = {}
    for future in [submit(_read_lane, lane) for lane in lanes]:
        windows |= future.result()
    return windows


def _read_lane(wanted: list[tuple[int, list[int]]]) -> Windows:
    return {author_id: _window(author_id, tweet_ids) for author_id, tweet_ids in wanted}


def _window(author_id: int, tweet_ids: list[int]) -> frozenset[int]:
    names = {f"#t{n}": recent_attribute(tweet_id) for n, tweet_id in enumerate(tweet_ids)}
    client: Any = shared_connection().client
    item = client.get_item(
        TableName=RecentTweetsItem.Meta.table_name,
        Key={"author_id": {"N": str(author_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}},
        ConsistentRead=True,
        ProjectionExpression=", ".join(names),
        ExpressionAttributeNames=names,
    ).get("Item", {})
    return frozenset(tweet_id for tweet_id in tweet_ids if recent_attribute(tweet_id) in item)
