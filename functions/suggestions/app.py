"""Who to follow: a consumer of the domain-event bus (its own queue, subscribed for UserFollowed,
UserUnfollowed and UserDeleted) that recomputes the follower's suggestions from a bounded walk of the
follows table and keeps the most-followed accounts' list, in SuggestionsTable, where the API reads both
in one call (`chirp.suggestions.service` says what a refresh costs and how stale a list may be).

Idempotent: a redelivered event recomputes from the tables as they are. Partial batch responses: a
message that fails is retried alone, then moved to the queue's DLQ.
"""

from __future__ import annotations

import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.consumers import EventRouter, consume
from chirp.events.schema import UserDeleted, UserFollowed, UserUnfollowed
from chirp.suggestions.service import forget_user, refresh_popular, refresh_suggestions_of
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.suggestions import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def follows_changed(event: UserFollowed | UserUnfollowed) -> None:
    store = dependencies()
    now_ms = int(time.time() * 1000)
    stored = refresh_suggestions_of(
        store.suggestions,
        store.follows,
        store.users,
        event.follower_id,
        changed_followee_id=event.followee_id,
        now_ms=now_ms,
    )
    # Skipped: a list from a later walk was stored first, or the owner is gone.
    outcome = "SuggestionListsStored" if stored is not None else "SuggestionListsSkipped"
    metrics.add_metric(name=outcome, unit=MetricUnit.Count, value=1)
    if refresh_popular(store.suggestions, store.users, event.followee_id, now_ms):
        metrics.add_metric(name="PopularListWrites", unit=MetricUnit.Count, value=1)
    logger.debug("suggestions refreshed", extra={"owner": event.follower_id, "candidates": stored})


def user_deleted(event: UserDeleted) -> None:
    store = dependencies()
    forget_user(store.suggestions, store.users, event.user_id, int(time.time() * 1000))


router = EventRouter({UserFollowed: follows_changed, UserUnfollowed: follows_changed, UserDeleted: user_deleted})


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return consume(event, context, router)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
