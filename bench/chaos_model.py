"""The model `make chaos` (bench/chaos.py) compares Chirp's derived states with: what the accepted requests imply.

Pure functions over plain data (no HTTP, no AWS), so that tests/unit/test_chaos_model.py can check them on
hand-made states. Each actor's requests are sequential (one client thread owns it), so the final state of each
key (a like edge, a retweet, a follow) is the last accepted request of that actor on it, whatever the other
actors did meanwhile; different actors' keys commute.

Home timelines are compared at the level of *originals* (what a page shows: a retweet's original, or the
tweet itself; each original once per page, by the newest entry bringing it; a later page may show it
again through an older entry), with the product's semantics
(chirp.timelines): the owner's own tweets and retweets; every entry of a followee posted after the follow was
answered (fanned out); of the followee's entries from before the follow was sent, the newest
`backfill` (TimelineSettings.timeline_backfill_per_author) that the follow's backfill must bring whatever the
moment it ran (`backfill` minus the followee's entries that may be newer). Anything else a followee brought
(an older entry; one of a previous follow period whose removal a re-follow skipped) is *possible*; an original
no followee nor the owner brings is *wrong* (an unfollow's removal lost, or a late add after it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    """An entry a user brings into timelines: its own tweet, or its retweet of `original`.

    `sent`: when the request that made it was first sent (the earliest it can have been written); `answered`:
    when its 2xx came (the latest). `live`: not undone at the end (an undone retweet is never shown)."""

    entry_id: int
    original: int
    bringer: str
    sent: float
    answered: float
    live: bool = True


@dataclass(frozen=True)
class FollowPeriod:
    """The current follow of `follower` -> `followee`: when its (first) follow request was sent and answered."""

    sent: float
    answered: float


@dataclass
class Tally:
    """One derived state's comparison. `expected`/`found`: items (or units for counters); `lost`: expected but
    missing (units short); `duplicated`: there more than once (units over); `wrong`: there but not expected."""

    name: str
    expected: int = 0
    found: int = 0
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    tolerated: int = 0  # possible, not required (timelines: an older backfilled entry)
    again: int = 0  # home timelines: an original a later page showed again, through another entry
    examples: list[str] = field(default_factory=list)

    def note(self, example: str, keep: int = 5) -> None:
        if len(self.examples) < keep:
            self.examples.append(example)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.duplicated or self.wrong)


def expected_home(
    owner: str,
    entries_by: Mapping[str, list[Entry]],
    following: Mapping[str, FollowPeriod],
    backfill: int,
) -> tuple[set[int], set[int]]:
    """(required, possible) originals of `owner`'s home timeline; `following`: its followees at the end."""
    required: set[int] = set()
    possible: set[int] = set()
    for entry in entries_by.get(owner, []):
        if entry.live:
            required.add(entry.original)
            possible.add(entry.original)
    for followee, period in following.items():
        entries = entries_by.get(followee, [])
        before = sorted((e for e in entries if e.answered < period.sent), key=lambda e: e.entry_id, reverse=True)
        maybe_newer = len(entries) - len(before)  # may have taken a backfill slot, depending on when it ran
        must_backfill = {e.entry_id for e in before[: max(0, backfill - maybe_newer)]}
        for entry in entries:
            if not entry.live:
                continue
            possible.add(entry.original)
            if entry.sent > period.answered or entry.entry_id in must_backfill:
                required.add(entry.original)
    return required, possible


def compare_home(
    tally: Tally, owner: str, pages: list[list[tuple[int, int]]], required: set[int], possible: set[int]
) -> None:
    """Add one timeline's comparison to `tally`: `pages`, in order, each the (entry id, original) of its items.

    The read shows each original once per page, by the newest entry bringing it (chirp.timelines.service.merge).
    A later page may show it again through an older entry (a followee's retweet on one page, the original or an
    older retweet of it on a later one): tolerated, as `again`. Duplicated: an entry shown twice (a cursor that
    went back), or an original twice on one page."""
    counts = Counter(original for page in pages for _, original in page)
    tally.expected += len(required)
    tally.found += len(counts)
    for original in sorted(required - counts.keys()):
        tally.lost += 1
        tally.note(f"{owner}: lost {original}")
    _count_repeats(tally, owner, pages)
    for original in counts:
        if original not in possible:
            tally.wrong += 1
            tally.note(f"{owner}: {original} should not be there")
        elif original not in required:
            tally.tolerated += 1


