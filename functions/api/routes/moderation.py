"""Moderation: moderators (granted by an operator: `make moderator`) list reports and resolve them."""

from __future__ import annotations

from aws_lambda_powertools.metrics import MetricUnit
from chirp.errors import Conflict, Forbidden, InvalidRequest, NotFound, Retryable
from chirp.http import schemas, views
from chirp.http.openapi import QueryParameter
from chirp.ids import parse_id
from chirp.reports import service as reports
from chirp.reports.inputs import Resolution
from chirp.reports.models import Action, ReportState
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint, metrics

blueprint = ApiBlueprint(__name__)

STATE = QueryParameter("state", "which reports: open ones (the queue) or resolved ones", choices=("open", "resolved"))


@blueprint.operation(
    "/api/moderation/reports",
    "GET",
    "Reports by state, newest first (moderators only)",
    auth=True,
    paginated=True,
    query=(STATE,),
    raises=(Forbidden,),
)
def list_reports() -> schemas.ReportPage:
    store = dependencies()
    state = ReportState(blueprint.query(STATE) or ReportState.OPEN)
    page = reports.reports_page(store.users, store.reports, blueprint.caller_id(), state, blueprint.page())
    return views.report_page_json(page)


@blueprint.operation(
    "/api/moderation/reports/{reportId}/resolve",
    "POST",
    "Resolve an open report (moderators only): dismiss it, remove the reported tweet, or suspend the reported user"
    " (a tweet's author: it cannot log in, its tokens stop working, its tweets are not served)",
    auth=True,
    body=Resolution,
    raises=(Forbidden, NotFound, Conflict, InvalidRequest, Retryable),
)
def resolve_report(reportId: str) -> schemas.ModeratedReportResponse:  # noqa: N803 (the path's parameter name)
    store = dependencies()
    action = Action(blueprint.body(Resolution).action)
    report_id = parse_id(reportId, "reportId")
    resolved = reports.resolve_report(
        store.users, store.tweets, store.reports, caller_id=blueprint.caller_id(), report_id=report_id, action=action
    )
    if action is Action.SUSPEND_USER:
        store.token_states.forget(resolved.target_author_id)  # this sandbox refuses its tokens at once
    metrics.add_metric(name=f"Report{action.value.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
    return {"data": views.moderated_report_json(resolved)}
