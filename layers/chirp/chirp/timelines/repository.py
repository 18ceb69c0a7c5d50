"""What home timelines need from storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from chirp.timelines.models import TimelineActivity, TimelineEntry


class TimelineRepository(Protocol):
    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        """Up to `limit` entries below `before`, newest first (one Query)."""

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        """Put every entry into every owner's timeline (BatchWriteItem; idempotent)."""

    def remove(self, owner_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        """Delete those entries from those timelines (idempotent)."""

    def remove_author(self, owner_id: int, author_id: int) -> int:
        """Delete the owner's entries by, or brought in by, `author_id`; returns how many."""

    def trim(self, owner_id: int, keep: int) -> int:
        """Delete all but the newest `keep` entries; returns how many were deleted."""

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        """The activity records of those owners that have one (BatchGetItem)."""

    def record_activity(self, owner_id: int, activity: TimelineActivity) -> None: ...
