"""Tweets through the API: posting (Twitter's weighted length and entities), reading, deleting,
and the user timeline with its pagination."""

from __future__ import annotations

import base64
import time
from typing import Any

import jwt
import pytest

from tests.integration.api_client import Account, Api, assert_error

LONG_URL = "https://example.com/" + "a" * 100  # 120 characters, weighted 23


def post(api: Api, account: Account, text: object) -> Any:
    return api.post("/api/tweets", json_body={"text": text}, token=account.access_token)


# ---------------------------------------------------------------- posting


def test_post_tweet_answers_201_with_the_tweet(api: Api, alice: Account) -> None:
    # When
    reply = post(api, alice, "hello world")
    # Then
    assert reply.status == 201, reply.body
    tweet = reply.json()["data"]
    assert set(tweet) == {
        "id",
        "text",
        "author_id",
        "created_at",
        "conversation_id",
        "in_reply_to_user_id",
        "referenced_tweets",
        "entities",
        "public_metrics",
    }
    assert tweet["id"].isdigit()
    assert tweet["text"] == "hello world"
    assert tweet["author_id"] == alice.id
    assert tweet["conversation_id"] == tweet["id"]  # a root is its own conversation
    assert tweet["in_reply_to_user_id"] is None
    assert tweet["referenced_tweets"] == []
    assert tweet["entities"] == {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}
    assert tweet["public_metrics"] == {"retweet_count": 0, "reply_count": 0, "like_count": 0, "quote_count": 0}


def test_post_tweet_counts_it_on_the_author(api: Api, alice: Account) -> None:
    # When
    api.tweet(alice, "one")
    api.tweet(alice, "two")
    # Then
    assert api.metrics(alice.id)["tweet_count"] == 2


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("a" * 280, 280),
        ("日" * 140, 280),
        ("\U0001f600" * 140, 280),
        ("a" * 256 + " " + LONG_URL, 280),
        ("e\u0301" * 280, 280),
    ],
    ids=["280-ascii", "140-cjk", "140-emoji", "256-ascii-and-a-long-url", "280-decomposed-accents"],
)
def test_post_tweet_accepts_a_weighted_length_of_280(api: Api, alice: Account, text: str, weight: int) -> None:
    # When
    reply = post(api, alice, text)
    # Then
    assert reply.status == 201, reply.body


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("a" * 281, 281),
        ("日" * 141, 282),
        ("\U0001f600" * 141, 282),
        ("a" * 257 + " " + LONG_URL, 281),
        ("日" * 140 + "a", 281),
    ],
    ids=["281-ascii", "141-cjk", "141-emoji", "257-ascii-and-a-long-url", "140-cjk-and-1-ascii"],
)
def test_post_tweet_rejects_a_weighted_length_over_280_saying_how_long_it_is(
    api: Api, alice: Account, text: str, weight: int
) -> None:
    # When
    reply = post(api, alice, text)
    # Then
    assert_error(reply, 422, "invalid_input", "text", f"is {weight} weighted characters", "280")


def test_post_tweet_counts_a_long_url_as_23_whatever_its_length(api: Api, alice: Account) -> None:
    # Given eleven 82-character URLs, ten spaces between them and 17 more characters: 11 * 23 + 10 + 17 = 280
    urls = " ".join(f"https://example.com/{i:02d}/" + "x" * 60 for i in range(11))
    text = urls + " " + "y" * 16
    assert len(text) > 900
    # When
    reply = post(api, alice, text)
    # Then
    assert reply.status == 201, reply.body
    assert len(reply.json()["data"]["entities"]["urls"]) == 11


def test_post_tweet_counts_one_character_past_eleven_long_urls_as_281(api: Api, alice: Account) -> None:
    # Given the same text as above with one more character
    urls = " ".join(f"https://example.com/{i:02d}/" + "x" * 60 for i in range(11))
    text = urls + " " + "y" * 17
    # When
    reply = post(api, alice, text)
    # Then
    assert_error(reply, 422, "invalid_input", "text", "is 281 weighted characters")


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_post_tweet_rejects_empty_or_whitespace_text(api: Api, alice: Account, text: str) -> None:
    # When
    reply = post(api, alice, text)
    # Then
    assert_error(reply, 422, "invalid_input", "text", "empty")


@pytest.mark.parametrize("text", ["bell\u0007"])
def test_post_tweet_rejects_control_characters(api: Api, alice: Account, text: str) -> None:
    # When
    reply = post(api, alice, text)
    # Then
    assert_error(reply, 422, "invalid_input", "text", "control characters")


