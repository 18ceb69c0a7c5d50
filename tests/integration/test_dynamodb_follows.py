"""The follow repository on moto: edges and both users' counters change together or not at all, and which
users follow another now (the timeline writer's check)."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.errors import NotFound
from chirp.ids import new_id
from chirp.pages import PageRequest, page_request
from chirp.users.models import NewAccount, User
from chirp.wiring.api import ApiDependencies, dependencies


@pytest.fixture
def repos(aws: dict[str, str]) -> ApiDependencies:
    return dependencies()


def add_user(repos: ApiDependencies, username: str) -> int:
    user = User(id=new_id(), username=username, name=username, created_at_ms=1_767_225_600_000)
    repos.users.create(NewAccount(user=user, email=f"{username}@example.com", password_hash="h"))
    return user.id


def counts(repos: ApiDependencies, user_id: int) -> tuple[int, int]:
    user = repos.users.get(user_id)
    assert user is not None
    return user.metrics.followers_count, user.metrics.following_count


def test_follow_answers_true_then_false_and_counts_once(repos: ApiDependencies) -> None:
    # Given
    alice, bob = add_user(repos, "alice"), add_user(repos, "bob")
    # When
    first = repos.follows.follow(alice, bob)
    second = repos.follows.follow(alice, bob)
    # Then
    assert (first, second) == (True, False)
    assert counts(repos, alice) == (0, 1)
    assert counts(repos, bob) == (1, 0)


def test_follow_a_missing_followee_is_not_found_and_counts_nothing(repos: ApiDependencies) -> None:
    # Given
    alice = add_user(repos, "alice")
    # When
    with pytest.raises(NotFound, match="4242"):
        repos.follows.follow(alice, 4242)
    # Then
    assert counts(repos, alice) == (0, 0)
    assert repos.follows.following(alice, PageRequest()).items == []


def test_follow_by_a_missing_follower_is_not_found_naming_the_follower(repos: ApiDependencies) -> None:
    # Given
    bob = add_user(repos, "bob")
    # When
    with pytest.raises(NotFound, match="4242"):
        repos.follows.follow(4242, bob)
    # Then
    assert counts(repos, bob) == (0, 0)
    assert repos.follows.followers(bob, PageRequest()).items == []


def test_unfollow_answers_true_then_false_and_uncounts_once(repos: ApiDependencies) -> None:
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


def test_followers_and_following_page_below_the_cursor(repos: ApiDependencies) -> None:
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


def test_which_follow_answers_those_that_follow_now(repos: ApiDependencies) -> None:
    # Given alice, bob and carol following dave, then carol unfollowing
    alice, bob, carol, dave = (add_user(repos, name) for name in ("alice", "bob", "carol", "dave"))
    for follower in (alice, bob, carol):
        repos.follows.follow(follower, dave)
    repos.follows.unfollow(carol, dave)
    # When asked which of them (dave himself, and alice twice, included) follow dave
    # Then only the current followers are answered
    assert repos.follows.which_follow([alice, bob, carol, dave, alice], dave) == {alice, bob}
    assert repos.follows.which_follow([], dave) == set()


def test_which_follow_reads_more_than_one_batch_get_of_keys(repos: ApiDependencies) -> None:
    # Given alice following bob, and 249 ids that follow nobody
    alice, bob = add_user(repos, "alice"), add_user(repos, "bob")
    repos.follows.follow(alice, bob)
    strangers = list(range(1, 250))
    # When asked about all 250, alice among the last (BatchGetItem reads 100 keys at a time)
    # Then alice is found
    assert repos.follows.which_follow([*strangers[:200], alice, *strangers[200:]], bob) == {alice}


def test_which_follow_reads_the_edges_consistently(
    repos: ApiDependencies, sent_requests: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given every request PynamoDB sends recorded (once the users exist)
    alice, bob = add_user(repos, "alice"), add_user(repos, "bob")
    sent_requests.clear()
    # When the writer asks whether alice follows bob
    repos.follows.which_follow([alice], bob)
    # Then the follows table is read strongly consistently
    table = dependencies().settings.follows_table
    assert [(name, kwargs["RequestItems"][table].get("ConsistentRead")) for name, kwargs in sent_requests] == [
        ("BatchGetItem", True)
    ]
