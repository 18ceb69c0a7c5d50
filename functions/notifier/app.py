"""The notifier: a consumer of the domain-event bus (its own queue, subscribed for follows, likes,
retweets, quotes, replies and mentions) that stores each notification, idempotently, and pushes it to
the recipient's open WebSockets, or by Web Push when none is open.

Partial batch responses: a message that fails is retried alone, then moved to the queue's DLQ.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.consumers import EventRouter, consume
from chirp.events.schema import DomainEvent
from chirp.notifications.activities import NOTIFYING_EVENTS, activity_of
from chirp.notifications.service import notify
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.notifier import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def notify_of(event: DomainEvent) -> None:
    activity = activity_of(event)
    if activity is None:
        return
    delivery = notify(dependencies().notifier, activity, int(time.time()))
    metrics.add_metric(name=f"Notifications_{delivery.value}", unit=MetricUnit.Count, value=1)
    logger.debug("notified", extra={"kind": activity.kind.value, "recipient": activity.recipient, "delivery": delivery})


router = EventRouter(dict.fromkeys(NOTIFYING_EVENTS, notify_of))


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, context, router)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
