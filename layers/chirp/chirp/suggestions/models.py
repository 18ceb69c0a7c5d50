"""Suggestions as the domain sees them: a ranked candidate, a stored list of them, one shown to a user."""

from __future__ import annotations

from dataclasses import dataclass, field

from chirp.users.models import User


@dataclass(frozen=True)
class Candidate:
    """An account to suggest. `followed_by_count`: how many of the owner's (walked) followees follow it, and
    `followed_by` the first of them (the owner's most recent follows first); 0 and () for an account on the
    popular list. `followers_count`: its followers when the list was computed (ranking only: what is shown
    is read at request time)."""

    user_id: int
    followed_by_count: int = 0
    followed_by: tuple[int, ...] = ()
    followers_count: int = 0


@dataclass(frozen=True)
class SuggestionList:
    """A stored list: a user's own, or the popular one. `version` counts the popular list's writes (its
    optimistic concurrency); a user's own list is ordered by `computed_at_ms` instead."""

    candidates: tuple[Candidate, ...]
    computed_at_ms: int
    version: int = 0


@dataclass(frozen=True)
class Suggestion:
    """A candidate as a viewer is shown it: the account, and those of the viewer's follows that follow it."""

    user: User
    followed_by_count: int
    followed_by: list[User] = field(default_factory=list)
