"""Timeline writer: consumes the timeline queue and applies each TimelineChange
(chirp.timelines.writer) with BatchWriteItem, then tells the owners with an open WebSocket how many
entries landed in their home timeline. Changes are idempotent, so a redelivered
message writes no duplicate; a message that keeps failing reaches the queue's DLQ after
maxReceiveCount receives, each failure logged and counted, its batch-mates unaffected."""

from __future__ import annotations

import random
import time
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.ids import id_timestamp_ms
from chirp.notifications.service import push_home_timeline_news
from chirp.timelines.changes import TimelineChange
from chirp.timelines.writer import apply_change
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.timeline_writer import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")
processor = BatchProcessor(event_type=EventType.SQS)
_rng = random.Random()
# Older entries are a backfill's, not a delivery's (delivery_latency_ms).
DELIVERY_HORIZON_MS = 3_600_000


@tracer.capture_method(capture_response=False)
def handle_record(record: SQSRecord) -> None:
    try:
        change = TimelineChange.model_validate_json(record.body)
        touched = apply_change(
            dependencies(), dependencies().settings, change, int(time.time() * 1000), _rng, on_added=tell_owners
        )
        metrics.add_metric(name="TimelinesWritten", unit=MetricUnit.Count, value=touched)
        if touched and (delay_ms := delivery_latency_ms(change, int(time.time() * 1000))) is not None:
            metrics.add_metric(name="FanoutDeliveryLatency", unit=MetricUnit.Milliseconds, value=delay_ms)
    except Exception:
        metrics.add_metric(name="TimelineChangeFailed", unit=MetricUnit.Count, value=1)
        logger.exception(
            "timeline change failed",
            extra={"message_id": record.message_id, "receive_count": record.attributes.approximate_receive_count},
        )
        raise


def delivery_latency_ms(change: TimelineChange, written_ms: int) -> int | None:
    """How long a post took to reach its followers' timelines: its id's time (chirp.ids: the moment it
    was minted, as the post was accepted) to now, the entries written. Only of a post's fan-out, an `add`
    of one entry (a follow's backfill brings several) under an hour old (a backfill of one old tweet is
    no delivery; a lag of an hour shows in the queues' age and the iterator age anyway). One value per
    message: Powertools sends up to 100 per metric in one EMF line, percentiles computed by CloudWatch."""
    if change.op != "add" or len(change.entries) != 1:
        return None
    delay_ms = written_ms - id_timestamp_ms(change.entries[0].entry_id)
    return delay_ms if 0 <= delay_ms < DELIVERY_HORIZON_MS else None


def tell_owners(added: Mapping[int, list[int]]) -> None:
    """Tell the owners with an open WebSocket that entries landed in their home timeline. Best effort: the
    entries are written whatever happens here, and a client that missed it sees them on its next read."""
    try:
        told = push_home_timeline_news(dependencies().connections, dependencies().pusher, added, int(time.time()))
        metrics.add_metric(name="HomeTimelineNewsPushed", unit=MetricUnit.Count, value=told)
    except Exception:
        metrics.add_metric(name="HomeTimelineNewsFailed", unit=MetricUnit.Count, value=1)
        logger.exception("telling owners about their new entries failed", extra={"owners": len(added)})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
