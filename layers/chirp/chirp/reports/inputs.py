"""What a client sends to report a tweet or a user."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from chirp.ids import is_id_text
from chirp.users.inputs import StrictInput, Text


def target_id_text(value: str) -> str:
    if not is_id_text(value):
        raise ValueError("must be a tweet or user id (a positive 64-bit integer as a string)")
    return value


IdText = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(target_id_text)]
# chirp.reports.models.REASONS, as the body's schema lists them.
Reason = Literal["spam", "abuse", "harassment", "hate", "violence", "self_harm", "impersonation", "other"]


class ReportTarget(StrictInput):
    type: Literal["tweet", "user"]
    id: IdText = Field(description="the tweet's or the user's id (a string of digits)")


class ReportDraft(StrictInput):
    target: ReportTarget
    reason: Reason
    comment: Annotated[Text, StringConstraints(max_length=1000)] = Field(
        default="", description="up to 1,000 characters"
    )


class Resolution(StrictInput):
    action: Literal["dismiss", "remove_tweet", "suspend_user"] = Field(
        description="dismiss it; remove the reported tweet (as its author would delete it); suspend the reported"
        " user (a tweet's author)"
    )
