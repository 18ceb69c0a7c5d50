"""A tweet as a page shows it to a viewer: with its author, what the viewer has done to it, and what it
embeds (a retweet's original, a quote's quoted tweet). `show` assembles them for any list of tweets in
two reads after the list's own: the referenced tweets, then their authors with the viewer's state. (The
home timeline assembles its pages itself, within its own two round trips.)

An embedded tweet by someone the viewer blocks, or who blocks it, is unavailable as a deleted one is (a quote
shows `quoted=None`, a retweet of it is left out): the caller passes the viewer's blocks (`hidden`), read beside
its own first read. Whether a listed tweet itself is shown across a block is the caller's rule (a blocker may
open a tweet of whom it blocks by its link; lists leave such tweets out before calling)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chirp.concurrency import submit
from chirp.engagements.repository import EngagementRepository
from chirp.relations.models import Hidden
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
    *,
    hidden: Hidden,
) -> list[ShownTweet]:
    """The listed tweets as shown to the viewer (`hidden`: its blocks and mutes; `Hidden()` for an anonymous
    viewer), in order; a retweet whose original is gone is left out (deleting a tweet takes its retweets out
    everywhere), and one whose original's author is blocked either way."""
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
        if author is None or not author.served:  # a suspended or deleted account's tweets are not served
            return None
        if nested and hidden.blocks_either_way(tweet.author_id):
            return None  # embedded across a block: unavailable, as a deleted tweet
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
