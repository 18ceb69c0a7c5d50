"""Engagements over HTTP on the local runtime: likes, retweets, replies, quotes and conversations as a
client uses them, and the concurrency guarantees (a hot tweet liked by many at once, one user's
repeated likes, like/unlike races), where requests really run side by side, in several sandboxes, on
DynamoDB Local's transactions. (The integration tests' Chalice test client is not thread-safe: the app
keeps the current request on itself, so these races are run here.)

Tweet counts are written by the engagement counter function from the engagements table's stream,
shortly after the like: a test of them waits for them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.accounts import auth, register

pytestmark = pytest.mark.e2e

HOT_LIKERS = 200
COUNT_DEADLINE_SECONDS = 20.0
WORKERS = 25


def assert_error(response: httpx.Response, status: int, code: str, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert mentions in error["message"]


def post(api: httpx.Client, account: dict[str, Any], text: str = "hello", **refers: Any) -> dict[str, Any]:
    response = api.post("/tweets", json={"text": text, **refers}, headers=auth(account))
    assert response.status_code == 201, response.text
    tweet: dict[str, Any] = response.json()["data"]
    return tweet


def user_id(account: dict[str, Any]) -> str:
    found: str = account["data"]["id"]
    return found


def every(api: httpx.Client, path: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Every item of a list, page after page (100 at a time)."""
    items: list[dict[str, Any]] = []
    params = {"limit": "100"}
    while True:
        response = api.get(path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        document = response.json()
        items += document["data"]
        if document["meta"]["next_cursor"] is None:
            return items
        params = {"limit": "100", "cursor": document["meta"]["next_cursor"]}


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def like_count_of(api: httpx.Client, account: dict[str, Any]) -> int:
    count: int = api.get(f"/users/{user_id(account)}").json()["data"]["public_metrics"]["like_count"]
    return count


def eventually(check: Callable[[], bool], what: str, timeout: float = COUNT_DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s")
        time.sleep(0.25)


# ---------------------------------------------------------------- the routes end to end


def test_likes_end_to_end(api: httpx.Client) -> None:
    # Given alice's tweet and bob's retweet of it
    alice, bob, carol = register(api), register(api), register(api)
    tweet = post(api, alice, "like me")
    retweet = api.post(f"/tweets/{tweet['id']}/retweet", headers=auth(bob)).json()["data"]["retweet_id"]
    # When carol likes it twice, once through the retweet
    first = api.post(f"/tweets/{tweet['id']}/like", headers=auth(carol))
    second = api.post(f"/tweets/{retweet}/like", headers=auth(carol))
    # Then both answer liked, and the original has one like, hers
    assert [first.status_code, second.status_code] == [200, 200]
    assert first.json() == second.json() == {"data": {"liked": True}}
    assert ids(every(api, f"/tweets/{tweet['id']}/liking_users")) == [user_id(carol)]
    assert ids(every(api, f"/users/{user_id(carol)}/liked_tweets")) == [tweet["id"]]
    assert like_count_of(api, carol) == 1
    # And she sees it liked; an anonymous reader sees no viewer state
    assert api.get(f"/tweets/{tweet['id']}", headers=auth(carol)).json()["data"]["viewer"] == {
        "liked": True,
        "retweeted": False,
    }
    assert api.get(f"/tweets/{tweet['id']}").json()["data"]["viewer"] is None
    # When she unlikes it twice
    for _ in range(2):
        unliked = api.delete(f"/tweets/{tweet['id']}/like", headers=auth(carol))
        assert unliked.status_code == 200, unliked.text
        assert unliked.json() == {"data": {"liked": False}}
    # Then the like is gone, counted out once
    assert every(api, f"/tweets/{tweet['id']}/liking_users") == []
    assert like_count_of(api, carol) == 0
    # And the error paths answer as documented
    assert_error(api.post(f"/tweets/{tweet['id']}/like"), 401, "not_authenticated")
    assert_error(api.post("/tweets/abc/like", headers=auth(carol)), 400, "malformed_request", "tweetId")
    assert_error(api.post("/tweets/123456789/like", headers=auth(carol)), 404, "not_found")
    assert_error(api.get("/users/123456789/liked_tweets"), 404, "not_found")


def test_retweets_end_to_end(api: httpx.Client) -> None:
    # Given
    alice, bob, carol = register(api), register(api), register(api)
    tweet = post(api, alice, "worth sharing")
    # When bob retweets it twice, and carol retweets bob's retweet
    first = api.post(f"/tweets/{tweet['id']}/retweet", headers=auth(bob))
    second = api.post(f"/tweets/{tweet['id']}/retweet", headers=auth(bob))
    bobs = first.json()["data"]["retweet_id"]
    carols = api.post(f"/tweets/{bobs}/retweet", headers=auth(carol)).json()["data"]["retweet_id"]
    # Then bob has one retweet, and carol's is of the original
    assert first.json() == second.json() == {"data": {"retweeted": True, "retweet_id": bobs}}
    assert ids(every(api, f"/tweets/{tweet['id']}/retweeted_by")) == [user_id(carol), user_id(bob)]
    shown = api.get(f"/tweets/{carols}", headers=auth(carol)).json()["data"]
    assert shown["referenced_tweets"] == [{"type": "retweeted", "id": tweet["id"]}]
    assert shown["retweeted_tweet"]["id"] == tweet["id"]
    assert shown["viewer"] == {"liked": False, "retweeted": True}
    # And bob's tweets show his retweet with its original
    timeline = every(api, f"/users/{user_id(bob)}/tweets")
    assert ids(timeline) == [bobs]
    assert timeline[0]["retweeted_tweet"]["author"]["id"] == user_id(alice)
    # When bob undoes his retweet twice, and carol deletes hers
    for _ in range(2):
        undone = api.delete(f"/tweets/{tweet['id']}/retweet", headers=auth(bob))
        assert undone.status_code == 200, undone.text
        assert undone.json() == {"data": {"retweeted": False, "retweet_id": None}}
    assert api.delete(f"/tweets/{carols}", headers=auth(carol)).status_code == 204
    # Then nobody retweets it any more
    assert every(api, f"/tweets/{tweet['id']}/retweeted_by") == []
    assert every(api, f"/users/{user_id(bob)}/tweets") == []
    # And alice may retweet her own tweet; a deleted one cannot be retweeted
    assert api.post(f"/tweets/{tweet['id']}/retweet", headers=auth(alice)).status_code == 200
    gone = post(api, alice, "soon gone")
    assert api.delete(f"/tweets/{gone['id']}", headers=auth(alice)).status_code == 204
    assert_error(api.post(f"/tweets/{gone['id']}/retweet", headers=auth(bob)), 404, "not_found")
    assert_error(api.delete(f"/tweets/{tweet['id']}/retweet"), 401, "not_authenticated")


def test_replies_quotes_and_conversations_end_to_end(api: httpx.Client) -> None:
    # Given a thread: alice's root, bob's reply, alice's reply to it, and carol's quote of the root
    alice, bob, carol = register(api), register(api), register(api)
    root = post(api, alice, "root")
    first = post(api, bob, "first", reply={"in_reply_to_tweet_id": root["id"]})
    second = post(api, alice, "second", reply={"in_reply_to_tweet_id": first["id"]})
    quote = post(api, carol, "look", quote_tweet_id=root["id"])
    # Then each names what it refers to
    assert (first["conversation_id"], first["in_reply_to_user_id"]) == (root["id"], user_id(alice))
    assert (second["conversation_id"], second["in_reply_to_user_id"]) == (root["id"], user_id(bob))
    assert quote["referenced_tweets"] == [{"type": "quoted", "id": root["id"]}]
    assert api.get(f"/tweets/{quote['id']}").json()["data"]["quoted_tweet"]["id"] == root["id"]
    # And the middle reply's conversation is its ancestor, itself and its reply
    document = api.get(f"/tweets/{first['id']}/conversation").json()
    assert ids(document["data"]["ancestors"]) == [root["id"]]
    assert document["data"]["tweet"]["id"] == first["id"]
    assert ids(document["data"]["replies"]) == [second["id"]]
    # When the root is deleted, the replies stay and show it as unavailable
    assert api.delete(f"/tweets/{root['id']}", headers=auth(alice)).status_code == 204
    ancestors = api.get(f"/tweets/{second['id']}/conversation").json()["data"]["ancestors"]
    assert ancestors[0] == {"id": root["id"], "unavailable": True}
    assert ancestors[1]["id"] == first["id"]
    assert api.get(f"/tweets/{quote['id']}").json()["data"]["quoted_tweet"] is None
    # And replying to or quoting what is gone, or a malformed id, is refused
    gone = {"reply": {"in_reply_to_tweet_id": root["id"]}}
    assert_error(api.post("/tweets", json={"text": "hm", **gone}, headers=auth(bob)), 404, "not_found")
    bad = {"quote_tweet_id": "0"}
    assert_error(api.post("/tweets", json={"text": "hm", **bad}, headers=auth(bob)), 422, "invalid_input", "quote")
    assert_error(api.get(f"/tweets/{root['id']}/conversation"), 404, "not_found")


# ---------------------------------------------------------------- concurrency


@pytest.fixture(scope="module")
def hot_tweet(chirp_runtime: Any) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]], list[int]]]:
    """A tweet liked by HOT_LIKERS users at once: (the tweet, its likers, the statuses their likes got)."""
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=120) as api:
        author = register(api)
        tweet = post(api, author, "going viral")
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            likers = list(pool.map(lambda _: register(api), range(HOT_LIKERS)))
        with ThreadPoolExecutor(max_workers=WORKERS) as pool:
            statuses = list(
                pool.map(lambda liker: api.post(f"/tweets/{tweet['id']}/like", headers=auth(liker)).status_code, likers)
            )
        yield tweet, likers, statuses


