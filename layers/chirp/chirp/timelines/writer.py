"""Applying a TimelineChange: the timeline-writer function's logic."""

from __future__ import annotations

import random

from chirp.settings import Settings
from chirp.timelines.changes import TimelineChange
from chirp.timelines.service import is_inactive
from chirp.timelines.stores import TimelineStores


def apply_change(
    stores: TimelineStores, settings: Settings, change: TimelineChange, now_ms: int, rng: random.Random
) -> int:
    """Apply one change; returns how many timelines it touched. Idempotent."""
    if change.op == "add":
        activity = stores.timelines.activity(change.owners)
        active = [owner for owner in change.owners if not is_inactive(activity.get(owner), settings, now_ms)]
        if not active:
            return 0
        expires_at = now_ms // 1000 + settings.timeline_entry_ttl_days * 86_400
        stores.timelines.write(active, [message.to_entry() for message in change.entries], expires_at)
        for owner in active:
            if rng.random() < settings.timeline_trim_probability:
                stores.timelines.trim(owner, settings.timeline_max_entries)
        return len(active)
    if change.op == "remove":
        stores.timelines.remove(change.owners, change.entry_ids)
        return len(change.owners)
    if change.author_id is None:
        raise ValueError(f"a {change.op} change needs author_id")
    if change.op == "remove_author":
        for owner in change.owners:
            stores.timelines.remove_author(owner, change.author_id)
        return len(change.owners)
    stores.follows.mark_celebrity_edges(change.author_id, change.owners, change.celebrity)
    return len(change.owners)
