"""What a user's blocks and mutes hide from it, and how a muted word matches a tweet's text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from chirp.errors import InvalidInput

MUTED_WORD_MAX_CHARS = 100
MUTED_WORDS_MAX = 200  # per user (Twitter's own cap on muted words is in this range)


@dataclass(frozen=True)
class Hidden:
    """A user's side of blocks and mutes, as its activity record carries them: whom it blocks, who
    blocks it, whom it mutes, and the words (or hashtags) it mutes."""

    blocked: frozenset[int] = frozenset()
    blocked_by: frozenset[int] = frozenset()
    muted: frozenset[int] = frozenset()
    muted_words: frozenset[str] = frozenset()

    def blocks_either_way(self, user_id: int) -> bool:
        """A block between the two, whichever blocked whom: neither sees the other's tweets."""
        return user_id in self.blocked or user_id in self.blocked_by

    def hides_author(self, user_id: int) -> bool:
        """Kept out of the home timeline and the notifications: blocked either way, or muted."""
        return self.blocks_either_way(user_id) or user_id in self.muted

    def hides_text(self, text: str) -> bool:
        pattern = self._words_pattern
        return pattern is not None and pattern.search(text) is not None

    @cached_property
    def _words_pattern(self) -> re.Pattern[str] | None:
        return muted_words_pattern(self.muted_words)


def normalized_word(word: str) -> str:
    """A muted word as stored and matched: trimmed, inner spaces collapsed, case-folded. A hashtag keeps its
    `#` (muting `#cats` leaves the word "cats" alone; muting "cats" mutes `#cats` too)."""
    normalized = " ".join(word.split()).casefold()
    if not normalized or normalized == "#":
        raise InvalidInput("word: give a word, a phrase or a hashtag")
    if len(normalized) > MUTED_WORD_MAX_CHARS:
        raise InvalidInput(f"word: at most {MUTED_WORD_MAX_CHARS} characters")
    return normalized


def muted_words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One case-insensitive pattern matching any of the words as a whole word or phrase (not inside a longer
    word: muting "cat" leaves "category" alone); a plain word matches its hashtag too."""
    alternatives = [
        (re.escape(word) if word.startswith("#") else "#?" + re.escape(word)) for word in sorted(set(words))
    ]
    if not alternatives:
        return None
    return re.compile(r"(?<![\w#])(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)