def _count_repeats(tally: Tally, owner: str, pages: list[list[tuple[int, int]]]) -> None:
    """Duplicated: an entry on two pages, an original twice on one page. Again: an original on a later page
    through another entry."""
    for entry_id, count in Counter(entry_id for page in pages for entry_id, _ in page).items():
        if count > 1:
            tally.duplicated += count - 1
            tally.note(f"{owner}: entry {entry_id} shown {count} times")
    on_one_page = 0
    for number, page in enumerate(pages):
        for original, count in Counter(original for _, original in page).items():
            if count > 1:
                on_one_page += count - 1
                tally.note(f"{owner}: {original} shown {count} times on page {number + 1}")
    tally.duplicated += on_one_page
    bringing: dict[int, set[int]] = {}
    for page in pages:
        for entry_id, original in page:
            bringing.setdefault(original, set()).add(entry_id)
    tally.again += sum(len(entry_ids) - 1 for entry_ids in bringing.values()) - on_one_page


def compare_counters(tally: Tally, expected: Mapping[str, int], found: Mapping[str, int | None]) -> None:
    """Counters by name: a missing counter counts all its expected units lost."""
    for name, want in expected.items():
        got = found.get(name)
        if got is None:
            tally.expected += want
            tally.lost += want
            tally.note(f"{name}: not found")
        else:
            _count_units(tally, name, got, want, want)


def _count_units(tally: Tally, key: str, got: int, least: int, most: int) -> None:
    """One counter's units against what it may be: below `least` lost, above `most` duplicated, between
    tolerated."""
    tally.expected += least
    tally.found += got
    if got < least:
        tally.lost += least - got
        tally.note(f"{key}: {got} < {least}")
    elif got > most:
        tally.duplicated += got - most
        tally.note(f"{key}: {got} > {most}")
    elif got > least:
        tally.tolerated += got - least


def compare_occurrences(tally: Tally, expected: Mapping[str, int], found: Mapping[str, list[int]]) -> None:
    """Items each expected once by key (a post's unique token -> its tweet id): `found` lists the ids seen under
    each key. None seen: lost; several (or one twice): duplicated; another id than expected: wrong."""
    for key, want in expected.items():
        ids = found.get(key, [])
        tally.expected += 1
        tally.found += 1 if ids else 0
        if not ids:
            tally.lost += 1
            tally.note(f"{key}: missing")
            continue
        if len(ids) > 1:
            tally.duplicated += len(ids) - 1
            tally.note(f"{key}: {len(ids)} times ({', '.join(map(str, sorted(set(ids))))})")
        if any(found_id != want for found_id in ids) and want:
            tally.wrong += 1
            tally.note(f"{key}: {sorted(set(ids))} instead of {want}")


Windows = Iterable[int]  # the grouping windows (chirp.notifications.models.GROUPING_WINDOW_MS) an action fell in


def notification_counts(
    likes: Iterable[tuple[str, int, str, Windows]],
    retweets: Iterable[tuple[str, int, str, Windows]],
    follows: Iterable[tuple[str, str, Windows]],
    mentions: Iterable[tuple[str, int, str]],
) -> dict[str, tuple[int, int]]:
    """What each recipient's notifications should count, by `recipient|kind|tweet`, as (least, most): likes,
    retweets and follows grouped (an actor counted once per grouping window, however often it acted in it:
    chirp.notifications.models), one per mention.

    likes/retweets: (actor, tweet, tweet's author, windows) of every accepted like/retweet; follows: (follower,
    followee, windows); windows: those its accepted requests may have fallen in (the event's time is the
    server's, between the request's sending and its answer). An actor who acted in two windows is in two
    notifications: `least` counts each actor once, `most` once per window it may have acted in. Mentions:
    (author, tweet, mentioned user), one each. One's own actions notify no one."""
    actors: dict[str, dict[str, set[int]]] = {}
    grouped = [(f"{author}|like|{tweet}", actor, author, windows) for actor, tweet, author, windows in likes]
    grouped += [(f"{author}|retweet|{tweet}", actor, author, windows) for actor, tweet, author, windows in retweets]
    grouped += [(f"{followee}|follow|", follower, followee, windows) for follower, followee, windows in follows]
    grouped += [(f"{mentioned}|mention|{tweet}", author, mentioned, [0]) for author, tweet, mentioned in mentions]
    for key, actor, recipient, windows in grouped:
        if actor != recipient:
            actors.setdefault(key, {}).setdefault(actor, set()).update(windows)
    return {key: (len(who), sum(len(windows) for windows in who.values())) for key, who in actors.items()}


def compare_notifications(
    tally: Tally, expected: Mapping[str, tuple[int, int]], found: Mapping[str, list[int]]
) -> None:
    """`found`: by `recipient|kind|tweet`, the counts of the notifications listed under it (a group that crossed
    a grouping window is two notifications: their counts add up). Below `least`: lost; above `most`: duplicated;
    between: tolerated (an actor who acted again in the next window, counted there too)."""
    for key, (least, most) in expected.items():
        _count_units(tally, key, sum(found.get(key, [])), least, most)
    for key in found.keys() - expected.keys():
        tally.wrong += 1
        tally.found += sum(found[key])
        tally.note(f"{key}: not expected")
