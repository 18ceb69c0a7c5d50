"""Account erasure: erases a deleted account's data (chirp.erasure), one account per message of its own queue
(`{"user_id": <id>}`, sent by DELETE /api/users/me and by this function), and, on its schedule, queues again the
erasures nobody holds (a message lost, a worker killed). An erasure that finished queues its settling sweep
(`{"user_id": <id>, "settle": true}`, delayed ERASURE_SETTLE_SECONDS): the account's own partitions swept once
more, of what messages in flight wrote there after it.

A worker goes on while it has time, recording its progress after every chunk; when its time runs out it releases
the account and queues its successor. A worker that fails leaves its message to come back after the queue's
visibility timeout (partial batch response), by which time its lease has run out: the next one goes on from the
progress recorded. After five failures the message moves to the DLQ (an alarm), and the sweeper still retries it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.erasure.service import erase, resume_stalled, sweep_partitions
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.account_erasure import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")
processor = BatchProcessor(event_type=EventType.SQS)


def now_ms() -> int:
    return int(time.time() * 1000)


def erasure_of(record: SQSRecord, lambda_context: LambdaContext) -> None:
    """One account's erasure, from where it got to (Powertools passes the handler's context as `lambda_context`)."""
    body = json.loads(record.body)
    user_id = body["user_id"] if isinstance(body, dict) else None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        logger.error("not an erasure message; dropped", extra={"body": record.body[:200]})
        return
    store = dependencies()
    if body.get("settle"):
        swept = sweep_partitions(store.ports.store, user_id)
        metrics.add_metric(name="ErasureSettledItems", unit=MetricUnit.Count, value=swept)
        return
    if erase(store.ports, user_id, now_ms, lambda_context.get_remaining_time_in_millis):
        if not store.ports.store.exists(user_id):  # erased (not held by another worker): its settling sweep
            store.queue.settle(user_id, store.settings.erasure_settle_seconds)
        metrics.add_metric(name="ErasureRuns", unit=MetricUnit.Count, value=1)
        return
    store.queue.start([user_id])  # time ran out: its successor goes on (the lease was released)
    metrics.add_metric(name="ErasureContinued", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, Any]:
    if event.get("source") == "aws.events":  # the schedule: the sweeper's run
        resumed = resume_stalled(dependencies().ports.store, dependencies().queue, now_ms())
        metrics.add_metric(name="ErasuresResumed", unit=MetricUnit.Count, value=len(resumed))
        if resumed:
            logger.info("stalled erasures queued again", extra={"user_ids": resumed})
        return {"resumed": len(resumed)}
    return process_partial_response(event=event, record_handler=erasure_of, processor=processor, context=context)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
