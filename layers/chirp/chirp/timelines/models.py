"""Timeline entries, the messages that change them, and the page a reader gets."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum

from chirp.engagements.models import AuthorSummary
from chirp.relations.models import Hidden
from chirp.tweets.models import RecentTweets, Tweet, ViewerState
from chirp.users.models import User


class Strategy(StrEnum):
    """How home timelines are built (hybrid in production; the others exist to be measured)."""

    HYBRID = "hybrid"
    PUSH = "push"
    PULL = "pull"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a home timeline. `entry_id` orders the timeline: the tweet's own id, or the id of
    the retweet that brought it in, with `via_id` naming the retweeter (`tweet_id`, `author_id`: the
    original's). Several entries may carry one original; a page shows each original once. A quote's
    entry names the quoted tweet and its author, so a page reads them with the quote, in one call."""

    entry_id: int
    tweet_id: int
    author_id: int
    via_id: int | None = None
    quoted_id: int | None = None
    quoted_author_id: int | None = None
    # A reply to someone else: only an owner who also follows that user gets it (Twitter's rule). It
    # travels with the entry to the writer; the timelines table does not keep it.
    reply_to_user_id: int | None = None

    @classmethod
    def for_tweet(cls, tweet: Tweet) -> TimelineEntry:
        """The entry a tweet makes in a home timeline: a retweet brings its original in."""
        if tweet.retweet_of is not None and tweet.retweet_of_author is not None:
            return cls(
                entry_id=tweet.id, tweet_id=tweet.retweet_of, author_id=tweet.retweet_of_author, via_id=tweet.author_id
            )
        replied_to = tweet.in_reply_to_user_id
        return cls(
            entry_id=tweet.id,
            tweet_id=tweet.id,
            author_id=tweet.author_id,
            quoted_id=tweet.quoted_tweet_id,
            quoted_author_id=tweet.quoted_author_id,
            reply_to_user_id=replied_to if replied_to != tweet.author_id else None,
        )

    @property
    def bringer(self) -> int:
        """Whom the owner must follow for the entry to be there: the retweeter, else the author."""
        return self.via_id or self.author_id

    def may_reach(self, owner_id: int, following: set[int] | frozenset[int]) -> bool:
        """Whether an owner who follows `following` (besides the bringer) gets this entry: a reply to
        someone else only if the owner is that someone or follows them too (its author always)."""
        replied_to = self.reply_to_user_id
        return replied_to is None or owner_id in (replied_to, self.bringer) or replied_to in following


@dataclass(frozen=True)
class TimelineActivity:
    """When the owner last read their home timeline (0: never), when it was last rebuilt, and whose
    tweets it pulls at read time (the celebrities it follows, under the hybrid strategy)."""

    last_seen_ms: int
    rebuilt_at_ms: int
    pulls: frozenset[int] = frozenset()
    # The authors the owner has a summary of (it liked or retweeted some of their tweets).
    engaged: frozenset[int] = frozenset()
    # Whom the owner blocks and mutes, who blocks it, the words it mutes: what its home timeline leaves out.
    hidden: Hidden = field(default_factory=Hidden)


@dataclass(frozen=True)
class TimelineHead:
    """The top of a home timeline: the owner's activity record (if any) and the newest entries."""

    activity: TimelineActivity | None
    entries: list[TimelineEntry]


@dataclass(frozen=True)
class ViewerReads:
    """What a page reads of its reader's engagements: their summaries of the page's authors (which
    say, for each author's newer tweets, what the reader liked and retweeted) and, for tweets a
    summary cannot speak for, the reader's like and retweet edges themselves."""

    viewer_id: int
    summaries_of: Collection[int] = ()
    states_of: Collection[int] = ()


@dataclass(frozen=True)
class PageContents:
    """What a page's entries point at, read in one go: the tweets (strongly consistent, so a deleted
    one is absent), the people who wrote or brought them, the pulled authors' recent tweets (absent
    for an author who never tweeted; empty for one whose kept tweets were all deleted), and the
    reader's summaries and exact states (strongly consistent: a like shows on the next read)."""

    tweets: dict[int, Tweet]
    users: dict[int, User]
    recent: dict[int, RecentTweets]
    summaries: dict[int, AuthorSummary] = field(default_factory=dict)
    states: dict[int, ViewerState] = field(default_factory=dict)
