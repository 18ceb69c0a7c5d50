"""What suggestions need from storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chirp.suggestions.models import Candidate, SuggestionList


class SuggestionRepository(Protocol):
    def lists(self, user_id: int) -> tuple[SuggestionList | None, SuggestionList | None]:
        """The user's own list and the popular list (None: not computed yet), in one read."""

    def save(self, user_id: int, candidates: Sequence[Candidate], computed_at_ms: int) -> bool:
        """Store the user's list, unless a list computed later is stored already (False then: a walk that
        started later, so saw more, won)."""

    def delete(self, user_id: int) -> None:
        """Forget the user's list (idempotent)."""

    def popular(self) -> SuggestionList | None:
        """The popular list as it is now (strongly consistent), with its version."""

    def replace_popular(self, candidates: Sequence[Candidate], read: SuggestionList | None, now_ms: int) -> bool:
        """Write the popular list if it is still the one `read` (None: there was none); False if another write
        came first (read it again and retry)."""

    def followed_among(self, user_id: int, candidate_ids: Sequence[int]) -> set[int]:
        """Those of `candidate_ids` that `user_id` follows now (strongly consistent, on the follows table;
        one BatchGetItem per 100 ids)."""
