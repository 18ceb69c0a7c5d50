"""Binding the models to their tables, and running transactions with the
retries and error translation every repository needs."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb import models
from chirp.errors import Retryable

THROTTLING_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
}
TRANSACTION_ATTEMPTS = 6


@dataclass(frozen=True)
class Tables:
    """The tables a function was given (its own Environment). The models of the others keep the
    empty name they are declared with, so a call on one of them is refused, as the function's role
    would refuse it on AWS."""

    users: str = ""
    tweets: str = ""
    follows: str = ""
    sessions: str = ""
    timelines: str = ""
    author_tweets: str = ""
    engagements: str = ""
    counted_records: str = ""
    notifications: str = ""
    live_connections: str = ""


def bind_models(tables: Tables) -> None:
    """Point the models of the tables `tables` names at them, and leave the others as they are
    (idempotent; resets cached connections on change)."""
    by_model: dict[type[Model], str] = {
        models.UserItem: tables.users,
        models.HandleClaim: tables.users,
        models.TweetItem: tables.tweets,
        models.AuthorTweetItem: tables.author_tweets,
        models.RecentTweetsItem: tables.author_tweets,
        models.FollowItem: tables.follows,
        models.RefreshTokenItem: tables.sessions,
        models.TokenFamilyItem: tables.sessions,
        models.TimelineItem: tables.timelines,
        models.TimelineActivityItem: tables.timelines,
        models.EngagementItem: tables.engagements,
        models.EngagementSummaryItem: tables.engagements,
        models.CountedRecordItem: tables.counted_records,
        models.NotificationItem: tables.notifications,
        models.NotificationMarkerItem: tables.notifications,
        models.NotificationStateItem: tables.notifications,
        models.PushSubscriptionItem: tables.notifications,
        models.LivePresenceItem: tables.live_connections,
        models.LiveConnectionItem: tables.live_connections,
    }
    for model, table in by_model.items():
        if table and model.Meta.table_name != table:
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


class _OrderedTransactWrite(TransactWrite):
    """Remembers the order items were added in. PynamoDB sends condition checks, then deletes,
    puts and updates, and DynamoDB reports cancellation reasons in that sent order; callers
    read them in the order they wrote their items."""

    _SENT_ORDER = ("condition_check", "delete", "save", "update")

    def __init__(self, connection: Connection) -> None:
        super().__init__(connection=connection)
        self.calls: list[str] = []

    def condition_check(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("condition_check")
        super().condition_check(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("delete")
        super().delete(*args, **kwargs)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("save")
        super().save(*args, **kwargs)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append("update")
        super().update(*args, **kwargs)

    def in_call_order(self, sent: list[str | None]) -> list[str | None]:
        if len(sent) != len(self.calls):
            return sent
        offsets, position = {}, 0
        for kind in self._SENT_ORDER:
            offsets[kind] = position
            position += self.calls.count(kind)
        seen: dict[str, int] = dict.fromkeys(self._SENT_ORDER, 0)
        ordered = []
        for kind in self.calls:
            ordered.append(sent[offsets[kind] + seen[kind]])
            seen[kind] += 1
        return ordered


def run_transaction(build: Callable[[TransactWrite], None]) -> list[str | None]:
    """Run a write transaction; return [] on success, or the per-item cancellation codes,
    in the order `build` added the items, when a condition failed. Conflicts with concurrent
    transactions and throttling are retried with jittered backoff, then raised as `Retryable`."""
    for attempt in range(TRANSACTION_ATTEMPTS):
        transaction = _OrderedTransactWrite(connection=shared_connection())
        try:
            with transaction:
                build(transaction)
            return []
        except TransactWriteError as error:
            codes = transaction.in_call_order(cancellation_codes(error))
            if "ConditionalCheckFailed" in codes and "TransactionConflict" not in codes:
                return codes
            retryable = {None, "TransactionConflict", "ThrottlingError", "ConditionalCheckFailed"}
            if not (codes and set(codes) <= retryable) and not is_throttling(error):
                raise
        time.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise Retryable("the database is busy with conflicting writes; retry the request")


CONDITIONAL = "ConditionalCheckFailed"


@dataclass(frozen=True)
class Step:
    """One item of a write transaction, and what its condition failing means."""

    add: Callable[[TransactWrite], None]
    # The domain error its failed condition means (None: it has no condition, or failing it is an answer).
    refused: Callable[[], Exception] | None = None
    # For an item whose condition fails when it is full (an author's recent tweets, a viewer's summary):
    # what makes room, after which the whole transaction is written again.
    make_room: Callable[[], object] | None = None


def run_steps(steps: list[Step], *, raise_refusals: bool = True) -> list[str | None]:
    """Run the steps as one transaction, making room and writing again once if an item was full; raise
    the refusal of the first step whose condition failed, or return the codes (`raise_refusals=False`:
    a caller that reads them itself). [] when the transaction went through."""

    def write(transaction: TransactWrite) -> None:
        for step in steps:
            step.add(transaction)

    failed = run_transaction(write)
    full = [step.make_room for step, code in zip(steps, failed, strict=False) if step.make_room and code == CONDITIONAL]
    if full:
        for make_room in full:
            make_room()
        failed = run_transaction(write)
    if failed and raise_refusals:
        for step, code in zip(steps, failed, strict=False):
            if code == CONDITIONAL and step.refused is not None:
                raise step.refused()
    return failed
