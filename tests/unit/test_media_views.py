"""chirp.http.views' media bodies: Twitter API v2's media object (`media_json`, shared by the media routes and
the tweets that include media), the owner's view of it (`own_media_json`: id, state, reason) and the answer
to an upload asked for (`upload_json`); each exactly the shape chirp.http.schemas declares."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chirp.http import schemas
from chirp.http.views import media_json, own_media_json, upload_json
from chirp.ids import EPOCH_MS
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState, StoredVariant
from chirp.media.service import Upload
from chirp.media.uploads import PresignedPost
from pydantic import TypeAdapter

BASE = "https://d111111abcdef8.cloudfront.net"
MEDIA_ID = 2**60 + 7


def variant(name: str, extension: str, content_type: str, width: int, height: int) -> StoredVariant:
    return StoredVariant(name, f"media/{MEDIA_ID}/{name}.{extension}", content_type, width, height)


PHOTO = Media(
    id=MEDIA_ID,
    owner_id=5,
    kind=MediaKind.IMAGE,
    content_type="image/jpeg",
    size=3_000_000,
    created_at_ms=EPOCH_MS,
    state=MediaState.READY,
    width=4000,
    height=3000,
    variants=(
        variant("thumb", "webp", "image/webp", 150, 150),
        variant("small", "webp", "image/webp", 680, 510),
        variant("medium", "webp", "image/webp", 1200, 900),
        variant("large", "webp", "image/webp", 2048, 1536),
    ),
    alt_text="A dog on a beach",
)
VIDEO = replace(
    PHOTO,
    kind=MediaKind.VIDEO,
    content_type="video/mp4",
    width=1920,
    height=1080,
    duration_ms=30_000,
    variants=(
        variant("thumb", "webp", "image/webp", 150, 150),
        variant("poster", "webp", "image/webp", 1200, 675),
        variant("video", "mp4", "video/mp4", 1920, 1080),
    ),
)
PROCESSING = Media(
    id=MEDIA_ID, owner_id=5, kind=MediaKind.GIF, content_type="image/gif", size=10, created_at_ms=EPOCH_MS
)


def test_a_ready_photo_is_twitters_media_object_with_each_variants_url() -> None:
    # When
    body = media_json(PHOTO, BASE)
    # Then url is the medium (1200) variant, the preview its thumb, every variant under the media domain
    assert body == {
        "media_key": f"3_{MEDIA_ID}",
        "type": "photo",
        "url": f"{BASE}/media/{MEDIA_ID}/medium.webp",
        "preview_image_url": f"{BASE}/media/{MEDIA_ID}/thumb.webp",
        "width": 4000,
        "height": 3000,
        "duration_ms": None,
        "alt_text": "A dog on a beach",
        "variants": [
            {"name": name, "url": f"{BASE}/media/{MEDIA_ID}/{name}.webp", "content_type": "image/webp", **size}
            for name, size in (
                ("thumb", {"width": 150, "height": 150}),
                ("small", {"width": 680, "height": 510}),
                ("medium", {"width": 1200, "height": 900}),
                ("large", {"width": 2048, "height": 1536}),
            )
        ],
    }


def test_a_photo_smaller_than_the_medium_size_shows_its_largest_variant_never_the_thumb() -> None:
    # Given a 500x400 photo: a small variant at its own size and a thumb (never upscaled)
    small = replace(
        PHOTO,
        width=500,
        height=400,
        variants=(variant("thumb", "webp", "image/webp", 150, 150), variant("small", "webp", "image/webp", 500, 400)),
    )
    # When
    body = media_json(small, BASE)
    # Then
    assert body["url"] == f"{BASE}/media/{MEDIA_ID}/small.webp"


@pytest.mark.parametrize(
    ("kind", "key", "shown"), [(MediaKind.VIDEO, "7", "video"), (MediaKind.GIF, "16", "animated_gif")]
)
def test_a_video_or_a_gif_shows_its_mp4_with_its_poster_and_duration(kind: MediaKind, key: str, shown: str) -> None:
    # When
    body = media_json(replace(VIDEO, kind=kind), BASE)
    # Then
    assert (body["media_key"], body["type"]) == (f"{key}_{MEDIA_ID}", shown)
    assert body["url"] == f"{BASE}/media/{MEDIA_ID}/video.mp4"
    assert body["preview_image_url"] == f"{BASE}/media/{MEDIA_ID}/poster.webp"
    assert (body["width"], body["height"], body["duration_ms"]) == (1920, 1080, 30_000)
    assert [item["content_type"] for item in body["variants"]] == ["image/webp", "image/webp", "video/mp4"]


def test_a_media_being_processed_has_no_urls_dimensions_or_variants_yet() -> None:
    # When
    body = own_media_json(PROCESSING, BASE)
    # Then
    assert body == {
        "media_id": str(MEDIA_ID),
        "media_key": f"16_{MEDIA_ID}",
        "type": "animated_gif",
        "state": "processing",
        "url": None,
        "preview_image_url": None,
        "width": None,
        "height": None,
        "duration_ms": None,
        "alt_text": "",
        "variants": [],
    }


def test_the_owner_sees_why_a_media_failed_and_no_reason_otherwise() -> None:
    # Given
    failed = replace(PROCESSING, state=MediaState.FAILED, reason="The GIF has more than 350 frames.")
    # When
    failed_body, ready_body = own_media_json(failed, BASE), own_media_json(PHOTO, BASE)
    # Then
    assert (failed_body["state"], failed_body.get("reason")) == ("failed", "The GIF has more than 350 frames.")
    assert ready_body["state"] == "ready"
    assert "reason" not in ready_body


def test_an_upload_answers_the_media_id_and_key_the_lifetime_and_the_presigned_post() -> None:
    # Given
    post = PresignedPost(url="https://bucket.s3.us-east-1.amazonaws.com/", fields={"key": "uploads/5/1", "policy": "p"})
    upload = Upload(media=PROCESSING, post=post, expires_at_ms=EPOCH_MS + 900_000)
    # When
    body = upload_json(upload)
    # Then
    assert body == {
        "media_id": str(MEDIA_ID),
        "media_key": f"16_{MEDIA_ID}",
        "state": "processing",
        "expires_after_secs": 86_400,
        "upload": {
            "url": "https://bucket.s3.us-east-1.amazonaws.com/",
            "fields": {"key": "uploads/5/1", "policy": "p"},
            "expires_at": "2026-01-01T00:15:00.000Z",
        },
    }


@pytest.mark.parametrize(
    ("declared", "body"),
    [
        (schemas.Media, media_json(PHOTO, BASE)),
        (schemas.Media, media_json(PROCESSING, BASE)),
        (schemas.OwnMedia, own_media_json(VIDEO, BASE)),
        (schemas.OwnMedia, own_media_json(replace(PROCESSING, state=MediaState.FAILED, reason="r"), BASE)),
        (
            schemas.CreatedUpload,
            upload_json(Upload(PROCESSING, PresignedPost("https://b.example/", {"key": "k"}), EPOCH_MS)),
        ),
    ],
)
def test_each_media_view_builds_exactly_its_declared_shape(declared: Any, body: Any) -> None:
    assert TypeAdapter(declared).validate_python(body, strict=True) == body
