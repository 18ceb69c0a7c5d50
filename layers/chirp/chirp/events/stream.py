"""The one decoder of DynamoDB stream records: a record of a Chirp table in, the domain events it
means out. Every stream consumer (the timeline fan-out, the event publisher, the engagement counter)
reads records through it; none parses stream images itself.

| table   | record                          | events           |
|---------|---------------------------------|------------------|
| tweets  | INSERT of a tweet, reply, quote | TweetPosted; and TweetRepliedTo, TweetQuoted, UserMentioned (each) |
| tweets  | REMOVE of a tweet, reply, quote | TweetDeleted     |
| tweets  | INSERT / REMOVE of a retweet    | TweetRetweeted / TweetUnretweeted |
| tweets  | MODIFY (engagement counters)    | none             |
| engagements | INSERT / REMOVE of a like   | TweetLiked / TweetUnliked |
| engagements | retweet, reply and quote edges, viewer summaries | none (their tweets' records say it) |
| follows | INSERT / REMOVE                 | UserFollowed / UserUnfollowed |
| users   | INSERT / REMOVE of a `USER#` item | UserRegistered / UserDeleted |
| users   | MODIFY of a `USER#` item        | ProfileChanged when a profile field or image changed; none for counters |
| users   | a username or email claim       | none             |

TweetPosted and TweetDeleted carry the ids of the tweet's media (its item's `media`); ProfileChanged those of the
avatar or banner it attached and of those it replaced or removed (the items' `avatar_media_id`, `banner_media_id`).

And for the engagement counter, which counts edges rather than publishing events (`decode_edge_change`):

| table       | record                                           | edge change (internal, never published) |
|-------------|--------------------------------------------------|------------------------------------------|
| engagements | INSERT / REMOVE of a like, retweet, reply or quote edge | +1 / -1 on that kind's count of its tweet |
| engagements | a viewer summary, any MODIFY                     | none                                     |
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBRecordEventName

from chirp.events.schema import (
    DomainEvent,
    ProfileChanged,
    TweetDeleted,
    TweetLiked,
    TweetPosted,
    TweetQuoted,
    TweetRepliedTo,
    TweetRetweeted,
    TweetUnliked,
    TweetUnretweeted,
    UserDeleted,
    UserFollowed,
    UserMentioned,
    UserRegistered,
    UserUnfollowed,
)
from chirp.ids import id_timestamp_ms

USER_PREFIX = "USER#"  # as chirp.adapters.dynamodb.models keys a user's item
LIKE_EDGE = "L#"  # as it keys a like
PROFILE_FIELDS = ("username", "name", "description", "location", "url")
# A profile's images, as `changed` names them, by the attribute holding each one's media id (as
# chirp.adapters.dynamodb.users stores them).
PROFILE_IMAGES = {"avatar": "avatar_media_id", "banner": "banner_media_id"}


class Source(StrEnum):
    """Which Chirp table a stream belongs to."""

    TWEETS = "tweets"
    FOLLOWS = "follows"
    USERS = "users"
    ENGAGEMENTS = "engagements"


class UndecodableRecord(ValueError):
    """A stream record this decoder cannot read: from an unknown table, or without the image it needs."""


@dataclass(frozen=True)
class Sources:
    """The names of the tables whose streams a consumer reads (from its settings)."""

    by_table: Mapping[str, Source]

    def of(self, record: DynamoDBRecord) -> Source:
        table = table_of(record.event_source_arn)
        if table not in self.by_table:
            raise UndecodableRecord(f"a record from a table this function does not read: {record.event_source_arn}")
        return self.by_table[table]


def table_of(event_source_arn: str | None) -> str:
    """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> -> <name>."""
    return (event_source_arn or "").split(":table/", 1)[-1].split("/stream/", 1)[0]


def decode_record(record: DynamoDBRecord, sources: Sources) -> list[DomainEvent]:
    """The domain events one stream record means (often one, sometimes none)."""
    return _DECODERS[sources.of(record)](record)


def _images(record: DynamoDBRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    stream = record.dynamodb
    if stream is None:
        raise UndecodableRecord(f"record {record.event_id} has no dynamodb section")
    return dict(stream.old_image or {}), dict(stream.new_image or {})


def _record_time_ms(record: DynamoDBRecord) -> int:
    stream = record.dynamodb
    created = stream.approximate_creation_date_time if stream is not None else None
    return created * 1000 if created else 0


def _needed(image: dict[str, Any], record: DynamoDBRecord, *names: str) -> list[Any]:
    missing = [name for name in names if name not in image]
    if missing:
        raise UndecodableRecord(
            f"record {record.event_id} lacks {', '.join(missing)} (is the stream's view NEW_AND_OLD_IMAGES?)"
        )
    return [image[name] for name in names]


def _tweet_events(record: DynamoDBRecord) -> list[DomainEvent]:
    old, new = _images(record)
    event_id = str(record.event_id)
    if record.event_name is DynamoDBRecordEventName.INSERT:
        tweet_id, author_id, text = _needed(new, record, "tweet_id", "author_id", "text")
        time_ms = id_timestamp_ms(int(tweet_id))
        if new.get("retweet_of") is not None:
            return [TweetRetweeted(id=event_id, time_ms=time_ms, **_retweet_fields(new, record))]
        return _posted(event_id, time_ms, new, tweet_id=int(tweet_id), author_id=int(author_id), text=str(text))
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        tweet_id, author_id = _needed(old, record, "tweet_id", "author_id")
        time_ms = _record_time_ms(record)
        if old.get("retweet_of") is not None:
            return [TweetUnretweeted(id=event_id, time_ms=time_ms, **_retweet_fields(old, record))]
        deleted = TweetDeleted(
            id=event_id, time_ms=time_ms, tweet_id=int(tweet_id), author_id=int(author_id), media_ids=_media_ids(old)
        )
        return [deleted]
    return []  # a counter moved


def _posted(
    event_id: str, time_ms: int, new: dict[str, Any], *, tweet_id: int, author_id: int, text: str
) -> list[DomainEvent]:
    """TweetPosted, and what the tweet is to others: a reply, a quote, mentions of users."""
    references = {name: int(new[name]) for name in _REFERENCES if new.get(name) is not None}
    entities = _entities(new.get("entities"))
    posted = TweetPosted(
        id=event_id,
        time_ms=time_ms,
        tweet_id=tweet_id,
        author_id=author_id,
        text=text,
        entities=entities,
        conversation_id=int(new.get("conversation_id") or tweet_id),
        media_ids=_media_ids(new),
        **references,
    )
    events: list[DomainEvent] = [posted]
    if posted.in_reply_to_tweet_id is not None and posted.in_reply_to_user_id is not None:
        events.append(
            TweetRepliedTo(
                id=f"{event_id}:reply",
                time_ms=time_ms,
                user_id=author_id,
                reply_id=tweet_id,
                tweet_id=posted.in_reply_to_tweet_id,
                author_id=posted.in_reply_to_user_id,
            )
        )
    if posted.quoted_tweet_id is not None and posted.quoted_author_id is not None:
        events.append(
            TweetQuoted(
                id=f"{event_id}:quote",
                time_ms=time_ms,
                user_id=author_id,
                quote_id=tweet_id,
                tweet_id=posted.quoted_tweet_id,
                author_id=posted.quoted_author_id,
            )
        )
    mentioned = dict.fromkeys(int(m["id"]) for m in entities.get("mentions", []) if str(m.get("id", "")).isdigit())
    events += [
        UserMentioned(
            id=f"{event_id}:mention:{user}", time_ms=time_ms, user_id=user, tweet_id=tweet_id, author_id=author_id
        )
        for user in mentioned
    ]
    return events


_REFERENCES = ("in_reply_to_tweet_id", "in_reply_to_user_id", "quoted_tweet_id", "quoted_author_id")


def _media_ids(image: dict[str, Any]) -> list[int]:
    """The ids of a tweet's media, in order, from its item's `media`: one JSON list of entries whose first
    element is the media's id (chirp.adapters.dynamodb.tweet_items)."""
    stored = image.get("media")
    return [int(entry[0]) for entry in json.loads(stored)] if isinstance(stored, str) and stored else []


