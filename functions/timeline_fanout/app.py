"""Timeline fan-out: consumes the tweets and follows tables' streams (their INSERT and REMOVE records
only: the template's FilterCriteria keep counter updates away) and publishes the timeline changes each
domain event asks for (chirp.timelines.fanout) to the timeline queue. Records are read through the one
stream decoder (chirp.events.stream).

Partial batch responses: a failing record is retried alone (Lambda bisects and retries it,
then sends it to the stream's on-failure queue); its batch-mates are not held back.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.schema import (
    DomainEvent,
    TweetDeleted,
    TweetPosted,
    TweetRetweeted,
    TweetUnretweeted,
    UserFollowed,
    UserUnfollowed,
)
from chirp.events.stream import decode_record
from chirp.timelines import fanout
from chirp.timelines.models import TimelineEntry
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.timeline_fanout import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def fan_out(event: DomainEvent) -> None:
    """What one domain event asks of home timelines."""
    stores = dependencies()
    settings, publisher = stores.settings, stores.publisher
    match event:
        case TweetPosted():
            sent = fanout.fan_out_posted(stores, publisher, settings, posted_entry(event))
            metrics.add_metric(name="FanoutMessages", unit=MetricUnit.Count, value=sent)
        case TweetRetweeted(retweet_id=retweet_id, tweet_id=tweet_id, author_id=author_id, user_id=user_id):
            entry = TimelineEntry(retweet_id, tweet_id, author_id, via_id=user_id)
            sent = fanout.fan_out_posted(stores, publisher, settings, entry)
            metrics.add_metric(name="FanoutMessages", unit=MetricUnit.Count, value=sent)
        case TweetDeleted(tweet_id=tweet_id, author_id=author_id):
            fanout.fan_out_deleted(stores, publisher, settings, TimelineEntry(tweet_id, tweet_id, author_id))
        case TweetUnretweeted(retweet_id=retweet_id, tweet_id=tweet_id, author_id=author_id, user_id=user_id):
            entry = TimelineEntry(retweet_id, tweet_id, author_id, via_id=user_id)
            fanout.fan_out_deleted(stores, publisher, settings, entry)
        case UserFollowed(follower_id=follower, followee_id=followee):
            fanout.on_followed(stores, publisher, settings, follower, followee)
        case UserUnfollowed(follower_id=follower, followee_id=followee):
            fanout.on_unfollowed(stores, publisher, settings, follower, followee)
        case _:
            pass  # nothing of a home timeline changes


def posted_entry(event: TweetPosted) -> TimelineEntry:
    """The home-timeline entry of a tweet, reply or quote: a quote's entry names the quoted tweet (a
    page reads both at once), a reply's the user replied to (only their followers get it)."""
    replied_to = event.in_reply_to_user_id
    return TimelineEntry(
        entry_id=event.tweet_id,
        tweet_id=event.tweet_id,
        author_id=event.author_id,
        quoted_id=event.quoted_tweet_id,
        quoted_author_id=event.quoted_author_id,
        reply_to_user_id=replied_to if replied_to != event.author_id else None,
    )


@tracer.capture_method(capture_response=False)
def handle_record(record: DynamoDBRecord) -> None:
    try:
        for event in decode_record(record, dependencies().sources):
            fan_out(event)
    except Exception:
        metrics.add_metric(name="FanoutRecordFailed", unit=MetricUnit.Count, value=1)
        logger.exception(
            "fan-out record failed", extra={"event_id": record.event_id, "source": record.event_source_arn}
        )
        raise


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=handle_record, processor=processor, context=context)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
