"""The follow repository on moto: edges and both users' counters change together or not at all."""

from __future__ import annotations

import pytest
from chirp.errors import NotFound
from chirp.ids import new_id
from chirp.pages import PageRequest, page_request
from chirp.users.models import NewAccount, User
from chirp.wiring import Repositories, repositories


@pytest.fixture
def repos(aws: dict[str, str]) -> Repositories:
    return repositories()


def add_user(repos: Repositories, username: str) -> int:
    user = User(id=new_id(), username=username, name=username, created_at_ms=1_767_225_600_000)
    repos.users.create(NewAccount(user=user, email=f"{username}@example.com", password_hash="h"))
    return user.id


def counts(repos: Repositories, user_id: int) -> tuple[int, int]:
    user = repos.users.get(user_id)
    assert user is not None
    return user.metrics.followers_count, user.metrics.following_count


def test_follow_answers_true_then_false_and_counts_once(repos: Repositories) -> None:
    # Given
    alice, bob = add_user(repos, "alice"), add_user(repos, "bob")
    # When
    first = repos.follows.follow(alice, bob)
    second = repos.follows.follow(alice, bob)
    # Then
    assert (first, second) == (True, False)
    assert counts(repos, alice) == (0, 1)
    assert counts(repos, bob) == (1, 0)


def test_follow_a_missing_followee_is_not_found_and_counts_nothing(repos: Repositories) -> None:
    # Given
    alice = add_user(repos, "alice")
    # When
    with pytest.raises(NotFound, match="4242"):
        repos.follows.follow(alice, 4242)
    # Then
    assert counts(repos, alice) == (0, 0)
    assert repos.follows.following(alice, PageRequest()).items == []


def test_follow_by_a_missing_follower_is_not_found_naming_the_follower(repos: Repositories) -> None:
    # Given
    bob = add_user(repos, "bob")
    # When
    with pytest.raises(NotFound, match="4242"):
        repos.follows.follow(4242, bob)
    # Then
    assert counts(repos, bob) == (0, 0)
    assert repos.follows.followers(bob, PageRequest()).items == []


def test_unfollow_answers_true_then_false_and_uncounts_once(repos: Repositories) -> None:
    # Given
    alice, bob = add_user(repos, "alice"), add_user(repos, "bob")
    repos.follows.follow(alice, bob)
    # When
    first = repos.follows.unfollow(alice, bob)
    second = repos.follows.unfollow(alice, bob)
    # Then
    assert (first, second) == (True, False)
    assert counts(repos, alice) == (0, 0)
    assert counts(repos, bob) == (0, 0)


def test_followers_and_following_page_below_the_cursor(repos: Repositories) -> None:
    # Given four followers of alice, who follows them all back, one after another
    alice = add_user(repos, "alice")
    others = [add_user(repos, f"user{i}") for i in range(4)]
    for other in others:
        repos.follows.follow(other, alice)
        repos.follows.follow(alice, other)
    # When a client reads the first page of two, then the page its cursor points at
    first_followers = repos.follows.followers(alice, PageRequest(limit=2))
    first_following = repos.follows.following(alice, PageRequest(limit=2))
    assert first_followers.next_cursor is not None and first_following.next_cursor is not None
    followers = repos.follows.followers(alice, page_request("2", first_followers.next_cursor))
    following = repos.follows.following(alice, page_request("2", first_following.next_cursor))
    # Then the pages hold the latest follows first, and the last page has no cursor
    assert list(first_followers.items) == [others[3], others[2]]
    assert list(followers.items) == [others[1], others[0]]
    assert list(following.items) == [others[1], others[0]]
    assert followers.next_cursor is None
