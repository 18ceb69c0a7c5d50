"""What media needs from storage."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from chirp.media.models import Attachment, Media, ProcessingResult


class MediaRepository(Protocol):
    def create(self, media: Media, expires_at_s: int) -> None:
        """Store a new media item (state processing), to expire at `expires_at_s` unless attached; chirp.ids.IdTaken
        if its id is another item's (nothing written)."""

    def get(self, media_id: int) -> Media | None:
        """The item, strongly consistent; None if it does not exist (or expired)."""

    def get_many(self, media_ids: Sequence[int]) -> dict[int, Media]:
        """Those of `media_ids` that exist, strongly consistent (one BatchGetItem)."""

    def record_processing(self, media_id: int, result: ProcessingResult) -> bool:
        """Record what processing decided, unless the item is gone, already records this upload (`result.etag`)
        or is no longer processing. False when nothing was written (a redelivered event, or a deleted item)."""

    def set_alt_text(self, media_id: int, owner_id: int, alt_text: str) -> Media | None:
        """Set the alt text of the owner's media that is not attached yet; None if there is no such media of
        the owner's. Raises MediaAlreadyAttached when it is attached."""

    def delete(self, media_id: int) -> None:
        """Forget the item (idempotent)."""


class MediaAlreadyAttached(Exception):
    """The media belongs to a tweet or a profile already: it is fixed as it was posted."""

    def __init__(self, attachment: Attachment) -> None:
        super().__init__(str(attachment))
        self.attachment = attachment
