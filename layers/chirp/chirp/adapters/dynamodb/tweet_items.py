"""How a tweet is stored: as a TweetItem, and as an entry of its author's recent-tweets item.

A tweet's media are a copy of their media items as posted (fixed from then on: alt text cannot change once
attached), what a page shows of them, kept in the tweet's item and in its recent-tweets entry as one compact JSON
list, so a page reads no media item:
`[[media id, kind, content type, size, width, height, duration ms, alt text, [[variant name, key, content type,
width, height], ...]], ...]`. Read back, each is the Media it was (ready, attached to the tweet); only the ETag
of the processed upload is not kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, cast

from chirp.adapters.dynamodb.models import COUNT_PREFIXES, RECENT_PREFIX, TweetItem
from chirp.ids import id_timestamp_ms
from chirp.media.kinds import MediaKind
from chirp.media.models import Attachment, Media, MediaState, Purpose, StoredVariant
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
        media=encode_media(tweet.media) if tweet.media else None,
    )


def encode_media(media: Sequence[Media]) -> str:
    """A tweet's media as its item keeps them (the module's docstring)."""
    return _compact_json([_media_entry(item) for item in media])


def _media_entry(media: Media) -> list[Any]:
    variants = [[v.name, v.key, v.content_type, v.width, v.height] for v in media.variants]
    return [
        media.id,
        media.kind.value,
        media.content_type,
        media.size,
        media.width,
        media.height,
        media.duration_ms,
        media.alt_text,
        variants,
    ]


def decode_media(stored: str | None, tweet_id: int, author_id: int) -> tuple[Media, ...]:
    """The media of a tweet from what its item keeps (none when absent)."""
    return tuple(_media(entry, tweet_id, author_id) for entry in json.loads(stored)) if stored else ()


def _media(entry: list[Any], tweet_id: int, author_id: int) -> Media:
    media_id, kind, content_type, size, width, height, duration_ms, alt_text, variants = entry
    return Media(
        id=media_id,
        owner_id=author_id,
        kind=MediaKind(kind),
        content_type=content_type,
        size=size,
        created_at_ms=id_timestamp_ms(media_id),
        state=MediaState.READY,
        width=width,
        height=height,
        duration_ms=duration_ms,
        variants=tuple(StoredVariant(*variant) for variant in variants),
        alt_text=alt_text,
        attached_to=Attachment(Purpose.TWEET, tweet_id),
    )


def _compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def to_tweet(item: TweetItem) -> Tweet:
    tweet_id = int(item.tweet_id)
    author_id = int(item.author_id)
    return Tweet(
        id=tweet_id,
        author_id=author_id,
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
        media=decode_media(item.media, tweet_id, author_id),
        **{name: _optional_int(getattr(item, name)) for name in REFERENCE_ATTRIBUTES},
    )


def raw_tweet(raw: dict[str, Any]) -> Tweet:
    """A raw TweetItem (DynamoDB JSON, as BatchGetItem returns it) as a Tweet: the same fields as
    `to_tweet`, without building a model first (a page reads up to a hundred)."""
    tweet_id = int(raw["tweet_id"]["N"])
    author_id = int(raw["author_id"]["N"])
    entities = raw.get("entities")
    ancestors = raw.get("ancestors")
    media = raw.get("media")
    return Tweet(
        id=tweet_id,
        author_id=author_id,
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
        media=decode_media(media["S"], tweet_id, author_id) if media else (),
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
    for a tweet that refers to others `[text, entities, references]`, and for one with media
    `[text, entities, references, media]` (references {} when none; media as the tweet's item keeps them)."""
    references = {name: value for name in REFERENCE_ATTRIBUTES if (value := getattr(tweet, name)) is not None}
    if tweet.root_id is not None:
        references["conversation_id"] = tweet.root_id
    entry: list[Any] = [tweet.text, tweet.entities]
    if references or tweet.media:
        entry.append(references)
    if tweet.media:
        entry.append([_media_entry(item) for item in tweet.media])
    return _compact_json(entry)


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
    media = rest[1] if len(rest) > 1 else []
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
        media=tuple(_media(item, tweet_id, author_id) for item in media),
    )
