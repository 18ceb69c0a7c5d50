"""A report as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TargetType(StrEnum):
    TWEET = "tweet"
    USER = "user"


class ReportState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Action(StrEnum):
    """What a moderator does with a report."""

    DISMISS = "dismiss"
    REMOVE_TWEET = "remove_tweet"
    SUSPEND_USER = "suspend_user"


# Why a report is filed: Mastodon's categories, split the way Twitter's report flow asks.
REASONS = ("spam", "abuse", "harassment", "hate", "violence", "self_harm", "impersonation", "other")


@dataclass(frozen=True)
class Report:
    """`target_author_id`: the reported user, or the reported tweet's author (kept: the tweet may be deleted
    before a moderator reads the report, and suspending its author must still be possible)."""

    id: int
    reporter_id: int
    target_type: TargetType
    target_id: int
    target_author_id: int
    reason: str
    comment: str
    state: ReportState = ReportState.OPEN
    action: Action | None = None
    resolved_by: int | None = None
    resolved_at_ms: int | None = None
