"""What home timelines need from storage."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from chirp.timelines.models import PageContents, TimelineActivity, TimelineEntry, TimelineHead, ViewerReads


class TimelineRepository(Protocol):
    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        """Up to `limit` entries below `before`, newest first (one Query)."""

    def head(self, owner_id: int, limit: int) -> TimelineHead:
        """The owner's activity record and up to `limit` newest entries (one Query)."""

    def page_contents(
        self,
        tweet_ids: Iterable[int],
        user_ids: Iterable[int],
        recent_of: Iterable[int],
        viewer: ViewerReads | None = None,
    ) -> PageContents:
        """The tweets (strongly consistent), the people, the recent tweets of `recent_of` and what the
        viewer's engagements say (both strongly consistent) a page needs: one BatchGetItem (several
        side by side past 100 keys)."""

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        """Put every entry into every owner's timeline (BatchWriteItem; idempotent)."""

    def remove(self, owner_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        """Delete those entries from those timelines (idempotent)."""

    def remove_author(self, owner_id: int, author_id: int) -> int:
        """Delete the owner's entries `author_id` brought (its tweets and its retweets: `TimelineEntry.bringer`),
        keeping others' retweets of its tweets; returns how many."""

    def trim(self, owner_id: int, keep: int) -> int:
        """Delete all but the newest `keep` entries; returns how many were deleted."""

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        """The activity records of those owners that have one (BatchGetItem)."""

    def record_activity(self, owner_id: int, activity: TimelineActivity) -> None:
        """Note when the owner last read and was rebuilt (its pulls are left as they are)."""

    def start_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        """Add the author to the pulls of those owners who follow it now (a strongly consistent
        check, in the same transaction: an unfollow applied first wins)."""

    def stop_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        """Take the author out of those owners' pulls (a demotion; an unfollow does it in its own
        transaction)."""
