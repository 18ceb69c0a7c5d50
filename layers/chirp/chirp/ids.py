"""Time-ordered 64-bit ids, Snowflake style: 41 bits of milliseconds since
Chirp's epoch, 10 bits of worker id, 12 bits of per-millisecond sequence.

Ids sort by creation time, so a tweet id doubles as its timestamp and as a
cursor. They are sent to clients as strings (JSON numbers lose precision in
JavaScript above 2**53).
"""

from __future__ import annotations

import secrets
import threading
import time
from datetime import UTC, datetime

from chirp.errors import MalformedRequest

EPOCH_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z
WORKER_BITS = 10
SEQUENCE_BITS = 12
MAX_ID = (1 << 63) - 1


class IdGenerator:
    def __init__(self, worker_id: int | None = None) -> None:
        # A Lambda sandbox has no stable identity: a random worker id makes a
        # collision between two concurrent sandboxes need the same millisecond,
        # worker id and sequence number.
        self._worker = secrets.randbelow(1 << WORKER_BITS) if worker_id is None else worker_id
        self._lock = threading.Lock()
        self._last_ms = -1
        self._sequence = 0

    def next_id(self) -> int:
        with self._lock:
            now = max(int(time.time() * 1000), self._last_ms)
            if now == self._last_ms:
                self._sequence = (self._sequence + 1) & ((1 << SEQUENCE_BITS) - 1)
                if self._sequence == 0:
                    now += 1  # sequence exhausted: borrow the next millisecond
            else:
                self._sequence = 0
            self._last_ms = now
            return (
                ((now - EPOCH_MS) << (WORKER_BITS + SEQUENCE_BITS)) | (self._worker << SEQUENCE_BITS) | self._sequence
            )


_generator = IdGenerator()


def new_id() -> int:
    return _generator.next_id()


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
