"""What the tweets aggregate needs from storage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chirp.pages import Page, PageRequest
from chirp.tweets.models import Tweet


class AlreadyRetweeted(Exception):
    """The user has retweeted that tweet already (one retweet per user and tweet)."""


# How long an Idempotency-Key names what its first request made (routes.idempotency keeps its answer as long).
IDEMPOTENCY_KEY_LIFETIME_S = 24 * 3600


class PostedBefore(Exception):
    """The author's post with that Idempotency-Key was made already: `tweet_id` is the tweet it made."""

    def __init__(self, tweet_id: int) -> None:
        super().__init__(f"posted before as tweet {tweet_id}")
        self.tweet_id = tweet_id


class TweetRepository(Protocol):
    def create(self, tweet: Tweet, idempotency_key: str | None = None) -> None:
        """Store the tweet, count it on its author and put it at the top of the author's own home
        timeline, atomically (read-your-writes), with the edge a reply, quote or retweet makes to the
        tweet it refers to; NotFound if the author or that tweet is gone; AlreadyRetweeted; chirp.ids.IdTaken if its
        id is another tweet's (nothing written). With `idempotency_key`, the key is claimed for the tweet in the
        same transaction: PostedBefore (nothing written) if the author's post with that key was made already."""

    def get(self, tweet_id: int) -> Tweet | None: ...

    def get_many(self, tweet_ids: Iterable[int]) -> dict[int, Tweet]:
        """Those of the tweets that exist (strongly consistent)."""

    def retweet_of(self, user_id: int, tweet_id: int) -> int | None:
        """The id of the user's retweet of the tweet, if any (strongly consistent)."""

    def delete(self, tweet: Tweet) -> bool:
        """Delete it, uncount it and drop it from the author's own home timeline, with its edge,
        atomically; False if it was already gone."""

    def by_author(self, author_id: int, page: PageRequest) -> Page[Tweet]:
        """The author's tweets, newest first (from an index: a just-deleted tweet may linger briefly)."""

    def live_ids(self, author_id: int, page: PageRequest) -> Page[int]:
        """The ids of the author's tweets that exist now, newest first (strongly consistent)."""

    def trim_recent(self, author_id: int, keep: int, slack: int) -> int:
        """Once the author's recent-tweets window holds more than `keep + slack` tweets (or more bytes than it
        keeps: tweets with media and long alt texts), drop all but the newest `keep` that fit (and note that older
        ones exist); returns how many were dropped."""
