"""Media: ask to upload a file (answered with a presigned S3 POST: the bytes go straight to the media bucket),
follow what became of it, and describe it (alt text). Only its owner sees a media before it is posted. Asking
honours an Idempotency-Key (routes.idempotency): a retry answers the same media id and presigned POST (which
expires as the first did)."""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import InvalidInput, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.media import service as media
from chirp.media.inputs import AltTextChange, UploadRequest
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/media",
    "POST",
    "Ask to upload a photo, a GIF or a video: its media id and a presigned S3 POST for the file",
    status=201,
    auth=True,
    body=UploadRequest,
    raises=(InvalidInput, Retryable),
    idempotent=True,
)
def create_upload() -> schemas.UploadResponse:
    store = dependencies()
    upload = media.create_upload(
        store.media, store.upload_signer(), blueprint.caller_id(), blueprint.body(UploadRequest), _now_ms()
    )
    metrics.add_metric(name="MediaUploadAsked", unit=MetricUnit.Count, value=1)
    return {"data": views.upload_json(upload)}


@blueprint.operation(
    "/api/media/{mediaId}",
    "GET",
    "One of the caller's media: processing, ready (with its variants) or failed (with the reason)",
    auth=True,
    raises=(NotFound,),
)
def get_media(mediaId: str) -> schemas.MediaResponse:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    found = media.get_media(store.media, blueprint.caller_id(), parse_id(mediaId, "mediaId"))
    return {"data": views.own_media_json(found, store.settings.media_base_url)}


@blueprint.operation(
    "/api/media/{mediaId}",
    "PATCH",
    "Set the alt text of one of the caller's media, until it is posted",
    auth=True,
    body=AltTextChange,
    raises=(InvalidInput, NotFound, media.MediaAttached),
)
def update_media(mediaId: str) -> schemas.MediaResponse:  # noqa: N803
    store = dependencies()
    media_id = parse_id(mediaId, "mediaId")
    change = blueprint.body(AltTextChange)
    changed = media.set_alt_text(store.media, blueprint.caller_id(), media_id, change.alt_text)
    return {"data": views.own_media_json(changed, store.settings.media_base_url)}


def _now_ms() -> int:
    return int(time.time() * 1000)
