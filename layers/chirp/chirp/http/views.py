"""The JSON bodies of responses, after Twitter API v2's objects: each view builds exactly the shape
`chirp.http.schemas` declares for it (mypy checks), as plain dicts, so a page costs no more than
building its dicts."""

from __future__ import annotations

from typing import cast

from chirp.auth.service import TokenGrant
from chirp.http import schemas
from chirp.ids import iso_timestamp
from chirp.pages import Page
from chirp.timelines.models import HomeTimelineItem
from chirp.tweets.models import Tweet
from chirp.users.models import User


def user_json(user: User) -> schemas.User:
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


def tweet_json(tweet: Tweet) -> schemas.Tweet:
    return {
        "id": str(tweet.id),
        "text": tweet.text,
        "author_id": str(tweet.author_id),
        "created_at": iso_timestamp(tweet.created_at_ms),
        # Kept as twitter-text extracted them (chirp.tweets.text: the four kinds, each entity with its
        # start, end and text), stored and read back unchanged: already this shape.
        "entities": cast(schemas.Entities, tweet.entities),
        "public_metrics": {
            "retweet_count": tweet.metrics.retweet_count,
            "reply_count": tweet.metrics.reply_count,
            "like_count": tweet.metrics.like_count,
            "quote_count": tweet.metrics.quote_count,
        },
    }


def home_timeline_item_json(item: HomeTimelineItem) -> schemas.TimelineTweet:
    """A tweet as a home timeline shows it: with its author's username and name."""
    author = item.author
    return {
        **tweet_json(item.tweet),
        "author": {"id": str(author.id), "username": author.username, "name": author.name},
    }


def token_json(grant: TokenGrant) -> schemas.TokenResponse:
    return {
        "access_token": grant.access_token,
        "refresh_token": grant.refresh_token,
        "token_type": "Bearer",
        "expires_in": grant.expires_in,
    }


def user_page_json(page: Page[User]) -> schemas.UserPage:
    return {"data": [user_json(user) for user in page.items], "meta": {"next_cursor": page.next_cursor}}


def tweet_page_json(page: Page[Tweet]) -> schemas.TweetPage:
    return {"data": [tweet_json(tweet) for tweet in page.items], "meta": {"next_cursor": page.next_cursor}}


def home_timeline_json(page: Page[HomeTimelineItem]) -> schemas.TimelinePage:
    return {"data": [home_timeline_item_json(item) for item in page.items], "meta": {"next_cursor": page.next_cursor}}
