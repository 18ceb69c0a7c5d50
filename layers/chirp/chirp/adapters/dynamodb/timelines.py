"""TimelineRepository on the timelines table: entries keyed (owner_id, entry_id), plus one
activity record per owner at entry_id 0."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from chirp.adapters.dynamodb.batch import batch_write, delete_request, put_request
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID, TimelineActivityItem, TimelineItem
from chirp.timelines.models import TimelineActivity, TimelineEntry


def timeline_item(owner_id: int, entry: TimelineEntry, expires_at: int) -> TimelineItem:
    return TimelineItem(
        owner_id=owner_id,
        entry_id=entry.entry_id,
        tweet_id=entry.tweet_id,
        author_id=entry.author_id,
        via_id=entry.via_id,
        expires_at=expires_at,
    )


def to_entry(item: TimelineItem) -> TimelineEntry:
    via = int(item.via_id) if item.via_id is not None else None
    return TimelineEntry(int(item.entry_id), int(item.tweet_id), int(item.author_id), via)


def _key(owner_id: int, entry_id: int) -> dict[str, Any]:
    return {"owner_id": {"N": str(owner_id)}, "entry_id": {"N": str(entry_id)}}


class DynamoTimelineRepository:
    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        condition = (
            TimelineItem.entry_id.between(ACTIVITY_ENTRY_ID + 1, before - 1)
            if before is not None
            else TimelineItem.entry_id > ACTIVITY_ENTRY_ID
        )
        items = TimelineItem.query(owner_id, range_key_condition=condition, scan_index_forward=False, limit=limit)
        return [to_entry(item) for item in items]

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        requests = [
            put_request(timeline_item(owner, entry, expires_at).serialize()) for owner in owner_ids for entry in entries
        ]
        batch_write(TimelineItem.Meta.table_name, requests)

    def remove(self, owner_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        requests = [delete_request(_key(owner, entry_id)) for owner in owner_ids for entry_id in entry_ids]
        batch_write(TimelineItem.Meta.table_name, requests)

    def remove_author(self, owner_id: int, author_id: int) -> int:
        matching = TimelineItem.query(
            owner_id,
            range_key_condition=TimelineItem.entry_id > ACTIVITY_ENTRY_ID,
            filter_condition=(TimelineItem.author_id == author_id) | (TimelineItem.via_id == author_id),
            attributes_to_get=["owner_id", "entry_id"],
        )
        entry_ids = [int(item.entry_id) for item in matching]
        self.remove([owner_id], entry_ids)
        return len(entry_ids)

    def trim(self, owner_id: int, keep: int) -> int:
        newest_first = TimelineItem.query(
            owner_id,
            range_key_condition=TimelineItem.entry_id > ACTIVITY_ENTRY_ID,
            scan_index_forward=False,
            attributes_to_get=["owner_id", "entry_id"],
        )
        surplus = [int(item.entry_id) for position, item in enumerate(newest_first) if position >= keep]
        self.remove([owner_id], surplus)
        return len(surplus)

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        keys = [(owner, ACTIVITY_ENTRY_ID) for owner in dict.fromkeys(owner_ids)]
        if not keys:
            return {}
        return {
            int(item.owner_id): TimelineActivity(int(item.last_seen_ms), int(item.rebuilt_at_ms))
            for item in TimelineActivityItem.batch_get(keys)
        }

    def record_activity(self, owner_id: int, activity: TimelineActivity) -> None:
        TimelineActivityItem(
            owner_id=owner_id,
            entry_id=ACTIVITY_ENTRY_ID,
            last_seen_ms=activity.last_seen_ms,
            rebuilt_at_ms=activity.rebuilt_at_ms,
        ).save()
