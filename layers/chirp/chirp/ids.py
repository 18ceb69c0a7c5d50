"""Time-ordered 63-bit ids, Snowflake style: 41 bits of milliseconds since Chirp's epoch, 10 bits of worker
id, 12 bits of per-millisecond sequence.

Ids sort by creation time, so a tweet id doubles as its timestamp and as a cursor (timelines, search's
`since:`/`until:` and every page rely on it). They are sent to clients as strings (JSON numbers lose
precision in JavaScript above 2**53), and stay below 2**63 (DynamoDB numbers, Java longs, OpenSearch `long`).

Why ids may collide, and why a collision is harmless. A Lambda sandbox has no stable identity to derive a
worker id from (no registry of live sandboxes, and SnapStart would copy one into every restored sandbox), so
each draws one at random: with 10 bits, a few dozen concurrent sandboxes already share one (the birthday
bound: 38 sandboxes, even odds). Two sandboxes of one worker id minting in the same millisecond would mint the
same id if both started the millisecond's sequence at 0; so

1. each millisecond's sequence starts at a random number below 2**11 (SEQUENCE_START_SPAN), not at 0: two
   such sandboxes now collide only if they also draw the same start, which makes raw collisions ~2,000 times
   rarer (`make bench-ids`: 2,000 sandboxes at Twitter's 12K tweets/s peak mint ~2 colliding ids a minute,
   where starting at 0 minted ~55 a second). A sandbox still has ≥ 2,048 ids a millisecond, far more than
   a sandbox serving one request at a time mints, and its ids still strictly increase;
2. what remains is made harmless by the writes: every item keyed by a minted id is written with a condition
   that it does not exist (tweets, users, media, reports), so a collision never overwrites; the adapter
   raises `IdTaken`, and `minted` draws a new worker id for this sandbox (it shares its worker id with
   another) and writes again with a fresh id, MINT_ATTEMPTS times at most (the odds of a second collision
   are those of the first, ~1e-5: after four the write answers Retryable, 503, rather than loop).

Widening the randomness further was weighed and not taken: more random bits must come out of the timestamp
(41 bits last until 2095; fewer would not) or out of the sequence (fewer ids a millisecond per sandbox, and no
fewer collisions at equal odds), and no number of random bits makes a collision impossible: only the
conditional write does. Ids minted as sort keys of indexes (a follow's, a like's, a notification's order)
need no such care: an index tolerates equal sort keys, and nothing is overwritten.

Randomness is `secrets` (the OS's), never a seeded `random`: a snapshot (SnapStart) would share the seed; and the
worker id is drawn by the first id a sandbox mints, not at import, so a snapshot of an initialised sandbox holds
none (a snapshot taken after minting would share it: the random sequence start and the retry still hold).
"""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from chirp.errors import MalformedRequest, Retryable

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_ID = (1 << 63) - 1
MAX_SEQUENCE = (1 << SEQUENCE_BITS) - 1
# Each millisecond's sequence starts below this, at random (see the module's docstring, 1.).
SEQUENCE_START_SPAN = 1 << (SEQUENCE_BITS - 1)
# Writes of one item with a fresh id each, after its id was found taken (see the module's docstring, 2.).
MINT_ATTEMPTS = 4

T = TypeVar("T")


class IdTaken(Retryable):
    """The id a write minted is already another item's: its conditional write refused it (nothing was
    overwritten). `minted` writes again with a fresh id; should it escape, it is a 503 to retry."""


class IdGenerator:
    """The ids of one sandbox. `clock` (seconds, as time.time), `rng` and `sequence_start_span` (1: every
    millisecond's sequence from 0, as before issue 14) are for simulations and tests."""

    def __init__(
        self,
        worker_id: int | None = None,
        *,
        clock: Callable[[], float] | None = None,
        rng: random.Random | None = None,
        sequence_start_span: int = SEQUENCE_START_SPAN,
    ) -> None:
        self._start_span = sequence_start_span
        self._rng = rng if rng is not None else secrets.SystemRandom()
        self._clock = clock
        # Drawn by the first id minted, not at init: a snapshot taken after init (SnapStart) shares nothing.
        self._worker = worker_id
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    @property
    def worker_id(self) -> int:
        with self._lock:
            return self._drawn_worker()

    def redraw_worker(self) -> None:
        """Another worker id: this one is shared with another sandbox (an id it minted was taken)."""
        with self._lock:
            other = self._drawn_worker() + 1 + self._rng.randrange((1 << WORKER_BITS) - 1)
            self._worker = other % (1 << WORKER_BITS)

    def _drawn_worker(self) -> int:
        if self._worker is None:
            self._worker = self._rng.randrange(1 << WORKER_BITS)
        return self._worker

    def next_id(self) -> int:
        with self._lock:
            worker = self._drawn_worker()
            now = max(int((self._clock or time.time)() * 1000), self._last_ms)
            if now == self._last_ms and self._sequence < MAX_SEQUENCE:
                self._sequence += 1
            else:
                if now == self._last_ms:
                    now += 1  # sequence exhausted: borrow the next millisecond
                self._sequence = self._rng.randrange(self._start_span)
            self._last_ms = now
            return ((now - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (worker << SEQUENCE_BITS) | self._sequence


_generator = IdGenerator()


def new_id() -> int:
    return _generator.next_id()


def install_generator(generator: IdGenerator) -> IdGenerator:
    """Mint with `generator` from now on in this process; returns the one it replaces. For what acts as many
    sandboxes in one process (bench/ids.py's simulation, a test), not for the functions."""
    global _generator
    previous, _generator = _generator, generator
    return previous


def minted(write: Callable[[int], T], *, attempts: int = MINT_ATTEMPTS) -> T:
    """`write(a new id)`, again with a fresh id (and a new worker id for this sandbox) each time it raises
    IdTaken, `attempts` times at most; then that IdTaken (a 503). `write` must refuse a taken id (a conditional
    write) and leave nothing behind when it does (one transaction)."""
    for attempt in range(attempts):
        try:
            return write(new_id())
        except IdTaken:
            if attempt == attempts - 1:
                raise
            _generator.redraw_worker()
    raise AssertionError("unreachable: attempts must be at least 1")


def id_timestamp_ms(snowflake: int) -> int:
    return (snowflake >> (WORKER_BITS + SEQUENCE_BITS)) + EPOCH_MS


def lowest_id_at(timestamp_ms: int) -> int:
    """The smallest id that can be minted at `timestamp_ms` (for time-bounded queries)."""
    return max(timestamp_ms - EPOCH_MS, 0) << (WORKER_BITS + SEQUENCE_BITS)


def iso_timestamp(epoch_ms: int) -> str:
    """Twitter API v2's `created_at` format: 2026-11-21T16:00:00.000Z."""
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


def is_id_text(raw: str) -> bool:
    """Decimal digits of a positive 63-bit integer: how an id travels in paths and cursors."""
    return raw.isascii() and raw.isdigit() and len(raw) <= 19 and 0 < int(raw) <= MAX_ID


def parse_id(raw: str, name: str) -> int:
    """An id from a path, or MalformedRequest naming the parameter."""
    if not is_id_text(raw):
        raise MalformedRequest(f"{name} must be a numeric id (a positive 64-bit integer as a string)")
    return int(raw)
