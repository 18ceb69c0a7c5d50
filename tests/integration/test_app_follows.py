"""Follows through the API: following and unfollowing (idempotent, with exact counters on both
users), and the followers and following lists with their pagination."""

from __future__ import annotations

import pytest

from tests.integration.api_client import Account, Api, assert_error


def counts(api: Api, account: Account) -> tuple[int, int]:
    """(followers, following) of an account."""
    metrics = api.metrics(account.id)
    return metrics["followers_count"], metrics["following_count"]


# ---------------------------------------------------------------- follow and unfollow


def test_follow_answers_following_and_counts_the_edge_on_both_users(api: Api, alice: Account, bob: Account) -> None:
    # When
    reply = api.post(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"following": True}}
    assert counts(api, alice) == (0, 1)
    assert counts(api, bob) == (1, 0)


def test_follow_twice_counts_once(api: Api, alice: Account, bob: Account) -> None:
    # Given
    api.follow(alice, bob)
    # When
    reply = api.post(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"following": True}}
    assert counts(api, alice) == (0, 1)
    assert counts(api, bob) == (1, 0)


def test_unfollow_answers_not_following_and_uncounts_the_edge(api: Api, alice: Account, bob: Account) -> None:
    # Given
    api.follow(alice, bob)
    # When
    reply = api.delete(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"following": False}}
    assert counts(api, alice) == (0, 0)
    assert counts(api, bob) == (0, 0)


def test_unfollow_twice_uncounts_once(api: Api, alice: Account, bob: Account) -> None:
    # Given
    carol = api.register("carol")
    api.follow(alice, bob)
    api.follow(carol, bob)
    api.delete(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # When
    reply = api.delete(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert counts(api, bob) == (1, 0)
    assert counts(api, alice) == (0, 0)


def test_unfollow_someone_never_followed_changes_no_counter(api: Api, alice: Account, bob: Account) -> None:
    # When
    reply = api.delete(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"following": False}}
    assert counts(api, alice) == (0, 0)
    assert counts(api, bob) == (0, 0)


def test_follow_counts_stay_exact_over_a_mix_of_follows_and_unfollows(api: Api, alice: Account, bob: Account) -> None:
    # Given
    carol = api.register("carol")
    # When
    api.follow(alice, bob)
    api.follow(carol, bob)
    api.follow(bob, carol)
    api.follow(alice, carol)
    api.delete(f"/api/users/{bob.id}/follow", token=alice.access_token)
    api.follow(alice, carol)
    # Then
    assert counts(api, alice) == (0, 1)
    assert counts(api, bob) == (1, 1)
    assert counts(api, carol) == (2, 1)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_follow_or_unfollow_oneself_is_refused_naming_the_user(api: Api, alice: Account, method: str) -> None:
    # When
    reply = api.request(method, f"/api/users/{alice.id}/follow", token=alice.access_token)
    # Then
    assert_error(reply, 400, "invalid_request", "userId", "yourself")
    assert counts(api, alice) == (0, 0)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_follow_or_unfollow_an_unknown_user_is_a_404(api: Api, alice: Account, method: str) -> None:
    # When
    reply = api.request(method, "/api/users/123456789/follow", token=alice.access_token)
    # Then
    assert_error(reply, 404, "not_found", "123456789")
    assert counts(api, alice) == (0, 0)


@pytest.mark.parametrize("method", ["POST", "DELETE"])
@pytest.mark.parametrize("bad_id", ["abc", "0"])
def test_follow_or_unfollow_a_malformed_id_is_a_400(api: Api, alice: Account, method: str, bad_id: str) -> None:
    # When
    reply = api.request(method, f"/api/users/{bad_id}/follow", token=alice.access_token)
    # Then
    assert_error(reply, 400, "malformed_request", "userId")


# ---------------------------------------------------------------- followers and following


def test_followers_lists_the_users_who_follow_highest_id_first(api: Api, alice: Account) -> None:
    # Given three followers registered in order, and one user who does not follow
    followers = [api.register(f"fan{i}") for i in range(3)]
    api.register("stranger")
    for follower in followers:
        api.follow(follower, alice)
    # When
    reply = api.get(f"/api/users/{alice.id}/followers")
    # Then
    assert reply.status == 200, reply.body
    document = reply.json()
    assert [user["id"] for user in document["data"]] == [f.id for f in reversed(followers)]
    assert document["meta"] == {"next_cursor": None}


def test_followers_are_full_user_objects_with_their_metrics(api: Api, alice: Account, bob: Account) -> None:
    # Given
    api.follow(bob, alice)
    api.tweet(bob, "hi")
    # When
    document = api.get(f"/api/users/{alice.id}/followers").json()
    # Then
    assert document["data"] == [api.user(bob.id)]
    assert document["data"][0]["public_metrics"] == {
        "followers_count": 0,
        "following_count": 1,
        "tweet_count": 1,
        "like_count": 0,
    }


def test_following_lists_the_latest_follow_first(api: Api, alice: Account) -> None:
    # Given alice follows three accounts, in an order unrelated to their ids
    followed = [api.register(f"star{i}") for i in range(3)]
    order = (followed[1], followed[0], followed[2])
    for star in order:
        api.follow(alice, star)
    # When
    reply = api.get(f"/api/users/{alice.id}/following")
    # Then the latest follow comes first, as in Twitter's API
    assert reply.status == 200, reply.body
    assert [user["id"] for user in reply.json()["data"]] == [s.id for s in reversed(order)]


def test_followers_lists_the_most_recent_follower_first(api: Api, alice: Account) -> None:
    # Given an old account that follows after a newer one
    old = api.register("old")
    new = api.register("new")
    api.follow(new, alice)
    api.follow(old, alice)
    # When
    document = api.get(f"/api/users/{alice.id}/followers").json()
    # Then the latest follow comes first, as in Twitter's API
    assert [user["id"] for user in document["data"]] == [old.id, new.id]


def test_followers_leave_out_users_who_unfollowed(api: Api, alice: Account, bob: Account) -> None:
    # Given
    carol = api.register("carol")
    api.follow(bob, alice)
    api.follow(carol, alice)
    api.delete(f"/api/users/{alice.id}/follow", token=bob.access_token)
    # When
    followers = api.get(f"/api/users/{alice.id}/followers").json()["data"]
    following = api.get(f"/api/users/{bob.id}/following").json()["data"]
    # Then
    assert [user["id"] for user in followers] == [carol.id]
    assert following == []


@pytest.mark.parametrize("relation", ["followers", "following"])
def test_follow_lists_pages_walk_every_user_exactly_once(api: Api, alice: Account, relation: str) -> None:
    # Given seven users on the other end of the relation
    others = [api.register(f"other{i}") for i in range(7)]
    for other in others:
        if relation == "followers":
            api.follow(other, alice)
        else:
            api.follow(alice, other)
    # When
    pages = api.walk(f"/api/users/{alice.id}/{relation}", limit=3)
    # Then
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [user["id"] for page in pages for user in page] == [o.id for o in reversed(others)]


@pytest.mark.parametrize("relation", ["followers", "following"])
def test_follow_lists_of_a_user_with_none_are_empty(api: Api, alice: Account, relation: str) -> None:
    # When
    reply = api.get(f"/api/users/{alice.id}/{relation}")
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": [], "meta": {"next_cursor": None}}


@pytest.mark.parametrize("relation", ["followers", "following"])
def test_follow_lists_of_an_unknown_user_are_a_404(api: Api, relation: str) -> None:
    # When
    reply = api.get(f"/api/users/123456789/{relation}")
    # Then
    assert_error(reply, 404, "not_found", "123456789")
