"""Counting engagements (chirp.engagements.counting): engagements-table stream records to ordered counting
units, units to chunks within a transaction's items, and a batch counted chunk after chunk through an
in-memory counter store, with Lambda's partial batch response for what was not counted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from chirp.engagements.counting import (
    MAX_TRANSACTION_ITEMS,
    Applied,
    Chunk,
    ChunkRefused,
    CountingUnit,
    chunk_units,
    count_batch,
    counting_units,
    transaction_items,
)
from chirp.errors import Retryable
from chirp.events.stream import EdgeChange, EdgeKind, Source, Sources, decode_edge_change

ENGAGEMENTS = "t-Engagements"
SOURCES = Sources({ENGAGEMENTS: Source.ENGAGEMENTS, "t-Tweets": Source.TWEETS})
SAMPLE = Path(__file__).resolve().parents[2] / "events" / "engagement_counter" / "like_inserted.json"
TWEET = 1_000_000_000_000_100
AUTHOR = 7
PLENTY_OF_TIME = 60_000


def arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-11-27T00:00:00.000"


_sequence: Iterator[int] = iter(range(100, 10**9))


def edge_record(
    edge: str,
    *,
    user: int = 1,
    tweet: int = TWEET,
    author: int = AUTHOR,
    name: str = "INSERT",
    table: str = ENGAGEMENTS,
    with_images: bool = True,
) -> DynamoDBRecord:
    """An engagements-table record as Lambda delivers it: the edge in the new image (INSERT) or the old one."""
    sequence = next(_sequence)
    keys = {"user_id": {"N": str(user)}, "edge": {"S": edge}}
    image = {**keys, "tweet_id": {"N": str(tweet)}, "author_id": {"N": str(author)}, "edge_id": {"N": "99"}}
    dynamodb: dict[str, Any] = {"Keys": keys, "SequenceNumber": str(sequence), "SizeBytes": 10}
    if with_images and name in ("INSERT", "MODIFY"):
        dynamodb["NewImage"] = image
    if with_images and name in ("REMOVE", "MODIFY"):
        dynamodb["OldImage"] = image
    return DynamoDBRecord(
        {
            "eventID": f"ev-{sequence}",
            "eventName": name,
            "eventSource": "aws:dynamodb",
            "eventSourceARN": arn(table),
            "dynamodb": dynamodb,
        }
    )


def likes(count: int, tweet: int = TWEET, author: int = AUTHOR, first_user: int = 1) -> list[DynamoDBRecord]:
    return [edge_record(f"L#{tweet}", user=first_user + n, tweet=tweet, author=author) for n in range(count)]


def sequence_numbers(records: list[DynamoDBRecord]) -> list[str]:
    return [str(record.dynamodb.sequence_number) for record in records if record.dynamodb]


# ---------------------------------------------------------------- records -> counting units


def test_the_sample_like_decodes_into_a_like_counted_on_its_tweet() -> None:
    # Given the sample record (a stack's table name)
    (raw,) = json.loads(SAMPLE.read_text())["Records"]
    record = DynamoDBRecord(raw)
    sources = Sources({"chirp-EngagementsTable-1ABCDEF": Source.ENGAGEMENTS})
    # When / Then
    assert decode_edge_change(record, sources) == EdgeChange(
        event_id="9b2f0c1d7e4a4f5c8d6e3a2b1c0f9e8d",
        kind=EdgeKind.LIKE,
        tweet_id=117656804306132992,
        author_id=117656803215613952,
        delta=1,
    )


@pytest.mark.parametrize(
    ("edge", "kind"),
    [("L#", EdgeKind.LIKE), ("R#", EdgeKind.RETWEET), ("P#", EdgeKind.REPLY), ("Q#", EdgeKind.QUOTE)],
)
def test_each_edge_kind_counts_plus_one_when_inserted_and_minus_one_when_removed(edge: str, kind: EdgeKind) -> None:
    # Given an edge of the kind (a reply's or quote's edge is keyed by the reply or quote, not by the tweet)
    key = f"{edge}{TWEET if edge in ('L#', 'R#') else 555}"
    records = [edge_record(key), edge_record(key, name="REMOVE")]
    # When
    plan = counting_units(records, SOURCES)
    # Then the tweet engaged with (its image's tweet_id) counts +1, then -1, on the kind's count
    assert [(unit.position, unit.tweet_id, unit.author_id, unit.kind, unit.delta) for unit in plan.units] == [
        (0, TWEET, AUTHOR, kind, 1),
        (1, TWEET, AUTHOR, kind, -1),
    ]
    assert [unit.event_id for unit in plan.units] == [str(record.event_id) for record in records]
    assert (plan.stop, plan.undecodable) == (2, None)


def test_summaries_and_rewritten_edges_count_nothing_and_do_not_stop_the_batch() -> None:
    # Given a viewer summary's insert, an edge rewritten in place, and a like
    records = [edge_record(f"A#{AUTHOR}"), edge_record(f"L#{TWEET}", name="MODIFY"), edge_record(f"L#{TWEET}")]
    # When
    plan = counting_units(records, SOURCES)
    # Then only the like is a unit, and the batch is read to its end
    assert [(unit.position, unit.kind) for unit in plan.units] == [(2, EdgeKind.LIKE)]
    assert plan.stop == 3


def test_counting_stops_at_the_first_record_it_cannot_read() -> None:
    # Given a like, a record of another table, a like without its image, and another like
    no_image = edge_record(f"L#{TWEET}", with_images=False)
    records = [edge_record(f"L#{TWEET}"), edge_record(f"L#{TWEET}", table="t-Tweets"), no_image, *likes(1)]
    assert "lacks tweet_id" in str(counting_units(records[2:], SOURCES).undecodable)
    # When
    plan = counting_units(records, SOURCES)
    # Then the units end before it, and it is named as where counting stops
    assert [unit.position for unit in plan.units] == [0]
    assert plan.stop == 1
    assert plan.undecodable is not None and "not from the engagements table" in plan.undecodable


# ---------------------------------------------------------------- chunks


def units_of(records: list[DynamoDBRecord]) -> list[CountingUnit]:
    return counting_units(records, SOURCES).units


def test_a_hot_tweets_likes_fill_chunks_of_98_records_one_tweet_and_one_author() -> None:
    # Given a thousand likes of one tweet
    units = units_of(likes(1000))
    # When
    chunks = chunk_units(units)
    # Then 98 records share one tweet update and one author update per chunk: eleven transactions
    assert [len(chunk.units) for chunk in chunks] == [98] * 10 + [20]
    assert all(transaction_items(chunk.units) <= MAX_TRANSACTION_ITEMS for chunk in chunks)
    # And the chunks keep stream order, every unit once
    assert [unit for chunk in chunks for unit in chunk.units] == units


def test_likes_of_distinct_tweets_by_distinct_authors_fill_chunks_within_the_budget() -> None:
    # Given likes of 200 tweets, each by its own author, then 50 likes of one of them
    units = units_of([r for n in range(200) for r in likes(1, tweet=TWEET + n, author=n)] + likes(50))
    # When
    chunks = chunk_units(units)
    # Then no chunk exceeds a transaction's items, none could take the next unit, and order is kept
    for chunk, following in pairwise(chunks):
        assert transaction_items(chunk.units) <= MAX_TRANSACTION_ITEMS
        assert transaction_items([*chunk.units, following.units[0]]) > MAX_TRANSACTION_ITEMS
    assert len(chunks[0].units) == 33  # a record, its tweet and its author: three items each
    assert [unit for chunk in chunks for unit in chunk.units] == units


def test_a_smaller_budget_makes_smaller_chunks_and_one_too_small_for_a_record_is_refused() -> None:
    units = units_of(likes(10))
    # When / Then
    assert [len(chunk.units) for chunk in chunk_units(units, max_items=6)] == [4, 4, 2]
    with pytest.raises(ValueError, match="cannot hold one record"):
        chunk_units(units, max_items=2)


def test_a_chunks_deltas_sum_per_tweet_and_kind_and_drop_what_cancels() -> None:
    # Given, for tweet A: two likes, an unlike and a retweet; for tweet B (another author): a like and its unlike
    other, other_author = TWEET + 1, AUTHOR + 1
    records = [
        *likes(2),
        edge_record(f"L#{TWEET}", name="REMOVE"),
        edge_record(f"R#{TWEET}"),
        edge_record(f"L#{other}", tweet=other, author=other_author),
        edge_record(f"L#{other}", tweet=other, author=other_author, name="REMOVE"),
    ]
    chunk = Chunk(tuple(units_of(records)))
    # When / Then tweet A moves +1 like and +1 retweet; B, whose like and unlike cancel, moves nothing
    assert chunk.deltas() == {TWEET: {EdgeKind.LIKE: 1, EdgeKind.RETWEET: 1}}
    assert chunk.tweets_by_author() == {AUTHOR: [TWEET]}
    # And a chunk halves in order, and leaves out records by their event ids
    first, second = chunk.halves()
    assert first.units + second.units == chunk.units
    assert chunk.without([str(records[0].event_id)]).units == chunk.units[1:]


# ---------------------------------------------------------------- a batch, chunk after chunk


@dataclass
class MemoryCounterStore:
    """The CounterStore's contract in memory: markers and counts move together; `failing`: what the nth
    apply (from 1) raises instead; `refuse_over`: chunks of more units are refused as too large."""

    counts: dict[tuple[int, EdgeKind], int] = field(default_factory=dict)
    marked: set[str] = field(default_factory=set)
    applied: list[Chunk] = field(default_factory=list)
    failing: dict[int, Exception] = field(default_factory=dict)
    refuse_over: int | None = None
    calls: int = 0
    lowest: int = 0  # the lowest any count has been

    def apply(self, chunk: Chunk) -> Applied:
        self.calls += 1
        if self.calls in self.failing:
            raise self.failing[self.calls]
        if self.refuse_over is not None and len(chunk.units) > self.refuse_over:
            raise ChunkRefused("the transaction is too large")
        fresh = chunk.without(self.marked)
        for tweet_id, kinds in fresh.deltas().items():
            for kind, delta in kinds.items():
                self.counts[tweet_id, kind] = self.counts.get((tweet_id, kind), 0) + delta
                self.lowest = min(self.lowest, self.counts[tweet_id, kind])
        self.marked |= {unit.event_id for unit in fresh.units}
        self.applied.append(chunk)
        return Applied(
            counted=len(fresh.units),
            already_counted=len(chunk.units) - len(fresh.units),
            of_deleted_tweets=0,
            transactions=1,
        )


def test_a_batch_is_counted_once_however_often_it_is_delivered() -> None:
    # Given 300 likes of one tweet
    store, records = MemoryCounterStore(), likes(300)
    # When the batch is delivered twice
    first = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME)
    second = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME)
    # Then it was counted once, in four chunks, and nothing was reported failed
    assert store.counts == {(TWEET, EdgeKind.LIKE): 300}
    assert (first.counted, first.chunks, first.failed_records) == (300, 4, [])
    assert (second.counted, second.already_counted, second.failed_records) == (0, 300, [])


def test_a_failed_chunk_reports_its_records_and_those_after_it_never_those_before() -> None:
    # Given 300 likes (chunks of 98) and a store whose second apply is throttled beyond its retries
    store, records = MemoryCounterStore(failing={2: Retryable("throttled")}), likes(300)
    # When
    outcome = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME)
    # Then the first chunk is counted, and its records are not reported
    assert store.counts == {(TWEET, EdgeKind.LIKE): 98}
    assert outcome.failed_records == sequence_numbers(records[98:])
    assert isinstance(outcome.error, Retryable)
    # And delivered again from there (as Lambda would), the batch ends exact
    again = count_batch(records[98:], SOURCES, store, lambda: PLENTY_OF_TIME)
    assert (again.failed_records, store.counts) == ([], {(TWEET, EdgeKind.LIKE): 300})


def test_no_chunk_is_started_when_the_invocation_is_almost_out_of_time() -> None:
    # Given an invocation with 10 s left for its first chunk, then 2 s
    store, records, left = MemoryCounterStore(), likes(200), iter([10_000, 2_000])
    # When
    outcome = count_batch(records, SOURCES, store, lambda: next(left))
    # Then the first chunk is counted, the rest reported for another invocation
    assert store.counts == {(TWEET, EdgeKind.LIKE): 98}
    assert outcome.failed_records == sequence_numbers(records[98:])
    assert outcome.failure == "too little time left in the invocation"


def test_a_chunk_refused_as_invalid_is_split_in_halves_down_to_the_record_that_fails() -> None:
    # Given a store that refuses chunks of more than 30 records
    store, records = MemoryCounterStore(refuse_over=30), likes(100)
    # When
    outcome = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME)
    # Then the chunks are split until they pass, applied in order, and the count is exact
    assert store.counts == {(TWEET, EdgeKind.LIKE): 100}
    assert outcome.failed_records == []
    assert outcome.splits > 0
    assert [unit.position for chunk in store.applied for unit in chunk.units] == list(range(100))
    # And a single record refused is reported, with every record after it
    lone = MemoryCounterStore(refuse_over=0)
    assert count_batch(records, SOURCES, lone, lambda: PLENTY_OF_TIME).failed_records == sequence_numbers(records)


def test_an_undecodable_record_is_reported_with_those_after_it_and_those_before_it_are_counted() -> None:
    # Given two likes, a record of another table, and a like
    records = [*likes(2), edge_record(f"L#{TWEET}", table="t-Tweets"), *likes(1)]
    store = MemoryCounterStore()
    # When
    outcome = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME)
    # Then
    assert store.counts == {(TWEET, EdgeKind.LIKE): 2}
    assert outcome.failed_records == sequence_numbers(records[2:])
    assert outcome.failure is not None and outcome.failure.startswith("undecodable record")


def test_likes_and_unlikes_leave_the_count_where_they_found_it() -> None:
    # Given 50 likes, then the same 50 users' unlikes, counted in chunks of 10 items
    store = MemoryCounterStore()
    records = likes(50) + [edge_record(f"L#{TWEET}", user=1 + n, name="REMOVE") for n in range(50)]
    # When
    outcome = count_batch(records, SOURCES, store, lambda: PLENTY_OF_TIME, max_items=10)
    # Then it never went below zero on the way, and ends at zero
    assert (outcome.failed_records, store.counts, store.lowest) == ([], {(TWEET, EdgeKind.LIKE): 0}, 0)
