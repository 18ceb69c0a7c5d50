"""What clients send to mute a word (strict: wrong types and unknown fields are refused)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from chirp.relations.models import MUTED_WORD_MAX_CHARS


class MutedWordDraft(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    word: Annotated[
        str,
        Field(
            min_length=1,
            max_length=MUTED_WORD_MAX_CHARS,
            description="a word, a phrase or a #hashtag; matched whole and case-insensitively",
        ),
    ]
