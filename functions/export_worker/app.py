"""Export worker: reads the exports table's stream (an INSERT or MODIFY whose new image is a pending export only:
the template's FilterCriteria) and builds each requested archive (chirp.exports.service.build_export), a ZIP of the
user's data in the exports bucket. The API's conditional write of the request is what starts it (the outbox
pattern): there is no queue message that could be lost between the two.

Idempotent: a record delivered again after its archive was built, or a record of a request a newer one replaced,
builds nothing. A failing record is retried alone (partial batch responses), then goes to the stream's on-failure
queue; its export then reads as failed once the build deadline passes, and the user may ask again.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.exports import service as exports
from chirp.exports.models import Export, ExportState
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.export_worker import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def requested_export(record: DynamoDBRecord) -> Export:
    """The export request a stream record carries (its new image)."""
    image = record.dynamodb.new_image if record.dynamodb is not None else None
    if not image:
        raise ValueError(f"record {record.event_id} has no new image: the stream must carry NEW_IMAGE")
    return Export(
        user_id=int(image["user_id"]),
        export_id=int(image["export_id"]),
        state=ExportState(image["state"]),
        requested_at_ms=int(image["requested_at_ms"]),
    )


@tracer.capture_method(capture_response=False)
def handle_record(record: DynamoDBRecord) -> None:
    store = dependencies()
    request = requested_export(record)
    built = exports.build_export(
        store.exports,
        store.storage,
        store.sources,
        request,
        media_base_url=store.settings.media_base_url,
        now_ms=_now_ms,
    )
    if built.built:
        metrics.add_metric(name="ExportsBuilt", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="ExportArchiveBytes", unit=MetricUnit.Bytes, value=built.size_bytes)
        logger.info("export built", extra={"user_id": request.user_id, "bytes": built.size_bytes})
    else:
        metrics.add_metric(name="ExportRecordsSkipped", unit=MetricUnit.Count, value=1)
        logger.info("export not built", extra={"user_id": request.user_id, "reason": built.reason})


def _now_ms() -> int:
    return int(time.time() * 1000)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
