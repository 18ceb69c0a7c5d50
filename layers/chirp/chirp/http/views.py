"""The JSON shapes of responses, after Twitter API v2's objects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from chirp.auth.service import TokenGrant
from chirp.ids import iso_timestamp
from chirp.pages import Page
from chirp.timelines.models import HomeTimelineItem
from chirp.tweets.models import Tweet
from chirp.users.models import User

T = TypeVar("T")


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": str(user.id),
        "username": user.username,
        "name": user.name,
        "description": user.description,
        "location": user.location,
        "url": user.url,
        "created_at": iso_timestamp(user.created_at_ms),
        "public_metrics": {
            "followers_count": user.metrics.followers_count,
            "following_count": user.metrics.following_count,
            "tweet_count": user.metrics.tweet_count,
        },
    }


def tweet_json(tweet: Tweet) -> dict[str, Any]:
    return {
        "id": str(tweet.id),
        "text": tweet.text,
        "author_id": str(tweet.author_id),
        "created_at": iso_timestamp(tweet.created_at_ms),
        "entities": tweet.entities,
        "public_metrics": {
            "retweet_count": tweet.metrics.retweet_count,
            "reply_count": tweet.metrics.reply_count,
            "like_count": tweet.metrics.like_count,
            "quote_count": tweet.metrics.quote_count,
        },
    }


def token_json(grant: TokenGrant) -> dict[str, Any]:
    return {
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }


def list_json(page: Page[T], render: Callable[[T], dict[str, Any]]) -> dict[str, Any]:
    return {"data": [render(item) for item in page.items], "meta": {"next_cursor": page.next_cursor}}


def home_timeline_item_json(item: HomeTimelineItem) -> dict[str, Any]:
    """A tweet as a home timeline shows it: with its author's username and name."""
    return tweet_json(item.tweet) | {
        "author": {"id": str(item.author.id), "username": item.author.username, "name": item.author.name}
    }
