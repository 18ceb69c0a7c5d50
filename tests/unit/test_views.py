"""Response shapes: Twitter API v2's objects, with ids as strings; each exactly the shape its
declaration in chirp.http.schemas gives (checked here with pydantic, as the OpenAPI document says)."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.auth.service import TokenGrant
from chirp.http import schemas
from chirp.http.views import (
    home_timeline_item_json,
    home_timeline_json,
    token_json,
    tweet_json,
    tweet_page_json,
    user_json,
    user_page_json,
)
from chirp.ids import EPOCH_MS
from chirp.pages import Page
from chirp.timelines.models import HomeTimelineItem, TimelineEntry
from chirp.tweets.models import Tweet, TweetMetrics
from chirp.tweets.text import extract_entities
from chirp.users.models import PublicMetrics, User
from pydantic import TypeAdapter, ValidationError

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


def a_user(user_id: int = BIG_ID, username: str = "alice") -> User:
    return User(id=user_id, username=username, name=username.title(), created_at_ms=EPOCH_MS)


def a_tweet(tweet_id: int = BIG_ID, author_id: int = BIG_ID + 1, text: str = "hi #a @b $C https://x.co") -> Tweet:
    return Tweet(
        id=tweet_id,
        author_id=author_id,
        text=text,
        created_at_ms=EPOCH_MS,
        entities=extract_entities(text).as_dict(),
    )


def a_timeline_item(tweet: Tweet, author: User) -> HomeTimelineItem:
    return HomeTimelineItem(entry=TimelineEntry.for_tweet(tweet), tweet=tweet, author=author)


def test_a_home_timeline_item_is_the_tweet_with_its_authors_username_and_name() -> None:
    # Given
    author = a_user(BIG_ID + 1, "bob")
    tweet = a_tweet(author_id=author.id)
    # When
    rendered = home_timeline_item_json(a_timeline_item(tweet, author))
    # Then
    assert rendered == {**tweet_json(tweet), "author": {"id": str(author.id), "username": "bob", "name": "Bob"}}


def test_a_list_is_data_and_meta_with_the_next_cursor() -> None:
    # Given
    users = Page(items=[a_user(1, "a"), a_user(2, "b")], next_cursor="abc")
    # Then
    assert user_page_json(users) == {"data": [user_json(user) for user in users.items], "meta": {"next_cursor": "abc"}}
    assert tweet_page_json(Page(items=[], next_cursor=None)) == {"data": [], "meta": {"next_cursor": None}}


@pytest.mark.parametrize(
    ("declared", "rendered"),
    [
        (schemas.User, lambda: user_json(a_user())),
        (schemas.Tweet, lambda: tweet_json(a_tweet())),
        (schemas.TokenResponse, lambda: token_json(TokenGrant("a.b.c", "r", 900, 7))),
        (schemas.UserPage, lambda: user_page_json(Page(items=[a_user()], next_cursor="c"))),
        (schemas.TweetPage, lambda: tweet_page_json(Page(items=[a_tweet()], next_cursor=None))),
        (
            schemas.TimelinePage,
            lambda: home_timeline_json(Page(items=[a_timeline_item(a_tweet(), a_user(BIG_ID + 1))], next_cursor=None)),
        ),
    ],
    ids=["user", "tweet", "token", "user page", "tweet page", "timeline page"],
)
def test_each_view_builds_exactly_its_declared_shape(declared: Any, rendered: Any) -> None:
    # When the view's output is validated strictly against its declaration (no coercion, no extra field)
    body = rendered()
    # Then it passes unchanged
    assert TypeAdapter(declared).validate_python(body, strict=True) == body


def test_a_field_the_declaration_lacks_is_refused() -> None:
    # Given a user with one field more than its declaration
    body: dict[str, Any] = {**user_json(a_user()), "email": "alice@example.com"}
    # Then
    with pytest.raises(ValidationError, match="email"):
        TypeAdapter(schemas.User).validate_python(body, strict=True)