def _retweet_fields(image: dict[str, Any], record: DynamoDBRecord) -> dict[str, int]:
    retweet_id, user_id, original, original_author = _needed(
        image, record, "tweet_id", "author_id", "retweet_of", "retweet_of_author"
    )
    return {
        "retweet_id": int(retweet_id),
        "user_id": int(user_id),
        "tweet_id": int(original),
        "author_id": int(original_author),
    }


def _engagement_events(record: DynamoDBRecord) -> list[DomainEvent]:
    old, new = _images(record)
    image = new or old
    if not str(image.get("edge", "")).startswith(LIKE_EDGE):
        return []  # retweets, replies and quotes are told by their tweets' records; summaries are no events
    user_id, tweet_id, author_id = _needed(image, record, "user_id", "tweet_id", "author_id")
    fields = {"user_id": int(user_id), "tweet_id": int(tweet_id), "author_id": int(author_id)}
    if record.event_name is DynamoDBRecordEventName.INSERT:
        return [TweetLiked(id=str(record.event_id), time_ms=id_timestamp_ms(int(image["edge_id"])), **fields)]
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        return [TweetUnliked(id=str(record.event_id), time_ms=_record_time_ms(record), **fields)]
    return []


class EdgeKind(StrEnum):
    """What an engagement edge records, each counted on a count of its own."""

    LIKE = "like"
    RETWEET = "retweet"
    REPLY = "reply"
    QUOTE = "quote"


