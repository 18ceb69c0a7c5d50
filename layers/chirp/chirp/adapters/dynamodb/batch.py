"""BatchWriteItem with what PynamoDB's batch writer lacks: UnprocessedItems retried with
exponential backoff and jitter (tenacity), as AWS recommends, before giving up loudly."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from chirp.adapters.dynamodb.connection import shared_connection
from chirp.errors import Retryable

MAX_ITEMS_PER_CALL = 25
ATTEMPTS = 8

WriteRequest = dict[str, Any]


class _Unprocessed(Exception):
    pass


def put_request(item: dict[str, Any]) -> WriteRequest:
    return {"PutRequest": {"Item": item}}


def delete_request(key: dict[str, Any]) -> WriteRequest:
    return {"DeleteRequest": {"Key": key}}


def batch_write(table_name: str, requests: Sequence[WriteRequest]) -> None:
    for start in range(0, len(requests), MAX_ITEMS_PER_CALL):
        _write_chunk(table_name, list(requests[start : start + MAX_ITEMS_PER_CALL]))


def _write_chunk(table_name: str, pending: list[WriteRequest]) -> None:
    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_random_exponential(multiplier=0.025, max=2),
        retry=retry_if_exception_type(_Unprocessed),
    )
    try:
        for attempt in retrying:
            with attempt:
                client: Any = shared_connection().client
                response = client.batch_write_item(RequestItems={table_name: pending})
                pending = response.get("UnprocessedItems", {}).get(table_name, [])
                if pending:
                    raise _Unprocessed
    except RetryError:
        raise Retryable(f"{len(pending)} writes to {table_name} stayed unprocessed after {ATTEMPTS} attempts") from None
