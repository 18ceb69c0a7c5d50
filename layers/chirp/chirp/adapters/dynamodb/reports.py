"""ReportRepository on the reports table: one item per report, and the reporter's claim on the target while the
report is open (a second report of it by the same reporter finds the claim taken).

The table is this module's own: its models are bound here (`bind_reports_table`), by the API's composition root
(the only function given REPORTS_TABLE) and the operator command (infra/moderation.py)."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import run_transaction
from chirp.ids import IdTaken
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.reports.models import Action, Report, ReportState, TargetType

REPORT_PREFIX = "REPORT#"
CLAIM_PREFIX = "CLAIM#"
CONDITION_FAILED = "ConditionalCheckFailed"


class ByStateIndex(GlobalSecondaryIndex["ReportItem"]):
    """Reports by state, newest first (only report items carry `state`)."""

    class Meta:
        index_name = "by_state_index"
        projection = AllProjection()

    state = UnicodeAttribute(hash_key=True)
    report_id = NumberAttribute(range_key=True)


class ReportItem(Model):
    """pk = REPORT#<id>."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    report_id = NumberAttribute()
    state = UnicodeAttribute()
    reporter_id = NumberAttribute()
    target_type = UnicodeAttribute()
    target_id = NumberAttribute()
    target_author_id = NumberAttribute()
    reason = UnicodeAttribute()
    comment = UnicodeAttribute(null=True)
    action = UnicodeAttribute(null=True)
    resolved_by = NumberAttribute(null=True)
    resolved_at_ms = NumberAttribute(null=True)
    by_state = ByStateIndex()


class ReportClaimItem(Model):
    """pk = CLAIM#<reporter>#<target type>#<target id>: the reporter's open report of the target."""

    class Meta:
        table_name = ""

    pk = UnicodeAttribute(hash_key=True)
    report_id = NumberAttribute()


def bind_reports_table(table_name: str) -> None:
    """Point the models at their table (idempotent; resets their cached connections on change)."""
    for model in (ReportItem, ReportClaimItem):
        if model.Meta.table_name != table_name:
            model.Meta.table_name = table_name
            model._connection = None


def report_key(report_id: int) -> str:
    return f"{REPORT_PREFIX}{report_id}"


def claim_key(reporter_id: int, target_type: str, target_id: int) -> str:
    return f"{CLAIM_PREFIX}{reporter_id}#{target_type}#{target_id}"


def to_report(item: ReportItem) -> Report:
    return Report(
        id=int(item.report_id),
        reporter_id=int(item.reporter_id),
        target_type=TargetType(item.target_type),
        target_id=int(item.target_id),
        target_author_id=int(item.target_author_id),
        reason=item.reason,
        comment=item.comment or "",
        state=ReportState(item.state),
        action=Action(item.action) if item.action else None,
        resolved_by=int(item.resolved_by) if item.resolved_by is not None else None,
        resolved_at_ms=int(item.resolved_at_ms) if item.resolved_at_ms is not None else None,
    )


class DynamoReportRepository:
    def create(self, report: Report) -> Report | None:
        item = ReportItem(
            pk=report_key(report.id),
            report_id=report.id,
            state=report.state.value,
            reporter_id=report.reporter_id,
            target_type=report.target_type.value,
            target_id=report.target_id,
            target_author_id=report.target_author_id,
            reason=report.reason,
            comment=report.comment or None,
        )
        claim = ReportClaimItem(
            pk=claim_key(report.reporter_id, report.target_type, report.target_id), report_id=report.id
        )

        def write(transaction: TransactWrite) -> None:
            transaction.save(claim, condition=ReportClaimItem.pk.does_not_exist())
            transaction.save(item, condition=ReportItem.pk.does_not_exist())

        failed = run_transaction(write)
        if failed and failed[0] == CONDITION_FAILED:
            return None
        if failed:
            raise IdTaken(f"report id {report.id} is taken; file it again")
        return report

    def open_report_of(self, reporter_id: int, target_type: str, target_id: int) -> Report | None:
        try:
            claim = ReportClaimItem.get(claim_key(reporter_id, target_type, target_id), consistent_read=True)
        except ReportClaimItem.DoesNotExist:
            return None
        return self.get(int(claim.report_id))

    def get(self, report_id: int) -> Report | None:
        try:
            return to_report(ReportItem.get(report_key(report_id), consistent_read=True))
        except ReportItem.DoesNotExist:
            return None

    def page(self, state: ReportState, page: PageRequest) -> Page[Report]:
        condition = ReportItem.report_id < page.before if page.before is not None else None
        items = ReportItem.by_state.query(
            state.value, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1
        )
        return page_from_overfetch([to_report(item) for item in items], page, lambda report: report.id)

    def resolve(self, report: Report, action: Action, moderator_id: int, now_ms: int) -> Report | None:
        def write(transaction: TransactWrite) -> None:
            transaction.update(
                ReportItem(pk=report_key(report.id)),
                actions=[
                    ReportItem.state.set(ReportState.RESOLVED.value),
                    ReportItem.action.set(action.value),
                    ReportItem.resolved_by.set(moderator_id),
                    ReportItem.resolved_at_ms.set(now_ms),
                ],
                condition=ReportItem.state == ReportState.OPEN.value,
            )
            transaction.delete(ReportClaimItem(pk=claim_key(report.reporter_id, report.target_type, report.target_id)))

        if run_transaction(write):
            return None
        return replace(
            report, state=ReportState.RESOLVED, action=action, resolved_by=moderator_id, resolved_at_ms=now_ms
        )
