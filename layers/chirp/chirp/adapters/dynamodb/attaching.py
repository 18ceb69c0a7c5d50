"""Attaching a media item, as one step of the transaction that writes what takes it (a tweet, a profile)."""

from __future__ import annotations

import time
from typing import Any

from chirp.adapters.dynamodb.connection import Step
from chirp.adapters.dynamodb.media import MediaItem
from chirp.media.attaching import MediaAttachedElsewhere
from chirp.media.models import Attachment, MediaState


def attaching(media_id: int, owner_id: int, attachment: Attachment, field: str) -> Step:
    """The step that attaches one media item: its owner's, ready, attached to nothing and not expired (DynamoDB's
    TTL deletes an expired item only within days), as the service found it; it keeps the item for good (its TTL
    attribute removed). Refused (MediaAttachedElsewhere, naming `field`): another write took it, or it expired,
    since it was read."""
    condition = (
        (MediaItem.owner_id == owner_id)
        & (MediaItem.state == MediaState.READY.value)
        & MediaItem.attached_to.does_not_exist()
        & (MediaItem.expires_at > int(time.time()))
    )
    actions: list[Any] = [MediaItem.attached_to.set(str(attachment)), MediaItem.expires_at.remove()]
    return Step(
        lambda t: t.update(MediaItem(media_id=media_id), actions=actions, condition=condition),
        lambda: MediaAttachedElsewhere(f"{field}: media {media_id} was attached elsewhere, or expired, meanwhile"),
    )
