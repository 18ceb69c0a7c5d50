"""An export as the domain sees it: a user's request for an archive of their data, and what became of it.

A user has one export at a time (the newest request replaces the one before): it is `pending` until the export
worker has built its archive, then `ready`, or `failed` when it was not built within `BUILD_DEADLINE_S` (its
stream record's retries spent: it waits in the worker's failure queue). Its item and its archive live
`ARCHIVE_LIFETIME_S` from the request (the item by DynamoDB's TTL, the object by the bucket's lifecycle rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

# One export a day per user, as Mastodon allows (its "request your archive" every 7 days, shortened here).
EXPORT_INTERVAL_S = 24 * 60 * 60
# The archive is kept a week: the bucket's lifecycle rule expires `exports/` objects after 7 days.
ARCHIVE_LIFETIME_S = 7 * 24 * 60 * 60
# A download link (a presigned S3 GET) is valid this long.
DOWNLOAD_LINK_S = 15 * 60
# A request still pending after this long was not built (the worker's retries are spent well before): it reads
# as failed, and a new request may replace it without waiting out the day.
BUILD_DEADLINE_S = 60 * 60

ARCHIVE_PREFIX = "exports/"


class ExportState(StrEnum):
    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


@dataclass(frozen=True)
class Export:
    """`export_id` names this request (a new request of the same user gets a new one: the worker builds only
    the request that is still current). `size_bytes` and `completed_at_ms` are set once it is ready."""

    user_id: int
    export_id: int
    state: ExportState
    requested_at_ms: int
    completed_at_ms: int | None = None
    size_bytes: int | None = None

    @property
    def archive_key(self) -> str:
        return archive_key(self.user_id, self.export_id)

    @property
    def expires_at_ms(self) -> int:
        return self.requested_at_ms + ARCHIVE_LIFETIME_S * 1000

    @property
    def next_allowed_at_ms(self) -> int:
        """When the user may ask for another export."""
        return self.requested_at_ms + EXPORT_INTERVAL_S * 1000

    def state_at(self, now_ms: int) -> ExportState:
        """The state a reader sees: a request pending past the build deadline has failed."""
        if self.state is ExportState.PENDING and now_ms - self.requested_at_ms > BUILD_DEADLINE_S * 1000:
            return ExportState.FAILED
        return self.state


def archive_key(user_id: int, export_id: int) -> str:
    return f"{ARCHIVE_PREFIX}{user_id}/{export_id}.zip"


def archive_prefix(user_id: int) -> str:
    return f"{ARCHIVE_PREFIX}{user_id}/"
