"""Engagements through the API: likes and retweets (idempotent, one per user and tweet, a retweet's
engagements landing on its original), the lists they make, replies and quotes, conversations, and the
viewer's state of each tweet shown.

Tweet counts (likes, retweets, replies, quotes) are the counter function's, written from the
engagements table's stream: they are not asserted here. The liker's own like count is written by the
like's transaction, and is. Races (many likes at once, like/unlike races) are tests/e2e/test_engagements.py's:
the Chalice test client keeps the current request on the app, so it cannot serve requests side by side.
"""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from chirp.adapters.dynamodb import engagements

from tests.integration.api_client import Account, Api, Reply, assert_error

UNKNOWN_ID = "123456789"


def post(api: Api, account: Account, text: str = "hello", **refers: Any) -> Reply:
    return api.post("/api/tweets", json_body={"text": text, **refers}, token=account.access_token)


def reply_to(api: Api, account: Account, parent_id: str, text: str = "a reply") -> dict[str, Any]:
    posted = post(api, account, text, reply={"in_reply_to_tweet_id": parent_id})
    assert posted.status == 201, posted.body
    tweet: dict[str, Any] = posted.json()["data"]
    return tweet


def like(api: Api, account: Account, tweet_id: str) -> Reply:
    return api.post(f"/api/tweets/{tweet_id}/like", token=account.access_token)


def unlike(api: Api, account: Account, tweet_id: str) -> Reply:
    return api.delete(f"/api/tweets/{tweet_id}/like", token=account.access_token)


def retweet(api: Api, account: Account, tweet_id: str) -> Reply:
    return api.post(f"/api/tweets/{tweet_id}/retweet", token=account.access_token)


def unretweet(api: Api, account: Account, tweet_id: str) -> Reply:
    return api.delete(f"/api/tweets/{tweet_id}/retweet", token=account.access_token)


def retweet_id(api: Api, account: Account, tweet_id: str) -> str:
    reply = retweet(api, account, tweet_id)
    assert reply.status == 200, reply.body
    made: str = reply.json()["data"]["retweet_id"]
    return made


def delete(api: Api, account: Account, tweet_id: str) -> None:
    reply = api.delete(f"/api/tweets/{tweet_id}", token=account.access_token)
    assert reply.status == 204, reply.body


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def listed(api: Api, path: str, token: str | None = None) -> list[dict[str, Any]]:
    reply = api.get(path, token=token, query={"limit": "100"})
    assert reply.status == 200, reply.body
    items: list[dict[str, Any]] = reply.json()["data"]
    return items


def shown(api: Api, tweet_id: str, viewer: Account | None = None) -> dict[str, Any]:
    reply = api.get(f"/api/tweets/{tweet_id}", token=viewer.access_token if viewer else None)
    assert reply.status == 200, reply.body
    tweet: dict[str, Any] = reply.json()["data"]
    return tweet


# ---------------------------------------------------------------- likes