def test_post_tweet_keeps_newlines_and_tabs(api: Api, alice: Account) -> None:
    # When
    reply = post(api, alice, "line one\nline two\r\n\tindented")
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["text"] == "line one\nline two\r\n\tindented"


@pytest.mark.parametrize("text", ["nonchar\ufffe"])
def test_post_tweet_rejects_characters_twitter_text_forbids(api: Api, alice: Account, text: str) -> None:
    # When
    reply = post(api, alice, text)
    # Then
    assert_error(reply, 422, "invalid_input", "text")


@pytest.mark.parametrize(
    ("body", "mentions"),
    [({}, "text: is required"), ({"text": 123}, "text"), ({"text": None}, "text"), ({"text": "a", "x": 1}, "x")],
)
def test_post_tweet_rejects_a_body_without_a_text_string(
    api: Api, alice: Account, body: dict[str, Any], mentions: str
) -> None:
    # When
    reply = api.post("/api/tweets", json_body=body, token=alice.access_token)
    # Then
    assert_error(reply, 422, "invalid_input", mentions)


def test_post_tweet_rejects_text_over_4000_raw_characters(api: Api, alice: Account) -> None:
    # When
    reply = post(api, alice, "a" * 4001)
    # Then
    assert_error(reply, 422, "invalid_input", "text")


def test_post_tweet_stores_text_in_nfc(api: Api, alice: Account) -> None:
    # When
    tweet = api.tweet(alice, "Cafe\u0301")
    # Then
    assert tweet["text"] == "Caf\u00e9"
    assert api.get(f"/api/tweets/{tweet['id']}").json()["data"]["text"] == "Caf\u00e9"


def test_post_tweet_extracts_entities_with_code_point_offsets(api: Api, alice: Account) -> None:
    # Given a text where every entity comes after characters outside the BMP
    text = "\U0001f600\U0001f389 #fun with @bob and $AAPL at https://example.com/#anchor"
    # When
    tweet = api.tweet(alice, text)
    # Then
    entities = tweet["entities"]
    assert entities["hashtags"] == [{"start": 3, "end": 7, "tag": "fun"}]
    assert entities["mentions"] == [{"start": 13, "end": 17, "username": "bob"}]
    assert entities["cashtags"] == [{"start": 22, "end": 27, "tag": "AAPL"}]
    assert entities["urls"] == [{"start": 31, "end": 58, "url": "https://example.com/#anchor"}]
    returned = tweet["text"]
    assert [
        returned[e["start"] : e["end"]] for kind in ("hashtags", "mentions", "cashtags") for e in entities[kind]
    ] == [
        "#fun",
        "@bob",
        "$AAPL",
    ]


def test_post_tweet_entities_are_kept_with_the_tweet(api: Api, alice: Account) -> None:
    # Given
    posted = api.tweet(alice, "#one @two $THREE https://example.com")
    # When
    fetched = api.get(f"/api/tweets/{posted['id']}").json()["data"]
    # Then
    assert fetched["entities"] == posted["entities"]
    assert [len(fetched["entities"][kind]) for kind in ("hashtags", "mentions", "cashtags", "urls")] == [1, 1, 1, 1]


def test_post_tweet_requires_an_existing_author(api: Api, aws: dict[str, str]) -> None:
    # Given a validly signed token for an id nobody has (refused: an account gone takes its tokens with it)
    now = int(time.time())
    claims = {"iss": "chirp", "sub": "4242", "iat": now, "exp": now + 60, "token_use": "access"}
    token = jwt.encode(claims, aws["JWT_SECRET"], algorithm="HS256")
    # When
    reply = api.post("/api/tweets", json_body={"text": "ghost"}, token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "revoked")


def test_a_reply_may_quote_its_own_parent(api: Api, alice: Account, bob: Account) -> None:
    # Given
    parent = api.tweet(alice, "parent")
    # When bob replies to it quoting it (its existence is checked once: a transaction touches an item once)
    body = {"text": "quoting you back", "reply": {"in_reply_to_tweet_id": parent["id"]}, "quote_tweet_id": parent["id"]}
    reply = api.post("/api/tweets", json_body=body, token=bob.access_token)
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["referenced_tweets"] == [
        {"type": "quoted", "id": parent["id"]},
        {"type": "replied_to", "id": parent["id"]},
    ]


