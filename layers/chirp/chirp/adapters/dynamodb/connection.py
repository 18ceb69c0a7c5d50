"""Binding the models to their tables, and running transactions with the
retries and error translation every repository needs."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from functools import cache

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb import models
from chirp.errors import Retryable
from chirp.settings import Settings

THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
TRANSACTION_ATTEMPTS = 6


def bind_models(settings: Settings) -> None:
    """Point every model at its table (idempotent; resets cached connections on change)."""
    tables: dict[type[Model], str] = {
        models.UserItem: settings.users_table,
        models.HandleClaim: settings.users_table,
        models.TweetItem: settings.tweets_table,
        models.FollowItem: settings.follows_table,
        models.RefreshTokenItem: settings.sessions_table,
        models.TokenFamilyItem: settings.sessions_table,
        models.TimelineItem: settings.timelines_table,
        models.TimelineActivityItem: settings.timelines_table,
    }
    for model, table in tables.items():
        if model.Meta.table_name != table:
            model.Meta.table_name = table
            # Reads run side by side (chirp.concurrency): one pooled connection per thread.
            model.Meta.max_pool_connections = 32
            model._connection = None


@cache
def shared_connection() -> Connection:
    """One low-level connection (one botocore client) for transactions, built once."""
    return Connection()


def is_throttling(error: PynamoDBException) -> bool:
    return error.cause_response_code in THROTTLING_CODES


def cancellation_codes(error: TransactWriteError) -> list[str | None]:
    return [reason.code if reason else None for reason in error.cancellation_reasons]


def run_transaction(build: Callable[[TransactWrite], None]) -> list[str | None]:
    """Run a write transaction; return [] on success, or the per-item cancellation
    codes when a condition failed. Conflicts with concurrent transactions and
    throttling are retried with jittered backoff, then raised as `Retryable`."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        try:
            with TransactWrite(connection=shared_connection()) as transaction:
                build(transaction)
            return []
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if "ConditionalCheckFailed" in codes and "TransactionConflict" not in codes:
                return codes
            if not (codes and set(codes) <= {None, "TransactionConflict", "ThrottlingError"}) and not is_throttling(
                error
            ):
                raise
        time.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise Retryable("the database is busy with conflicting writes; retry the request")