def test_like_answers_liked_lists_the_liker_and_counts_it_on_the_liker(api: Api, alice: Account, bob: Account) -> None:
    # Given
    tweet = api.tweet(alice, "like me")
    # When
    reply = like(api, bob, tweet["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"liked": True}}
    assert ids(listed(api, f"/api/tweets/{tweet['id']}/liking_users")) == [bob.id]
    assert ids(listed(api, f"/api/users/{bob.id}/liked_tweets")) == [tweet["id"]]
    assert api.metrics(bob.id)["like_count"] == 1
    assert api.metrics(alice.id)["like_count"] == 0


def test_like_twice_changes_nothing_the_second_time(api: Api, alice: Account, bob: Account) -> None:
    # Given
    tweet = api.tweet(alice, "like me")
    like(api, bob, tweet["id"])
    # When
    reply = like(api, bob, tweet["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"liked": True}}
    assert ids(listed(api, f"/api/tweets/{tweet['id']}/liking_users")) == [bob.id]
    assert api.metrics(bob.id)["like_count"] == 1


def test_unlike_answers_not_liked_and_takes_the_like_out(api: Api, alice: Account, bob: Account) -> None:
    # Given
    tweet = api.tweet(alice, "like me")
    like(api, bob, tweet["id"])
    # When
    reply = unlike(api, bob, tweet["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"liked": False}}
    assert listed(api, f"/api/tweets/{tweet['id']}/liking_users") == []
    assert listed(api, f"/api/users/{bob.id}/liked_tweets") == []
    assert api.metrics(bob.id)["like_count"] == 0


@pytest.mark.parametrize("liked_before", [True, False], ids=["unliked-twice", "never-liked"])
def test_unlike_of_what_is_not_liked_changes_nothing(
    api: Api, alice: Account, bob: Account, liked_before: bool
) -> None:
    # Given bob likes another tweet, and maybe liked this one and took it back
    other = api.tweet(alice, "other")
    like(api, bob, other["id"])
    tweet = api.tweet(alice, "like me")
    if liked_before:
        like(api, bob, tweet["id"])
        unlike(api, bob, tweet["id"])
    # When
    reply = unlike(api, bob, tweet["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"liked": False}}
    assert api.metrics(bob.id)["like_count"] == 1
    assert ids(listed(api, f"/api/users/{bob.id}/liked_tweets")) == [other["id"]]


def test_like_of_a_retweet_likes_its_original(api: Api, alice: Account, bob: Account, carol: Account) -> None:
    # Given bob's retweet of alice's tweet
    original = api.tweet(alice, "original")
    retweeted = retweet_id(api, bob, original["id"])
    # When carol likes the retweet
    reply = like(api, carol, retweeted)
    # Then the original is what she liked
    assert reply.status == 200, reply.body
    assert ids(listed(api, f"/api/tweets/{original['id']}/liking_users")) == [carol.id]
    assert ids(listed(api, f"/api/users/{carol.id}/liked_tweets")) == [original["id"]]
    assert shown(api, original["id"], carol)["viewer"] == {"liked": True, "retweeted": False}
    # And unliking the retweet unlikes the original
    assert unlike(api, carol, retweeted).status == 200
    assert listed(api, f"/api/tweets/{original['id']}/liking_users") == []


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_like_or_unlike_of_an_unknown_or_deleted_tweet_is_a_404(
    api: Api, alice: Account, bob: Account, method: str
) -> None:
    # Given
    gone = api.tweet(alice, "soon gone")
    delete(api, alice, gone["id"])
    # When
    unknown = api.request(method, f"/api/tweets/{UNKNOWN_ID}/like", token=bob.access_token)
    deleted = api.request(method, f"/api/tweets/{gone['id']}/like", token=bob.access_token)
    # Then
    assert_error(unknown, 404, "not_found", UNKNOWN_ID)
    assert_error(deleted, 404, "not_found", gone["id"])
    assert api.metrics(bob.id)["like_count"] == 0


def test_liking_users_newest_like_first_in_pages(api: Api, alice: Account) -> None:
    # Given five users like one tweet, one after the other
    tweet = api.tweet(alice, "popular")
    likers = [api.register(f"liker{n}") for n in range(5)]
    for liker in likers:
        assert like(api, liker, tweet["id"]).status == 200
    # When
    pages = api.walk(f"/api/tweets/{tweet['id']}/liking_users", limit=2)
    # Then
    assert [ids(page) for page in pages] == [
        [likers[4].id, likers[3].id],
        [likers[2].id, likers[1].id],
        [likers[0].id],
    ]
    assert set(pages[0][0]) == {
        "id",
        "username",
        "name",
        "description",
        "location",
        "url",
        "created_at",
        "public_metrics",
    }


def test_liked_tweets_newest_like_first_in_pages(api: Api, alice: Account, bob: Account) -> None:
    # Given bob likes five tweets, the oldest last
    tweets = [api.tweet(alice, f"tweet {n}")["id"] for n in range(5)]
    for tweet_id in tweets[::-1]:
        assert like(api, bob, tweet_id).status == 200
    # When
    pages = api.walk(f"/api/users/{bob.id}/liked_tweets", limit=2)
    # Then the order is the likes', not the tweets'
    assert [ids(page) for page in pages] == [[tweets[0], tweets[1]], [tweets[2], tweets[3]], [tweets[4]]]
    assert pages[0][0]["author"] == {"id": alice.id, "username": "alice", "name": "alice"}


def test_liked_tweets_leaves_out_deleted_tweets(api: Api, alice: Account, bob: Account) -> None:
    # Given
    kept, gone = api.tweet(alice, "kept"), api.tweet(alice, "gone")
    like(api, bob, kept["id"])
    like(api, bob, gone["id"])
    # When
    delete(api, alice, gone["id"])
    # Then
    assert ids(listed(api, f"/api/users/{bob.id}/liked_tweets")) == [kept["id"]]


def test_liked_tweets_carry_the_viewers_state_only_for_a_signed_in_viewer(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob liked two tweets, and carol retweeted one of them
    first, second = api.tweet(alice, "first"), api.tweet(alice, "second")
    like(api, bob, first["id"])
    like(api, bob, second["id"])
    retweet_id(api, carol, first["id"])
    path = f"/api/users/{bob.id}/liked_tweets"
    # When
    anonymous = listed(api, path)
    as_bob = listed(api, path, bob.access_token)
    as_carol = listed(api, path, carol.access_token)
    # Then
    assert [tweet["viewer"] for tweet in anonymous] == [None, None]
    assert [tweet["viewer"] for tweet in as_bob] == [{"liked": True, "retweeted": False}] * 2
    assert [tweet["viewer"] for tweet in as_carol] == [
        {"liked": False, "retweeted": False},
        {"liked": False, "retweeted": True},
    ]


def test_liked_tweets_of_a_user_who_liked_nothing_is_empty_and_of_an_unknown_user_a_404(
    api: Api, alice: Account
) -> None:
    # When
    empty = api.get(f"/api/users/{alice.id}/liked_tweets")
    unknown = api.get(f"/api/users/{UNKNOWN_ID}/liked_tweets")
    # Then
    assert empty.status == 200, empty.body
    assert empty.json() == {"data": [], "meta": {"next_cursor": None}}
    assert_error(unknown, 404, "not_found", UNKNOWN_ID)


# ---------------------------------------------------------------- retweets


def test_retweet_answers_its_id_and_the_retweet_shows_its_original(api: Api, alice: Account, bob: Account) -> None:
    # Given
    original = api.tweet(alice, "worth sharing")
    # When
    reply = retweet(api, bob, original["id"])
    # Then
    assert reply.status == 200, reply.body
    state = reply.json()["data"]
    assert state["retweeted"] is True
    made = shown(api, state["retweet_id"])
    assert made["author_id"] == bob.id
    assert made["text"] == ""
    assert made["referenced_tweets"] == [{"type": "retweeted", "id": original["id"]}]
    assert made["retweeted_tweet"]["id"] == original["id"]
    assert made["retweeted_tweet"]["author"]["username"] == "alice"
    assert ids(listed(api, f"/api/tweets/{original['id']}/retweeted_by")) == [bob.id]


def test_retweet_twice_answers_the_same_retweet_and_makes_one(api: Api, alice: Account, bob: Account) -> None:
    # Given
    original = api.tweet(alice, "worth sharing")
    first = retweet_id(api, bob, original["id"])
    # When
    reply = retweet(api, bob, original["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"retweeted": True, "retweet_id": first}}
    assert ids(listed(api, f"/api/tweets/{original['id']}/retweeted_by")) == [bob.id]
    assert ids(listed(api, f"/api/users/{bob.id}/tweets")) == [first]
    assert api.metrics(bob.id)["tweet_count"] == 1


def test_retweeting_your_own_tweet_is_allowed(api: Api, alice: Account) -> None:
    # Given
    original = api.tweet(alice, "mine")
    # When
    made = retweet_id(api, alice, original["id"])
    # Then
    assert ids(listed(api, f"/api/tweets/{original['id']}/retweeted_by")) == [alice.id]
    assert ids(listed(api, f"/api/users/{alice.id}/tweets")) == [made, original["id"]]


def test_a_retweet_of_a_retweet_retweets_the_original(api: Api, alice: Account, bob: Account, carol: Account) -> None:
    # Given bob's retweet of alice's tweet
    original = api.tweet(alice, "original")
    bobs = retweet_id(api, bob, original["id"])
    # When carol retweets bob's retweet
    carols = retweet_id(api, carol, bobs)
    # Then she retweeted the original, and retweeting it directly is the same retweet
    assert shown(api, carols)["referenced_tweets"] == [{"type": "retweeted", "id": original["id"]}]
    assert ids(listed(api, f"/api/tweets/{original['id']}/retweeted_by")) == [carol.id, bob.id]
    assert retweet_id(api, carol, original["id"]) == carols
    # And who retweeted the retweet is who retweeted the original
    assert ids(listed(api, f"/api/tweets/{bobs}/retweeted_by")) == [carol.id, bob.id]


def test_retweet_of_an_unknown_or_deleted_tweet_is_a_404(api: Api, alice: Account, bob: Account) -> None:
    # Given
    gone = api.tweet(alice, "soon gone")
    delete(api, alice, gone["id"])
    # When
    unknown = retweet(api, bob, UNKNOWN_ID)
    deleted = retweet(api, bob, gone["id"])
    # Then
    assert_error(unknown, 404, "not_found", UNKNOWN_ID)
    assert_error(deleted, 404, "not_found", gone["id"])
    assert listed(api, f"/api/users/{bob.id}/tweets") == []


def test_unretweet_answers_not_retweeted_and_takes_the_retweet_out(api: Api, alice: Account, bob: Account) -> None:
    # Given
    original = api.tweet(alice, "worth sharing")
    made = retweet_id(api, bob, original["id"])
    # When
    reply = unretweet(api, bob, original["id"])
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"retweeted": False, "retweet_id": None}}
    assert_error(api.get(f"/api/tweets/{made}"), 404, "not_found")
    assert listed(api, f"/api/tweets/{original['id']}/retweeted_by") == []
    assert listed(api, f"/api/users/{bob.id}/tweets") == []
    assert api.metrics(bob.id)["tweet_count"] == 0


def test_unretweet_twice_or_of_a_tweet_never_retweeted_changes_nothing(api: Api, alice: Account, bob: Account) -> None:
    # Given one tweet bob retweeted and took back, one he never retweeted, and one he keeps retweeted
    undone, never, kept = api.tweet(alice, "undone"), api.tweet(alice, "never"), api.tweet(alice, "kept")
    retweet_id(api, bob, undone["id"])
    unretweet(api, bob, undone["id"])
    kept_retweet = retweet_id(api, bob, kept["id"])
    # When
    replies = [unretweet(api, bob, undone["id"]), unretweet(api, bob, never["id"])]
    # Then
    for reply in replies:
        assert reply.status == 200, reply.body
        assert reply.json() == {"data": {"retweeted": False, "retweet_id": None}}
    assert ids(listed(api, f"/api/users/{bob.id}/tweets")) == [kept_retweet]
    assert api.metrics(bob.id)["tweet_count"] == 1


def test_unretweet_given_the_retweet_undoes_it(api: Api, alice: Account, bob: Account) -> None:
    # Given
    original = api.tweet(alice, "worth sharing")
    made = retweet_id(api, bob, original["id"])
    # When
    reply = unretweet(api, bob, made)
    # Then
    assert reply.status == 200, reply.body
    assert listed(api, f"/api/tweets/{original['id']}/retweeted_by") == []


def test_unretweet_of_an_unknown_tweet_is_a_404(api: Api, bob: Account) -> None:
    # When
    reply = unretweet(api, bob, UNKNOWN_ID)
    # Then
    assert_error(reply, 404, "not_found", UNKNOWN_ID)


def test_deleting_a_retweet_undoes_it_and_it_can_be_made_again(api: Api, alice: Account, bob: Account) -> None:
    # Given
    original = api.tweet(alice, "worth sharing")
    made = retweet_id(api, bob, original["id"])
    # When
    delete(api, bob, made)
    # Then
    assert listed(api, f"/api/tweets/{original['id']}/retweeted_by") == []
    assert shown(api, original["id"], bob)["viewer"] == {"liked": False, "retweeted": False}
    again = retweet_id(api, bob, original["id"])
    assert again != made
    assert ids(listed(api, f"/api/tweets/{original['id']}/retweeted_by")) == [bob.id]


def test_retweeted_by_newest_retweet_first_in_pages(api: Api, alice: Account) -> None:
    # Given five users retweet one tweet, one after the other
    tweet = api.tweet(alice, "popular")
    retweeters = [api.register(f"rt{n}") for n in range(5)]
    for retweeter in retweeters:
        retweet_id(api, retweeter, tweet["id"])
    # When
    pages = api.walk(f"/api/tweets/{tweet['id']}/retweeted_by", limit=2)
    # Then
    assert [ids(page) for page in pages] == [
        [retweeters[4].id, retweeters[3].id],
        [retweeters[2].id, retweeters[1].id],
        [retweeters[0].id],
    ]


@pytest.mark.parametrize("listing", ["liking_users", "retweeted_by"])
def test_who_liked_or_retweeted_an_unknown_or_deleted_tweet_is_a_404(
    api: Api, alice: Account, bob: Account, listing: str
) -> None:
    # Given a tweet bob liked and retweeted, then deleted
    gone = api.tweet(alice, "soon gone")
    like(api, bob, gone["id"])
    retweet_id(api, bob, gone["id"])
    delete(api, alice, gone["id"])
    # When
    unknown = api.get(f"/api/tweets/{UNKNOWN_ID}/{listing}")
    deleted = api.get(f"/api/tweets/{gone['id']}/{listing}")
    # Then
    assert_error(unknown, 404, "not_found", UNKNOWN_ID)
    assert_error(deleted, 404, "not_found", gone["id"])


# ---------------------------------------------------------------- the user timeline and the viewer's state


def test_user_timeline_shows_retweets_with_their_original_and_leaves_out_those_whose_original_is_gone(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given bob tweets, and retweets two of alice's tweets, one of which she then deletes
    kept, gone = api.tweet(alice, "kept"), api.tweet(alice, "gone")
    own = api.tweet(bob, "bob's own")
    kept_retweet = retweet_id(api, bob, kept["id"])
    retweet_id(api, bob, gone["id"])
    delete(api, alice, gone["id"])
    # When
    timeline = listed(api, f"/api/users/{bob.id}/tweets")
    # Then
    assert ids(timeline) == [kept_retweet, own["id"]]
    shown_retweet = timeline[0]
    assert shown_retweet["author"]["username"] == "bob"
    assert shown_retweet["retweeted_tweet"]["id"] == kept["id"]
    assert shown_retweet["retweeted_tweet"]["author"] == {"id": alice.id, "username": "alice", "name": "alice"}
    assert timeline[1]["retweeted_tweet"] is None


def test_a_tweet_shows_the_viewers_own_state_and_none_to_an_anonymous_reader(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given bob likes and retweets alice's tweet
    tweet = api.tweet(alice, "hello")
    like(api, bob, tweet["id"])
    made = retweet_id(api, bob, tweet["id"])
    # Then each reader sees their own state of it
    assert shown(api, tweet["id"])["viewer"] is None
    assert shown(api, tweet["id"], alice)["viewer"] == {"liked": False, "retweeted": False}
    assert shown(api, tweet["id"], bob)["viewer"] == {"liked": True, "retweeted": True}
    # And a retweet shows the viewer's state of its original, on it and on the original it embeds
    as_bob = shown(api, made, bob)
    assert as_bob["viewer"] == {"liked": True, "retweeted": True}
    assert as_bob["retweeted_tweet"]["viewer"] == {"liked": True, "retweeted": True}
    assert shown(api, made)["retweeted_tweet"]["viewer"] is None
    # And bob's own timeline, read by him, carries the same state
    assert listed(api, f"/api/users/{bob.id}/tweets", bob.access_token)[0]["viewer"] == {
        "liked": True,
        "retweeted": True,
    }


# ---------------------------------------------------------------- replies and quotes


def test_a_reply_names_its_parent_its_parents_author_and_its_thread(api: Api, alice: Account, bob: Account) -> None:
    # Given alice's tweet and bob's reply to it
    root = api.tweet(alice, "root")
    first = reply_to(api, bob, root["id"])
    # When alice replies to bob's reply
    second = reply_to(api, alice, first["id"], "a reply to the reply")
    # Then
    assert first["conversation_id"] == root["id"]
    assert first["in_reply_to_user_id"] == alice.id
    assert first["referenced_tweets"] == [{"type": "replied_to", "id": root["id"]}]
    assert second["conversation_id"] == root["id"]
    assert second["in_reply_to_user_id"] == bob.id
    assert second["referenced_tweets"] == [{"type": "replied_to", "id": first["id"]}]
    assert shown(api, second["id"])["referenced_tweets"] == second["referenced_tweets"]


def test_a_quote_names_and_embeds_the_quoted_tweet(api: Api, alice: Account, bob: Account) -> None:
    # Given
    quoted = api.tweet(alice, "quotable")
    # When
    reply = post(api, bob, "so true", quote_tweet_id=quoted["id"])
    # Then
    assert reply.status == 201, reply.body
    quote = reply.json()["data"]
    assert quote["referenced_tweets"] == [{"type": "quoted", "id": quoted["id"]}]
    assert quote["conversation_id"] == quote["id"]
    embedded = shown(api, quote["id"], bob)["quoted_tweet"]
    assert embedded["id"] == quoted["id"]
    assert embedded["author"]["username"] == "alice"
    assert embedded["viewer"] is None


def test_a_quote_whose_quoted_tweet_is_deleted_shows_it_as_unavailable(api: Api, alice: Account, bob: Account) -> None:
    # Given
    quoted = api.tweet(alice, "quotable")
    quote = post(api, bob, "so true", quote_tweet_id=quoted["id"]).json()["data"]
    # When
    delete(api, alice, quoted["id"])
    # Then the quote stays, naming what it quoted, embedding nothing
    kept = shown(api, quote["id"])
    assert kept["referenced_tweets"] == [{"type": "quoted", "id": quoted["id"]}]
    assert kept["quoted_tweet"] is None


def test_replying_to_or_quoting_a_retweet_refers_to_its_original(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob's retweet of alice's tweet
    original = api.tweet(alice, "original")
    made = retweet_id(api, bob, original["id"])
    # When carol replies to the retweet and quotes it
    answer = reply_to(api, carol, made)
    quote = post(api, carol, "quoting", quote_tweet_id=made).json()["data"]
    # Then
    assert answer["referenced_tweets"] == [{"type": "replied_to", "id": original["id"]}]
    assert answer["in_reply_to_user_id"] == alice.id
    assert quote["referenced_tweets"] == [{"type": "quoted", "id": original["id"]}]


@pytest.mark.parametrize("refers", ["reply", "quote"])
def test_replying_to_or_quoting_an_unknown_or_deleted_tweet_is_a_404_and_posts_nothing(
    api: Api, alice: Account, bob: Account, refers: str
) -> None:
    # Given
    gone = api.tweet(alice, "soon gone")
    delete(api, alice, gone["id"])

    def body(tweet_id: str) -> dict[str, Any]:
        return {"reply": {"in_reply_to_tweet_id": tweet_id}} if refers == "reply" else {"quote_tweet_id": tweet_id}

    # When
    unknown = post(api, bob, "hm", **body(UNKNOWN_ID))
    deleted = post(api, bob, "hm", **body(gone["id"]))
    # Then
    assert_error(unknown, 404, "not_found", UNKNOWN_ID)
    assert_error(deleted, 404, "not_found", gone["id"])
    assert listed(api, f"/api/users/{bob.id}/tweets") == []
    assert api.metrics(bob.id)["tweet_count"] == 0


@pytest.mark.parametrize("bad_id", ["abc", "", "0", "-1", "1.5", "9223372036854775808", "12345678901234567890"])
@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("quote_tweet_id", lambda bad: {"quote_tweet_id": bad}),
        ("reply.in_reply_to_tweet_id", lambda bad: {"reply": {"in_reply_to_tweet_id": bad}}),
    ],
    ids=["quote", "reply"],
)
def test_a_malformed_id_to_reply_to_or_quote_is_a_422_naming_the_field(
    api: Api, alice: Account, field: str, body: Any, bad_id: str
) -> None:
    # When
    reply = post(api, alice, "hm", **body(bad_id))
    # Then
    assert_error(reply, 422, "invalid_input", field, "tweet id")


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"reply": {}}, "reply.in_reply_to_tweet_id: is required"),
        ({"reply": "123"}, "reply"),
        ({"reply": {"in_reply_to_tweet_id": 123}}, "reply.in_reply_to_tweet_id"),
        ({"reply": {"in_reply_to_tweet_id": "1", "x": 1}}, "reply.x: is not a field"),
        ({"quote_tweet_id": 123}, "quote_tweet_id"),
    ],
)
def test_a_malformed_reply_or_quote_field_is_a_422_naming_it(
    api: Api, alice: Account, body: dict[str, Any], mentions: str
) -> None:
    # When
    reply = post(api, alice, "hm", **body)
    # Then
    assert_error(reply, 422, "invalid_input", mentions)


def test_the_text_of_a_reply_is_checked_as_any_tweets(api: Api, alice: Account) -> None:
    # Given
    root = api.tweet(alice, "root")
    # When
    reply = post(api, alice, "a" * 281, reply={"in_reply_to_tweet_id": root["id"]})
    # Then
    assert_error(reply, 422, "invalid_input", "text", "281")


# ---------------------------------------------------------------- conversations


def conversation(api: Api, tweet_id: str, token: str | None = None, **query: str) -> dict[str, Any]:
    reply = api.get(f"/api/tweets/{tweet_id}/conversation", token=token, query=query or None)
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


def thread(api: Api, accounts: list[Account], depth: int) -> list[str]:
    """A root and `depth` replies, each to the one before, by the accounts in turn; their ids, root first."""
    chain = [api.tweet(accounts[0], "root")["id"]]
    for n in range(depth):
        chain.append(reply_to(api, accounts[(n + 1) % len(accounts)], chain[-1], f"reply {n + 1}")["id"])
    return chain


def test_a_conversation_50_deep_reads_every_ancestor_root_first(api: Api, alice: Account, bob: Account) -> None:
    # Given a thread of a root and 50 replies, each to the one before
    chain = thread(api, [alice, bob], 50)
    # When the last reply's conversation is read
    document = conversation(api, chain[-1])
    # Then its 50 ancestors come root first, each whole, then the tweet, which has no replies
    data = document["data"]
    assert ids(data["ancestors"]) == chain[:-1]
    assert [ancestor["author"]["username"] for ancestor in data["ancestors"][:3]] == ["alice", "bob", "alice"]
    assert {ancestor["conversation_id"] for ancestor in data["ancestors"]} == {chain[0]}
    assert data["tweet"]["id"] == chain[-1]
    assert data["replies"] == []
    assert document["meta"] == {"next_cursor": None}


def test_a_conversation_shows_a_deleted_ancestor_as_unavailable_in_its_place(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given root <- first <- second <- third, and the first reply deleted
    root, first, second, third = thread(api, [alice, bob], 3)
    delete(api, bob, first)
    # When
    data = conversation(api, third)["data"]
    # Then
    assert ids(data["ancestors"]) == [root, first, second]
    assert data["ancestors"][1] == {"id": first, "unavailable": True}
    assert data["ancestors"][2]["text"] == "reply 2"


def test_deleting_a_tweet_keeps_its_replies(api: Api, alice: Account, bob: Account, carol: Account) -> None:
    # Given two replies to alice's tweet
    root = api.tweet(alice, "root")
    replies = [reply_to(api, bob, root["id"])["id"], reply_to(api, carol, root["id"])["id"]]
    # When alice deletes her tweet
    delete(api, alice, root["id"])
    # Then the replies stay, in their thread, whose root shows as unavailable
    for reply_id in replies:
        assert shown(api, reply_id)["conversation_id"] == root["id"]
        assert conversation(api, reply_id)["data"]["ancestors"] == [{"id": root["id"], "unavailable": True}]
    assert_error(api.get(f"/api/tweets/{root['id']}/conversation"), 404, "not_found", root["id"])


def test_a_conversations_replies_come_newest_first_in_pages_after_the_ancestors(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given a reply to alice's tweet, and five replies to that reply
    root = api.tweet(alice, "root")
    middle = reply_to(api, bob, root["id"])
    answers = [reply_to(api, alice, middle["id"], f"answer {n}")["id"] for n in range(5)]
    reply_to(api, bob, answers[0], "a reply further down: not a reply to the middle one")
    # When the middle one's conversation is read two replies at a time
    first = conversation(api, middle["id"], limit="2")
    second = conversation(api, middle["id"], limit="2", cursor=first["meta"]["next_cursor"])
    third = conversation(api, middle["id"], limit="2", cursor=second["meta"]["next_cursor"])
    # Then the ancestors come with the first page only, the tweet with every page
    assert ids(first["data"]["ancestors"]) == [root["id"]]
    assert second["data"]["ancestors"] == third["data"]["ancestors"] == []
    assert {page["data"]["tweet"]["id"] for page in (first, second, third)} == {middle["id"]}
    assert [ids(page["data"]["replies"]) for page in (first, second, third)] == [
        [answers[4], answers[3]],
        [answers[2], answers[1]],
        [answers[0]],
    ]
    assert third["meta"]["next_cursor"] is None


def test_a_conversation_leaves_out_deleted_replies(api: Api, alice: Account, bob: Account) -> None:
    # Given
    root = api.tweet(alice, "root")
    kept, gone = reply_to(api, bob, root["id"], "kept"), reply_to(api, bob, root["id"], "gone")
    # When
    delete(api, bob, gone["id"])
    # Then
    assert ids(conversation(api, root["id"])["data"]["replies"]) == [kept["id"]]


def test_a_conversation_carries_the_viewers_state_of_each_tweet(api: Api, alice: Account, bob: Account) -> None:
    # Given bob likes the root and the reply to his own reply
    root, first, second = thread(api, [alice, bob], 2)
    like(api, bob, root)
    like(api, bob, second)
    # When
    anonymous = conversation(api, first)["data"]
    as_bob = conversation(api, first, bob.access_token)["data"]
    # Then
    assert [anonymous["ancestors"][0]["viewer"], anonymous["tweet"]["viewer"], anonymous["replies"][0]["viewer"]] == [
        None
    ] * 3
    assert [as_bob["ancestors"][0]["viewer"], as_bob["tweet"]["viewer"], as_bob["replies"][0]["viewer"]] == [
        {"liked": True, "retweeted": False},
        {"liked": False, "retweeted": False},
        {"liked": True, "retweeted": False},
    ]


def test_a_conversation_of_a_retweet_is_its_originals(api: Api, alice: Account, bob: Account) -> None:
    # Given a reply to alice's tweet, and bob's retweet of her tweet
    root = api.tweet(alice, "root")
    answer = reply_to(api, alice, root["id"])
    made = retweet_id(api, bob, root["id"])
    # When
    data = conversation(api, made)["data"]
    # Then
    assert data["tweet"]["id"] == root["id"]
    assert ids(data["replies"]) == [answer["id"]]


def test_a_conversation_of_an_unknown_or_deleted_tweet_is_a_404(api: Api, alice: Account) -> None:
    # Given
    gone = api.tweet(alice, "soon gone")
    delete(api, alice, gone["id"])
    # Then
    assert_error(api.get(f"/api/tweets/{UNKNOWN_ID}/conversation"), 404, "not_found", UNKNOWN_ID)
    assert_error(api.get(f"/api/tweets/{gone['id']}/conversation"), 404, "not_found", gone["id"])


# ---------------------------------------------------------------- what every route refuses

TWEET_ROUTES = [
    ("POST", "/api/tweets/{}/like"),
    ("DELETE", "/api/tweets/{}/like"),
    ("GET", "/api/tweets/{}/liking_users"),
    ("POST", "/api/tweets/{}/retweet"),
    ("DELETE", "/api/tweets/{}/retweet"),
    ("GET", "/api/tweets/{}/retweeted_by"),
    ("GET", "/api/tweets/{}/conversation"),
]
ROUTES = [*TWEET_ROUTES, ("GET", "/api/users/{}/liked_tweets")]
WRITES = [(method, path) for method, path in ROUTES if method != "GET"]
# The routes that read a token: the writes (they need one) and the lists of tweets (they take one).
READING_A_TOKEN = [*WRITES, ("GET", "/api/tweets/{}/conversation"), ("GET", "/api/users/{}/liked_tweets")]


def forged_token(account: Account) -> str:
    """A well-formed access token for the account, signed with a key that is not the API's."""
    now = int(time.time())
    claims = {"iss": "chirp", "sub": account.id, "iat": now, "exp": now + 60, "token_use": "access"}
    return jwt.encode(claims, "not-the-api-signing-key-0123456789abcdef", algorithm="HS256")


@pytest.mark.parametrize("bad_id", ["abc", "0", "-5", "9223372036854775808"])
@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_a_malformed_id_in_the_path_is_a_400_naming_it(
    api: Api, alice: Account, method: str, path: str, bad_id: str
) -> None:
    # When
    reply = api.request(method, path.format(bad_id), token=alice.access_token)
    # Then
    assert_error(reply, 400, "malformed_request", "userId" if "/users/" in path else "tweetId")


@pytest.mark.parametrize(("method", "path"), WRITES, ids=[f"{m} {p}" for m, p in WRITES])
def test_a_write_without_a_token_is_a_401_and_changes_nothing(api: Api, alice: Account, method: str, path: str) -> None:
    # Given
    tweet = api.tweet(alice, "hello")
    # When
    reply = api.request(method, path.format(tweet["id"]))
    # Then
    assert_error(reply, 401, "not_authenticated")
    assert listed(api, f"/api/tweets/{tweet['id']}/liking_users") == []
    assert listed(api, f"/api/tweets/{tweet['id']}/retweeted_by") == []


@pytest.mark.parametrize(("method", "path"), READING_A_TOKEN, ids=[f"{m} {p}" for m, p in READING_A_TOKEN])
def test_a_forged_token_is_a_401_even_where_a_token_is_optional(
    api: Api, alice: Account, method: str, path: str
) -> None:
    # Given
    tweet = api.tweet(alice, "hello")
    target = alice.id if "/users/" in path else tweet["id"]
    # When
    reply = api.request(method, path.format(target), token=forged_token(alice))
    # Then
    assert_error(reply, 401, "not_authenticated")


@pytest.mark.parametrize("limit", ["0", "101", "x"])
@pytest.mark.parametrize("path", [p for m, p in ROUTES if m == "GET"])
def test_a_list_refuses_a_bad_limit_or_cursor(api: Api, alice: Account, path: str, limit: str) -> None:
    # Given
    tweet = api.tweet(alice, "hello")
    target = alice.id if "/users/" in path else tweet["id"]
    # When
    bad_limit = api.get(path.format(target), query={"limit": limit})
    bad_cursor = api.get(path.format(target), query={"cursor": "forged!"})
    # Then
    assert_error(bad_limit, 400, "malformed_request", "limit")
    assert_error(bad_cursor, 400, "malformed_request", "cursor")


def test_a_reader_who_engages_with_more_of_an_author_than_its_summary_keeps_sees_every_state(
    api: Api, alice: Account, bob: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given summaries that keep 20 ids and are trimmed past 25 (200 and 250 in production: the same code
    # path, at a tenth of the requests), and 20 tweets of alice, each liked and retweeted by bob: 40 ids,
    # so bob's summary of alice is trimmed and its older ids are then read from bob's edges
    monkeypatch.setattr(engagements, "SUMMARY_KEPT", 20)
    monkeypatch.setattr(engagements, "SUMMARY_LIMIT", 25)
    tweet_ids = [api.tweet(alice, f"tweet {n}")["id"] for n in range(20)]
    for tweet_id in tweet_ids:
        assert like(api, bob, tweet_id).status == 200
        assert retweet(api, bob, tweet_id).status == 200
    # When bob unlikes the three oldest and the three newest
    unliked = set(tweet_ids[:3] + tweet_ids[-3:])
    for tweet_id in unliked:
        assert unlike(api, bob, tweet_id).status == 200
    # Then every like and retweet was taken (none refused while the summary was trimmed), and his home
    # timeline (his own retweets) shows his state of every tweet right, old or new
    shown = [item for page in api.walk("/api/timeline", limit=7, token=bob.access_token) for item in page]
    states = {item["retweeted_tweet"]["id"]: item["viewer"] for item in shown}
    assert states == {tweet_id: {"liked": tweet_id not in unliked, "retweeted": True} for tweet_id in tweet_ids}
