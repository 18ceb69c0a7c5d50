"""Media cleanup: a consumer of the domain-event bus (its own queue, subscribed for the TweetPosted,
TweetDeleted and ProfileChanged events that carry media) that keeps or erases media (`chirp.media.lifecycle`):
a tweet or profile that takes media has its variants re-tagged so the bucket's unattached-expiry rule spares
them; a deleted tweet's media, and the avatar or banner a profile let go, are deleted with their objects.

Idempotent: a redelivered event re-tags or deletes what is already so. Partial batch responses: a message
that fails is retried alone, then moved to the queue's DLQ.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.consumers import EventRouter, consume
from chirp.events.schema import ProfileChanged, TweetDeleted, TweetPosted
from chirp.media.lifecycle import erase, keep
from chirp.media.models import Attachment, Purpose
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.media_cleanup import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def tweet_posted(event: TweetPosted) -> None:
    store = dependencies()
    kept = keep(store.media, store.objects, event.media_ids, Attachment(Purpose.TWEET, event.tweet_id))
    metrics.add_metric(name="MediaKept", unit=MetricUnit.Count, value=kept)


def tweet_deleted(event: TweetDeleted) -> None:
    store = dependencies()
    erased = erase(store.media, store.objects, event.media_ids, {Attachment(Purpose.TWEET, event.tweet_id)})
    metrics.add_metric(name="MediaErased", unit=MetricUnit.Count, value=erased)
    logger.info("tweet media erased", extra={"tweet_id": event.tweet_id, "media": erased})


def profile_changed(event: ProfileChanged) -> None:
    store = dependencies()
    for purpose in (Purpose.AVATAR, Purpose.BANNER):
        keep(store.media, store.objects, event.media_ids, Attachment(purpose, event.user_id))
    profile = {Attachment(Purpose.AVATAR, event.user_id), Attachment(Purpose.BANNER, event.user_id)}
    erased = erase(store.media, store.objects, event.released_media_ids, profile)
    metrics.add_metric(name="MediaErased", unit=MetricUnit.Count, value=erased)


router = EventRouter({TweetPosted: tweet_posted, TweetDeleted: tweet_deleted, ProfileChanged: profile_changed})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, context, router)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
