"""Which events notify whom, and which notification each lands on (chirp.notifications.activities, .models)."""

from __future__ import annotations

import pytest
from chirp.events.schema import (
    DomainEvent,
    TweetDeleted,
    TweetLiked,
    TweetQuoted,
    TweetRepliedTo,
    TweetRetweeted,
    UserFollowed,
    UserMentioned,
)
from chirp.notifications.activities import activity_of
from chirp.notifications.models import GROUPING_WINDOW_MS, Activity, Kind

T = 1_800_000_000_000  # an event's time, ms
ENVELOPE = {"id": "record-1", "time_ms": T}


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (UserFollowed(follower_id=2, followee_id=1, **ENVELOPE), Activity(1, Kind.FOLLOW, 2, T)),
        (TweetLiked(user_id=2, tweet_id=50, author_id=1, **ENVELOPE), Activity(1, Kind.LIKE, 2, T, 50)),
        (
            TweetRetweeted(user_id=2, retweet_id=60, tweet_id=50, author_id=1, **ENVELOPE),
            Activity(1, Kind.RETWEET, 2, T, 50),
        ),
        (
            TweetQuoted(user_id=2, quote_id=70, tweet_id=50, author_id=1, **ENVELOPE),
            Activity(1, Kind.QUOTE, 2, T, 70, 50),
        ),
        (
            TweetRepliedTo(user_id=2, reply_id=80, tweet_id=50, author_id=1, **ENVELOPE),
            Activity(1, Kind.REPLY, 2, T, 80, 50),
        ),
        (UserMentioned(user_id=1, tweet_id=90, author_id=2, **ENVELOPE), Activity(1, Kind.MENTION, 2, T, 90)),
    ],
)
def test_each_notifying_event_names_its_recipient_actor_and_tweet(event: DomainEvent, expected: Activity) -> None:
    assert activity_of(event) == expected


@pytest.mark.parametrize(
    "event",
    [
        TweetLiked(user_id=1, tweet_id=50, author_id=1, **ENVELOPE),
        UserMentioned(user_id=1, tweet_id=90, author_id=1, **ENVELOPE),
        TweetRepliedTo(user_id=1, reply_id=80, tweet_id=50, author_id=1, **ENVELOPE),
    ],
)
def test_ones_own_actions_notify_no_one(event: DomainEvent) -> None:
    assert activity_of(event) is None


def test_an_event_that_is_no_interaction_notifies_no_one() -> None:
    assert activity_of(TweetDeleted(tweet_id=50, author_id=1, **ENVELOPE)) is None


def test_likes_of_one_tweet_share_a_key_within_a_window_and_not_across_windows() -> None:
    window_start = (T // GROUPING_WINDOW_MS) * GROUPING_WINDOW_MS
    first = Activity(1, Kind.LIKE, 2, window_start, 50)
    same_window = Activity(1, Kind.LIKE, 3, window_start + GROUPING_WINDOW_MS - 1, 50)
    next_window = Activity(1, Kind.LIKE, 3, window_start + GROUPING_WINDOW_MS, 50)
    other_tweet = Activity(1, Kind.LIKE, 2, window_start, 51)
    retweet = Activity(1, Kind.RETWEET, 2, window_start, 50)
    assert first.key == same_window.key
    assert len({first.key, next_window.key, other_tweet.key, retweet.key}) == 4


def test_a_reply_a_quote_and_a_mention_of_one_tweet_share_its_key_whenever_they_arrive() -> None:
    reply = Activity(1, Kind.REPLY, 2, T, 80, 50)
    mention = Activity(1, Kind.MENTION, 2, T + 10 * GROUPING_WINDOW_MS, 80)
    assert reply.key == mention.key == "tweet-80"
