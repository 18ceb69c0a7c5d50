"""Ranking who to follow: pure functions of what the walk and the users table read (unit-tested alone).

A user's own list: the accounts their followees follow (second degree), most followed-by first (how many
of the user's followees follow each: "followed by ada and 3 others"), ties by followers, then by id (the
older account first, for an order that never flips between two computations). The popular list: the most
followed accounts. What a viewer is shown: their own list, then the popular list to fill up, never
themselves, each account once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace

from chirp.suggestions.models import Candidate

# How many of the followees that follow a candidate are named with it ("followed by ada and bob").
FOLLOWED_BY_KEPT = 2


def tally(owner_id: int, walk: Sequence[tuple[int, Sequence[int]]], excluded: Collection[int]) -> list[Candidate]:
    """Everyone the walked followees follow, but the owner and `excluded` (whom the owner follows), with how
    many of the followees follow each and the first FOLLOWED_BY_KEPT of them. `walk`: (followee, whom it
    follows), each followee once, the owner's most recent follow first. Most followed-by first, then in the
    order reached (the owner's more recent follows' more recent follows first), without followers counts
    yet (`rank`)."""
    counts: dict[int, int] = {}
    named: dict[int, list[int]] = {}
    for followee, their_followees in walk:
        for candidate in their_followees:
            if candidate == owner_id or candidate in excluded:
                continue
            counts[candidate] = counts.get(candidate, 0) + 1
            via = named.setdefault(candidate, [])
            if len(via) < FOLLOWED_BY_KEPT:
                via.append(followee)
    reached = sorted(counts, key=lambda candidate: -counts[candidate])  # stable: reach order within a count
    return [Candidate(candidate, counts[candidate], tuple(named[candidate])) for candidate in reached]


def rank(candidates: Iterable[Candidate], followers_counts: Mapping[int, int], kept: int) -> list[Candidate]:
    """The candidates with their followers counts, by how many of the owner's followees follow each, then by
    followers, then by id; at most `kept`. A candidate without a count (an account gone) is left out."""
    present = [
        replace(candidate, followers_count=followers_counts[candidate.user_id])
        for candidate in candidates
        if candidate.user_id in followers_counts
    ]
    present.sort(key=lambda candidate: (-candidate.followed_by_count, -candidate.followers_count, candidate.user_id))
    return present[:kept]


def with_followers_count(
    popular: Sequence[Candidate], user_id: int, followers_count: int | None, kept: int
) -> list[Candidate]:
    """The popular list with `user_id` at its current followers count (None: the account is gone; 0: nobody
    follows it: either way it leaves the list): most followers first, ties by id, at most `kept`. An account
    whose count falls stays listed at its new count while nothing better is known: the list only learns of
    accounts through their follow events."""
    others = [candidate for candidate in popular if candidate.user_id != user_id]
    if followers_count:
        others.append(Candidate(user_id, followers_count=followers_count))
    others.sort(key=lambda candidate: (-candidate.followers_count, candidate.user_id))
    return others[:kept]


def popular_changed(before: Sequence[Candidate], after: Sequence[Candidate]) -> bool:
    """Whether `after` is worth a write: other accounts or another order, or a count that moved by more than
    1% (a celebrity's count is read at request time: its stored count only ranks it, so a million-follower
    account costs a write per ten thousand follows, not one per follow, on the one popular item)."""
    if [candidate.user_id for candidate in before] != [candidate.user_id for candidate in after]:
        return True
    return any(
        abs(old.followers_count - new.followers_count) > old.followers_count // 100
        for old, new in zip(before, after, strict=True)
    )


def shortlist(viewer_id: int, own: Sequence[Candidate], popular: Sequence[Candidate]) -> list[Candidate]:
    """What the viewer may be shown, best first: their own list, then the popular list to fill it up; never
    the viewer, each account once (its place in the own list wins)."""
    seen: set[int] = {viewer_id}
    listed: list[Candidate] = []
    for candidate in (*own, *popular):
        if candidate.user_id not in seen:
            seen.add(candidate.user_id)
            listed.append(candidate)
    return listed