def test_200_users_liking_one_tweet_at_once_make_200_likes(
    api: httpx.Client, hot_tweet: tuple[dict[str, Any], list[dict[str, Any]], list[int]]
) -> None:
    # Given 200 users liked one tweet at once
    tweet, likers, statuses = hot_tweet
    # Then every like succeeded, and each is listed once, and counted on its liker
    assert statuses == [200] * HOT_LIKERS
    listed = ids(every(api, f"/tweets/{tweet['id']}/liking_users"))
    assert len(listed) == HOT_LIKERS
    assert set(listed) == {user_id(liker) for liker in likers}
    assert {like_count_of(api, liker) for liker in likers[:20]} == {1}


def test_200_users_liking_one_tweet_at_once_are_counted_200_on_it(
    api: httpx.Client, hot_tweet: tuple[dict[str, Any], list[dict[str, Any]], list[int]]
) -> None:
    # Given 200 users liked one tweet at once
    tweet, _likers, _statuses = hot_tweet

    def like_count() -> int:
        count: int = api.get(f"/tweets/{tweet['id']}").json()["data"]["public_metrics"]["like_count"]
        return count

    # Then the counter function counts each once, shortly after
    eventually(lambda: like_count() >= HOT_LIKERS, f"like_count {HOT_LIKERS} (it is {like_count()})")
    assert like_count() == HOT_LIKERS


