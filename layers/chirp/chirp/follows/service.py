"""Following and unfollowing, and listing followers and followees."""

from __future__ import annotations

from chirp.errors import InvalidRequest, NotFound
from chirp.follows.repository import FollowRepository
from chirp.pages import Page, PageRequest
from chirp.users.models import User
from chirp.users.repository import UserRepository


def follow_user(follows: FollowRepository, follower_id: int, followee_id: int) -> bool:
    """Idempotent: following someone you already follow changes nothing."""
    if follower_id == followee_id:
        raise InvalidRequest("userId: you cannot follow yourself")
    return follows.follow(follower_id, followee_id)


def unfollow_user(follows: FollowRepository, users: UserRepository, follower_id: int, followee_id: int) -> bool:
    """Idempotent: unfollowing someone you do not follow changes nothing."""
    if follower_id == followee_id:
        raise InvalidRequest("userId: you cannot unfollow yourself")
    removed = follows.unfollow(follower_id, followee_id)
    if not removed and users.get(followee_id) is None:
        raise NotFound(f"user {followee_id} does not exist")
    return removed


def list_followers(follows: FollowRepository, users: UserRepository, user_id: int, page: PageRequest) -> Page[User]:
    return _hydrate(users, user_id, follows.followers(user_id, page))


def list_following(follows: FollowRepository, users: UserRepository, user_id: int, page: PageRequest) -> Page[User]:
    return _hydrate(users, user_id, follows.following(user_id, page))


def _hydrate(users: UserRepository, user_id: int, ids: Page[int]) -> Page[User]:
    if not ids.items:
        if users.get(user_id) is None:
            raise NotFound(f"user {user_id} does not exist")
        return Page(items=[], next_cursor=None)
    found = users.get_many(ids.items)
    # A suspended or deleted account is served nowhere, its follow edges included (they stay stored: a lifted
    # suspension brings them back; an erasure removes them).
    return Page(items=[found[i] for i in ids.items if i in found and found[i].served], next_cursor=ids.next_cursor)