# ---------------------------------------------------------------- reading and deleting


def test_get_tweet_answers_the_tweet_as_posted_with_its_author(api: Api, alice: Account) -> None:
    # Given
    posted = api.tweet(alice, "hello #world")
    # When
    reply = api.get(f"/api/tweets/{posted['id']}")
    # Then it is the tweet as posted, with its author, and no viewer state for an anonymous reader
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == {
        **posted,
        "author": {"id": alice.id, "username": "alice", "name": "alice"},
        "viewer": None,
        "retweeted_tweet": None,
        "quoted_tweet": None,
    }


def test_get_tweet_with_a_token_carries_the_viewers_state(api: Api, alice: Account) -> None:
    # Given
    posted = api.tweet(alice, "hello")
    # When
    reply = api.get(f"/api/tweets/{posted['id']}", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["viewer"] == {"liked": False, "retweeted": False}


def test_get_tweet_with_a_bad_token_is_a_401(api: Api, alice: Account) -> None:
    # Given
    posted = api.tweet(alice, "hello")
    # When
    reply = api.get(f"/api/tweets/{posted['id']}", token="not.a.token")
    # Then
    assert_error(reply, 401, "not_authenticated")


def test_get_tweet_unknown_is_a_404_naming_it(api: Api) -> None:
    # When
    reply = api.get("/api/tweets/123456789")
    # Then
    assert_error(reply, 404, "not_found", "123456789")


@pytest.mark.parametrize("bad_id", ["abc", "0", "9223372036854775808"])
def test_get_tweet_with_a_malformed_id_is_a_400_naming_the_parameter(api: Api, bad_id: str) -> None:
    # When
    reply = api.get(f"/api/tweets/{bad_id}")
    # Then
    assert_error(reply, 400, "malformed_request", "tweetId")


def test_delete_tweet_by_its_author_removes_it_and_uncounts_it(api: Api, alice: Account) -> None:
    # Given
    kept = api.tweet(alice, "kept")
    deleted = api.tweet(alice, "deleted")
    # When
    reply = api.delete(f"/api/tweets/{deleted['id']}", token=alice.access_token)
    # Then
    assert reply.status == 204
    assert_error(api.get(f"/api/tweets/{deleted['id']}"), 404, "not_found")
    assert api.get(f"/api/tweets/{kept['id']}").status == 200
    assert api.metrics(alice.id)["tweet_count"] == 1


def test_delete_tweet_204_has_no_content(api: Api, alice: Account) -> None:
    # Given
    tweet = api.tweet(alice, "soon gone")
    # When
    reply = api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token)
    # Then
    assert reply.status == 204
    assert reply.body == b""


def test_delete_tweet_by_another_user_is_a_403_and_changes_nothing(api: Api, alice: Account) -> None:
    # Given
    tweet = api.tweet(alice, "mine")
    mallory = api.register("mallory")
    # When
    reply = api.delete(f"/api/tweets/{tweet['id']}", token=mallory.access_token)
    # Then
    assert_error(reply, 403, "forbidden", "author")
    assert api.get(f"/api/tweets/{tweet['id']}").status == 200
    assert api.metrics(alice.id)["tweet_count"] == 1


def test_delete_tweet_unknown_is_a_404(api: Api, alice: Account) -> None:
    # When
    reply = api.delete("/api/tweets/123456789", token=alice.access_token)
    # Then
    assert_error(reply, 404, "not_found", "123456789")


def test_delete_tweet_twice_is_a_404_and_uncounts_it_once(api: Api, alice: Account) -> None:
    # Given
    api.tweet(alice, "stays")
    tweet = api.tweet(alice, "goes")
    api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token)
    # When
    reply = api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token)
    # Then
    assert_error(reply, 404, "not_found")
    assert api.metrics(alice.id)["tweet_count"] == 1


@pytest.mark.parametrize("bad_id", ["abc", "99999999999999999999999"])
def test_delete_tweet_with_a_malformed_id_is_a_400(api: Api, alice: Account, bad_id: str) -> None:
    # When
    reply = api.delete(f"/api/tweets/{bad_id}", token=alice.access_token)
    # Then
    assert_error(reply, 400, "malformed_request", "tweetId")


# ---------------------------------------------------------------- user timeline


