"""What clients send to compose a tweet: its text, and what it replies to or quotes (Twitter API v2's
`reply.in_reply_to_tweet_id` and `quote_tweet_id`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chirp.users.inputs import StrictInput

TweetIdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$")]


class ReplyDraft(StrictInput):
    in_reply_to_tweet_id: TweetIdText = Field(description="the tweet this one replies to")


class TweetDraft(StrictInput):
    # A generous bound on raw size; the real rule (280 weighted) is checked by chirp.tweets.text.
    text: Annotated[str, StringConstraints(max_length=4000)]
    quote_tweet_id: TweetIdText | None = Field(default=None, description="the tweet this one quotes")
    reply: ReplyDraft | None = None
