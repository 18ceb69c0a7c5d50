"""What exports need from storage: the exports table (one item per user) and the archive bucket."""

from __future__ import annotations

from typing import Protocol

from chirp.exports.models import Export


class ExportRepository(Protocol):
    def request(self, export: Export, replaceable_before_ms: int, failed_before_ms: int) -> bool:
        """Store a new pending export as the user's, in one conditional write (the worker is started by it: the
        table's stream). It replaces the user's previous export only if that one was requested before
        `replaceable_before_ms`, or is still pending and was requested before `failed_before_ms`; False (nothing
        written) otherwise."""

    def get(self, user_id: int) -> Export | None:
        """The user's export (a consistent read), if any."""

    def mark_ready(self, user_id: int, export_id: int, size_bytes: int, completed_at_ms: int) -> bool:
        """Mark that export ready, only if it is still the user's and still pending; False otherwise."""

    def delete(self, user_id: int) -> None:
        """Forget the user's export (none: nothing to do)."""


class ArchiveStorage(Protocol):
    def put_archive(self, key: str, path: str) -> int:
        """Store the ZIP file at `path` under `key` (replacing what is there); its size in bytes."""

    def download_url(self, key: str, expires_in_s: int) -> str:
        """A presigned GET of the archive, valid `expires_in_s` seconds."""

    def delete_prefix(self, prefix: str) -> int:
        """Delete every object under `prefix`; how many were deleted."""
