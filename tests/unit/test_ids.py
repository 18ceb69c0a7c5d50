"""Snowflake ids: time-ordered, unique, 63-bit, and their timestamp recoverable."""

from __future__ import annotations

import itertools
import re
from types import SimpleNamespace

import pytest
from chirp import ids
from chirp.errors import MalformedRequest
from chirp.ids import EPOCH_MS, MAX_ID, IdGenerator, id_timestamp_ms, iso_timestamp, lowest_id_at, parse_id


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
    # Then
    assert (first >> 12) & 0x3FF == 0b1010101010
    assert first & 0xFFF == 0
    assert second & 0xFFF == 1


def test_the_last_representable_millisecond_mints_at_most_max_id(clock: Clock) -> None:
    # Given the last millisecond 41 bits can hold, and the highest worker id
    clock.now_ms = EPOCH_MS + 2**41 - 1
    generator = IdGenerator(worker_id=1023)
    # When its whole sequence is used up
    minted = [generator.next_id() for _ in range(4096)]
    # Then the last id is exactly the largest 63-bit id
    assert minted[-1] == MAX_ID


def test_an_exhausted_sequence_borrows_the_next_millisecond(clock: Clock) -> None:
    # Given a clock that stands still
    generator = IdGenerator(worker_id=3)
    # When more ids are minted than a millisecond's 4096 sequence numbers
    minted = [generator.next_id() for _ in range(4097)]
    # Then they stay unique and increasing, and the extra one is stamped a millisecond later
    assert len(set(minted)) == 4097
    assert minted == sorted(minted)
    assert id_timestamp_ms(minted[-1]) == clock.now_ms + 1
    assert minted[-1] & 0xFFF == 0


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
    # Given ids minted at the millisecond before and at the millisecond itself
    generator = IdGenerator(worker_id=0)
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
