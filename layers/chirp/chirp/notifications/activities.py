"""Which domain events notify whom: a follow its followee, a like or a retweet the tweet's author, a quote
or a reply the quoted or answered author, a mention the mentioned user. Never one's own actions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chirp.events.schema import (
    DomainEvent,
    TweetLiked,
    TweetQuoted,
    TweetRepliedTo,
    TweetRetweeted,
    UserFollowed,
    UserMentioned,
)
from chirp.notifications.models import Activity, Kind


def activity_of(event: DomainEvent) -> Activity | None:
    """The activity an event means for its recipient, or None when it notifies no one (one's own action)."""
    activity = _activity(event)
    if activity is None or activity.actor == activity.recipient:
        return None
    return activity


def _followed(event: UserFollowed) -> Activity:
    return Activity(event.followee_id, Kind.FOLLOW, event.follower_id, event.time_ms)


def _liked(event: TweetLiked) -> Activity:
    return Activity(event.author_id, Kind.LIKE, event.user_id, event.time_ms, tweet_id=event.tweet_id)


def _retweeted(event: TweetRetweeted) -> Activity:
    return Activity(event.author_id, Kind.RETWEET, event.user_id, event.time_ms, tweet_id=event.tweet_id)


def _quoted(event: TweetQuoted) -> Activity:
    return Activity(event.author_id, Kind.QUOTE, event.user_id, event.time_ms, event.quote_id, event.tweet_id)


def _replied(event: TweetRepliedTo) -> Activity:
    return Activity(event.author_id, Kind.REPLY, event.user_id, event.time_ms, event.reply_id, event.tweet_id)


def _mentioned(event: UserMentioned) -> Activity:
    return Activity(event.user_id, Kind.MENTION, event.author_id, event.time_ms, tweet_id=event.tweet_id)


_ACTIVITIES: dict[type[DomainEvent], Callable[[Any], Activity]] = {
    UserFollowed: _followed,
    TweetLiked: _liked,
    TweetRetweeted: _retweeted,
    TweetQuoted: _quoted,
    TweetRepliedTo: _replied,
    UserMentioned: _mentioned,
}
NOTIFYING_EVENTS: tuple[type[DomainEvent], ...] = tuple(_ACTIVITIES)


def _activity(event: DomainEvent) -> Activity | None:
    make = _ACTIVITIES.get(type(event))
    return make(event) if make is not None else None
