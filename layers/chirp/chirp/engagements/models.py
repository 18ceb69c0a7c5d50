"""What the engagements aggregate knows besides the edges: a viewer's summary of an author."""

from __future__ import annotations

from dataclasses import dataclass

from chirp.tweets.models import ViewerState


@dataclass(frozen=True)
class AuthorSummary:
    """The tweets of `author_id` a viewer has liked and retweeted: exact for tweet ids from
    `complete_from` up (the summary keeps the highest ids; older ones were trimmed)."""

    author_id: int
    liked: frozenset[int] = frozenset()
    retweeted: frozenset[int] = frozenset()
    complete_from: int = 0

    def state(self, tweet_id: int) -> ViewerState | None:
        """The viewer's state for one of the author's tweets; None if the summary cannot say."""
        if tweet_id < self.complete_from:
            return None
        return ViewerState(liked=tweet_id in self.liked, retweeted=tweet_id in self.retweeted)
