"""Engagement counter: reads the engagements table's stream (INSERT and REMOVE of like, retweet, reply and
quote edges only: the template's FilterCriteria) and keeps each tweet's like, retweet, reply and quote
counts, and their copies beside its author's recent tweets; nothing else writes them. Records are read
through the one stream decoder (chirp.events.stream) and counted exactly, a chunk of up to 98 records per
transaction with a marker per record (chirp.engagements.counting explains how, and why neither Powertools'
idempotency utility nor its BatchProcessor).

Partial batch responses (ReportBatchItemFailures): the first record not counted and every record after it
are reported, so Lambda delivers them again from there; records already counted are never reported.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBStreamEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.engagements.counting import BatchCounted, count_batch
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.engagement_counter import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def report(outcome: BatchCounted) -> None:
    """The batch's metrics, and a log line for what is delivered again."""
    metrics.add_metric(name="EngagementRecordsCounted", unit=MetricUnit.Count, value=outcome.counted)
    metrics.add_metric(name="EngagementRecordsAlreadyCounted", unit=MetricUnit.Count, value=outcome.already_counted)
    metrics.add_metric(name="EngagementRecordsOfDeletedTweets", unit=MetricUnit.Count, value=outcome.of_deleted_tweets)
    metrics.add_metric(name="CounterTransactions", unit=MetricUnit.Count, value=outcome.transactions)
    if outcome.splits:
        metrics.add_metric(name="CounterChunksSplit", unit=MetricUnit.Count, value=outcome.splits)
    if outcome.failed_records:
        metrics.add_metric(name="EngagementRecordsFailed", unit=MetricUnit.Count, value=len(outcome.failed_records))
        logger.warning(
            "records to deliver again",
            extra={"reason": outcome.failure, "first": outcome.failed_records[0], "count": len(outcome.failed_records)},
            exc_info=outcome.error,
        )


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    counter = dependencies()
    records = list(DynamoDBStreamEvent(event).records)
    outcome = count_batch(records, counter.sources, counter.counters, context.get_remaining_time_in_millis)
    report(outcome)
    return {"batchItemFailures": [{"itemIdentifier": number} for number in outcome.failed_records]}


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
