"""Blocks through the API: blocking and unblocking (idempotent), the follows a block removes both ways with
exact counts, the interactions it refuses, the tweets it hides (404 for the blocked user), the caller's own
list of whom it blocks, and an authorisation matrix."""

from __future__ import annotations

import pytest

from tests.integration.api_client import Account, Api, assert_error


def counts(api: Api, account: Account) -> tuple[int, int]:
    """(followers, following) of an account."""
    metrics = api.metrics(account.id)
    return metrics["followers_count"], metrics["following_count"]


def block(api: Api, blocker: Account, blocked: Account) -> None:
    reply = api.post(f"/api/users/{blocked.id}/block", token=blocker.access_token)
    assert reply.status == 200, reply.body


def listed_ids(api: Api, path: str, token: str) -> list[str]:
    return [user["id"] for page in api.walk(path, 100, token) for user in page]


# ---------------------------------------------------------------- block and unblock


def test_block_answers_blocking_and_removes_the_follows_both_ways_with_their_counts(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given alice and bob follow each other, and carol follows both
    api.follow(alice, bob)
    api.follow(bob, alice)
    api.follow(carol, alice)
    api.follow(carol, bob)
    # When alice blocks bob
    reply = api.post(f"/api/users/{bob.id}/block", token=alice.access_token)
    # Then both follows are gone, counted out of both users; carol's are untouched
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"blocking": True}}
    assert counts(api, alice) == (1, 0)
    assert counts(api, bob) == (1, 0)
    assert listed_ids(api, f"/api/users/{alice.id}/following", alice.access_token) == []
    assert listed_ids(api, f"/api/users/{bob.id}/following", bob.access_token) == []
    assert listed_ids(api, f"/api/users/{alice.id}/followers", alice.access_token) == [carol.id]


def test_block_of_someone_not_followed_either_way_changes_no_counter(api: Api, alice: Account, bob: Account) -> None:
    # When
    block(api, alice, bob)
    # Then
    assert counts(api, alice) == (0, 0)
    assert counts(api, bob) == (0, 0)


def test_block_twice_is_one_block(api: Api, alice: Account, bob: Account) -> None:
    # Given
    api.follow(bob, alice)
    block(api, alice, bob)
    # When
    reply = api.post(f"/api/users/{bob.id}/block", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"blocking": True}}
    assert counts(api, alice) == (0, 0)
    assert listed_ids(api, "/api/users/me/blocking", alice.access_token) == [bob.id]


def test_unblock_answers_not_blocking_and_twice_changes_nothing(api: Api, alice: Account, bob: Account) -> None:
    # Given
    block(api, alice, bob)
    # When
    first = api.delete(f"/api/users/{bob.id}/block", token=alice.access_token)
    second = api.delete(f"/api/users/{bob.id}/block", token=alice.access_token)
    # Then
    for reply in (first, second):
        assert reply.status == 200, reply.body
        assert reply.json() == {"data": {"blocking": False}}
    assert listed_ids(api, "/api/users/me/blocking", alice.access_token) == []


