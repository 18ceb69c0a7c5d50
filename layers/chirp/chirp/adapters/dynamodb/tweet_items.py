"""How a tweet is stored: as a TweetItem, and as an entry of its author's recent-tweets item."""

from __future__ import annotations

import json
from typing import Any

from chirp.adapters.dynamodb.models import RECENT_PREFIX, TweetItem
from chirp.ids import id_timestamp_ms
from chirp.tweets.models import RecentTweets, Tweet, TweetMetrics


def to_tweet(item: TweetItem) -> Tweet:
    tweet_id = int(item.tweet_id)
    return Tweet(
        id=tweet_id,
        author_id=int(item.author_id),
        text=item.text,
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=item.entities or {},
        metrics=TweetMetrics(
            retweet_count=int(item.retweet_count or 0),
            reply_count=int(item.reply_count or 0),
            like_count=int(item.like_count or 0),
            quote_count=int(item.quote_count or 0),
        ),
    )


def raw_tweet(raw: dict[str, Any]) -> Tweet:
    """A raw TweetItem (DynamoDB JSON, as BatchGetItem returns it) as a Tweet: the same fields as
    `to_tweet`, without building a model first (a page reads up to a hundred)."""
    tweet_id = int(raw["tweet_id"]["N"])
    entities = raw.get("entities")
    return Tweet(
        id=tweet_id,
        author_id=int(raw["author_id"]["N"]),
        text=raw["text"]["S"],
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=json.loads(entities["S"]) if entities else {},
        metrics=TweetMetrics(
            retweet_count=_count(raw, "retweet_count"),
            reply_count=_count(raw, "reply_count"),
            like_count=_count(raw, "like_count"),
            quote_count=_count(raw, "quote_count"),
        ),
    )


def _count(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    return int(value["N"]) if value else 0


def recent_entry(tweet: Tweet) -> str:
    """A tweet as its author's recent-tweets item keeps it: what a page shows that never changes, as
    one JSON string `[text, entities]` (one attribute value to parse per tweet, not a map of them)."""
    return json.dumps([tweet.text, tweet.entities], ensure_ascii=False, separators=(",", ":"))


def recent_window(author_id: int, raw: dict[str, Any]) -> RecentTweets:
    """A raw RecentTweetsItem (DynamoDB JSON, as BatchGetItem returns it) as the author's newest tweets."""
    tweets = [
        _recent_tweet(int(name[len(RECENT_PREFIX) :]), author_id, value["S"])
        for name, value in raw.items()
        if name.startswith(RECENT_PREFIX)
    ]
    tweets.sort(key=lambda tweet: tweet.id, reverse=True)
    return RecentTweets(tweets=tweets, has_older=raw.get("has_older", {}).get("BOOL", False))


def _recent_tweet(tweet_id: int, author_id: int, entry: str) -> Tweet:
    text, entities = json.loads(entry)
    return Tweet(
        id=tweet_id, author_id=author_id, text=text, created_at_ms=id_timestamp_ms(tweet_id), entities=entities
    )
