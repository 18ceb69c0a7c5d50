"""The trends counter: a consumer of the domain-event bus (its own queue, subscribed for TweetPosted) that
counts, for each distinct hashtag of a tweet, its author once among the tag's distinct authors of that hour,
exactly (chirp.adapters.dynamodb.trends: a marker and a count in one transaction; why not HyperLogLog).
A redelivered event, or the author's second tweet with the tag that hour, counts nothing, and is no failure.

Partial batch responses: a message that fails is retried alone, then moved to the queue's DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.consumers import EventRouter, consume
from chirp.events.schema import TweetPosted
from chirp.tracing import TRACED_MODULES
from chirp.trends.service import count_tags
from chirp.wiring import prepare_process
from chirp.wiring.trends_counter import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def tweet_posted(event: TweetPosted) -> None:
    counted = count_tags(dependencies().counter, event)
    metrics.add_metric(name="TagAuthorsCounted", unit=MetricUnit.Count, value=counted.counted)
    metrics.add_metric(name="TagAuthorsCountedAlready", unit=MetricUnit.Count, value=counted.already_counted)


router = EventRouter({TweetPosted: tweet_posted})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, context, router)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
