"""Applying a TimelineChange: the timeline-writer function's logic."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping

from chirp.concurrency import submit
from chirp.timelines.changes import TimelineChange
from chirp.timelines.models import TimelineEntry
from chirp.timelines.service import is_inactive
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineWriteStores

# Told, after an `add`, which owners got which entries brought by someone else (their own are no news).
OnAdded = Callable[[Mapping[int, list[int]]], object]


def apply_change(
    stores: TimelineWriteStores,
    settings: TimelineSettings,
    change: TimelineChange,
    now_ms: int,
    rng: random.Random,
    *,
    on_added: OnAdded | None = None,
) -> int:
    """Apply one change; returns how many timelines it touched. Idempotent."""
    if change.op == "add":
        return add_entries(stores, settings, change, now_ms, rng, on_added=on_added)
    if change.op == "remove":
        stores.timelines.remove(change.owners, change.entry_ids)
        return len(change.owners)
    if change.author_id is None:
        raise ValueError(f"a {change.op} change needs author_id")
    if change.op == "remove_author":
        # A re-follow applied before this late removal must win: its backfill stays.
        refollowed = stores.follows.which_follow(change.owners, change.author_id)
        owners = [owner for owner in change.owners if owner not in refollowed]
        for owner in owners:
            stores.timelines.remove_author(owner, change.author_id)
        return len(owners)
    # mark_celebrity: the author was promoted (its followers pull it from now on) or demoted.
    if change.celebrity:
        stores.timelines.start_pulling(change.owners, change.author_id)
    else:
        stores.timelines.stop_pulling(change.owners, change.author_id)
    return len(change.owners)


def add_entries(
    stores: TimelineWriteStores,
    settings: TimelineSettings,
    change: TimelineChange,
    now_ms: int,
    rng: random.Random,
    *,
    on_added: OnAdded | None = None,
) -> int:
    """Write the entries into the timelines of the owners who are active and still follow whoever
    brought each entry in (an unfollow applied before a late `add` must win), and, for a reply to
    someone else, follow that someone too (Twitter's rule), then trim."""
    activity = submit(stores.timelines.activity, change.owners)
    entries = [message.to_entry() for message in change.entries]
    people = {entry.bringer for entry in entries} | {e.reply_to_user_id for e in entries if e.reply_to_user_id}
    following = {
        person: submit(stores.follows.which_follow, [owner for owner in change.owners if owner != person], person)
        for person in people
    }
    followers = {person: future.result() for person, future in following.items()}
    active = {owner for owner in change.owners if not is_inactive(activity.result().get(owner), settings, now_ms)}
    expires_at = now_ms // 1000 + settings.timeline_entry_ttl_days * 86_400
    by_owners: dict[tuple[int, ...], list[TimelineEntry]] = {}
    for entry in entries:
        owners = tuple(sorted(owner for owner in change.owners if _takes(owner, entry, active, followers)))
        by_owners.setdefault(owners, []).append(entry)
    written: set[int] = set()
    news: dict[int, list[int]] = {}
    for owners, brought in by_owners.items():
        if owners:
            stores.timelines.write(owners, brought, expires_at)
            written.update(owners)
            for owner in owners:
                news.setdefault(owner, []).extend(entry.entry_id for entry in brought if entry.bringer != owner)
    for owner in written:
        if rng.random() < settings.timeline_trim_probability:
            stores.timelines.trim(owner, settings.timeline_max_entries)
    if on_added is not None and (added := {owner: ids for owner, ids in news.items() if ids}):
        on_added(added)
    return len(written)


def _takes(owner: int, entry: TimelineEntry, active: set[int], followers: dict[int, set[int]]) -> bool:
    """The bringer's own timeline always takes its own entries (active or not: that keeps it trimmed);
    another owner, if active, following the bringer, and (a reply) following the user replied to."""
    if owner == entry.bringer:
        return True
    if owner not in active or owner not in followers[entry.bringer]:
        return False
    return entry.may_reach(owner, {person for person, of in followers.items() if owner in of})
