"""What happens to media after it is processed: taken by a tweet or a profile, or let go.

Variants are written tagged `chirp-media=unattached`, which the bucket's lifecycle rule expires a day later:
an upload nobody posts leaves nothing behind. When a tweet or a profile takes a media item (the API marks the
item attached in the same transaction as the tweet or the profile), its variants are re-tagged `attached`
here, from the bus's event, so the rule no longer applies to them. When the tweet is deleted, or a profile
replaces its avatar or banner, the variants, the upload (if still there) and the item are deleted.

Both are idempotent: a redelivered event re-tags or deletes what is already so; an object already gone
counts as done. A media item whose attachment is not the one the event names (a deleted tweet's media, say,
met by a late TweetPosted) is left alone.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from typing import Protocol

from chirp.media.models import Attachment, Media
from chirp.media.repository import MediaRepository

ATTACHED_TAG = "attached"
UNATTACHED_TAG = "unattached"
TAG_KEY = "chirp-media"


class MediaObjects(Protocol):
    """The media bucket, as the lifecycle needs it."""

    def tag(self, keys: Sequence[str], value: str) -> None:
        """Set the `chirp-media` tag of each key that exists to `value` (keys that do not exist are skipped)."""

    def delete(self, keys: Sequence[str]) -> None:
        """Delete the keys (idempotent: missing ones count as deleted)."""


def keep(media: MediaRepository, objects: MediaObjects, media_ids: Iterable[int], attachment: Attachment) -> int:
    """Re-tag the variants of the media `attachment` took, so the unattached-expiry rule spares them.
    How many media items were kept."""
    kept = 0
    for item in _existing(media, media_ids):
        if item.attached_to != attachment:
            continue
        objects.tag([variant.key for variant in item.variants], ATTACHED_TAG)
        kept += 1
    return kept


def erase(
    media: MediaRepository, objects: MediaObjects, media_ids: Iterable[int], attached_to: Collection[Attachment]
) -> int:
    """Delete the media items attached to one of `attached_to` and every object of theirs (variants first,
    then the upload, then the item: a crash in between leaves the item, so a retry finds what is left to
    delete). How many items were erased."""
    erased = 0
    for item in _existing(media, media_ids):
        if item.attached_to not in attached_to:
            continue
        objects.delete([*(variant.key for variant in item.variants), item.upload_key])
        media.delete(item.id)
        erased += 1
    return erased


def _existing(media: MediaRepository, media_ids: Iterable[int]) -> list[Media]:
    wanted = list(dict.fromkeys(media_ids))
    if not wanted:
        return []
    found = media.get_many(wanted)
    return [found[media_id] for media_id in wanted if media_id in found]
