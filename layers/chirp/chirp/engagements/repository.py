"""What the engagements aggregate needs from storage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chirp.engagements.models import AuthorSummary
from chirp.pages import Page, PageRequest
from chirp.tweets.models import Tweet, ViewerState


class EngagementRepository(Protocol):
    def like(self, user_id: int, tweet: Tweet) -> bool:
        """Record the like (and the viewer's summary) if there is none; False if there was one already.
        NotFound if the tweet is gone."""

    def unlike(self, user_id: int, tweet: Tweet) -> bool:
        """Remove the like if there is one; False if there was none."""

    def liking_users(self, tweet_id: int, page: PageRequest) -> Page[int]:
        """Who liked the tweet, newest like first."""

    def retweeters(self, tweet_id: int, page: PageRequest) -> Page[int]:
        """Who retweeted the tweet, newest retweet first."""

    def replies(self, tweet_id: int, page: PageRequest) -> Page[int]:
        """The ids of the tweet's replies, newest first."""

    def liked_tweets(self, user_id: int, page: PageRequest) -> Page[int]:
        """The ids of the tweets the user liked, newest like first."""

    def viewer_states(self, viewer_id: int, tweet_ids: Iterable[int]) -> dict[int, ViewerState]:
        """Whether the viewer liked and retweeted each tweet (strongly consistent)."""

    def drop_empty_summary(self, user_id: int, author_id: int) -> bool:
        """Delete the user's summary of the author, and the author from the user's `engaged` authors, if it holds
        no tweet any more (one transaction: a like racing it fails it); whether it did."""

    def summaries(self, viewer_id: int, author_ids: Iterable[int]) -> dict[int, AuthorSummary]:
        """The viewer's summaries of those authors (of those it has one of)."""
