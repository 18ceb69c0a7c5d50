"""Response shapes: Twitter API v2's objects, with ids as strings; each exactly the shape its
declaration in chirp.http.schemas gives (checked here with pydantic, as the OpenAPI document says)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chirp.auth.service import TokenGrant
from chirp.engagements.service import Conversation
from chirp.http import schemas
from chirp.http.views import (
    conversation_json,
    shown_json,
    shown_tweet_response_json,
    token_json,
    tweet_json,
    tweet_page_json,
    tweet_response_json,
    user_json,
    user_page_json,
)
from chirp.ids import EPOCH_MS
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState, StoredVariant
from chirp.pages import Page
from chirp.tweets.models import Tweet, TweetMetrics, ViewerState
from chirp.tweets.shown import ShownTweet
from chirp.tweets.text import extract_entities
from chirp.users.models import ProfileImage, PublicMetrics, User
from pydantic import TypeAdapter, ValidationError

BIG_ID = 2**60 + 1  # beyond JavaScript's 2**53: must travel as a string
MEDIA_BASE_URL = "https://d111111abcdef8.cloudfront.net"


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
        metrics=PublicMetrics(followers_count=3, following_count=2, tweet_count=1, like_count=4),
    )
    # Then
    assert user_json(user, MEDIA_BASE_URL) == {
        "id": str(BIG_ID),
        "username": "alice",
        "name": "Alice",
        "description": "d",
        "location": "l",
        "url": "https://example.com",
        "created_at": "2026-01-01T00:00:00.001Z",
        "public_metrics": {"followers_count": 3, "following_count": 2, "tweet_count": 1, "like_count": 4},
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
        "conversation_id": str(BIG_ID),
        "in_reply_to_user_id": None,
        "referenced_tweets": [],
        "entities": entities,
        "public_metrics": {"retweet_count": 1, "reply_count": 2, "like_count": 3, "quote_count": 4},
    }


def test_a_reply_that_quotes_names_its_thread_its_parents_author_and_both_references() -> None:
    # Given a reply to tweet 20 (by user 7) in the thread rooted at 10, quoting tweet 30
    tweet = Tweet(
        id=40,
        author_id=8,
        text="yes",
        created_at_ms=EPOCH_MS,
        in_reply_to_tweet_id=20,
        in_reply_to_user_id=7,
        root_id=10,
        ancestors=(10, 20),
        quoted_tweet_id=30,
        quoted_author_id=9,
    )
    # When
    rendered = tweet_json(tweet)
    # Then
    assert rendered["conversation_id"] == "10"
    assert rendered["in_reply_to_user_id"] == "7"
    assert rendered["referenced_tweets"] == [{"type": "quoted", "id": "30"}, {"type": "replied_to", "id": "20"}]


def test_a_retweet_references_its_original_as_retweeted_and_has_the_four_kinds_of_entities_empty() -> None:
    # Given a retweet as stored: no text, so no entities ({})
    retweet = Tweet(id=50, author_id=8, text="", created_at_ms=EPOCH_MS, retweet_of=10, retweet_of_author=7)
    # When
    rendered = tweet_json(retweet)
    # Then
    assert rendered["referenced_tweets"] == [{"type": "retweeted", "id": "10"}]
    assert rendered["entities"] == {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}


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


def shown(tweet: Tweet, author: User, viewer: ViewerState | None = None, **embedded: ShownTweet) -> ShownTweet:
    return ShownTweet(tweet=tweet, author=author, viewer=viewer, **embedded)


def test_a_shown_tweet_is_the_tweet_with_its_author_and_the_viewers_state() -> None:
    # Given
    author = a_user(BIG_ID + 1, "bob")
    tweet = a_tweet(author_id=author.id)
    # When
    anonymous = shown_json(shown(tweet, author))
    signed_in = shown_json(shown(tweet, author, ViewerState(liked=True)))
    # Then
    assert anonymous == {
        **tweet_json(tweet),
        "author": {"id": str(author.id), "username": "bob", "name": "Bob"},
        "viewer": None,
        "retweeted_tweet": None,
        "quoted_tweet": None,
    }
    assert signed_in["viewer"] == {"liked": True, "retweeted": False}


def test_a_shown_retweet_embeds_its_original_and_carries_its_counts() -> None:
    # Given ada's retweet of bob's tweet, which ada has retweeted (and so the viewer's state is the original's)
    ada, bob = a_user(1, "ada"), a_user(2, "bob")
    original = replace(a_tweet(10, bob.id), metrics=TweetMetrics(retweet_count=1, like_count=5))
    retweet = Tweet(id=20, author_id=ada.id, text="", created_at_ms=EPOCH_MS, retweet_of=10, retweet_of_author=bob.id)
    state = ViewerState(retweeted=True)
    # When
    rendered = shown_json(shown(retweet, ada, state, retweeted=shown(original, bob, state)))
    # Then
    assert rendered["author"]["username"] == "ada"
    assert rendered["public_metrics"] == tweet_json(original)["public_metrics"]
    assert rendered["viewer"] == {"liked": False, "retweeted": True}
    assert rendered["retweeted_tweet"] == {
        **tweet_json(original),
        "author": {"id": "2", "username": "bob", "name": "Bob"},
        "viewer": {"liked": False, "retweeted": True},
    }
    assert rendered["quoted_tweet"] is None


def test_a_shown_quote_embeds_the_quoted_tweet_without_a_viewer_state() -> None:
    # Given
    ada, bob = a_user(1, "ada"), a_user(2, "bob")
    quoted = a_tweet(10, bob.id)
    quote = replace(a_tweet(20, ada.id, "so true"), quoted_tweet_id=10, quoted_author_id=bob.id)
    # When
    rendered = shown_json(shown(quote, ada, ViewerState(), quoted=shown(quoted, bob)))
    # Then
    assert rendered["quoted_tweet"] == {
        **tweet_json(quoted),
        "author": {"id": "2", "username": "bob", "name": "Bob"},
        "viewer": None,
    }
    assert rendered["retweeted_tweet"] is None


def a_conversation() -> Conversation:
    """A thread 1 <- 2 (deleted) <- 3, read from 3, which has one reply, 4, and more on a next page."""
    ada = a_user(1, "ada")
    root, tweet, reply = a_tweet(1, ada.id), a_tweet(3, ada.id), a_tweet(4, ada.id)
    return Conversation(
        ancestors=[(1, shown(root, ada)), (2, None)],
        tweet=shown(tweet, ada),
        replies=Page(items=[shown(reply, ada)], next_cursor="next"),
    )


def test_a_conversation_is_its_ancestors_root_first_the_tweet_and_a_page_of_replies() -> None:
    # When
    rendered = conversation_json(a_conversation(), MEDIA_BASE_URL)
    # Then a deleted ancestor keeps its place, without its content
    ancestors = rendered["data"]["ancestors"]
    assert [ancestor["id"] for ancestor in ancestors] == ["1", "2"]
    assert ancestors[1] == {"id": "2", "unavailable": True}
    assert rendered["data"]["tweet"]["id"] == "3"
    assert [reply["id"] for reply in rendered["data"]["replies"]] == ["4"]
    assert rendered["meta"] == {"next_cursor": "next"}


def test_a_list_is_data_and_meta_with_the_next_cursor() -> None:
    # Given
    users = Page(items=[a_user(1, "a"), a_user(2, "b")], next_cursor="abc")
    # Then
    assert user_page_json(users, MEDIA_BASE_URL) == {
        "data": [user_json(user, MEDIA_BASE_URL) for user in users.items],
        "meta": {"next_cursor": "abc"},
    }
    assert tweet_page_json(Page(items=[], next_cursor=None), MEDIA_BASE_URL) == {
        "data": [],
        "meta": {"next_cursor": None},
    }


@pytest.mark.parametrize(
    ("declared", "rendered"),
    [
        (schemas.User, lambda: user_json(a_user(), MEDIA_BASE_URL)),
        (schemas.Tweet, lambda: tweet_json(a_tweet())),
        (schemas.TokenResponse, lambda: token_json(TokenGrant("a.b.c", "r", 900, 7))),
        (schemas.UserPage, lambda: user_page_json(Page(items=[a_user()], next_cursor="c"), MEDIA_BASE_URL)),
        (
            schemas.TweetPage,
            lambda: tweet_page_json(
                Page(items=[shown(a_tweet(), a_user(BIG_ID + 1))], next_cursor=None), MEDIA_BASE_URL
            ),
        ),
        (schemas.TimelineTweet, lambda: shown_json(shown(a_tweet(), a_user(), ViewerState()))),
        (
            schemas.TimelineTweet,
            lambda: shown_json(
                shown(
                    Tweet(id=2, author_id=1, text="", created_at_ms=EPOCH_MS, retweet_of=3, retweet_of_author=1),
                    a_user(1),
                    retweeted=shown(a_tweet(3, 1), a_user(1)),
                )
            ),
        ),
        (schemas.ConversationResponse, lambda: conversation_json(a_conversation(), MEDIA_BASE_URL)),
        (schemas.User, lambda: user_json(a_user_with_images(), MEDIA_BASE_URL)),
        (schemas.TweetResponse, lambda: tweet_response_json(a_tweet_with_media(), MEDIA_BASE_URL)),
        (
            schemas.TweetPage,
            lambda: tweet_page_json(Page(items=[a_quote_page_item()], next_cursor=None), MEDIA_BASE_URL),
        ),
        (schemas.ShownTweetResponse, lambda: shown_tweet_response_json(a_quote_page_item(), MEDIA_BASE_URL)),
    ],
    ids=[
        "user",
        "tweet",
        "token",
        "user page",
        "tweet page",
        "shown tweet",
        "shown retweet",
        "conversation",
        "user with images",
        "posted tweet with media",
        "tweet page with media",
        "shown tweet with media",
    ],
)
def test_each_view_builds_exactly_its_declared_shape(declared: Any, rendered: Any) -> None:
    # When the view's output is validated strictly against its declaration (no coercion, no extra field)
    body = rendered()
    # Then it passes unchanged
    assert TypeAdapter(declared).validate_python(body, strict=True) == body


def test_a_field_the_declaration_lacks_is_refused() -> None:
    # Given a user with one field more than its declaration
    body: dict[str, Any] = {**user_json(a_user(), MEDIA_BASE_URL), "email": "alice@example.com"}
    # Then
    with pytest.raises(ValidationError, match="email"):
        TypeAdapter(schemas.User).validate_python(body, strict=True)


# ---------------------------------------------------------------- media


def a_photo(media_id: int, alt_text: str = "") -> Media:
    return Media(
        id=media_id,
        owner_id=1,
        kind=MediaKind.IMAGE,
        content_type="image/jpeg",
        size=1000,
        created_at_ms=EPOCH_MS,
        state=MediaState.READY,
        width=1600,
        height=1200,
        variants=(
            StoredVariant("thumb", f"media/{media_id}/thumb.webp", "image/webp", 150, 150),
            StoredVariant("medium", f"media/{media_id}/medium.webp", "image/webp", 1200, 900),
        ),
        alt_text=alt_text,
    )


def a_video(media_id: int) -> Media:
    return Media(
        id=media_id,
        owner_id=2,
        kind=MediaKind.VIDEO,
        content_type="video/mp4",
        size=10_000,
        created_at_ms=EPOCH_MS,
        state=MediaState.READY,
        width=640,
        height=360,
        duration_ms=3000,
        variants=(
            StoredVariant("poster", f"media/{media_id}/poster.webp", "image/webp", 640, 360),
            StoredVariant("video", f"media/{media_id}/video.mp4", "video/mp4", 640, 360),
        ),
    )


def a_tweet_with_media() -> Tweet:
    return replace(a_tweet(10, 1), media=(a_photo(101, "a cat"), a_photo(102)))


def a_quote_page_item() -> ShownTweet:
    """A tweet with two photos quoting a tweet with a video."""
    quoted = replace(a_tweet(20, 2), media=(a_video(201),))
    quote = replace(a_tweet_with_media(), quoted_tweet_id=20, quoted_author_id=2)
    return shown(quote, a_user(1, "ada"), quoted=shown(quoted, a_user(2, "bob")))


def a_user_with_images() -> User:
    return replace(
        a_user(),
        avatar=ProfileImage(301, "media/301/small.webp"),
        banner=ProfileImage(302, "media/302/medium.webp"),
    )


def test_a_tweet_with_media_names_their_keys_in_attachments_and_one_without_has_none() -> None:
    # When
    rendered = tweet_json(a_tweet_with_media())
    # Then
    assert rendered["attachments"] == {"media_keys": ["3_101", "3_102"]}
    assert "attachments" not in tweet_json(a_tweet())


def test_a_page_includes_the_media_of_its_tweets_and_of_the_tweets_they_embed_each_once() -> None:
    # Given the same quote twice on a page (its media must be listed once)
    page = Page(items=[a_quote_page_item(), a_quote_page_item()], next_cursor=None)
    # When
    rendered = tweet_page_json(page, MEDIA_BASE_URL)
    # Then
    assert rendered["data"][0]["quoted_tweet"] is not None
    assert rendered["data"][0]["quoted_tweet"]["attachments"] == {"media_keys": ["7_201"]}
    media = rendered["includes"]["media"]
    assert [item["media_key"] for item in media] == ["3_101", "3_102", "7_201"]
    assert media[0]["type"] == "photo"
    assert media[0]["alt_text"] == "a cat"
    assert media[0]["url"] == f"{MEDIA_BASE_URL}/media/101/medium.webp"
    assert media[2]["type"] == "video"
    assert media[2]["preview_image_url"] == f"{MEDIA_BASE_URL}/media/201/poster.webp"


def test_an_answer_without_media_has_no_includes() -> None:
    # When
    page = tweet_page_json(Page(items=[shown(a_tweet(), a_user())], next_cursor=None), MEDIA_BASE_URL)
    single = shown_tweet_response_json(shown(a_tweet(), a_user()), MEDIA_BASE_URL)
    # Then
    assert "includes" not in page
    assert "includes" not in single


def test_a_retweets_original_brings_its_media_into_the_includes() -> None:
    # Given a retweet of a tweet with a photo
    original = a_tweet_with_media()
    retweet = Tweet(id=11, author_id=2, text="", created_at_ms=EPOCH_MS, retweet_of=10, retweet_of_author=1)
    item = shown(retweet, a_user(2, "bob"), retweeted=shown(original, a_user(1, "ada")))
    # When
    rendered = shown_tweet_response_json(item, MEDIA_BASE_URL)
    # Then
    assert rendered["data"]["retweeted_tweet"] is not None
    assert rendered["data"]["retweeted_tweet"]["attachments"] == {"media_keys": ["3_101", "3_102"]}
    assert [item["media_key"] for item in rendered["includes"]["media"]] == ["3_101", "3_102"]


def test_a_conversation_includes_the_media_of_its_ancestors_tweet_and_replies() -> None:
    # Given a thread whose root and reply carry media
    conversation = a_conversation()
    (root_id, root), deleted = conversation.ancestors
    assert root is not None
    with_media = Conversation(
        ancestors=[(root_id, replace(root, tweet=replace(root.tweet, media=(a_photo(101),)))), deleted],
        tweet=conversation.tweet,
        replies=Page(
            items=[
                replace(reply, tweet=replace(reply.tweet, media=(a_video(201),)))
                for reply in conversation.replies.items
            ],
            next_cursor=None,
        ),
    )
    # When
    rendered = conversation_json(with_media, MEDIA_BASE_URL)
    # Then
    assert [item["media_key"] for item in rendered["includes"]["media"]] == ["3_101", "7_201"]
    assert TypeAdapter(schemas.ConversationResponse).validate_python(rendered, strict=True) == rendered


def test_a_user_shows_its_avatar_and_banner_under_the_media_domain_and_none_when_unset() -> None:
    # When
    rendered = user_json(a_user_with_images(), MEDIA_BASE_URL)
    # Then
    assert rendered["profile_image_url"] == f"{MEDIA_BASE_URL}/media/301/small.webp"
    assert rendered["profile_banner_url"] == f"{MEDIA_BASE_URL}/media/302/medium.webp"
    assert "profile_image_url" not in user_json(a_user(), MEDIA_BASE_URL)
    assert "profile_banner_url" not in user_json(a_user(), MEDIA_BASE_URL)
