"""Snowflake ids: time-ordered, unique, 63-bit, and their timestamp recoverable."""

from __future__ import annotations

import itertools
import random
import re
from types import SimpleNamespace

import pytest
from chirp import ids
from chirp.errors import MalformedRequest, Retryable
from chirp.ids import (
    EPOCH_MS,
    MAX_ID,
    SEQUENCE_START_SPAN,
    IdGenerator,
    IdTaken,
    id_timestamp_ms,
    iso_timestamp,
    lowest_id_at,
    parse_id,
)


class Clock:
    """A wall clock the test moves by hand, in milliseconds."""

    def __init__(self, now_ms: int) -> None:
        self.now_ms = now_ms

    def time(self) -> float:
        return self.now_ms / 1000


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock(EPOCH_MS + 1_000_000)
    monkeypatch.setattr(ids, "time", SimpleNamespace(time=fake.time))
    return fake


def test_ids_from_one_generator_strictly_increase() -> None:
    # Given
    generator = IdGenerator()
    # When
    minted = [generator.next_id() for _ in range(10_000)]
    # Then
    assert all(earlier < later for earlier, later in itertools.pairwise(minted))


def test_ids_are_positive_and_fit_in_63_bits() -> None:
    # When
    minted = [ids.new_id() for _ in range(100)]
    # Then
    assert all(0 < value <= MAX_ID for value in minted)
    assert MAX_ID == 2**63 - 1


def test_id_timestamp_round_trips_the_minting_millisecond(clock: Clock) -> None:
    # Given
    generator = IdGenerator(worker_id=5)
    clock.now_ms = EPOCH_MS + 123_456_789
    # When
    minted = generator.next_id()
    # Then
    assert id_timestamp_ms(minted) == EPOCH_MS + 123_456_789


def test_ids_of_a_later_millisecond_sort_after_ids_of_an_earlier_one_whatever_the_worker(clock: Clock) -> None:
    # Given a busy worker with a high id, and a quiet one with a low id
    busy, quiet = IdGenerator(worker_id=1023), IdGenerator(worker_id=0)
    earlier = [busy.next_id() for _ in range(50)]
    # When the clock moves on by one millisecond
    clock.now_ms += 1
    later = quiet.next_id()
    # Then
    assert later > max(earlier)


def test_worker_and_sequence_fill_the_low_22_bits(clock: Clock) -> None:
    # Given
    generator = IdGenerator(worker_id=0b1010101010)
    # When
    first, second = generator.next_id(), generator.next_id()
    # Then the worker id, then a sequence that starts below 2**11 and counts up within the millisecond
    assert (first >> 12) & 0x3FF == 0b1010101010
    assert first & 0xFFF < SEQUENCE_START_SPAN == 2048
    assert second & 0xFFF == (first & 0xFFF) + 1


def test_each_millisecond_starts_its_sequence_at_random(clock: Clock) -> None:
    # Given a generator, minting one id a millisecond
    generator = IdGenerator(worker_id=7, rng=random.Random(1))
    starts = []
    for _ in range(200):
        # When
        starts.append(generator.next_id() & 0xFFF)
        clock.now_ms += 1
    # Then the starts spread over the span, not all at 0
    assert len(set(starts)) > 150
    assert max(starts) < SEQUENCE_START_SPAN


def test_two_sandboxes_of_one_worker_id_rarely_mint_the_same_id_in_one_millisecond(clock: Clock) -> None:
    # Given 1,000 pairs of generators sharing a worker id, each pair minting in the same millisecond
    rng = random.Random(2)
    same = 0
    for _ in range(1000):
        one, other = IdGenerator(worker_id=9, rng=rng), IdGenerator(worker_id=9, rng=rng)
        # When
        same += one.next_id() == other.next_id()
        clock.now_ms += 1
    # Then about 1 in 2,048 collide (the sequence's random start), where all would with sequences from 0
    assert same <= 3
    assert (
        IdGenerator(worker_id=9, sequence_start_span=1).next_id()
        == IdGenerator(worker_id=9, sequence_start_span=1).next_id()
    )


def test_redrawing_the_worker_id_always_changes_it() -> None:
    # Given
    generator = IdGenerator(worker_id=1023, rng=random.Random(3))
    seen = []
    for _ in range(100):
        # When
        before = generator.worker_id
        generator.redraw_worker()
        seen.append(generator.worker_id)
        # Then
        assert generator.worker_id != before
        assert 0 <= generator.worker_id < 1024
    assert len(set(seen)) > 50


def test_minted_writes_again_with_a_fresh_id_and_worker_when_the_id_is_taken(clock: Clock) -> None:
    # Given a store holding the id this sandbox mints next (another sandbox of its worker id wrote it)
    generator = IdGenerator(worker_id=5, rng=random.Random(4))
    previous = ids.install_generator(generator)
    taken = {IdGenerator(worker_id=5, rng=random.Random(4)).next_id()}
    tried: list[int] = []

    def write(new: int) -> int:
        tried.append(new)
        if new in taken:
            raise IdTaken(f"{new} is taken")
        taken.add(new)
        return new

    try:
        # When
        written = ids.minted(write)
    finally:
        ids.install_generator(previous)
    # Then the taken id was refused, and the second id is another worker's, not written over the first
    assert len(tried) == 2
    assert written == tried[1] != tried[0]
    assert (written >> 12) & 0x3FF != 5
    assert id_timestamp_ms(written) == clock.now_ms


