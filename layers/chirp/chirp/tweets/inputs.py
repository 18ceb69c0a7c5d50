"""What clients send to compose a tweet."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from chirp.users.inputs import StrictInput


class TweetDraft(StrictInput):
    # A generous bound on raw size; the real rule (280 weighted) is checked by chirp.tweets.text.
    text: Annotated[str, StringConstraints(max_length=4000)]
