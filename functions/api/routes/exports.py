"""Data export: a user asks for an archive of their own data (one a day), then downloads it once it is built."""

from __future__ import annotations

import time

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import Conflict, NotFound, RateLimited
from chirp.exports import service as exports
from chirp.exports.models import ExportState
from chirp.http import schemas, views
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/users/me/export",
    "POST",
    "Ask for an archive of the caller's data (a ZIP of JSON files, built in the background); one a day: a second"
    " request within 24 hours is a 429 whose Retry-After says when to ask again",
    status=202,
    auth=True,
    raises=(RateLimited, Conflict),
)
def request_export() -> schemas.ExportResponse:
    export = exports.request_export(dependencies().exports, blueprint.caller_id(), _now_ms())
    metrics.add_metric(name="ExportRequested", unit=MetricUnit.Count, value=1)
    return {"data": views.export_json(export, ExportState.PENDING, None)}


@blueprint.operation(
    "/api/users/me/export",
    "GET",
    "The caller's export: pending, ready (with a download link valid 15 minutes) or failed",
    auth=True,
    raises=(NotFound,),
)
def get_export() -> schemas.ExportResponse:
    store = dependencies()
    status = exports.export_status(store.exports, store.archive_storage(), blueprint.caller_id(), _now_ms())
    return {"data": views.export_json(status.export, status.state, status.download_url)}


def _now_ms() -> int:
    return int(time.time() * 1000)