def test_minted_gives_up_after_its_attempts_with_a_retryable_error() -> None:
    # Given a write that finds every id taken
    calls: list[int] = []

    def write(new: int) -> int:
        calls.append(new)
        raise IdTaken("taken")

    # When / Then: a 503 to retry, after MINT_ATTEMPTS distinct ids
    with pytest.raises(Retryable):
        ids.minted(write)
    assert len(set(calls)) == len(calls) == ids.MINT_ATTEMPTS


def test_a_seeded_simulation_of_concurrent_sandboxes_loses_no_post_and_overwrites_none() -> None:
    # Given 200 sandboxes at 12,000 posts a second for half a simulated second: with sequences from 0, worker
    # ids shared by a few of them collide; with random starts, far fewer
    from bench.ids import simulate

    # When
    before = simulate("from 0", sandboxes=200, rate=12_000, seconds=0.5, seed=14)
    now = simulate("random start", sandboxes=200, rate=12_000, seconds=0.5, seed=14)
    # Then collisions happened and each cost a retry, never a post nor an overwrite
    assert before.raw_collisions > 5
    assert before.retries == before.raw_collisions
    assert now.raw_collisions < before.raw_collisions
    assert before.ids_minted - before.raw_collisions == now.ids_minted - now.raw_collisions > 5000
    for outcome in (before, now):
        assert outcome.posts_failed == 0
        assert outcome.overwrites == 0


def test_the_last_representable_millisecond_mints_at_most_max_id(clock: Clock) -> None:
    # Given the last millisecond 41 bits can hold, and the highest worker id
    clock.now_ms = EPOCH_MS + 2**41 - 1
    generator = IdGenerator(worker_id=1023)
    first = generator.next_id()
    # When the rest of its sequence is used up
    minted = [generator.next_id() for _ in range(4095 - (first & 0xFFF))]
    # Then the last id is exactly the largest 63-bit id
    assert (minted or [first])[-1] == MAX_ID


def test_an_exhausted_sequence_borrows_the_next_millisecond(clock: Clock) -> None:
    # Given a clock that stands still
    generator = IdGenerator(worker_id=3)
    # When more ids are minted than a millisecond's 4096 sequence numbers
    minted = [generator.next_id() for _ in range(4097)]
    # Then they stay unique and increasing, and those past the sequence's end are stamped a millisecond later
    assert len(set(minted)) == 4097
    assert minted == sorted(minted)
    assert id_timestamp_ms(minted[-1]) == clock.now_ms + 1
    assert id_timestamp_ms(minted[4095 - (minted[0] & 0xFFF)]) == clock.now_ms


def test_a_clock_going_backwards_does_not_make_ids_go_backwards(clock: Clock) -> None:
    # Given
    generator = IdGenerator(worker_id=1)
    before = generator.next_id()
    # When the wall clock steps back a second
    clock.now_ms -= 1000
    after = generator.next_id()
    # Then
    assert after > before
    assert id_timestamp_ms(after) == id_timestamp_ms(before)


def test_lowest_id_at_bounds_every_id_of_that_millisecond(clock: Clock) -> None:
    # Given ids minted at the millisecond before and at the millisecond itself (the lowest possible: worker 0,
    # its sequence from 0)
    generator = IdGenerator(worker_id=0, sequence_start_span=1)
    clock.now_ms = EPOCH_MS + 5000
    previous = IdGenerator(worker_id=1023)
    clock.now_ms -= 1
    earlier = previous.next_id()
    clock.now_ms += 1
    first = generator.next_id()
    # When
    bound = lowest_id_at(EPOCH_MS + 5000)
    # Then
    assert earlier < bound <= first
    assert bound == first


def test_lowest_id_at_before_the_epoch_is_zero() -> None:
    # Then
    assert lowest_id_at(EPOCH_MS - 10_000) == 0


def test_iso_timestamp_is_twitters_created_at_format() -> None:
    # Then
    assert iso_timestamp(EPOCH_MS) == "2026-01-01T00:00:00.000Z"
    assert iso_timestamp(EPOCH_MS + 86_400_000 + 3_723_045) == "2026-01-02T01:02:03.045Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", iso_timestamp(1_795_000_000_999))


@pytest.mark.parametrize("raw", ["1", "42", "117656963358392320", str(MAX_ID)])
def test_parse_id_reads_positive_63_bit_decimal_ids(raw: str) -> None:
    # Then
    assert parse_id(raw, "userId") == int(raw)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "0",
        "-1",
        "+1",
        " 1",
        "1 ",
        "1.5",
        "1e3",
        "0x1f",
        "abc",
        "١٢",  # Arabic-Indic digits: isdigit() but not ASCII
        "²",
        str(MAX_ID + 1),
        "99999999999999999999999",
        "0" * 20 + "1",
    ],
)
def test_parse_id_refuses_anything_else_naming_the_parameter(raw: str) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match=r"^tweetId must be a numeric id"):
        parse_id(raw, "tweetId")
