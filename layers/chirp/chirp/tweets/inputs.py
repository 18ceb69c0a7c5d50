"""What clients send to compose a tweet: its text, and what it replies to or quotes (Twitter API v2's
`reply.in_reply_to_tweet_id` and `quote_tweet_id`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from chirp.ids import is_id_text
from chirp.users.inputs import StrictInput


def tweet_id_text(value: str) -> str:
    """Digits the pattern admits but no id has (0, or past 2**63 - 1) are refused as the field's own error."""
    if not is_id_text(value):
        raise ValueError("must be a tweet id (a positive 64-bit integer as a string)")
    return value


TweetIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(tweet_id_text)]


class ReplyDraft(StrictInput):
    in_reply_to_tweet_id: TweetIdText = Field(description="the tweet this one replies to")


class TweetDraft(StrictInput):
    # A generous bound on raw size; the real rule (280 weighted) is checked by chirp.tweets.text.
    text: Annotated[str, StringConstraints(max_length=4000)]
    quote_tweet_id: TweetIdText | None = Field(default=None, description="the tweet this one quotes")
    reply: ReplyDraft | None = None
