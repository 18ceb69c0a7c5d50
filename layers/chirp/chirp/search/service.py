"""Search as users get it: the query parsed (a bad one is a 400 naming the problem), its usernames resolved,
the backend asked for ids, and the results read back from the tables and shown as timelines show tweets
(the same objects, the viewer's liked/retweeted). The tables are the source of truth: a tweet deleted, or
whose author was deleted, since it was indexed is left out, so it is never returned once its DELETE has
answered, whatever the index still holds.

`sort=recent` (the default): newest first, paged by id. `sort=relevant`: the RELEVANT_WINDOW best text
matches (BM25, the backend's score), ranked by

    relevance = text * (0.5 + 0.5 * freshness) * engagement
    text       = score / the window's best score                      (0-1]
    freshness  = 0.5 ^ (age in hours / 24)                             1 now, ½ a day later
    engagement = log10(10 + likes + 2 * (retweets + quotes) + replies)  1 for none, 2 at ~90 likes

so a strong text match wins, among similar matches the fresher and more engaged, and no tweet's
popularity alone outweighs a much better match (the log). Pages are offsets into that ranking.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from chirp.engagements.repository import EngagementRepository
from chirp.errors import MalformedRequest
from chirp.pages import Page, PageRequest, encode_cursor
from chirp.relations.models import Hidden
from chirp.relations.repository import RelationRepository
from chirp.relations.service import hidden_from_viewer
from chirp.search.index import TweetIndex, UserIndex
from chirp.search.query import parse_tweet_query, resolve_users
from chirp.tweets.models import Tweet
from chirp.tweets.repository import TweetRepository
from chirp.tweets.shown import ShownTweet, show
from chirp.users.models import User
from chirp.users.repository import UserRepository

SORTS = ("recent", "relevant")
TYPES = ("tweets", "users")
RELEVANT_WINDOW = 100
MAX_PREFIX_CHARS = 50
FRESHNESS_HALF_LIFE_HOURS = 24.0


@dataclass(frozen=True)
class SearchStores:
    tweet_index: TweetIndex
    user_index: UserIndex
    tweets: TweetRepository
    users: UserRepository
    engagements: EngagementRepository
    relations: RelationRepository


def search_tweets(
    stores: SearchStores, *, viewer_id: int | None, text: str, sort: str, page: PageRequest, now_ms: int
) -> Page[ShownTweet]:
    """Matching tweets as the viewer sees them, less those of whom it blocks or who block it."""
    hidden = hidden_from_viewer(stores.relations, viewer_id)
    query = resolve_users(parse_tweet_query(text), stores.users.find_id_by_username)
    if query is None:  # from: or to: names nobody
        return Page(items=[], next_cursor=None)
    if sort == "relevant":
        scored = stores.tweet_index.search_scored(query, RELEVANT_WINDOW)
        found = visible(stores.tweets.get_many([tweet_id for tweet_id, _ in scored]), hidden.result())
        ranked = rank_by_relevance([(found[i], score) for i, score in scored if i in found], now_ms)
        window = ranked[page.served : page.served + page.limit + 1]
        shown = _shown(stores, viewer_id, window[: page.limit], hidden.result())
        more = len(window) > page.limit
        return Page(items=shown, next_cursor=encode_cursor(window[-2].id, page.served + page.limit) if more else None)
    ids = stores.tweet_index.search(query, page)
    found = visible(stores.tweets.get_many(ids.items), hidden.result())
    return Page(
        items=_shown(stores, viewer_id, [found[i] for i in ids.items if i in found], hidden.result()),
        next_cursor=ids.next_cursor,
    )


def visible(found: dict[int, Tweet], hidden: Hidden) -> dict[int, Tweet]:
    """The tweets not by (nor retweeting) someone blocked either way."""
    return {
        tweet_id: tweet
        for tweet_id, tweet in found.items()
        if not hidden.blocks_either_way(tweet.author_id)
        and (tweet.retweet_of_author is None or not hidden.blocks_either_way(tweet.retweet_of_author))
    }


def _shown(stores: SearchStores, viewer_id: int | None, listed: list[Tweet], hidden: Hidden) -> list[ShownTweet]:
    return show(stores.tweets, stores.users, stores.engagements, viewer_id, listed, hidden=hidden)


def rank_by_relevance(scored: list[tuple[Tweet, float]], now_ms: int) -> list[Tweet]:
    """The tweets by the module's relevance formula, best first (ties: newest first)."""
    if not scored:
        return []
    best = max(score for _, score in scored) or 1.0

    def relevance(tweet: Tweet, score: float) -> float:
        age_hours = max(0.0, (now_ms - tweet.created_at_ms) / 3_600_000)
        freshness = 0.5 ** (age_hours / FRESHNESS_HALF_LIFE_HOURS)
        metrics = tweet.metrics
        weight = metrics.like_count + 2 * (metrics.retweet_count + metrics.quote_count) + metrics.reply_count
        return (score / best) * (0.5 + 0.5 * freshness) * math.log10(10 + max(0, weight))

    ranked = sorted(scored, key=lambda pair: (relevance(*pair), pair[0].id), reverse=True)
    return [tweet for tweet, _ in ranked]


def search_users(stores: SearchStores, *, viewer_id: int | None, prefix: str, page: PageRequest) -> Page[User]:
    """Users whose username or a word of whose name starts with `prefix` (autocomplete from the first
    character): the username's owner first, then by followers; less whom the viewer blocks or who block it
    (read beside the index's answer), and suspended or deleted accounts (the index lags them)."""
    prefix = prefix.strip()
    if not prefix or prefix == "@":
        raise MalformedRequest("q is required: the first letters of a username or a name")
    if len(prefix) > MAX_PREFIX_CHARS:
        raise MalformedRequest(f"q is {len(prefix)} characters long; at most {MAX_PREFIX_CHARS} for users")
    hidden = hidden_from_viewer(stores.relations, viewer_id)
    ids = stores.user_index.search(prefix, page)
    found = stores.users.get_many(ids.items)
    shown = [found[i] for i in ids.items if i in found and found[i].served and not hidden.result().blocks_either_way(i)]
    return Page(items=shown, next_cursor=ids.next_cursor)
