"""The media processor: a consumer of the uploads queue, fed by the media bucket's notifications of objects
created under uploads/. Each upload is checked, turned into its variants under media/, and its media item
recorded `ready` or `failed` (`chirp.media.pipeline` says how, and what a redelivery does: nothing).

One message per invocation (batch size 1: a video may take most of the timeout). Partial batch responses: a
message whose processing raised (S3 or DynamoDB unavailable, a timeout) is retried, then moved to the queue's
DLQ after its third receive. One log line per upload, with the media id, kind, bytes, time and outcome.

Packaged as a container image (Dockerfile next to this file): Pillow and a static ffmpeg ride with the chirp
package and its dependencies, over the 250 MB a zip and its layers may hold.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.media.pipeline import Outcome, UploadReport
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.media_processor import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def process_upload_message(record: SQSRecord) -> None:
    try:
        reports = dependencies().uploads.process_notification(record.body)
    except Exception:
        metrics.add_metric(name="MediaProcessingErrors", unit=MetricUnit.Count, value=1)
        logger.exception("upload not processed, to be retried", extra={"message_id": record.message_id})
        raise
    if not reports:
        metrics.add_metric(name="MediaNotificationsWithoutUploads", unit=MetricUnit.Count, value=1)
        logger.info("no object created in the message (S3's test event)", extra={"message_id": record.message_id})
    for report in reports:
        record_report(report)


def record_report(report: UploadReport) -> None:
    logger.info(
        "upload processed",
        extra={
            "media_id": report.media_id,
            "kind": report.kind,
            "bytes": report.size,
            "ms": report.duration_ms,
            "state": report.outcome,
            "reason": report.reason,
            "key": report.key,
        },
    )
    if report.outcome in (Outcome.READY, Outcome.FAILED):
        metrics.add_metric(name="MediaProcessingTime", unit=MetricUnit.Milliseconds, value=report.duration_ms)
    if report.outcome is Outcome.READY:
        metrics.add_metric(name=f"MediaReady_{report.kind}", unit=MetricUnit.Count, value=1)
    elif report.outcome is Outcome.FAILED:
        metrics.add_metric(name=f"MediaRejected_{report.rejection_class}", unit=MetricUnit.Count, value=1)
    else:
        metrics.add_metric(name=f"MediaSkipped_{report.outcome}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=process_upload_message, processor=processor, context=context
    )


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
