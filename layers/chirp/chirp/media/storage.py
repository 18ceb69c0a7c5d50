"""What processing an upload needs from object storage: read the upload, write variants, copy a video.

Every read names the upload's ETag (the one its S3 notification carries), so what is processed is exactly the
upload the notification is about: if the key has since been overwritten by a second POST (a presigned POST
stays valid for minutes), the read fails with `UploadReplaced` and the newer upload's own notification brings
it. Variants are written immutable (a year's Cache-Control) and tagged unattached until a tweet or a profile
takes them; how that is spelled in storage is the adapter's business (`chirp.adapters.s3_media`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol


class UploadReplaced(Exception):
    """The upload's key now holds another object than the ETag named (a second upload): this one is moot."""


class UploadStream(Protocol):
    """An upload opened for reading: its size is known before any byte is read."""

    @property
    def size(self) -> int:
        """The object's real size in bytes."""

    def chunks(self) -> Iterator[bytes]:
        """Its bytes, in pieces of at most a few MB (a video never sits whole in memory)."""


class MediaStorage(Protocol):
    def open_upload(self, key: str, etag: str) -> AbstractContextManager[UploadStream]:
        """The upload at `key`, if it still is the one with `etag`; raises UploadReplaced otherwise."""

    def put_variant(self, key: str, data: bytes, content_type: str) -> None:
        """Write one variant (immutable, unattached)."""

    def copy_upload(self, key: str, etag: str, target_key: str, content_type: str) -> None:
        """Serve the upload as it is under `target_key` (a video), with a variant's headers and tag; raises
        UploadReplaced when the upload is no longer the one with `etag`."""

    def delete_variants(self, keys: Sequence[str]) -> None:
        """Remove variants (idempotent: a key already gone is no error)."""
