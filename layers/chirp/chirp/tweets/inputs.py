"""What clients send to compose a tweet: its text, what it replies to or quotes, and the media it carries
(Twitter API v2's `reply.in_reply_to_tweet_id`, `quote_tweet_id` and `media.media_ids`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chirp.ids import is_id_text
from chirp.users.inputs import MediaIdText, StrictInput


def tweet_id_text(value: str) -> str:
    """Digits the pattern admits but no id has (0, or past 2**63 - 1) are refused as the field's own error."""
    if not is_id_text(value):
        raise ValueError("must be a tweet id (a positive 64-bit integer as a string)")
    return value


TweetIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(tweet_id_text)]


def distinct(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("must not name a media id twice")
    return values


# Twitter's most: 4 images (or 1 GIF, or 1 video: chirp.tweets.media_rules, once the media are read).
MAX_TWEET_MEDIA = 4


class ReplyDraft(StrictInput):
    in_reply_to_tweet_id: TweetIdText = Field(description="the tweet this one replies to")


class MediaDraft(StrictInput):
    media_ids: Annotated[
        list[MediaIdText], Field(min_length=1, max_length=MAX_TWEET_MEDIA), AfterValidator(distinct)
    ] = Field(description="1-4 of the caller's own media, ready (POST /api/media): up to 4 images, 1 GIF or 1 video")


class TweetDraft(StrictInput):
    # A generous bound on raw size; the real rule (280 weighted) is checked by chirp.tweets.text. It may be
    # empty (or only whitespace) when the tweet carries media.
    text: Annotated[str, StringConstraints(max_length=4000)] = Field(
        description="up to 280 weighted characters; may be empty when `media` is given"
    )
    quote_tweet_id: TweetIdText | None = Field(default=None, description="the tweet this one quotes")
    reply: ReplyDraft | None = None
    media: MediaDraft | None = None
