"""How a tweet is stored: as a TweetItem, and as an entry of its author's recent-tweets item."""

from __future__ import annotations

import json
from typing import Any, cast

from chirp.adapters.dynamodb.models import COUNT_PREFIXES, RECENT_PREFIX, TweetItem
from chirp.ids import id_timestamp_ms
from chirp.tweets.models import RecentTweets, Tweet, TweetMetrics

# What a tweet refers to, by attribute: stored only when set.
REFERENCE_ATTRIBUTES = (
    "retweet_of",
    "retweet_of_author",
    "quoted_tweet_id",
    "quoted_author_id",
    "in_reply_to_tweet_id",
    "in_reply_to_user_id",
)


def tweet_item(tweet: Tweet) -> TweetItem:
    """The item a tweet is stored as (references and ancestors only when it has them)."""
    return TweetItem(
        tweet_id=tweet.id,
        author_id=tweet.author_id,
        text=tweet.text,
        entities=tweet.entities,
        retweet_of=tweet.retweet_of,
        retweet_of_author=tweet.retweet_of_author,
        quoted_tweet_id=tweet.quoted_tweet_id,
        quoted_author_id=tweet.quoted_author_id,
        in_reply_to_tweet_id=tweet.in_reply_to_tweet_id,
        in_reply_to_user_id=tweet.in_reply_to_user_id,
        conversation_id=tweet.root_id,
        ancestors=list(tweet.ancestors) or None,
    )


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
        root_id=_optional_int(item.conversation_id),
        ancestors=tuple(int(ancestor) for ancestor in cast(list[float], item.ancestors or [])),
        **{name: _optional_int(getattr(item, name)) for name in REFERENCE_ATTRIBUTES},
    )


def raw_tweet(raw: dict[str, Any]) -> Tweet:
    """A raw TweetItem (DynamoDB JSON, as BatchGetItem returns it) as a Tweet: the same fields as
    `to_tweet`, without building a model first (a page reads up to a hundred)."""
    tweet_id = int(raw["tweet_id"]["N"])
    entities = raw.get("entities")
    ancestors = raw.get("ancestors")
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
        root_id=_raw_optional_int(raw, "conversation_id"),
        ancestors=tuple(int(value["N"]) for value in ancestors["L"]) if ancestors else (),
        **{name: _raw_optional_int(raw, name) for name in REFERENCE_ATTRIBUTES},
    )


def _optional_int(value: Any) -> int | None:
    return None if value is None else int(value)


def _raw_optional_int(raw: dict[str, Any], name: str) -> int | None:
    value = raw.get(name)
    return int(value["N"]) if value else None


def _count(raw: dict[str, Any], name: str) -> int:
    value = raw.get(name)
    return int(value["N"]) if value else 0


def recent_entry(tweet: Tweet) -> str:
    """A tweet as its author's recent-tweets item keeps it: what a page shows that never changes, as
    one JSON string `[text, entities]` (one attribute value to parse per tweet, not a map of them),
    and, for a tweet that refers to others, `[text, entities, references]`."""
    references = {name: value for name in REFERENCE_ATTRIBUTES if (value := getattr(tweet, name)) is not None}
    if tweet.root_id is not None:
        references["conversation_id"] = tweet.root_id
    entry: list[Any] = [tweet.text, tweet.entities, references] if references else [tweet.text, tweet.entities]
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


def recent_window(author_id: int, raw: dict[str, Any]) -> RecentTweets:
    """A raw RecentTweetsItem (DynamoDB JSON, as BatchGetItem returns it) as the author's newest tweets,
    with the counts the counter function keeps beside them (`l:<id>`, `r:<id>`, `p:<id>`, `q:<id>`)."""
    tweets = [
        _recent_tweet(tweet_id, author_id, value["S"], raw)
        for name, value in raw.items()
        if name.startswith(RECENT_PREFIX) and (tweet_id := int(name[len(RECENT_PREFIX) :]))
    ]
    tweets.sort(key=lambda tweet: tweet.id, reverse=True)
    return RecentTweets(tweets=tweets, has_older=raw.get("has_older", {}).get("BOOL", False))


def _recent_tweet(tweet_id: int, author_id: int, entry: str, raw: dict[str, Any]) -> Tweet:
    text, entities, *rest = json.loads(entry)
    references: dict[str, int] = rest[0] if rest else {}
    root = references.pop("conversation_id", None)
    refers = {name: references.get(name) for name in REFERENCE_ATTRIBUTES}
    counts = {name: _count(raw, f"{prefix}{tweet_id}") for name, prefix in COUNT_PREFIXES.items()}
    return Tweet(
        id=tweet_id,
        author_id=author_id,
        text=text,
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=entities,
        metrics=TweetMetrics(**counts),
        root_id=root,
        retweet_of=refers["retweet_of"],
        retweet_of_author=refers["retweet_of_author"],
        quoted_tweet_id=refers["quoted_tweet_id"],
        quoted_author_id=refers["quoted_author_id"],
        in_reply_to_tweet_id=refers["in_reply_to_tweet_id"],
        in_reply_to_user_id=refers["in_reply_to_user_id"],
    )
