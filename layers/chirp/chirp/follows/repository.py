"""What the follows aggregate needs from storage."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from chirp.pages import Page, PageRequest


class FollowRepository(Protocol):
    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Add the edge and count it on both users, atomically. False if it already existed;
        NotFound if either user does not exist; Forbidden if either blocks the other (chirp.relations)."""

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Remove the edge, uncount it and take the followee out of the follower's pulls (the
        celebrities it reads at read time), atomically. False if there was no edge."""

    def followers(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users who follow `user_id`, newest follow first."""

    def following(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users `user_id` follows, newest follow first."""

    def all_following(self, user_id: int) -> list[int]:
        """Every id `user_id` follows (pages through the whole list: rebuilds and pure pull only)."""

    def follower_id_chunks(self, user_id: int, size: int) -> Iterator[list[int]]:
        """Every follower of `user_id`, in lists of at most `size` ids (fan-out)."""

    def which_follow(self, follower_ids: Sequence[int], followee_id: int) -> set[int]:
        """Those of `follower_ids` that follow `followee_id` now (strongly consistent; one BatchGetItem per 100)."""
