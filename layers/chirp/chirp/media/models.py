"""Media as the domain sees it: an upload and what became of it.

A media item is created when a client asks to upload (`processing`: waiting for its bytes, then being
processed), and ends `ready` (its variants written) or `failed` (with a reason a person can read). It is
attached once, to a tweet or as a profile's avatar or banner; until then it expires a day after its
creation (the item by DynamoDB's TTL, its objects by the bucket's lifecycle rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chirp.media.kinds import MediaKind

# A day to attach an upload, as Twitter gives (media_id "expires_after_secs": 86,400).
UNATTACHED_LIFETIME_S = 24 * 60 * 60
MAX_ALT_TEXT = 1000  # Twitter's limit for alt text, in characters

UPLOADS_PREFIX = "uploads/"
VARIANTS_PREFIX = "media/"


class MediaState(StrEnum):
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class Purpose(StrEnum):
    """What a media item was attached to."""

    TWEET = "tweet"
    AVATAR = "avatar"
    BANNER = "banner"


@dataclass(frozen=True)
class Attachment:
    purpose: Purpose
    owner: int  # the tweet's id, or the user's for an avatar or a banner

    def __str__(self) -> str:
        return f"{self.purpose.value}:{self.owner}"

    @classmethod
    def parse(cls, text: str) -> Attachment:
        purpose, _, owner = text.partition(":")
        return cls(Purpose(purpose), int(owner))


@dataclass(frozen=True)
class StoredVariant:
    """One object the media is served as: `key` in the media bucket, under VARIANTS_PREFIX."""

    name: str
    key: str
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class Media:
    id: int
    owner_id: int
    kind: MediaKind
    content_type: str  # as declared when the upload was asked for
    size: int  # bytes, as declared (the presigned POST holds the upload to it)
    created_at_ms: int
    state: MediaState = MediaState.PROCESSING
    reason: str | None = None  # why it failed, for a person
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    variants: tuple[StoredVariant, ...] = ()
    alt_text: str = ""
    attached_to: Attachment | None = None
    # The ETag of the upload whose processing is recorded: a redelivered S3 event for it changes nothing.
    processed_etag: str | None = None

    @property
    def media_key(self) -> str:
        """Twitter v2's media_key: `3_` for photos, `16_` for GIFs, `7_` for videos, then the id."""
        return f"{_KEY_PREFIXES[self.kind]}_{self.id}"

    @property
    def upload_key(self) -> str:
        return upload_key(self.owner_id, self.id)

    def variant(self, name: str) -> StoredVariant | None:
        return next((variant for variant in self.variants if variant.name == name), None)


_KEY_PREFIXES = {MediaKind.IMAGE: "3", MediaKind.GIF: "16", MediaKind.VIDEO: "7"}


def upload_key(owner_id: int, media_id: int) -> str:
    """Where the client's upload lands: under the owner's prefix, so a presigned POST names only its own."""
    return f"{UPLOADS_PREFIX}{owner_id}/{media_id}"


def parse_upload_key(key: str) -> tuple[int, int] | None:
    """(owner id, media id) of an upload key; None for any other key."""
    if not key.startswith(UPLOADS_PREFIX):
        return None
    owner, _, media = key[len(UPLOADS_PREFIX) :].partition("/")
    if not (owner.isascii() and owner.isdigit() and media.isascii() and media.isdigit()):
        return None
    return int(owner), int(media)


def variant_key(media_id: int, name: str, extension: str) -> str:
    """An immutable key: a variant is written once, under its media's id."""
    return f"{VARIANTS_PREFIX}{media_id}/{name}.{extension}"


@dataclass(frozen=True)
class ProcessingResult:
    """What processing an upload decided, to record on the item."""

    etag: str
    state: MediaState
    reason: str | None = None
    width: int | None = None
    height: int | None = None
    duration_ms: int | None = None
    variants: tuple[StoredVariant, ...] = field(default_factory=tuple)
