"""Reports: a user reports a tweet or another user to the moderators."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import Conflict, InvalidRequest, NotFound, Retryable
from chirp.http import schemas, views
from chirp.reports import service as reports
from chirp.reports.inputs import ReportDraft
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)


@blueprint.operation(
    "/api/reports",
    "POST",
    "Report a tweet or a user to the moderators (idempotent: while the caller's report of the same target is open,"
    " it is answered again, meta.created false)",
    status=201,
    auth=True,
    body=ReportDraft,
    raises=(InvalidRequest, NotFound, Conflict, Retryable),
)
def file_report() -> schemas.ReportResponse:
    store = dependencies()
    filed = reports.file_report(
        store.users, store.tweets, store.reports, blueprint.caller_id(), blueprint.body(ReportDraft)
    )
    if filed.created:
        metrics.add_metric(name="ReportFiled", unit=MetricUnit.Count, value=1)
    return {"data": views.report_json(filed.report), "meta": {"created": filed.created}}
