"""What the erasure needs from storage beyond the aggregates' own repositories: its progress on the account's
item, and the lookups and deletions no everyday path makes (by owner, by the other side of a relation, whole
partitions)."""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol

from chirp.erasure.models import Phase, Progress


class Partition(StrEnum):
    """A table partition that is the account's own and holds nothing anyone else needs."""

    HOME_TIMELINE = "home_timeline"  # its home timeline's entries and activity record
    NOTIFICATIONS = "notifications"  # its notifications, their markers, its read mark, its Web Push subscriptions
    AUTHOR_TWEETS = "author_tweets"  # what is left of its tweets' list once they are deleted: its recent tweets item
    ENGAGEMENTS = "engagements"  # its engagement summaries and any edge left (after TWEETS and LIKES)
    LIVE = "live"  # its open WebSocket connections


class ErasureStore(Protocol):
    def progress(self, user_id: int) -> Progress | None:
        """The account's erasure as recorded (strongly consistent); None when the account is not being erased
        (never deleted, or erased to the end)."""

    def exists(self, user_id: int) -> bool:
        """Whether the account's item is there (deleted or not)."""

    def take_lease(self, user_id: int, now_ms: int, until_ms: int) -> bool:
        """Hold the account's erasure until `until_ms`, if nobody else holds it now (one conditional write)."""

    def advance(self, user_id: int, phase: Phase, cursor: str | None, lease_until_ms: int) -> None:
        """Record how far the erasure got (and extend the lease), on the account's item."""

    def stalled(self, now_ms: int, limit: int) -> list[int]:
        """Up to `limit` accounts being erased that no worker holds now (their lease ran out, or none was taken)."""

    def others_relations(self, user_id: int, limit: int) -> list[tuple[int, str]]:
        """Up to `limit` of others' relations to the user: (owner id, "block" | "mute")."""

    def media_of(self, owner_id: int, limit: int) -> list[int]:
        """Up to `limit` ids of the owner's media items."""

    def delete_reports_by(self, reporter_id: int, limit: int) -> int:
        """Delete up to `limit` of the reports the user filed (and their open claims); how many."""

    def delete_sessions(self, user_id: int, limit: int) -> int:
        """Delete up to `limit` of the user's refresh tokens and token families; how many."""

    def delete_partition(self, partition: Partition, user_id: int, limit: int) -> int:
        """Delete up to `limit` items of the user's partition; how many."""

    def finish(self, user_id: int, username: str, email: str, username_free_at_s: int) -> None:
        """The last write: the account's item and its email claim deleted, its username claim kept by nobody until
        `username_free_at_s` (one transaction; idempotent)."""
