"""Media items as the media function leaves them, written directly: for tests about what takes media (a tweet, a
profile, an export), not about processing it (test_media_pipeline.py is)."""

from __future__ import annotations

import os
import time

from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
from chirp.ids import id_timestamp_ms, new_id
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState, StoredVariant


def ready_image(owner_id: int) -> Media:
    """A ready image of the owner's, with one variant (its object is not written)."""
    bind_media_table(os.environ["MEDIA_TABLE"])
    media_id = new_id()
    variant = StoredVariant("small", f"media/{media_id}/small.webp", "image/webp", 680, 510)
    media = Media(
        id=media_id,
        owner_id=owner_id,
        kind=MediaKind.IMAGE,
        content_type="image/png",
        size=10,
        created_at_ms=id_timestamp_ms(media_id),
        state=MediaState.READY,
        width=680,
        height=510,
        variants=(variant,),
    )
    DynamoMediaRepository().create(media, int(time.time()) + 86_400)
    return media
