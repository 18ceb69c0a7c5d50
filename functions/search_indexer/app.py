"""Search indexer: a consumer of the domain-event bus (its own queue, subscribed for the tweet and user
events `chirp.search.indexing.HANDLED` names) that keeps the search backend (OpenSearch on AWS, the embedded
engine locally) in step with the tables, a batch of messages in one bulk write per index.

Partial batch responses: a message the backend refused (or that is not an event this consumer knows) is
reported and delivered again alone; after the queue's maxReceiveCount it goes to the DLQ. Nothing is
dropped silently: each refusal is logged with its reason.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes import SQSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.events.schema import UnknownEvent, decode
from chirp.search.indexing import IndexChanges, IndexOutcome, apply_changes
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.search_indexer import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def report(outcome: IndexOutcome, undecodable: int) -> None:
    metrics.add_metric(name="TweetsIndexed", unit=MetricUnit.Count, value=outcome.tweets_put)
    metrics.add_metric(name="TweetsUnindexed", unit=MetricUnit.Count, value=outcome.tweets_deleted)
    metrics.add_metric(name="UsersIndexed", unit=MetricUnit.Count, value=outcome.users_put + outcome.users_deleted)
    failed = len(outcome.failed_messages) + undecodable
    if failed:
        metrics.add_metric(name="SearchMessagesFailed", unit=MetricUnit.Count, value=failed)


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    store = dependencies()
    changes, undecodable = IndexChanges(), set()
    for record in SQSEvent(event).records:
        try:
            changes.add(record.message_id, decode(record.body))
        except (UnknownEvent, TypeError) as error:
            logger.error("not an event the search indexer handles", extra={"message_id": record.message_id})
            logger.debug(str(error))
            undecodable.add(record.message_id)
    outcome = apply_changes(changes, store.tweets, store.users, store.user_rows, context.get_remaining_time_in_millis)
    report(outcome, len(undecodable))
    return {"batchItemFailures": [{"itemIdentifier": mid} for mid in sorted(outcome.failed_messages | undecodable)]}


# Last, at init: the clients built (and the backend's indexes made sure of) and everything above frozen.
prepare_process(dependencies)