def test_unblock_lets_them_follow_again_but_does_not_restore_the_removed_follows(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given
    api.follow(bob, alice)
    block(api, alice, bob)
    # When
    api.delete(f"/api/users/{bob.id}/block", token=alice.access_token)
    # Then
    assert counts(api, alice) == (0, 0)
    api.follow(bob, alice)
    assert counts(api, alice) == (1, 0)


def test_blocking_yourself_is_a_400(api: Api, alice: Account) -> None:
    # When
    reply = api.post(f"/api/users/{alice.id}/block", token=alice.access_token)
    # Then
    assert_error(reply, 400, "invalid_request", "yourself")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_blocking_or_unblocking_an_unknown_user_is_a_404(api: Api, alice: Account, method: str) -> None:
    # When
    reply = api.request(method, "/api/users/123456789/block", token=alice.access_token)
    # Then
    assert_error(reply, 404, "not_found", "123456789")


def test_a_bad_user_id_is_a_400(api: Api, alice: Account) -> None:
    # When
    reply = api.post("/api/users/bob/block", token=alice.access_token)
    # Then
    assert reply.status == 400, reply.body


# ---------------------------------------------------------------- what a block refuses

# (path, body) of each interaction with a tweet; "{id}" stands for the tweet's id.
INTERACTIONS = [
    ("/api/tweets/{id}/like", None),
    ("/api/tweets/{id}/retweet", None),
    ("/api/tweets", {"text": "hi", "reply_to": "{id}"}),
    ("/api/tweets", {"text": "look", "quote_tweet_id": "{id}"}),
]


def test_neither_side_of_a_block_can_follow_the_other(api: Api, alice: Account, bob: Account) -> None:
    # Given
    block(api, alice, bob)
    # When
    blocked_follows = api.post(f"/api/users/{alice.id}/follow", token=bob.access_token)
    blocker_follows = api.post(f"/api/users/{bob.id}/follow", token=alice.access_token)
    # Then
    assert_error(blocked_follows, 403, "forbidden", "blocks you")
    assert_error(blocker_follows, 403, "forbidden", "unblock")
    assert counts(api, alice) == (0, 0)
    assert counts(api, bob) == (0, 0)


@pytest.mark.parametrize(("path", "body"), INTERACTIONS, ids=["like", "retweet", "reply", "quote"])
def test_the_blocked_user_cannot_interact_with_the_blockers_tweets(
    api: Api, alice: Account, bob: Account, path: str, body: dict[str, str] | None
) -> None:
    # Given alice's tweet, and alice blocks bob
    tweet_id = api.tweet(alice, "mine")["id"]
    block(api, alice, bob)
    # When bob likes, retweets, replies to or quotes it
    reply = api.post(path.format(id=tweet_id), json_body=_filled(body, tweet_id), token=bob.access_token)
    # Then it does not exist for bob
    assert_error(reply, 404, "not_found", tweet_id)


@pytest.mark.parametrize(("path", "body"), INTERACTIONS, ids=["like", "retweet", "reply", "quote"])
def test_the_blocker_cannot_interact_with_the_blocked_users_tweets_until_it_unblocks(
    api: Api, alice: Account, bob: Account, path: str, body: dict[str, str] | None
) -> None:
    # Given bob's tweet, and alice blocks bob
    tweet_id = api.tweet(bob, "theirs")["id"]
    block(api, alice, bob)
    # When alice interacts with it
    reply = api.post(path.format(id=tweet_id), json_body=_filled(body, tweet_id), token=alice.access_token)
    # Then she is told to unblock first; once she has, it goes through
    assert_error(reply, 403, "forbidden", "unblock")
    api.delete(f"/api/users/{bob.id}/block", token=alice.access_token)
    again = api.post(path.format(id=tweet_id), json_body=_filled(body, tweet_id), token=alice.access_token)
    assert again.status in {200, 201}, again.body


def _filled(body: dict[str, str] | None, tweet_id: str) -> object:
    """The request's JSON body for the tweet: a reply's names its parent, a quote's the quoted tweet."""
    if body is None:
        return {}
    if "reply_to" in body:
        return {"text": body["text"], "reply": {"in_reply_to_tweet_id": tweet_id}}
    return {"text": body["text"], "quote_tweet_id": tweet_id}


def test_the_blocked_user_gets_404_on_the_blockers_tweets_and_profile_timeline(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given alice's tweet, carol's retweet of it, and alice blocks bob
    tweet_id = api.tweet(alice, "mine")["id"]
    retweet = api.post(f"/api/tweets/{tweet_id}/retweet", token=carol.access_token).json()["data"]["retweet_id"]
    carols_own = api.tweet(carol, "carol's")["id"]
    block(api, alice, bob)
    # When bob reads them
    as_bob = [
        api.get(f"/api/tweets/{tweet_id}", token=bob.access_token),
        api.get(f"/api/tweets/{retweet}", token=bob.access_token),
        api.get(f"/api/tweets/{tweet_id}/conversation", token=bob.access_token),
        api.get(f"/api/users/{alice.id}/tweets", token=bob.access_token),
    ]
    carols_timeline = api.get(f"/api/users/{carol.id}/tweets", token=bob.access_token)
    # Then each is a 404 for bob, carol's retweet of it is left out of carol's timeline for bob; others see them
    for reply in as_bob:
        assert reply.status == 404, reply.body
    assert [tweet["id"] for tweet in carols_timeline.json()["data"]] == [carols_own]
    assert api.get(f"/api/tweets/{tweet_id}").status == 200
    assert api.get(f"/api/users/{alice.id}/tweets", token=carol.access_token).status == 200
    assert api.get(f"/api/tweets/{tweet_id}", token=alice.access_token).status == 200


def test_the_blocker_does_not_see_the_blocked_users_replies_in_a_conversation(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given carol's tweet with replies by bob and by carol herself, and alice blocks bob
    root = api.tweet(carol, "a thread")["id"]
    for author in (bob, carol):
        made = api.post(
            "/api/tweets",
            json_body={"text": "a reply", "reply": {"in_reply_to_tweet_id": root}},
            token=author.access_token,
        )
        assert made.status == 201, made.body
    block(api, alice, bob)
    # When alice and an anonymous reader read the thread
    as_alice = api.get(f"/api/tweets/{root}/conversation", token=alice.access_token).json()["data"]
    anonymous = api.get(f"/api/tweets/{root}/conversation").json()["data"]
    # Then alice sees carol's reply only; the anonymous reader both
    assert [reply["author"]["id"] for reply in as_alice["replies"]] == [carol.id]
    assert sorted(reply["author"]["id"] for reply in anonymous["replies"]) == sorted([bob.id, carol.id])


# ---------------------------------------------------------------- the list, and who may read it


def test_blocking_lists_whom_the_caller_blocks_newest_first_in_pages(api: Api, alice: Account) -> None:
    # Given alice blocks three users in turn
    blocked = [api.register() for _ in range(3)]
    for each in blocked:
        block(api, alice, each)
    # When she walks her list two at a time
    pages = api.walk("/api/users/me/blocking", 2, alice.access_token)
    # Then newest block first, each once
    assert [[user["id"] for user in page] for page in pages] == [[blocked[2].id, blocked[1].id], [blocked[0].id]]


def test_a_blocking_list_is_the_callers_own(api: Api, alice: Account, bob: Account, carol: Account) -> None:
    # Given alice blocks carol
    block(api, alice, carol)
    # When bob reads "his" list
    reply = api.get("/api/users/me/blocking", token=bob.access_token)
    # Then it is his (empty), not alice's
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == []


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/users/{other}/block"),
        ("DELETE", "/api/users/{other}/block"),
        ("GET", "/api/users/me/blocking"),
    ],
)
def test_every_block_route_refuses_an_anonymous_caller(api: Api, bob: Account, method: str, path: str) -> None:
    # When
    reply = api.request(method, path.format(other=bob.id))
    # Then
    assert_error(reply, 401, "not_authenticated")


def test_another_users_blocking_list_cannot_be_read_nor_changed(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob blocks carol
    block(api, bob, carol)
    # When alice tries to read bob's list, and to take carol out of it
    read = api.get(f"/api/users/{bob.id}/blocking", token=alice.access_token)
    unblock = api.delete(f"/api/users/{carol.id}/block", token=alice.access_token)
    # Then there is no such route for another's list, and her unblock only ever touches her own blocks
    assert read.status in {403, 404}, read.body
    assert unblock.status == 200, unblock.body
    assert listed_ids(api, "/api/users/me/blocking", bob.access_token) == [carol.id]
    assert api.post(f"/api/users/{bob.id}/follow", token=carol.access_token).status == 403
