"""ExportRepository on the exports table: one item per user (hash key `user_id`), their newest export request.

The table's stream is the export worker's queue (the outbox pattern): the API's one conditional PutItem is the
request, and the worker sees it as an INSERT or MODIFY whose new image is `pending` (the template's
FilterCriteria), so no separate message can be lost between the two. `expires_at` is the table's TTL attribute
(epoch seconds: the archive's lifetime), so a forgotten export's item goes with its archive.

The table is this module's own: its model is bound here (`bind_exports_table`), by the API's and the export
worker's composition roots (the only functions given EXPORTS_TABLE).
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import PutError, UpdateError
from pynamodb.models import Model

from chirp.exports.models import Export, ExportState

CONDITION_FAILED = "ConditionalCheckFailedException"


class ExportItem(Model):
    class Meta:
        table_name = ""

    user_id = NumberAttribute(hash_key=True)
    export_id = NumberAttribute()
    state = UnicodeAttribute()
    requested_at_ms = NumberAttribute()
    completed_at_ms = NumberAttribute(null=True)
    size_bytes = NumberAttribute(null=True)
    expires_at = NumberAttribute()  # the table's TTL attribute (epoch seconds)


def bind_exports_table(table_name: str) -> None:
    """Point the model at its table (idempotent; resets its cached connection on change)."""
    if ExportItem.Meta.table_name != table_name:
        ExportItem.Meta.table_name = table_name
        ExportItem._connection = None


def to_export(item: ExportItem) -> Export:
    return Export(
        user_id=int(item.user_id),
        export_id=int(item.export_id),
        state=ExportState(item.state),
        requested_at_ms=int(item.requested_at_ms),
        completed_at_ms=int(item.completed_at_ms) if item.completed_at_ms is not None else None,
        size_bytes=int(item.size_bytes) if item.size_bytes is not None else None,
    )


class DynamoExportRepository:
    def request(self, export: Export, replaceable_before_ms: int, failed_before_ms: int) -> bool:
        item = ExportItem(
            user_id=export.user_id,
            export_id=export.export_id,
            state=export.state.value,
            requested_at_ms=export.requested_at_ms,
            expires_at=export.expires_at_ms // 1000,
        )
        condition = (
            ExportItem.user_id.does_not_exist()
            | (ExportItem.requested_at_ms < replaceable_before_ms)
            | ((ExportItem.state == ExportState.PENDING.value) & (ExportItem.requested_at_ms < failed_before_ms))
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def get(self, user_id: int) -> Export | None:
        try:
            return to_export(ExportItem.get(user_id, consistent_read=True))
        except ExportItem.DoesNotExist:
            return None

    def mark_ready(self, user_id: int, export_id: int, size_bytes: int, completed_at_ms: int) -> bool:
        actions: list[Any] = [
            ExportItem.state.set(ExportState.READY.value),
            ExportItem.size_bytes.set(size_bytes),
            ExportItem.completed_at_ms.set(completed_at_ms),
        ]
        condition = (ExportItem.export_id == export_id) & (ExportItem.state == ExportState.PENDING.value)
        try:
            ExportItem(user_id=user_id).update(actions=actions, condition=condition)
        except UpdateError as error:
            if error.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def delete(self, user_id: int) -> None:
        ExportItem(user_id=user_id).delete()
