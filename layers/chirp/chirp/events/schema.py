"""The domain events: what happened, typed and versioned, as every consumer reads it.

On the bus each event is one JSON message, an envelope after CloudEvents' core attributes:

    {"type": "TweetPosted", "version": 1, "id": "<unique per change>", "time_ms": 1767225600000,
     "data": {"tweet_id": 123, "author_id": 45, ...}}

and two message attributes, `type` and `version`, that subscriptions filter on. `id` is the stream
record's eventID (a record delivered twice yields the same id): consumers use it, or the event's own
keys, to stay idempotent. A change to an event's fields is a new `version` of its type, decoded by its
own model, so a consumer never misreads an old or a new message.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class UnknownEvent(ValueError):
    """A message that is not a domain event this code knows (its type, its version or its fields)."""


class DomainEvent(BaseModel):
    """Base of every event: `id` and `time_ms` belong to the envelope, the other fields to `data`."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    TYPE: ClassVar[str]
    VERSION: ClassVar[int] = 1

    id: str = Field(min_length=1, exclude=True)
    time_ms: int = Field(ge=0, exclude=True)


class TweetPosted(DomainEvent):
    """A tweet, reply or quote (not a retweet: TweetRetweeted). Fields added later are optional, so a
    message of an earlier shape still decodes; a change a consumer could misread is a new version."""

    TYPE = "TweetPosted"

    tweet_id: int
    author_id: int
    text: str
    # Twitter API v2's entities: hashtags, mentions (with the user's id when one exists), urls, cashtags,
    # each with start/end code points.
    entities: dict[str, list[dict[str, Any]]]
    conversation_id: int | None = None
    in_reply_to_tweet_id: int | None = None
    in_reply_to_user_id: int | None = None
    quoted_tweet_id: int | None = None
    quoted_author_id: int | None = None
    # The media it carries, in order (attached to it in the posting's own write).
    media_ids: list[int] = []


class TweetDeleted(DomainEvent):
    """`media_ids`: the media the tweet carried, still attached to it: theirs to erase."""

    TYPE = "TweetDeleted"

    tweet_id: int
    author_id: int
    media_ids: list[int] = []


class TweetRepliedTo(DomainEvent):
    """`user_id` replied to `tweet_id` (by `author_id`) with `reply_id`."""

    TYPE = "TweetRepliedTo"

    user_id: int
    reply_id: int
    tweet_id: int
    author_id: int


class TweetQuoted(DomainEvent):
    """`user_id` quoted `tweet_id` (by `author_id`) in `quote_id`."""

    TYPE = "TweetQuoted"

    user_id: int
    quote_id: int
    tweet_id: int
    author_id: int


class UserMentioned(DomainEvent):
    """`author_id` mentioned `user_id` in `tweet_id` (one event per mentioned user)."""

    TYPE = "UserMentioned"

    user_id: int
    tweet_id: int
    author_id: int


class TweetRetweeted(DomainEvent):
    """`user_id` retweeted `tweet_id` (by `author_id`); `retweet_id` is the retweet's own id."""

    TYPE = "TweetRetweeted"

    user_id: int
    retweet_id: int
    tweet_id: int
    author_id: int


class TweetUnretweeted(DomainEvent):
    TYPE = "TweetUnretweeted"

    user_id: int
    retweet_id: int
    tweet_id: int
    author_id: int


class TweetLiked(DomainEvent):
    """`user_id` liked `tweet_id` (by `author_id`)."""

    TYPE = "TweetLiked"

    user_id: int
    tweet_id: int
    author_id: int


class TweetUnliked(DomainEvent):
    TYPE = "TweetUnliked"

    user_id: int
    tweet_id: int
    author_id: int


class UserFollowed(DomainEvent):
    TYPE = "UserFollowed"

    follower_id: int
    followee_id: int


class UserUnfollowed(DomainEvent):
    TYPE = "UserUnfollowed"

    follower_id: int
    followee_id: int


class UserRegistered(DomainEvent):
    TYPE = "UserRegistered"

    user_id: int
    username: str
    name: str


class ProfileChanged(DomainEvent):
    """The profile as it is now, and which of its fields this change touched (`avatar` and `banner` for its
    images). `media_ids`: the media this change attached as the avatar or banner; `released_media_ids`: those it
    replaced or removed (still attached to the profile's avatar or banner: theirs to erase)."""

    TYPE = "ProfileChanged"

    user_id: int
    username: str
    name: str
    description: str
    location: str
    url: str
    changed: list[str]
    media_ids: list[int] = []
    released_media_ids: list[int] = []


class UserDeleted(DomainEvent):
    TYPE = "UserDeleted"

    user_id: int
    username: str


EVENT_TYPES: dict[tuple[str, int], type[DomainEvent]] = {
    (model.TYPE, model.VERSION): model
    for model in (
        TweetPosted,
        TweetDeleted,
        TweetRepliedTo,
        TweetQuoted,
        UserMentioned,
        TweetRetweeted,
        TweetUnretweeted,
        TweetLiked,
        TweetUnliked,
        UserFollowed,
        UserUnfollowed,
        UserRegistered,
        ProfileChanged,
        UserDeleted,
    )
}


def encode(event: DomainEvent) -> str:
    """The event as the bus carries it (see the module's docstring)."""
    envelope = {
        "type": event.TYPE,
        "version": event.VERSION,
        "id": event.id,
        "time_ms": event.time_ms,
        "data": event.model_dump(mode="json"),
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def attributes(event: DomainEvent) -> dict[str, str]:
    """What subscriptions filter on, beside the body: its type and version, and `media` when it carries media
    (the media cleanup consumer subscribes to those only, not to every tweet)."""
    found = {"type": event.TYPE, "version": str(event.VERSION)}
    if getattr(event, "media_ids", None) or getattr(event, "released_media_ids", None):
        found["media"] = "true"
    return found


def decode(body: str) -> DomainEvent:
    """The event a bus message carries; UnknownEvent says why when it is not one this code knows."""
    try:
        envelope = json.loads(body)
    except ValueError:
        raise UnknownEvent("the message is not JSON") from None
    if not isinstance(envelope, dict) or not isinstance(envelope.get("data"), dict):
        raise UnknownEvent("the message is not an event envelope (type, version, id, time_ms, data)")
    model = EVENT_TYPES.get((str(envelope.get("type")), _version(envelope.get("version"))))
    if model is None:
        raise UnknownEvent(f"no event {envelope.get('type')!r} version {envelope.get('version')!r} is known")
    try:
        return model.model_validate({**envelope["data"], "id": envelope.get("id"), "time_ms": envelope.get("time_ms")})
    except ValidationError as error:
        raise UnknownEvent(f"a {model.TYPE} event with wrong fields: {error.errors()[0]['msg']}") from None


def _version(raw: object) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else -1
