"""The tweet aggregate as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chirp.media.models import Media

# The ancestors a reply keeps (the root and the nearest ones): a conversation reads them in one call.
MAX_ANCESTORS = 100


@dataclass(frozen=True)
class TweetMetrics:
    retweet_count: int = 0
    reply_count: int = 0
    like_count: int = 0
    quote_count: int = 0


@dataclass(frozen=True)
class Tweet:
    """A tweet, a reply, a quote, or a retweet (a tweet of its own, with no text, naming the original)."""

    id: int
    author_id: int
    text: str
    created_at_ms: int
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: TweetMetrics = field(default_factory=TweetMetrics)
    retweet_of: int | None = None
    retweet_of_author: int | None = None
    quoted_tweet_id: int | None = None
    quoted_author_id: int | None = None
    in_reply_to_tweet_id: int | None = None
    in_reply_to_user_id: int | None = None
    # The thread's root (None: this tweet is one); a reply's ancestors, root first, parent last.
    root_id: int | None = None
    ancestors: tuple[int, ...] = ()
    # What it carries (up to 4 images, or 1 GIF, or 1 video), in the order posted: a copy of each media item
    # as it was when the tweet took it (ready; fixed from then on), kept in the tweet's own item, so a page
    # shows them without reading the media table.
    media: tuple[Media, ...] = ()

    @property
    def is_retweet(self) -> bool:
        return self.retweet_of is not None

    @property
    def conversation_id(self) -> int:
        return self.root_id if self.root_id is not None else self.id

    @property
    def mentioned_user_ids(self) -> list[int]:
        """The users its text mentions who exist (their ids were resolved when it was posted)."""
        return [int(mention["id"]) for mention in self.entities.get("mentions", []) if mention.get("id")]


@dataclass(frozen=True)
class ViewerState:
    """What the reader of a page has done to a tweet (Twitter v1.1's favorited/retweeted)."""

    liked: bool = False
    retweeted: bool = False


@dataclass(frozen=True)
class RecentTweets:
    """An author's newest tweets, newest first, as kept beside their tweets for readers who pull
    them (hybrid timelines). `has_older`: the author has older tweets than these (trimmed away).
    Their metrics are a copy the engagement counter function keeps there."""

    tweets: list[Tweet]
    has_older: bool
