"""MediaRepository on the media table.

The table is this module's own: its model is bound here (`bind_media_table`) by the composition roots of
the functions given MEDIA_TABLE (the API, the media processor, the media cleanup consumer). One item per
media id; `expires_at` is the table's TTL attribute, removed when the media is attached, so an upload never
attached is forgotten a day after it was asked for (its objects by the bucket's lifecycle rules)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chirp.ids import IdTaken
from chirp.media.kinds import MediaKind
from chirp.media.models import Attachment, Media, MediaState, ProcessingResult, StoredVariant
from chirp.media.repository import MediaAlreadyAttached

CONDITION_FAILED = "ConditionalCheckFailedException"
BATCH_GET_LIMIT = 100


class MediaItem(Model):
    class Meta:
        table_name = ""
        # Reads run side by side (chirp.concurrency): one pooled connection per thread.
        max_pool_connections = 32

    media_id = NumberAttribute(hash_key=True)
    owner_id = NumberAttribute()
    kind = UnicodeAttribute()
    content_type = UnicodeAttribute()
    size = NumberAttribute()
    created_at_ms = NumberAttribute()
    state = UnicodeAttribute()
    reason = UnicodeAttribute(null=True)
    width = NumberAttribute(null=True)
    height = NumberAttribute(null=True)
    duration_ms = NumberAttribute(null=True)
    # [[name, key, content type, width, height], ...]: one attribute, read in one piece.
    variants = JSONAttribute(null=True)
    alt_text = UnicodeAttribute(null=True)
    attached_to = UnicodeAttribute(null=True)
    processed_etag = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # the table's TTL attribute (epoch seconds)


def bind_media_table(table_name: str) -> None:
    """Point the model at its table (idempotent; resets its cached connection on change)."""
    if MediaItem.Meta.table_name != table_name:
        MediaItem.Meta.table_name = table_name
        MediaItem._connection = None


class DynamoMediaRepository:
    def create(self, media: Media, expires_at_s: int) -> None:
        item = media_item(media)
        item.expires_at = expires_at_s
        try:
            item.save(condition=MediaItem.media_id.does_not_exist())
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise IdTaken(f"media id {media.id} is taken; ask again") from error
            raise

    def get(self, media_id: int) -> Media | None:
        try:
            item = MediaItem.get(media_id, consistent_read=True)
        except MediaItem.DoesNotExist:
            return None
        return to_media(item) if not _expired(item) else None

    def get_many(self, media_ids: Sequence[int]) -> dict[int, Media]:
        wanted = list(dict.fromkeys(media_ids))
        found: dict[int, Media] = {}
        for start in range(0, len(wanted), BATCH_GET_LIMIT):
            for item in MediaItem.batch_get(wanted[start : start + BATCH_GET_LIMIT], consistent_read=True):
                if not _expired(item):
                    found[int(item.media_id)] = to_media(item)
        return found

    def record_processing(self, media_id: int, result: ProcessingResult) -> bool:
        actions: list[Any] = [
            MediaItem.state.set(result.state.value),
            MediaItem.processed_etag.set(result.etag),
            MediaItem.variants.set([_encode(variant) for variant in result.variants]),
        ]
        reason = MediaItem.reason
        actions.append(reason.set(result.reason) if result.reason is not None else reason.remove())
        for number, value in (
            (MediaItem.width, result.width),
            (MediaItem.height, result.height),
            (MediaItem.duration_ms, result.duration_ms),
        ):
            actions.append(number.set(value) if value is not None else number.remove())
        condition = (
            MediaItem.media_id.exists()
            & (MediaItem.state == MediaState.PROCESSING.value)
            & (MediaItem.processed_etag.does_not_exist() | (MediaItem.processed_etag != result.etag))
        )
        try:
            MediaItem(media_id=media_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def set_alt_text(self, media_id: int, owner_id: int, alt_text: str) -> Media | None:
        condition = (MediaItem.owner_id == owner_id) & MediaItem.attached_to.does_not_exist()
        item = MediaItem(media_id=media_id)
        try:
            item.update(actions=[MediaItem.alt_text.set(alt_text)], condition=condition)
        except UpdateError as error:
            if error.cause_response_code != CONDITION_FAILED:
                raise
            current = self.get(media_id)
            if current is None or current.owner_id != owner_id:
                return None
            if current.attached_to is not None:
                raise MediaAlreadyAttached(current.attached_to) from error
            raise
        return to_media(item)

    def delete(self, media_id: int) -> None:
        MediaItem(media_id=media_id).delete()


def media_item(media: Media) -> MediaItem:
    return MediaItem(
        media_id=media.id,
        owner_id=media.owner_id,
        kind=media.kind.value,
        content_type=media.content_type,
        size=media.size,
        created_at_ms=media.created_at_ms,
        state=media.state.value,
        reason=media.reason,
        width=media.width,
        height=media.height,
        duration_ms=media.duration_ms,
        variants=[_encode(variant) for variant in media.variants] or None,
        alt_text=media.alt_text or None,
        attached_to=str(media.attached_to) if media.attached_to is not None else None,
        processed_etag=media.processed_etag,
    )


def to_media(item: MediaItem) -> Media:
    return Media(
        id=int(item.media_id),
        owner_id=int(item.owner_id),
        kind=MediaKind(item.kind),
        content_type=item.content_type,
        size=int(item.size),
        created_at_ms=int(item.created_at_ms),
        state=MediaState(item.state),
        reason=item.reason,
        width=_int(item.width),
        height=_int(item.height),
        duration_ms=_int(item.duration_ms),
        variants=tuple(_decode(raw) for raw in item.variants or ()),
        alt_text=item.alt_text or "",
        attached_to=Attachment.parse(item.attached_to) if item.attached_to else None,
        processed_etag=item.processed_etag,
    )


def _expired(item: MediaItem) -> bool:
    """Past its TTL: DynamoDB deletes such items within a few days, not at once; until then they are hidden."""
    return item.expires_at is not None and item.expires_at <= time.time()


def _int(value: float | None) -> int | None:
    return int(value) if value is not None else None


def _encode(variant: StoredVariant) -> list[Any]:
    return [variant.name, variant.key, variant.content_type, variant.width, variant.height]


def _decode(raw: list[Any]) -> StoredVariant:
    name, key, content_type, width, height = raw
    return StoredVariant(name=name, key=key, content_type=content_type, width=int(width), height=int(height))
