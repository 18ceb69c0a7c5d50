"""From an upload's S3 notification to a media item `ready` with its variants, or `failed` with a reason.

The media bucket tells the uploads queue of every object created under `uploads/` (S3's event notification,
the SQS message's body); the media function hands each message here. For each object created:

1. Its key names the owner and the media (`uploads/<owner>/<media>`); any other key is acknowledged and
   logged, never processed.
2. The media item decides whether there is work: none when it is gone (expired, deleted), no longer
   `processing`, or already records this upload's ETag. A redelivered notification (SQS delivers at least
   once) thus reads the item, and nothing else: no object is read or written, nothing is recorded.
3. The upload is read as the ETag the notification names (`MediaStorage`): an image or a GIF (at most 15 MB)
   in memory, a video (up to 512 MB) streamed to a temporary file, never whole in memory. Its real size is
   checked against its kind's limit before a byte is read.
4. `process_image` / `process_video` check it is what it was declared to be and make its variants
   (`chirp.media.processing`); nothing is written before they succeed, so a rejected upload
   (`MediaRejected`) leaves nothing under `media/` and ends `failed`, with the reason its owner reads.
5. Each variant is written to `media/<media>/<name>.<ext>`; a video is served as uploaded, copied to
   `media/<media>/video.<mp4|mov>` by the storage itself (no second transfer through the function).
6. `record_processing` records the outcome, conditioned on the item still `processing` and not recording
   this ETag: of two deliveries of one notification processed side by side, one records, and the other's
   identical writes (processing is deterministic) change nothing. If the item was deleted meanwhile, the
   variants just written are removed.

Anything else (S3 or DynamoDB errors, a timeout) raises: the message is retried alone, then moved to the
queue's dead-letter queue after its third receive. Variants written before such a failure are rewritten,
identical, by the retry; if none succeeds, the bucket's lifecycle rule expires them with the upload, since
they are tagged unattached.
"""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus

from chirp.media.kinds import LIMITS, MB, MediaKind
from chirp.media.models import Media, MediaState, ProcessingResult, StoredVariant, parse_upload_key, variant_key
from chirp.media.processing import MediaRejected, ProcessedMedia, process_image, process_video
from chirp.media.repository import MediaRepository
from chirp.media.storage import MediaStorage, UploadReplaced

S3_TEST_EVENT = "s3:TestEvent"
OBJECT_CREATED = "ObjectCreated:"
# The extension a variant's key gets, by its content type.
EXTENSIONS = {"image/webp": "webp", "video/mp4": "mp4", "video/quicktime": "mov"}
# A video's own variant: the upload, served as it is.
VIDEO_VARIANT = "video"


class Outcome(StrEnum):
    """What became of one object-created notification."""

    READY = "ready"  # processed: variants written, the item ready
    FAILED = "failed"  # refused: the item failed, with its reason
    NOT_AN_UPLOAD = "not_an_upload"  # a key that is no media's upload
    NO_SUCH_MEDIA = "no_such_media"  # the item is gone (expired, or deleted)
    ALREADY_PROCESSED = "already_processed"  # not processing any more, or this upload is recorded: a redelivery
    REPLACED = "replaced"  # the key holds a newer upload, whose own notification brings it


@dataclass(frozen=True)
class UploadNotice:
    """One object S3 says was created: its key (decoded) and the ETag of what was written."""

    key: str
    etag: str


@dataclass(frozen=True)
class UploadReport:
    """What processing one notice did, for the function's log line and metrics."""

    key: str
    outcome: Outcome
    duration_ms: int
    media_id: int | None = None
    kind: MediaKind | None = None
    size: int | None = None  # the upload's real size in bytes, when it was read
    reason: str | None = None  # a refusal's reason, as its owner reads it

    @property
    def rejection_class(self) -> str | None:
        return rejection_class(self.reason) if self.reason is not None else None


def upload_notices(message_body: str) -> list[UploadNotice]:
    """The objects created that an S3 event notification (an SQS message's body) names; none for the test
    event S3 sends when the notification is configured. Anything else is not a notification: ValueError (the
    message is then retried and dead-lettered, never dropped unseen)."""
    event: Any = json.loads(message_body)
    if not isinstance(event, dict):
        raise ValueError("the message is not an S3 event notification")
    if event.get("Event") == S3_TEST_EVENT:
        return []
    records = event.get("Records")
    if not isinstance(records, list):
        raise ValueError("the message is not an S3 event notification (no Records)")
    return [_notice(record) for record in records if str(record.get("eventName", "")).startswith(OBJECT_CREATED)]


def _notice(record: dict[str, Any]) -> UploadNotice:
    stored = record["s3"]["object"]
    # S3 encodes the key as a form value: percent-escapes, and `+` for a space.
    return UploadNotice(key=unquote_plus(str(stored["key"])), etag=str(stored["eTag"]).strip('"'))


