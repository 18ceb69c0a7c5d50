"""Liking and unliking (idempotent), the lists engagements make, and a tweet's conversation.

Liking a retweet likes its original, as on Twitter. A like of a tweet that does not exist, or was
deleted, is NotFound; a second like, or an unlike of what was not liked, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from chirp.engagements.repository import EngagementRepository
from chirp.errors import NotFound
from chirp.ids import id_timestamp_ms
from chirp.pages import Page, PageRequest, decode_cursor
from chirp.relations.repository import RelationRepository
from chirp.relations.service import hidden_from_viewer, hide_from_viewer, refuse_if_blocked
from chirp.tweets.models import Tweet
from chirp.tweets.repository import TweetRepository
from chirp.tweets.service import original
from chirp.tweets.shown import ShownTweet, show
from chirp.users.models import User
from chirp.users.repository import UserRepository


def like_tweet(
    engagements: EngagementRepository,
    tweets: TweetRepository,
    relations: RelationRepository,
    user_id: int,
    tweet_id: int,
) -> bool:
    """True if the like is new, False if the user liked it already; refused across a block
    (chirp.relations.service.refuse_if_blocked)."""
    hidden = hidden_from_viewer(relations, user_id)
    tweet = original(tweets, tweet_id)
    refuse_if_blocked(hidden.result(), tweet.author_id, f"tweet {tweet_id} does not exist")
    return engagements.like(user_id, tweet)


def unlike_tweet(engagements: EngagementRepository, tweets: TweetRepository, user_id: int, tweet_id: int) -> bool:
    """True if a like was removed, False if there was none."""
    return engagements.unlike(user_id, original(tweets, tweet_id))


def liking_users(
    engagements: EngagementRepository, tweets: TweetRepository, users: UserRepository, tweet_id: int, page: PageRequest
) -> Page[User]:
    """Who liked the tweet (its original, for a retweet), newest like first."""
    tweet = original(tweets, tweet_id)
    return _people(users, engagements.liking_users(tweet.id, page))


def retweeted_by(
    engagements: EngagementRepository, tweets: TweetRepository, users: UserRepository, tweet_id: int, page: PageRequest
) -> Page[User]:
    """Who retweeted the tweet (its original, for a retweet), newest retweet first."""
    tweet = original(tweets, tweet_id)
    return _people(users, engagements.retweeters(tweet.id, page))


def liked_tweets(
    engagements: EngagementRepository,
    tweets: TweetRepository,
    users: UserRepository,
    *,
    relations: RelationRepository,
    viewer_id: int | None,
    user_id: int,
    page: PageRequest,
) -> Page[ShownTweet]:
    """The tweets the user liked, newest like first (those since deleted are left out, and those by whom the
    viewer blocks or who blocks it)."""
    hidden = hidden_from_viewer(relations, viewer_id)
    ids = engagements.liked_tweets(user_id, page)
    if not ids.items and users.get(user_id) is None:
        raise NotFound(f"user {user_id} does not exist")
    found = tweets.get_many(ids.items)
    seen = hidden.result()
    listed = [
        found[tweet_id]
        for tweet_id in ids.items
        if tweet_id in found and not seen.blocks_either_way(found[tweet_id].author_id)
    ]
    return Page(items=show(tweets, users, engagements, viewer_id, listed, hidden=seen), next_cursor=ids.next_cursor)


@dataclass(frozen=True)
class Conversation:
    """The thread around a tweet: its ancestors, root first (None where one was deleted: the client
    shows it as unavailable), the tweet, and a page of its replies, newest first."""

    ancestors: list[tuple[int, ShownTweet | None]]
    tweet: ShownTweet
    replies: Page[ShownTweet]


def conversation(
    engagements: EngagementRepository,
    tweets: TweetRepository,
    users: UserRepository,
    relations: RelationRepository,
    *,
    viewer_id: int | None,
    tweet_id: int,
    page: PageRequest,
) -> Conversation:
    """NotFound if the tweet's author blocks the viewer; the tweets of those the viewer blocks, or who block
    it, are left out (an ancestor: shown unavailable)."""
    hidden = hidden_from_viewer(relations, viewer_id)
    tweet = original(tweets, tweet_id)
    reply_ids = engagements.replies(tweet.id, page)
    hide_from_viewer(hidden.result(), tweet.author_id, f"tweet {tweet_id} does not exist")
    ancestors = list(tweet.ancestors) if page.before is None else []  # a later page is replies only
    found = tweets.get_many([*ancestors, *reply_ids.items])
    found = {i: each for i, each in found.items() if not hidden.result().blocks_either_way(each.author_id)}
    listed = [tweet, *(found[i] for i in ancestors if i in found), *(found[i] for i in reply_ids.items if i in found)]
    shown = {
        item.tweet.id: item for item in show(tweets, users, engagements, viewer_id, listed, hidden=hidden.result())
    }
    if tweet.id not in shown:
        raise NotFound(f"tweet {tweet.id} does not exist")
    return Conversation(
        ancestors=[(ancestor, shown.get(ancestor)) for ancestor in ancestors],
        tweet=shown[tweet.id],
        replies=Page(items=[shown[i] for i in reply_ids.items if i in shown], next_cursor=reply_ids.next_cursor),
    )


def _people(users: UserRepository, ids: Page[int]) -> Page[User]:
    """The users of a page of ids, in order; one suspended or deleted is left out (not served anywhere)."""
    found = users.get_many(ids.items)
    return Page(
        items=[found[user_id] for user_id in ids.items if user_id in found and found[user_id].served],
        next_cursor=ids.next_cursor,
    )


def undo_engagements_of_deleted(
    engagements: EngagementRepository, tweets: TweetRepository, tweet_id: int, author_id: int
) -> tuple[int, int]:
    """Take a deleted tweet's retweets out (each as its retweeter would undo it: out of every timeline)
    and its likes (out of the likers' lists and counts). Idempotent: what is already undone is skipped.
    Returns (retweets undone, likes undone)."""
    deleted = Tweet(id=tweet_id, author_id=author_id, text="", created_at_ms=id_timestamp_ms(tweet_id))
    retweeters = _every(lambda page: engagements.retweeters(tweet_id, page))
    retweets = sum(
        1
        for user_id in retweeters
        if (retweet_id := tweets.retweet_of(user_id, tweet_id)) is not None
        and (retweet := tweets.get(retweet_id)) is not None
        and tweets.delete(retweet)
    )
    likers = _every(lambda page: engagements.liking_users(tweet_id, page))
    likes = sum(1 for user_id in likers if engagements.unlike(user_id, deleted))
    # What each of them kept of the author for their pages goes once it holds nothing (the author's last tweet
    # they engaged with deleted: an erased account's above all).
    for user_id in dict.fromkeys([*retweeters, *likers]):
        engagements.drop_empty_summary(user_id, author_id)
    return retweets, likes


def _every(list_page: Callable[[PageRequest], Page[int]]) -> list[int]:
    """Every item of a list, page after page (read in full before anything of it is undone)."""
    found: list[int] = []
    request = PageRequest(limit=100)
    while True:
        page = list_page(request)
        found += page.items
        if page.next_cursor is None:
            return found
        request = PageRequest(limit=100, before=decode_cursor(page.next_cursor)[0])
