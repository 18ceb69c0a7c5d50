"""Response shapes: Twitter API v2's objects, with ids as strings."""

from __future__ import annotations

from chirp.auth.service import TokenGrant
from chirp.http.views import list_json, token_json, tweet_json, user_json
from chirp.ids import EPOCH_MS
from chirp.pages import Page
from chirp.tweets.models import Tweet, TweetMetrics
from chirp.users.models import PublicMetrics, User

BIG_ID = 2**60 + 1  # beyond JavaScript's 2**53: must travel as a string


def test_a_user_is_rendered_with_a_string_id_and_public_metrics() -> None:
    # Given
    user = User(
        id=BIG_ID,
        username="alice",
        name="Alice",
        created_at_ms=EPOCH_MS + 1,
        description="d",
        location="l",
        url="https://example.com",
        metrics=PublicMetrics(followers_count=3, following_count=2, tweet_count=1),
    )
    # Then
    assert user_json(user) == {
        "id": str(BIG_ID),
        "username": "alice",
        "name": "Alice",
        "description": "d",
        "location": "l",
        "url": "https://example.com",
        "created_at": "2026-01-01T00:00:00.001Z",
        "public_metrics": {"followers_count": 3, "following_count": 2, "tweet_count": 1},
    }


def test_a_tweet_is_rendered_with_string_ids_entities_and_metrics() -> None:
    # Given
    entities = {"hashtags": [{"start": 0, "end": 2, "tag": "a"}], "mentions": [], "urls": [], "cashtags": []}
    tweet = Tweet(
        id=BIG_ID,
        author_id=BIG_ID + 1,
        text="#a",
        created_at_ms=EPOCH_MS,
        entities=entities,
        metrics=TweetMetrics(retweet_count=1, reply_count=2, like_count=3, quote_count=4),
    )
    # Then
    assert tweet_json(tweet) == {
        "id": str(BIG_ID),
        "text": "#a",
        "author_id": str(BIG_ID + 1),
        "created_at": "2026-01-01T00:00:00.000Z",
        "entities": entities,
        "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4},
    }


def test_a_token_grant_is_an_oauth2_token_response_without_the_user_id() -> None:
    # Given
    grant = TokenGrant(access_token="a.b.c", refresh_token="r", expires_in=900, user_id=7)
    # Then
    assert token_json(grant) == {
        "access_token": "a.b.c",
        "refresh_token": "r",
        "token_type": "Bearer",
        "expires_in": 900,
    }


def test_a_list_is_data_and_meta_with_the_next_cursor() -> None:
    # Given
    page = Page(items=[1, 2], next_cursor="abc")
    # Then
    assert list_json(page, lambda item: {"n": item}) == {"data": [{"n": 1}, {"n": 2}], "meta": {"next_cursor": "abc"}}
    assert list_json(Page(items=[], next_cursor=None), lambda item: {}) == {"data": [], "meta": {"next_cursor": None}}
