"""The messages the fan-out function sends the timeline writer (one SQS message each).

Every change is idempotent by construction: entries are keyed by (owner, entry_id),
so applying a redelivered `add` overwrites the same items, and removing what is
already gone is a no-op. That is what makes redelivery safe end to end.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from chirp.timelines.models import TimelineEntry


class EntryMessage(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: int = Field(gt=0)
    tweet_id: int = Field(gt=0)
    author_id: int = Field(gt=0)
    via_id: int | None = None
    quoted_id: int | None = None
    quoted_author_id: int | None = None
    reply_to_user_id: int | None = None

    def to_entry(self) -> TimelineEntry:
        return TimelineEntry(**self.model_dump())

    @classmethod
    def of(cls, entry: TimelineEntry) -> EntryMessage:
        return cls(
            entry_id=entry.entry_id,
            tweet_id=entry.tweet_id,
            author_id=entry.author_id,
            via_id=entry.via_id,
            quoted_id=entry.quoted_id,
            quoted_author_id=entry.quoted_author_id,
            reply_to_user_id=entry.reply_to_user_id,
        )


class TimelineChange(BaseModel):
    """add: put `entries` into the active `owners`' timelines.
    remove: delete `entry_ids` from `owners`' timelines.
    remove_author: delete whatever `author_id` wrote or brought into `owners`' timelines (an unfollow),
    and stop pulling it.
    mark_celebrity: `celebrity` true: `owners` pull `author_id`'s tweets at read time from now on
    (those who still follow it); false: they stop."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["add", "remove", "remove_author", "mark_celebrity"]
    owners: list[int] = Field(min_length=1, max_length=1000)
    entries: list[EntryMessage] = Field(default_factory=list)
    entry_ids: list[int] = Field(default_factory=list)
    author_id: int | None = None
    celebrity: bool = False


class ChangePublisher(Protocol):
    def publish(self, changes: Sequence[TimelineChange]) -> None:
        """Send every change, or raise: a change is never dropped silently."""


def add(owners: Sequence[int], entries: Sequence[TimelineEntry]) -> TimelineChange:
    return TimelineChange(op="add", owners=list(owners), entries=[EntryMessage.of(e) for e in entries])


def remove(owners: Sequence[int], entry_ids: Sequence[int]) -> TimelineChange:
    return TimelineChange(op="remove", owners=list(owners), entry_ids=list(entry_ids))


def remove_author(owner_id: int, author_id: int) -> TimelineChange:
    return TimelineChange(op="remove_author", owners=[owner_id], author_id=author_id)


def mark_celebrity(owners: Sequence[int], celebrity_id: int, celebrity: bool) -> TimelineChange:
    return TimelineChange(op="mark_celebrity", owners=list(owners), author_id=celebrity_id, celebrity=celebrity)
