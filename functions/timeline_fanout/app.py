"""Timeline fan-out: consumes the tweets, follows and users tables' streams and publishes the
timeline changes each record asks for (chirp.timelines.fanout) to the timeline queue.

Partial batch responses: a failing record is retried alone (Lambda bisects and retries it,
then sends it to the stream's on-failure queue); its batch-mates are not held back.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord, DynamoDBRecordEventName
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.settings import get_settings
from chirp.timelines import fanout
from chirp.timelines.models import TimelineEntry
from chirp.wiring import change_publisher, prepare_process, repositories

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="Chirp")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def table_of(event_source_arn: str | None) -> str:
    """arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label> -> <name>."""
    return (event_source_arn or "").split(":table/", 1)[-1].split("/stream/", 1)[0]


def image(record: DynamoDBRecord) -> dict[str, Any]:
    stream = record.dynamodb
    if stream is None:
        return {}
    return dict((stream.old_image if record.event_name is DynamoDBRecordEventName.REMOVE else stream.new_image) or {})


def tweet_changed(record: DynamoDBRecord, fields: dict[str, Any]) -> None:
    settings, stores, publisher = get_settings(), repositories(), change_publisher()
    entry = TimelineEntry(int(fields["tweet_id"]), int(fields["tweet_id"]), int(fields["author_id"]))
    if record.event_name is DynamoDBRecordEventName.INSERT:
        sent = fanout.fan_out_posted(stores, publisher, settings, entry)
        metrics.add_metric(name="FanoutMessages", unit=MetricUnit.Count, value=sent)
    elif record.event_name is DynamoDBRecordEventName.REMOVE:
        fanout.fan_out_deleted(stores, publisher, settings, entry)


def follow_changed(record: DynamoDBRecord, fields: dict[str, Any]) -> None:
    settings, stores, publisher = get_settings(), repositories(), change_publisher()
    follower, followee = int(fields["follower_id"]), int(fields["followee_id"])
    if record.event_name is DynamoDBRecordEventName.INSERT:
        fanout.on_followed(stores, publisher, settings, follower, followee)
    elif record.event_name is DynamoDBRecordEventName.REMOVE:
        fanout.on_unfollowed(stores, publisher, settings, follower, followee)


def user_changed(record: DynamoDBRecord, fields: dict[str, Any]) -> None:
    if "username" not in fields or record.event_name is DynamoDBRecordEventName.REMOVE:
        return  # a username or email claim, or a removed item: no follower count to watch
    outcome = fanout.on_follower_count(
        repositories(),
        change_publisher(),
        get_settings(),
        user_id=int(fields["user_id"]),
        followers_count=int(fields.get("followers_count", 0)),
        celebrity=bool(fields.get("celebrity")),
    )
    if outcome:
        logger.info("celebrity status changed", extra={"user_id": str(fields["user_id"]), "outcome": outcome})


@tracer.capture_method(capture_response=False)
def handle_record(record: DynamoDBRecord) -> None:
    settings = get_settings()
    handlers = {
        settings.tweets_table: tweet_changed,
        settings.follows_table: follow_changed,
        settings.users_table: user_changed,
    }
    table = table_of(record.event_source_arn)
    try:
        if table not in handlers:
            raise ValueError(f"record from an unexpected table: {record.event_source_arn}")
        handlers[table](record, image(record))
    except Exception:
        metrics.add_metric(name="FanoutRecordFailed", unit=MetricUnit.Count, value=1)
        logger.exception("fan-out record failed", extra={"event_id": record.event_id, "table": table})
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process()
