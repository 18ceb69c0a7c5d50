"""What the follows aggregate needs from storage."""

from __future__ import annotations

from typing import Protocol

from chirp.pages import Page, PageRequest


class FollowRepository(Protocol):
    def follow(self, follower_id: int, followee_id: int) -> bool:
        """Add the edge and count it on both users, atomically. False if it already existed;
        NotFound if either user does not exist."""

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        """Remove the edge and uncount it, atomically. False if there was none."""

    def followers(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users who follow `user_id`, highest id first."""

    def following(self, user_id: int, page: PageRequest) -> Page[int]:
        """Ids of the users `user_id` follows, highest id first."""