class UploadProcessor:
    """Processes uploads: reads the media item, the upload, writes variants and records the outcome."""

    def __init__(
        self,
        media: MediaRepository,
        storage: MediaStorage,
        clock: Callable[[], float] = time.monotonic,
        work_dir: str | None = None,
    ) -> None:
        self._media = media
        self._storage = storage
        self._clock = clock
        self._work_dir = work_dir  # where a video is downloaded to; None: the system's (Lambda's /tmp)

    def process_notification(self, message_body: str) -> list[UploadReport]:
        return [self.process(notice) for notice in upload_notices(message_body)]

    def process(self, notice: UploadNotice) -> UploadReport:
        started = self._clock()
        media, outcome = self._media_to_process(notice)
        measured = _Measured()
        reason = None
        if outcome is None:
            assert media is not None, "there is work only for an existing item"
            outcome, reason = self._process_media(media, notice.etag, measured)
        return UploadReport(
            key=notice.key,
            outcome=outcome,
            duration_ms=round((self._clock() - started) * 1000),
            media_id=media.id if media is not None else None,
            kind=media.kind if media is not None else None,
            size=measured.size,
            reason=reason,
        )

    def _media_to_process(self, notice: UploadNotice) -> tuple[Media | None, Outcome | None]:
        """The media item an upload is for, and None when there is work; else the outcome that leaves it be."""
        ids = parse_upload_key(notice.key)
        if ids is None:
            return None, Outcome.NOT_AN_UPLOAD
        media = self._media.get(ids[1])
        if media is None:
            return None, Outcome.NO_SUCH_MEDIA
        if media.upload_key != notice.key:
            return media, Outcome.NOT_AN_UPLOAD
        if media.state is not MediaState.PROCESSING or media.processed_etag == notice.etag:
            return media, Outcome.ALREADY_PROCESSED
        return media, None

    def _process_media(self, media: Media, etag: str, measured: _Measured) -> tuple[Outcome, str | None]:
        try:
            processed = self._processed(media, etag, measured)
        except UploadReplaced:
            return Outcome.REPLACED, None
        except MediaRejected as rejection:
            failed = ProcessingResult(etag=etag, state=MediaState.FAILED, reason=rejection.reason)
            recorded = self._media.record_processing(media.id, failed)
            return (Outcome.FAILED if recorded else Outcome.ALREADY_PROCESSED), rejection.reason
        return self._record_ready(media, etag, processed), None

    def _record_ready(self, media: Media, etag: str, processed: ProcessedMedia) -> Outcome:
        variants = self._write_variants(media, etag, processed)
        ready = ProcessingResult(
            etag=etag,
            state=MediaState.READY,
            width=processed.width,
            height=processed.height,
            duration_ms=processed.duration_ms,
            variants=variants,
        )
        if self._media.record_processing(media.id, ready):
            return Outcome.READY
        if self._media.get(media.id) is None:
            self._storage.delete_variants([variant.key for variant in variants])
            return Outcome.NO_SUCH_MEDIA
        return Outcome.ALREADY_PROCESSED

    # --- reading and processing ---------------------------------------------------------------------------

    def _processed(self, media: Media, etag: str, measured: _Measured) -> ProcessedMedia:
        if media.kind is MediaKind.VIDEO:
            with tempfile.TemporaryDirectory(prefix="chirp-upload-", dir=self._work_dir) as folder:
                path = Path(folder) / "upload"
                with path.open("wb") as file:
                    for chunk in self._read(media, etag, measured):
                        file.write(chunk)
                return process_video(path, media.content_type)
        return process_image(b"".join(self._read(media, etag, measured)), media.content_type)

    def _read(self, media: Media, etag: str, measured: _Measured) -> Iterator[bytes]:
        with self._storage.open_upload(media.upload_key, etag) as upload:
            measured.size = upload.size
            limit = LIMITS[media.kind].max_bytes
            if upload.size > limit:
                raise MediaRejected(f"The file is {upload.size / MB:.1f} MB; at most {limit // MB} MB is allowed.")
            yield from upload.chunks()

    # --- writing ----------------------------------------------------------------------------------------

    def _write_variants(self, media: Media, etag: str, processed: ProcessedMedia) -> tuple[StoredVariant, ...]:
        stored: list[StoredVariant] = []
        for variant in processed.variants:
            key = variant_key(media.id, variant.name, EXTENSIONS[variant.content_type])
            self._storage.put_variant(key, variant.data, variant.content_type)
            stored.append(StoredVariant(variant.name, key, variant.content_type, variant.width, variant.height))
        if processed.kind is MediaKind.VIDEO:
            key = variant_key(media.id, VIDEO_VARIANT, EXTENSIONS[processed.content_type])
            self._storage.copy_upload(media.upload_key, etag, key, processed.content_type)
            stored.append(StoredVariant(VIDEO_VARIANT, key, processed.content_type, processed.width, processed.height))
        return tuple(stored)


class _Measured:
    """The upload's real size, once it is known (a report gives it even for a refused upload)."""

    size: int | None = None


# The class of a refusal, for metrics: its reason is for its owner, and too varied to count by. First match wins.
_REJECTION_CLASSES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("type", ("uploaded as", "cannot be uploaded as media", "not a media type", "is not a JPEG", "Animated WebP")),
    ("bomb", ("decompression bomb",)),
    ("timeout", ("took too long",)),
    ("corrupt", ("truncated", "corrupt", "cannot be decoded", "cannot be read", "no video track")),
    ("frames", ("frames",)),
    ("size", (" MB;",)),
    ("duration", ("seconds long",)),
    ("dimensions", ("pixels", "aspect ratio")),
)


def rejection_class(reason: str) -> str:
    """`type`, `bomb`, `timeout`, `corrupt`, `frames`, `size`, `duration`, `dimensions`, or `other`."""
    return next(
        (name for name, phrases in _REJECTION_CLASSES if any(phrase in reason for phrase in phrases)),
        "other",
    )
