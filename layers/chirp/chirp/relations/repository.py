"""What the relations aggregate needs from storage."""

from __future__ import annotations

from typing import Protocol

from chirp.pages import Page, PageRequest
from chirp.relations.models import Hidden


class RelationRepository(Protocol):
    def block(self, blocker_id: int, blocked_id: int) -> bool:
        """Add the block and remove the follow edges between the two, both ways, with their counts, atomically.
        False if the block existed; NotFound if `blocked_id` does not exist."""

    def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        """Remove the block (the follows it removed stay removed). False if there was none."""

    def mute(self, muter_id: int, muted_id: int) -> bool:
        """False if the mute existed; NotFound if `muted_id` does not exist."""

    def unmute(self, muter_id: int, muted_id: int) -> bool:
        """False if there was no mute."""

    def blocking(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users `user_id` blocks, newest block first."""

    def muting(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users `user_id` mutes, newest mute first."""

    def mute_word(self, user_id: int, word: str) -> bool:
        """Mute a normalized word (chirp.relations.models.normalized_word). False if it was muted already."""

    def unmute_word(self, user_id: int, word: str) -> bool:
        """False if the word was not muted."""

    def muted_words(self, user_id: int) -> list[str]:
        """Every word the user mutes, newest first."""

    def hidden_from(self, user_id: int) -> Hidden:
        """The user's blocks (both ways), mutes and muted words, as its activity record carries them (one
        strongly consistent read)."""

    def hides(self, owner_id: int, other_id: int) -> bool:
        """Whether `owner_id` blocks or mutes `other_id` (one strongly consistent read)."""
