"""Counting engagements exactly, in batches: what the engagement counter (functions/engagement_counter)
does with a batch of the engagements table's stream records.

Each like, retweet, reply or quote edge that appeared counts +1, and each that went -1, on that kind's
count of the tweet engaged with (`chirp.events.stream.decode_edge_change` reads the records). A batch
(up to 1,000 records, in stream order) becomes counting units, cut in order into chunks that each fit one
DynamoDB transaction; a `CounterStore` applies a chunk in one transaction that also marks each of its
records counted (by its eventID), and leaves out the records marked already. So:

- **Exact under redelivery.** A record's count and its marker are written together or not at all, so a
  batch retried after a partial failure, a sandbox killed mid-batch or a bisected retry counts nothing
  twice and loses nothing. The marker is keyed by the record's eventID, the same on every delivery:
  Lambda's DynamoDB records carry no shard id, so no per-shard checkpoint could be kept instead.
- **A hot tweet does not melt.** A chunk holds one update per distinct tweet, adding the chunk's summed
  deltas (and one per distinct author, for the copies beside its recent tweets): a thousand likes of one
  tweet cost eleven transactions of up to 98 records, so eleven writes to the tweet's item, not a thousand.
- **In order.** Chunks are applied one after another. When one fails (throttled beyond the retries, out
  of time, an error), its first record and every record after it are reported failed (Lambda's partial
  batch response for streams resumes from the lowest failed sequence number), never the records of the
  chunks applied before it. An edge's REMOVE always follows its INSERT on its shard (they are records of
  one item), so a count never goes below zero: as long as no INSERT is skipped. One is if its record
  fails past MaximumRetryAttempts and goes to the on-failure queue (alarmed) instead of being counted.
- **Refused chunks are split.** A transaction DynamoDB refuses as invalid (too large, an item grown past
  400 KB) is split in halves, applied in order, down to the one record that cannot pass, reported failed.

Why not Powertools' idempotency utility: it records a key per record in a write of its own before the
work and another after it, not in the transaction that does the work, so a sandbox that dies between the
counts and the second write leaves the record "in progress" until that expires, and then counts it
again. Here the marker and the counts are one transaction. Why not Powertools' BatchProcessor: it
handles one record at a time, and a chunk is many records in one transaction; the answer is the same
partial batch response (ReportBatchItemFailures).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chirp.errors import ChirpError
from chirp.events.stream import EdgeKind, Sources, UndecodableRecord, decode_edge_change

# DynamoDB's limit on the items of one TransactWriteItems. (Its other one, 4 MB, is far: a chunk's
# request is at most a hundred small actions, ~60 KB. Should DynamoDB count the stored size of the
# recent-tweets items it updates instead, a chunk refused as too large is split: `ChunkRefused`.)
MAX_TRANSACTION_ITEMS = 100
# No chunk is started with less time than this left in the invocation: a chunk's reads and transaction,
# with their retries, take well under it, so the invocation ends before Lambda's timeout would cut it.
TIME_RESERVE_MS = 5_000


@dataclass(frozen=True)
class CountingUnit:
    """One record's count: `delta` (+1 or -1) on `kind`'s count of `tweet_id`, by `author_id`."""

    position: int  # the record's place in its batch
    event_id: str
    tweet_id: int
    author_id: int
    kind: EdgeKind
    delta: int


@dataclass(frozen=True)
class CountingPlan:
    """A batch's counting units, in stream order; `stop`: the position of the first record that could not
    be decoded (the batch's length if none), where counting stops, with why."""

    units: list[CountingUnit]
    stop: int
    undecodable: str | None = None


def counting_units(records: Sequence[DynamoDBRecord], sources: Sources) -> CountingPlan:
    """The counting units of a batch's records, up to the first record that cannot be decoded (it and those
    after it are delivered again, and after Lambda's retries it lands in the on-failure queue alone)."""
    units: list[CountingUnit] = []
    for position, record in enumerate(records):
        try:
            change = decode_edge_change(record, sources)
        except (UndecodableRecord, ValueError) as error:
            return CountingPlan(units=units, stop=position, undecodable=str(error))
        if change is not None:
            units.append(
                CountingUnit(
                    position=position,
                    event_id=change.event_id,
                    tweet_id=change.tweet_id,
                    author_id=change.author_id,
                    kind=change.kind,
                    delta=change.delta,
                )
            )
    return CountingPlan(units=units, stop=len(records))


@dataclass(frozen=True)
class Chunk:
    """Consecutive counting units applied in one transaction: a marker per unit, an update per distinct
    tweet, an update per distinct author's recent-tweets item."""

    units: tuple[CountingUnit, ...]

    @property
    def first_position(self) -> int:
        return self.units[0].position

    def deltas(self) -> dict[int, dict[EdgeKind, int]]:
        """Each tweet's summed delta per kind, those that sum to zero left out (a like and its unlike)."""
        sums: dict[int, dict[EdgeKind, int]] = {}
        for unit in self.units:
            kinds = sums.setdefault(unit.tweet_id, {})
            kinds[unit.kind] = kinds.get(unit.kind, 0) + unit.delta
        moved = {tweet_id: {kind: delta for kind, delta in kinds.items() if delta} for tweet_id, kinds in sums.items()}
        return {tweet_id: kinds for tweet_id, kinds in moved.items() if kinds}

    def tweets_by_author(self) -> dict[int, list[int]]:
        """The tweets whose counts move, by author."""
        author_of = {unit.tweet_id: unit.author_id for unit in self.units}
        by_author: dict[int, list[int]] = {}
        for tweet_id in self.deltas():
            by_author.setdefault(author_of[tweet_id], []).append(tweet_id)
        return by_author

    def without(self, event_ids: Iterable[str]) -> Chunk:
        left_out = set(event_ids)
        return Chunk(tuple(unit for unit in self.units if unit.event_id not in left_out))

    def halves(self) -> tuple[Chunk, Chunk]:
        middle = len(self.units) // 2
        return Chunk(self.units[:middle]), Chunk(self.units[middle:])


def transaction_items(units: Iterable[CountingUnit]) -> int:
    """How many items a chunk of `units` writes at most: a marker each, and an update per distinct tweet
    and per distinct author (fewer when deltas cancel or tweets are out of their author's window)."""
    listed = list(units)
    return len(listed) + len({unit.tweet_id for unit in listed}) + len({unit.author_id for unit in listed})


def chunk_units(units: Sequence[CountingUnit], max_items: int = MAX_TRANSACTION_ITEMS) -> list[Chunk]:
    """The units cut, in order, into the fewest consecutive chunks of at most `max_items` items each."""
    if max_items < transaction_items(units[:1]):
        raise ValueError(f"a chunk of {max_items} items cannot hold one record's")
    chunks: list[Chunk] = []
    current: list[CountingUnit] = []
    tweets: set[int] = set()
    authors: set[int] = set()
    for unit in units:
        needed = len(current) + 1 + len(tweets | {unit.tweet_id}) + len(authors | {unit.author_id})
        if current and needed > max_items:
            chunks.append(Chunk(tuple(current)))
            current, tweets, authors = [], set(), set()
        current.append(unit)
        tweets.add(unit.tweet_id)
        authors.add(unit.author_id)
    if current:
        chunks.append(Chunk(tuple(current)))
    return chunks


class ChunkRefused(ChirpError):
    """DynamoDB refused a chunk's transaction as invalid (too large for one transaction, or an item it
    writes would grow past 400 KB): smaller chunks may pass."""

    code = "chunk_refused"


@dataclass(frozen=True)
class Applied:
    """What applying one chunk did."""

    counted: int  # records whose counts moved (their markers written with them)
    already_counted: int  # records found marked: delivered before, counted then
    of_deleted_tweets: int  # records consumed without a count: their tweet was deleted
    transactions: int  # TransactWriteItems written, those cancelled by a condition included


class CounterStore(Protocol):
    def apply(self, chunk: Chunk) -> Applied:
        """Apply the chunk in one transaction with its markers, leaving out what was counted already and
        the counts of deleted tweets. Raises Retryable when the database stays busy (throttling, conflicts),
        ChunkRefused when it refuses the transaction as invalid."""


@dataclass
class BatchCounted:
    """What came of a batch: the totals of its applied chunks, and the records to deliver again."""

    counted: int = 0
    already_counted: int = 0
    of_deleted_tweets: int = 0
    transactions: int = 0
    chunks: int = 0
    splits: int = 0  # chunks refused as invalid and split in two
    failed_records: list[str] = field(default_factory=list)  # sequence numbers, in stream order
    failure: str | None = None  # why the first failed record was not counted
    error: Exception | None = None  # the error that stopped the batch, if one did

    def add(self, applied: Applied) -> None:
        self.counted += applied.counted
        self.already_counted += applied.already_counted
        self.of_deleted_tweets += applied.of_deleted_tweets
        self.transactions += applied.transactions
        self.chunks += 1


def count_batch(
    records: Sequence[DynamoDBRecord],
    sources: Sources,
    store: CounterStore,
    remaining_ms: Callable[[], int],
    *,
    max_items: int = MAX_TRANSACTION_ITEMS,
    reserve_ms: int = TIME_RESERVE_MS,
) -> BatchCounted:
    """Count a batch's records, chunk after chunk, in stream order. The first record of the first chunk
    that fails (or is not started for lack of time, or cannot be decoded) and every record after it are
    reported failed; every record before it is counted, or was already."""
    plan = counting_units(records, sources)
    outcome = BatchCounted()
    if plan.undecodable is not None:
        outcome.failure = f"undecodable record: {plan.undecodable}"
    failed_from = plan.stop
    pending = deque(chunk_units(plan.units, max_items))
    while pending:
        chunk = pending.popleft()
        if remaining_ms() < reserve_ms:
            failed_from, outcome.failure = chunk.first_position, "too little time left in the invocation"
            break
        try:
            outcome.add(store.apply(chunk))
        except ChunkRefused as refusal:
            if len(chunk.units) > 1:
                outcome.splits += 1
                pending.extendleft(reversed(chunk.halves()))
                continue
            failed_from, outcome.failure, outcome.error = chunk.first_position, str(refusal), refusal
            break
        except Exception as error:  # any failure of a chunk: itself and what follows are delivered again
            failed_from, outcome.failure, outcome.error = chunk.first_position, repr(error), error
            break
    outcome.failed_records = [_sequence_number(record) for record in records[failed_from:]]
    return outcome


def _sequence_number(record: DynamoDBRecord) -> str:
    return str(record.dynamodb.sequence_number if record.dynamodb else "")
