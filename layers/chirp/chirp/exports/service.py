"""Data export: a user asks for an archive of their data, the export worker builds it, the user downloads it.

- `request_export` (the API): one conditional write stores the request as the user's export, `pending`; the
  exports table's stream starts the worker (the outbox pattern: there is no second send to lose). One a day: a
  request within 24 hours of the last one is refused (`RateLimited`, with when to ask again), unless the last one
  failed (still pending past the build deadline).
- `build_export` (the worker): builds the archive of the request it was given, only while that request is the
  user's current one and still pending, so a record delivered again after the archive was built builds nothing,
  and an old request's record never builds over (or marks) a newer one.
- `export_status` (the API): the export's state and, once ready, a download link valid 15 minutes.
- `erase_exports` (account erasure): the user's export item and every archive object, idempotently.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from chirp.errors import Conflict, NotFound, RateLimited
from chirp.exports.archive import ArchiveSources, write_archive
from chirp.exports.models import (
    BUILD_DEADLINE_S,
    DOWNLOAD_LINK_S,
    EXPORT_INTERVAL_S,
    Export,
    ExportState,
    archive_prefix,
)
from chirp.exports.repository import ArchiveStorage, ExportRepository
from chirp.ids import iso_timestamp, new_id


def request_export(exports: ExportRepository, user_id: int, now_ms: int) -> Export:
    """Ask for an archive of the user's data: the new pending export (RateLimited, with its Retry-After: one a day)."""
    export = Export(user_id=user_id, export_id=new_id(), state=ExportState.PENDING, requested_at_ms=now_ms)
    if exports.request(export, now_ms - EXPORT_INTERVAL_S * 1000, now_ms - BUILD_DEADLINE_S * 1000):
        return export
    current = exports.get(user_id)
    if current is None:  # erased between the write and the read
        raise Conflict("your export changed meanwhile; ask again")
    retry_after_s = max(1, math.ceil((current.next_allowed_at_ms - now_ms) / 1000))
    raise RateLimited(
        f"one export a day: you asked for one at {iso_timestamp(current.requested_at_ms)};"
        f" ask again after {iso_timestamp(current.next_allowed_at_ms)}",
        retry_after_s,
    )


@dataclass(frozen=True)
class ExportStatus:
    export: Export
    # The state a reader sees (`Export.state_at`).
    state: ExportState
    # A presigned GET of the archive, once ready.
    download_url: str | None


def export_status(exports: ExportRepository, storage: ArchiveStorage, user_id: int, now_ms: int) -> ExportStatus:
    """The user's export (NotFound: never asked for, or expired with its archive)."""
    export = exports.get(user_id)
    if export is None or export.expires_at_ms <= now_ms:  # TTL deletes within days, not at once
        raise NotFound("you have no export: ask for one with POST /api/users/me/export")
    state = export.state_at(now_ms)
    url = storage.download_url(export.archive_key, DOWNLOAD_LINK_S) if state is ExportState.READY else None
    return ExportStatus(export, state, url)


@dataclass(frozen=True)
class Built:
    """What `build_export` did: `built`, whether an archive was written and its export marked ready."""

    built: bool
    size_bytes: int = 0
    reason: str = ""


def build_export(
    exports: ExportRepository,
    storage: ArchiveStorage,
    sources: ArchiveSources,
    request: Export,
    *,
    media_base_url: str,
    now_ms: Callable[[], int],
) -> Built:
    """Build the archive of `request` (from the stream) if it is still the user's pending export.

    The archive's key is fixed by the request (`exports/<user>/<export>.zip`), so two deliveries of the same record
    racing write the same object, and the one that marks it ready first wins; the loser's mark is refused. An archive
    whose mark is refused (a newer request, or the export erased meanwhile) is deleted again."""
    current = exports.get(request.user_id)
    if current is None or current.export_id != request.export_id:
        return Built(False, reason="superseded")
    if current.state is not ExportState.PENDING:
        return Built(False, reason="already built")
    user = sources.users.get(request.user_id)
    if user is None or user.deleted:
        return Built(False, reason="account gone")
    with tempfile.TemporaryDirectory(prefix="export-") as folder:
        path = os.path.join(folder, "archive.zip")
        write_archive(sources, user, media_base_url, path, now_ms())
        size = storage.put_archive(current.archive_key, path)
    if not exports.mark_ready(request.user_id, request.export_id, size, now_ms()):
        storage.delete_prefix(current.archive_key)
        return Built(False, reason="superseded")
    return Built(True, size_bytes=size)


def erase_exports(exports_repo: ExportRepository, archive_storage: ArchiveStorage, user_id: int) -> None:
    """Delete the user's export and every archive of theirs (idempotent). The item goes first: a build in flight
    then finds its mark refused and deletes the archive it wrote."""
    exports_repo.delete(user_id)
    archive_storage.delete_prefix(archive_prefix(user_id))