def test_one_users_20_likes_at_once_make_one_like(api: httpx.Client) -> None:
    # Given
    author, fan = register(api), register(api)
    tweet = post(api, author, "like me a lot")
    # When the fan sends 20 likes of it at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: api.post(f"/tweets/{tweet['id']}/like", headers=auth(fan)), range(20)))
    # Then each answers liked, and there is one like, counted once on the fan
    assert [response.status_code for response in responses] == [200] * 20
    assert {response.json()["data"]["liked"] for response in responses} == {True}
    assert ids(every(api, f"/tweets/{tweet['id']}/liking_users")) == [user_id(fan)]
    assert ids(every(api, f"/users/{user_id(fan)}/liked_tweets")) == [tweet["id"]]
    assert like_count_of(api, fan) == 1


def test_one_users_20_retweets_at_once_make_one_retweet(api: httpx.Client) -> None:
    # Given
    author, fan = register(api), register(api)
    tweet = post(api, author, "share me a lot")
    # When the fan sends 20 retweets of it at once
    with ThreadPoolExecutor(max_workers=20) as pool:
        responses = list(pool.map(lambda _: api.post(f"/tweets/{tweet['id']}/retweet", headers=auth(fan)), range(20)))
    # Then every one answers the same retweet, the only one there is
    assert [response.status_code for response in responses] == [200] * 20
    made = {response.json()["data"]["retweet_id"] for response in responses}
    assert len(made) == 1
    assert ids(every(api, f"/users/{user_id(fan)}/tweets")) == list(made)
    assert ids(every(api, f"/tweets/{tweet['id']}/retweeted_by")) == [user_id(fan)]


@pytest.mark.parametrize("final", ["like", "unlike"])
def test_like_and_unlike_races_of_one_pair_end_consistent_with_the_last_word(api: httpx.Client, final: str) -> None:
    # Given
    author, fan = register(api), register(api)
    tweet = post(api, author, "make up your mind")
    path = f"/tweets/{tweet['id']}/like"

    def state() -> tuple[bool, bool, bool, int]:
        """(listed as a liker, listed in liked tweets, shown liked, like count) of the pair."""
        return (
            user_id(fan) in ids(every(api, f"/tweets/{tweet['id']}/liking_users")),
            tweet["id"] in ids(every(api, f"/users/{user_id(fan)}/liked_tweets")),
            api.get(f"/tweets/{tweet['id']}", headers=auth(fan)).json()["data"]["viewer"]["liked"],
            like_count_of(api, fan),
        )

    for _round in range(3):
        # When 40 likes and unlikes of the tweet by the fan race
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(
                pool.map(
                    lambda n: (api.post if n % 2 == 0 else api.delete)(path, headers=auth(fan)).status_code, range(40)
                )
            )
        # Then every request succeeded, and every view of the pair agrees with the like count
        assert statuses == [200] * 40
        liked = state()
        assert liked in {(True, True, True, 1), (False, False, False, 0)}
    # When the fan has the last word
    last = api.post(path, headers=auth(fan)) if final == "like" else api.delete(path, headers=auth(fan))
    # Then it holds everywhere
    assert last.status_code == 200, last.text
    assert state() == ((True, True, True, 1) if final == "like" else (False, False, False, 0))
