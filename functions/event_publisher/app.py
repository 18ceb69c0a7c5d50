"""Event publisher: reads the tweets, follows and users tables' streams and publishes the domain
events each record means (chirp.events.stream) to the bus, the SNS topic every consumer subscribes
its own queue to (chirp.events.bus).

A whole batch is published in PublishBatch calls of ten events, not one call per record, which
Powertools' per-record BatchProcessor cannot express; the answer is the same partial batch response
(ReportBatchItemFailures): Lambda delivers a failed record again, with those after it on its shard.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.bus import publish_stream_records
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.event_publisher import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    publisher = dependencies()
    records = list(DynamoDBStreamEvent(event).records)
    outcome = publish_stream_records(records, publisher.sources, publisher.bus)
    metrics.add_metric(name="EventsPublished", unit=MetricUnit.Count, value=outcome.events)
    for sequence_number, reason in outcome.undecodable.items():
        logger.error("undecodable stream record", extra={"sequence_number": sequence_number, "reason": reason})
    if outcome.failed_records:
        metrics.add_metric(name="EventRecordsFailed", unit=MetricUnit.Count, value=len(outcome.failed_records))
        logger.warning("records to deliver again", extra={"sequence_numbers": outcome.failed_records})
    return {"batchItemFailures": [{"itemIdentifier": number} for number in outcome.failed_records]}


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
