"""What a notification is: who did what to whom, grouped as people expect to read it.

Likes and retweets of one tweet group into one notification per window ("ada, bob and 12 others liked
your tweet"), follows into one per window; replies, quotes and mentions are one notification each, and
a tweet that is a reply to you and mentions you too is one notification (a reply, or a quote, wins over
the mention it contains).

A notification's key is computed from what caused it (its kind, its tweet, the window of the event's own
time), never from when it was processed: a redelivered event, or a like-unlike-like within the window,
lands on the same notification and is counted once per actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Likes, retweets and follows of one window group together (Twitter's and Mastodon's groups span hours).
GROUPING_WINDOW_MS = 6 * 3600 * 1000
# The actors a grouped notification names ("ada, bob and 12 others"): the most recent first.
ACTORS_SHOWN = 3
# The unread count stops there ("99+" in a client).
UNREAD_COUNT_CAP = 100


class Kind(StrEnum):
    FOLLOW = "follow"
    LIKE = "like"
    RETWEET = "retweet"
    QUOTE = "quote"
    REPLY = "reply"
    MENTION = "mention"


GROUPED_KINDS = frozenset({Kind.FOLLOW, Kind.LIKE, Kind.RETWEET})
# One notification per tweet: the first of these kinds to arrive takes the key; a later one of a higher
# rank (a reply's event after its mention's) takes it over.
TWEET_KIND_RANK = {Kind.MENTION: 0, Kind.QUOTE: 1, Kind.REPLY: 2}


@dataclass(frozen=True)
class Activity:
    """One thing that happened to `recipient`, as a domain event tells it.

    `tweet_id`: for a like or a retweet, the recipient's tweet; for a reply, a quote or a mention, the new
    tweet (the reply, the quote, the tweet that mentions). `about_tweet_id`: the recipient's tweet that a
    reply answers or a quote embeds."""

    recipient: int
    kind: Kind
    actor: int
    time_ms: int
    tweet_id: int | None = None
    about_tweet_id: int | None = None

    @property
    def key(self) -> str:
        """The notification this activity lands on (see the module's docstring)."""
        if self.kind in GROUPED_KINDS:
            window = self.time_ms // GROUPING_WINDOW_MS
            return f"{self.kind.value}-{self.tweet_id}-{window}" if self.tweet_id else f"{self.kind.value}-{window}"
        return f"tweet-{self.tweet_id}"


@dataclass(frozen=True)
class Notification:
    """A stored notification. `sort_id` is a Snowflake id minted at its latest change: the list is ordered
    by it, and the notification is read once the reader's read mark reaches it."""

    key: str
    kind: Kind
    sort_id: int
    count: int
    actors: tuple[int, ...]  # the most recent first, at most a few
    tweet_id: int | None = None
    about_tweet_id: int | None = None

    @property
    def tweet_ids(self) -> tuple[int, ...]:
        """The tweets it needs in order to be shown (and without which its cause is gone)."""
        return tuple(tweet_id for tweet_id in (self.tweet_id,) if tweet_id is not None)


@dataclass(frozen=True)
class NotificationSettings:
    """One switch per kind: a kind switched off is neither stored nor pushed."""

    enabled: dict[Kind, bool] = field(default_factory=lambda: dict.fromkeys(Kind, True))

    def allows(self, kind: Kind) -> bool:
        return self.enabled.get(kind, True)

    def with_changes(self, changes: dict[Kind, bool]) -> NotificationSettings:
        return NotificationSettings({**self.enabled, **changes})


@dataclass(frozen=True)
class Recorded:
    """An activity that changed a notification (a new one, or a new actor on a group), with the
    notification as it is now."""

    activity: Activity
    notification: Notification
