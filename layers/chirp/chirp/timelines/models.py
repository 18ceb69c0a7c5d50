"""Timeline entries, the messages that change them, and the page a reader gets."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from chirp.tweets.models import RecentTweets, Tweet
from chirp.users.models import User


class Strategy(StrEnum):
    """How home timelines are built (hybrid in production; the others exist to be measured)."""

    HYBRID = "hybrid"
    PUSH = "push"
    PULL = "pull"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a home timeline. `entry_id` orders the timeline: the tweet's own id, or
    (later) the id of the retweet that brought it in, with `via_id` naming the retweeter.
    Several entries may carry one original; a page shows each original once."""

    entry_id: int
    tweet_id: int
    author_id: int
    via_id: int | None = None

    @classmethod
    def for_tweet(cls, tweet: Tweet) -> TimelineEntry:
        return cls(entry_id=tweet.id, tweet_id=tweet.id, author_id=tweet.author_id)


@dataclass(frozen=True)
class TimelineActivity:
    """When the owner last read their home timeline (0: never), when it was last rebuilt, and whose
    tweets it pulls at read time (the celebrities it follows, under the hybrid strategy)."""

    last_seen_ms: int
    rebuilt_at_ms: int
    pulls: frozenset[int] = frozenset()


@dataclass(frozen=True)
class HomeTimelineItem:
    entry: TimelineEntry
    tweet: Tweet
    author: User
    via: User | None = None


@dataclass(frozen=True)
class TimelineHead:
    """The top of a home timeline: the owner's activity record (if any) and the newest entries."""

    activity: TimelineActivity | None
    entries: list[TimelineEntry]


@dataclass(frozen=True)
class PageContents:
    """What a page's entries point at, read in one go: the tweets (strongly consistent, so a deleted
    one is absent), the people who wrote or brought them, and the pulled authors' recent tweets
    (absent for an author who never tweeted; empty for one whose kept tweets were all deleted)."""

    tweets: dict[int, Tweet]
    users: dict[int, User]
    recent: dict[int, RecentTweets]
