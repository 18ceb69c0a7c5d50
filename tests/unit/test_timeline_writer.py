"""Applying timeline changes (chirp.timelines.writer.apply_change) to in-memory timelines."""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import pytest
from chirp.timelines import changes
from chirp.timelines.changes import TimelineChange
from chirp.timelines.models import TimelineActivity, TimelineEntry
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineWriteStores
from chirp.timelines.writer import apply_change

DAY_MS = 86_400_000
NOW_MS = 1_800_000_000_000
ACTIVE, AWAY, NEVER = 1, 2, 3


@dataclass
class MemoryTimelines:
    """Timelines and follow edges in memory (everyone follows everyone else, except the `unfollowed`
    (follower, followee) edges); owner 1 read just now, owner 2 31 days ago, owner 3 never."""

    entries: dict[int, dict[int, TimelineEntry]] = field(default_factory=dict)
    activities: dict[int, TimelineActivity] = field(
        default_factory=lambda: {
            ACTIVE: TimelineActivity(NOW_MS, NOW_MS),
            AWAY: TimelineActivity(NOW_MS - 31 * DAY_MS, NOW_MS - 31 * DAY_MS),
        }
    )
    unfollowed: set[tuple[int, int]] = field(default_factory=set)

    @property
    def timelines(self) -> MemoryTimelines:
        return self

    @property
    def follows(self) -> MemoryTimelines:
        return self

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        return {owner: self.activities[owner] for owner in owner_ids if owner in self.activities}

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        for owner in owner_ids:
            self.entries.setdefault(owner, {}).update({entry.entry_id: entry for entry in entries})

    def remove(self, owner_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        for owner in owner_ids:
            for entry_id in entry_ids:
                self.entries.get(owner, {}).pop(entry_id, None)

    def remove_author(self, owner_id: int, author_id: int) -> int:
        mine = self.entries.get(owner_id, {})
        theirs = [i for i, entry in mine.items() if entry.bringer == author_id]
        self.remove([owner_id], theirs)
        return len(theirs)

    def trim(self, owner_id: int, keep: int) -> int:
        newest_first = sorted(self.entries.get(owner_id, {}), reverse=True)
        self.remove([owner_id], newest_first[keep:])
        return len(newest_first[keep:])

    def which_follow(self, follower_ids: Sequence[int], followee_id: int) -> set[int]:
        """Nobody follows themselves; everyone else follows everyone, unless `unfollowed` says otherwise."""
        return {f for f in follower_ids if f != followee_id and (f, followee_id) not in self.unfollowed}

    def start_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        """Like the repository: only owners who follow the author now (creating their record if need be)."""
        for owner in self.which_follow(owner_ids, author_id):
            record = self.activities.get(owner, TimelineActivity(0, 0))
            self.activities[owner] = replace(record, pulls=record.pulls | {author_id})

    def stop_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        for owner in owner_ids:
            if owner in self.activities:
                record = self.activities[owner]
                self.activities[owner] = replace(record, pulls=record.pulls - {author_id})

    def pulls(self) -> dict[int, set[int]]:
        return {owner: set(record.pulls) for owner, record in self.activities.items() if record.pulls}

    def ids(self, owner: int) -> list[int]:
        return sorted(self.entries.get(owner, {}), reverse=True)


def apply(
    memory: MemoryTimelines, change: TimelineChange, settings: TimelineSettings | None = None, seed: int = 0
) -> int:
    return apply_change(
        cast(TimelineWriteStores, memory), settings or TimelineSettings(), change, NOW_MS, random.Random(seed)
    )


def entries(*ids: int, author: int = 9, via: int | None = None) -> list[TimelineEntry]:
    return [TimelineEntry(i, i, author, via) for i in ids]


def active(*owners: int) -> dict[int, TimelineActivity]:
    return {owner: TimelineActivity(NOW_MS, NOW_MS) for owner in owners}


def test_an_add_reaches_only_active_owners() -> None:
    # Given an active owner, one away for 31 days and one who never read
    memory = MemoryTimelines()
    # When an entry is added to all three
    touched = apply(memory, changes.add([ACTIVE, AWAY, NEVER], entries(10)))
    # Then only the active one gets it
    assert touched == 1
    assert (memory.ids(ACTIVE), memory.ids(AWAY), memory.ids(NEVER)) == ([10], [], [])


@pytest.mark.parametrize(("probability", "kept"), [(1.0, [50, 40, 30]), (0.0, [50, 40, 30, 20, 10])])
def test_an_add_trims_to_the_cap_with_the_trim_probability(probability: float, kept: list[int]) -> None:
    # Given a cap of 3 and a trim probability
    memory = MemoryTimelines()
    settings = TimelineSettings(timeline_max_entries=3, timeline_trim_probability=probability)
    # When 5 entries are added
    apply(memory, changes.add([ACTIVE], entries(10, 20, 30, 40, 50)), settings)
    # Then the newest 3 are kept when the write trims, all 5 when it does not
    assert memory.ids(ACTIVE) == kept


def test_trimming_happens_on_about_the_configured_share_of_writes() -> None:
    # Given a cap of 1, a trim probability of 0.25 and a seeded random source
    settings = TimelineSettings(timeline_max_entries=1, timeline_trim_probability=0.25)
    rng = random.Random(42)
    trimmed = 0
    # When 400 owners each get two entries in one add
    for owner in range(1000, 1400):
        memory = MemoryTimelines(activities={owner: TimelineActivity(NOW_MS, NOW_MS)})
        apply_change(cast(TimelineWriteStores, memory), settings, changes.add([owner], entries(1, 2)), NOW_MS, rng)
        trimmed += memory.ids(owner) == [2]
    # Then about a quarter of them were trimmed
    assert 60 <= trimmed <= 140


def test_an_add_reaches_only_owners_who_still_follow_the_author() -> None:
    # Given two active owners, one of whom unfollowed author 9 after the add was fanned out
    memory = MemoryTimelines(activities=active(4, 5), unfollowed={(5, 9)})
    # When the late add is applied
    touched = apply(memory, changes.add([4, 5], entries(10)))
    # Then only the owner still following the author gets the entry
    assert touched == 1
    assert (memory.ids(4), memory.ids(5)) == ([10], [])


def test_an_authors_own_entry_reaches_its_own_timeline() -> None:
    # Given an active author (who does not follow itself)
    memory = MemoryTimelines(activities=active(9))
    # When fan-out sends it its own entry
    touched = apply(memory, changes.add([9], entries(10, author=9)))
    # Then the entry is written (and so the author's timeline is trimmed like any other)
    assert touched == 1
    assert memory.ids(9) == [10]


def test_an_add_follows_whoever_brought_each_entry_in() -> None:
    # Given owner 4 following retweeter 6 but not author 9, owner 5 following 9 but not 6
    memory = MemoryTimelines(activities=active(4, 5), unfollowed={(4, 9), (5, 6)})
    # When one add carries an original of 9 (entry 10) and one brought in by 6 (entry 20)
    touched = apply(memory, changes.add([4, 5], [*entries(10), *entries(20, via=6)]))
    # Then each owner gets only the entry brought in by whom it follows
    assert touched == 2
    assert (memory.ids(4), memory.ids(5)) == ([20], [10])


def test_a_reply_to_someone_else_reaches_only_owners_who_follow_both_ends() -> None:
    # Given author 9's reply to user 8: owner 4 follows both, owner 5 only the author, owner 8 is the one replied to
    memory = MemoryTimelines(activities=active(4, 5, 8, 9), unfollowed={(5, 8)})
    reply = TimelineEntry(10, 10, 9, reply_to_user_id=8)
    # When the add reaches them (and the author's own timeline)
    apply(memory, changes.add([4, 5, 8, 9], [reply]))
    # Then the owner who follows only the author does not get it
    assert {owner: memory.ids(owner) for owner in (4, 5, 8, 9)} == {4: [10], 5: [], 8: [10], 9: [10]}


def test_an_add_that_reaches_nobody_touches_nothing() -> None:
    # Given an active owner who unfollowed the author
    memory = MemoryTimelines(activities=active(4), unfollowed={(4, 9)})
    # When the add is applied
    # Then nothing is written
    assert apply(memory, changes.add([4], entries(10))) == 0
    assert memory.entries == {}


def test_remove_author_spares_an_owner_who_follows_the_author_again() -> None:
    # Given two owners with author 9's entries, one of whom re-followed it before the late removal is applied
    memory = MemoryTimelines(activities=active(4, 5), unfollowed={(5, 9)})
    memory.write([4, 5], entries(10, 20), 0)
    memory.write([4, 5], entries(30, author=8), 0)
    # When the unfollows' remove_author changes are applied
    touched = apply(memory, changes.remove_author(4, 9)) + apply(memory, changes.remove_author(5, 9))
    # Then the re-follower keeps the entries; the other loses 9's, keeps 8's
    assert touched == 1
    assert (memory.ids(4), memory.ids(5)) == ([30, 20, 10], [30])


def test_mark_celebrity_adds_to_and_removes_from_the_followers_pulls_whatever_their_activity() -> None:
    # Given followers active, away and never seen, and one former follower
    memory = MemoryTimelines(unfollowed={(4, 5)})
    # When author 5 is promoted, then demoted for one of them
    apply(memory, changes.mark_celebrity([ACTIVE, AWAY, NEVER, 4], 5, True))
    apply(memory, changes.mark_celebrity([AWAY], 5, False))
    # Then the followers pull it (the one who never read, too: its record is made), except the demoted
    # one's and the former follower
    assert memory.pulls() == {ACTIVE: {5}, NEVER: {5}}


@pytest.mark.parametrize("op", ["remove_author", "mark_celebrity"])
def test_a_change_about_an_author_without_author_id_is_refused(op: str) -> None:
    # Given a well-formed message that names no author
    change = TimelineChange(op=op, owners=[ACTIVE])
    # Then applying it fails loudly (so the message is retried, then dead-lettered)
    with pytest.raises(ValueError, match="author_id"):
        apply(MemoryTimelines(), change)


def test_an_add_tells_each_owner_which_entries_someone_else_brought_it() -> None:
    # Given an active owner, an inactive one, and the author (9) of the entries among the owners
    memory = MemoryTimelines(activities={**active(ACTIVE), 9: TimelineActivity(NOW_MS, NOW_MS)})
    told: list[dict[int, list[int]]] = []
    # When two entries of author 9 are added to all of them
    apply_change(
        cast(TimelineWriteStores, memory),
        TimelineSettings(),
        changes.add([ACTIVE, AWAY, 9], entries(10, 20)),
        NOW_MS,
        random.Random(0),
        on_added=lambda added: told.append(dict(added)),
    )
    # Then the active owner is told of both; the inactive one got nothing; the author's own are no news
    assert told == [{ACTIVE: [10, 20]}]


def test_an_add_that_writes_nobody_news_tells_no_one() -> None:
    memory = MemoryTimelines()
    told: list[object] = []
    apply_change(
        cast(TimelineWriteStores, memory),
        TimelineSettings(),
        changes.add([AWAY, NEVER], entries(10)),
        NOW_MS,
        random.Random(0),
        on_added=told.append,
    )
    assert told == []
