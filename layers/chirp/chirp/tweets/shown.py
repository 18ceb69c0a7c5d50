"""A tweet as a page shows it to a viewer: with its author, what the viewer has done to it, and what it
embeds (a retweet's original, a quote's quoted tweet). `show` assembles them for any list of tweets in
two reads after the list's own: the referenced tweets, then their authors with the viewer's state. (The
home timeline assembles its pages itself, within its own two round trips.)"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chirp.concurrency import submit
from chirp.engagements.repository import EngagementRepository
from chirp.tweets.models import Tweet, ViewerState
from chirp.tweets.repository import TweetRepository
from chirp.users.models import User
from chirp.users.repository import UserRepository


@dataclass(frozen=True)
class ShownTweet:
    """`viewer`: None when nobody is signed in. `retweeted`: a retweet's original. `quoted`: a quote's
    quoted tweet, None when it is unavailable (deleted)."""

    tweet: Tweet
    author: User
    viewer: ViewerState | None = None
    retweeted: ShownTweet | None = None
    quoted: ShownTweet | None = None

    @property
    def original(self) -> ShownTweet:
        """What the tweet's counts and the viewer's buttons are about: a retweet's original, else itself."""
        return self.retweeted or self


def show(
    tweets: TweetRepository,
    users: UserRepository,
    engagements: EngagementRepository,
    viewer_id: int | None,
    listed: Sequence[Tweet],
) -> list[ShownTweet]:
    """The listed tweets as shown to the viewer, in order; a retweet whose original is gone is left out
    (deleting a tweet takes its retweets out everywhere)."""
    known = {tweet.id: tweet for tweet in listed}
    wanted = {ref for tweet in listed for ref in (tweet.retweet_of, tweet.quoted_tweet_id) if ref is not None}
    known |= tweets.get_many(wanted - set(known))
    people = {tweet.author_id for tweet in known.values()}
    found_people = submit(users.get_many, people)
    states: dict[int, ViewerState] = {}
    if viewer_id is not None:
        states = engagements.viewer_states(viewer_id, [tweet.retweet_of or tweet.id for tweet in listed])
    authors = found_people.result()

    def one(tweet: Tweet, nested: bool, stateful: bool = True) -> ShownTweet | None:
        """`nested`: an embedded tweet, which embeds nothing more; `stateful`: it shows the viewer's state
        (a listed tweet or a retweet's original; not a quoted tweet)."""
        author = authors.get(tweet.author_id)
        if author is None or author.suspended:  # a suspended account's tweets are not served (chirp.reports)
            return None
        viewer = states.get(tweet.id, ViewerState()) if viewer_id is not None and stateful else None
        if tweet.retweet_of is not None:
            original = known.get(tweet.retweet_of)
            shown_original = one(original, nested=True) if original is not None and not nested else None
            if shown_original is None:
                return None
            return ShownTweet(tweet=tweet, author=author, viewer=shown_original.viewer, retweeted=shown_original)
        quoted_tweet = known.get(tweet.quoted_tweet_id) if tweet.quoted_tweet_id is not None else None
        quoted = one(quoted_tweet, nested=True, stateful=False) if quoted_tweet is not None and not nested else None
        return ShownTweet(tweet=tweet, author=author, viewer=viewer, quoted=quoted)

    return [shown for tweet in listed if (shown := one(tweet, nested=False)) is not None]