def test_user_timeline_lists_the_users_tweets_newest_first(api: Api, alice: Account) -> None:
    # Given
    bob = api.register("bob")
    posted = [api.tweet(alice, f"tweet {i}")["id"] for i in range(5)]
    api.tweet(bob, "not alice's")
    # When
    reply = api.get(f"/api/users/{alice.id}/tweets")
    # Then
    assert reply.status == 200, reply.body
    document = reply.json()
    assert [tweet["id"] for tweet in document["data"]] == posted[::-1]
    assert document["meta"] == {"next_cursor": None}


def test_user_timeline_items_carry_their_author_and_for_a_viewer_its_state(api: Api, alice: Account) -> None:
    # Given
    posted = api.tweet(alice, "hello")
    # When
    anonymous = api.get(f"/api/users/{alice.id}/tweets").json()["data"]
    signed_in = api.get(f"/api/users/{alice.id}/tweets", token=alice.access_token).json()["data"]
    # Then
    author = {"id": alice.id, "username": "alice", "name": "alice"}
    shown = {**posted, "author": author, "retweeted_tweet": None, "quoted_tweet": None}
    assert anonymous == [{**shown, "viewer": None}]
    assert signed_in == [{**shown, "viewer": {"liked": False, "retweeted": False}}]


def test_user_timeline_pages_walk_every_tweet_exactly_once(api: Api, alice: Account) -> None:
    # Given
    posted = [api.tweet(alice, f"tweet {i}")["id"] for i in range(7)]
    # When
    pages = api.walk(f"/api/users/{alice.id}/tweets", limit=3)
    # Then
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [tweet["id"] for page in pages for tweet in page] == posted[::-1]


def test_user_timeline_a_page_that_ends_the_list_has_no_cursor(api: Api, alice: Account) -> None:
    # Given exactly one page of tweets
    for i in range(3):
        api.tweet(alice, f"tweet {i}")
    # When
    pages = api.walk(f"/api/users/{alice.id}/tweets", limit=3)
    # Then
    assert [len(page) for page in pages] == [3]


def test_user_timeline_defaults_to_pages_of_20(api: Api, alice: Account) -> None:
    # Given
    for i in range(21):
        api.tweet(alice, f"tweet {i}")
    # When
    document = api.get(f"/api/users/{alice.id}/tweets").json()
    # Then
    assert len(document["data"]) == 20
    assert document["meta"]["next_cursor"] is not None


def test_user_timeline_leaves_out_deleted_tweets(api: Api, alice: Account) -> None:
    # Given
    kept = api.tweet(alice, "kept")
    gone = api.tweet(alice, "gone")
    api.delete(f"/api/tweets/{gone['id']}", token=alice.access_token)
    # When
    document = api.get(f"/api/users/{alice.id}/tweets").json()
    # Then
    assert [tweet["id"] for tweet in document["data"]] == [kept["id"]]


def test_user_timeline_of_a_user_without_tweets_is_empty(api: Api, alice: Account) -> None:
    # When
    reply = api.get(f"/api/users/{alice.id}/tweets")
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": [], "meta": {"next_cursor": None}}


def test_user_timeline_of_an_unknown_user_is_a_404(api: Api) -> None:
    # When
    reply = api.get("/api/users/123456789/tweets")
    # Then
    assert_error(reply, 404, "not_found", "123456789")


@pytest.mark.parametrize("limit", ["1", "100"])
def test_user_timeline_accepts_limits_from_1_to_100(api: Api, alice: Account, limit: str) -> None:
    # Given
    api.tweet(alice, "one")
    api.tweet(alice, "two")
    # When
    reply = api.get(f"/api/users/{alice.id}/tweets", query={"limit": limit})
    # Then
    assert reply.status == 200, reply.body
    assert len(reply.json()["data"]) == min(int(limit), 2)


def test_user_timeline_with_a_malformed_id_is_a_400(api: Api) -> None:
    # When
    reply = api.get("/api/users/abc/tweets")
    # Then
    assert_error(reply, 400, "malformed_request", "userId")


def test_user_timeline_continues_below_any_well_formed_cursor(api: Api, alice: Account) -> None:
    # Given a cursor that decodes to a well-formed id beyond every tweet
    api.tweet(alice, "only")
    cursor = base64.urlsafe_b64encode(f"c1:{2**63 - 1}".encode()).decode().rstrip("=")
    # When
    reply = api.get(f"/api/users/{alice.id}/tweets", query={"cursor": cursor})
    # Then a well-formed cursor simply continues below its id
    assert reply.status == 200, reply.body
    assert len(reply.json()["data"]) == 1