# The edges' sort-key prefixes, as chirp.adapters.dynamodb.models writes them.
EDGE_KINDS = {"L#": EdgeKind.LIKE, "R#": EdgeKind.RETWEET, "P#": EdgeKind.REPLY, "Q#": EdgeKind.QUOTE}


@dataclass(frozen=True)
class EdgeChange:
    """An engagement edge that appeared (`delta` +1) or went (-1): what the engagement counter counts on
    `tweet_id` (the tweet engaged with, by `author_id`). Internal to the counter, not a domain event: it
    is never published. `event_id` is the stream record's, the same on every redelivery."""

    event_id: str
    kind: EdgeKind
    tweet_id: int
    author_id: int
    delta: int


def decode_edge_change(record: DynamoDBRecord, sources: Sources) -> EdgeChange | None:
    """The count an engagements-table record moves; None if it moves none (a viewer summary, a MODIFY).
    UndecodableRecord for a record of another table, or without the image it needs."""
    if sources.of(record) is not Source.ENGAGEMENTS:
        raise UndecodableRecord(f"record {record.event_id} is not from the engagements table")
    deltas = {DynamoDBRecordEventName.INSERT: 1, DynamoDBRecordEventName.REMOVE: -1}
    if record.event_name not in deltas:
        return None  # an edge rewritten in place: nothing appeared or went
    old, new = _images(record)
    image = new if record.event_name is DynamoDBRecordEventName.INSERT else old
    keys = dict(record.dynamodb.keys or {}) if record.dynamodb else {}
    kind = EDGE_KINDS.get(str(keys.get("edge", ""))[:2])
    if kind is None:
        return None  # a viewer's summary
    tweet_id, author_id = _needed(image, record, "tweet_id", "author_id")
    return EdgeChange(
        event_id=str(record.event_id),
        kind=kind,
        tweet_id=int(tweet_id),
        author_id=int(author_id),
        delta=deltas[record.event_name],
    )


def _entities(stored: object) -> dict[str, list[dict[str, Any]]]:
    """A tweet's entities as its item keeps them: one JSON string (PynamoDB's JSONAttribute)."""
    if isinstance(stored, str):
        stored = json.loads(stored)
    return stored if isinstance(stored, dict) else {}


def _follow_events(record: DynamoDBRecord) -> list[DomainEvent]:
    old, new = _images(record)
    event_id = str(record.event_id)
    if record.event_name is DynamoDBRecordEventName.INSERT:
        follower, followee, follow_id = _needed(new, record, "follower_id", "followee_id", "follow_id")
        return [
            UserFollowed(
                id=event_id,
                time_ms=id_timestamp_ms(int(follow_id)),
                follower_id=int(follower),
                followee_id=int(followee),
            )
        ]
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        follower, followee = _needed(old, record, "follower_id", "followee_id")
        return [
            UserUnfollowed(
                id=event_id, time_ms=_record_time_ms(record), follower_id=int(follower), followee_id=int(followee)
            )
        ]
    return []


def _user_events(record: DynamoDBRecord) -> list[DomainEvent]:
    old, new = _images(record)
    key = str((new or old).get("pk", ""))
    if not key.startswith(USER_PREFIX):
        return []  # a username or email claim
    event_id, time_ms = str(record.event_id), _record_time_ms(record)
    if record.event_name is DynamoDBRecordEventName.INSERT:
        user_id, username, name = _needed(new, record, "user_id", "username", "name")
        return [UserRegistered(id=event_id, time_ms=time_ms, user_id=int(user_id), username=username, name=name)]
    if record.event_name is DynamoDBRecordEventName.REMOVE:
        user_id, username = _needed(old, record, "user_id", "username")
        return [UserDeleted(id=event_id, time_ms=time_ms, user_id=int(user_id), username=username)]
    images = [image for image, attribute in PROFILE_IMAGES.items() if old.get(attribute) != new.get(attribute)]
    changed = [field for field in PROFILE_FIELDS if old.get(field) != new.get(field)] + images
    if not changed:
        return []  # a counter moved, or the celebrity flag
    (user_id,) = _needed(new, record, "user_id")
    profile = {field: str(new.get(field) or "") for field in PROFILE_FIELDS}
    attributes = [PROFILE_IMAGES[image] for image in images]
    return [
        ProfileChanged(
            id=event_id,
            time_ms=time_ms,
            user_id=int(user_id),
            changed=changed,
            media_ids=[int(new[name]) for name in attributes if new.get(name) is not None],
            released_media_ids=[int(old[name]) for name in attributes if old.get(name) is not None],
            **profile,
        )
    ]


_DECODERS: dict[Source, Callable[[DynamoDBRecord], list[DomainEvent]]] = {
    Source.TWEETS: _tweet_events,
    Source.FOLLOWS: _follow_events,
    Source.USERS: _user_events,
    Source.ENGAGEMENTS: _engagement_events,
}
