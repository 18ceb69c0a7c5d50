"""Engagement clean-up: a consumer of the domain-event bus (its own queue, subscribed for TweetDeleted)
that undoes a deleted tweet's retweets (each as its retweeter would: out of every timeline) and likes
(out of the likers' lists and counts). Idempotent: a redelivered event finds nothing left to undo.

Partial batch responses: a message that fails is retried alone, then moved to the queue's DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.engagements.service import undo_engagements_of_deleted
from chirp.events.consumers import EventRouter, consume
from chirp.events.schema import TweetDeleted
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.engagement_cleanup import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def tweet_deleted(event: TweetDeleted) -> None:
    store = dependencies()
    retweets, likes = undo_engagements_of_deleted(store.engagements, store.tweets, event.tweet_id, event.author_id)
    metrics.add_metric(name="RetweetsUndone", unit=MetricUnit.Count, value=retweets)
    metrics.add_metric(name="LikesUndone", unit=MetricUnit.Count, value=likes)


router = EventRouter({TweetDeleted: tweet_deleted})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, context, router)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
