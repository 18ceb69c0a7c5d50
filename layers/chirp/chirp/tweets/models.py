"""The tweet aggregate as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TweetMetrics:
    retweet_count: int = 0
    reply_count: int = 0
    like_count: int = 0
    quote_count: int = 0


@dataclass(frozen=True)
class Tweet:
    id: int
    author_id: int
    text: str
    created_at_ms: int
    entities: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metrics: TweetMetrics = field(default_factory=TweetMetrics)


@dataclass(frozen=True)
class RecentTweets:
    """An author's newest tweets, newest first, as kept beside their tweets for readers who pull
    them (hybrid timelines). `has_older`: the author has older tweets than these (trimmed away).
    Their metrics are not kept there: they read as zero."""

    tweets: list[Tweet]
    has_older: bool
