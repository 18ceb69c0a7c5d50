"""BatchWriteItem and BatchGetItem with what PynamoDB's batch calls lack: several tables in one
call (reads), and UnprocessedItems/UnprocessedKeys retried with exponential backoff and jitter
(tenacity), as AWS recommends, before giving up loudly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from chirp.adapters.dynamodb.connection import shared_connection
from chirp.adapters.dynamodb.wire import wire
from chirp.concurrency import submit
from chirp.errors import Retryable

MAX_ITEMS_PER_CALL = 25
ATTEMPTS = 8

WriteRequest = dict[str, Any]
Pending = TypeVar("Pending", list[WriteRequest], dict[str, Any])


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
    def send(requests: list[WriteRequest]) -> list[WriteRequest]:
        client: Any = shared_connection().client
        response = client.batch_write_item(RequestItems={table_name: requests})
        unprocessed: list[WriteRequest] = response.get("UnprocessedItems", {}).get(table_name, [])
        return unprocessed

    _until_processed(send, pending, lambda left: f"{len(left)} writes to {table_name} stayed unprocessed")


def _until_processed(
    send: Callable[[Pending], Pending], pending: Pending, unprocessed: Callable[[Pending], str]
) -> None:
    """Send `pending`, then what comes back unprocessed, with exponential backoff and jitter, until
    nothing does; Retryable after ATTEMPTS sends."""
    retrying = Retrying(
        stop=stop_after_attempt(ATTEMPTS),
        wait=wait_random_exponential(multiplier=0.025, max=2),
        retry=retry_if_exception_type(_Unprocessed),
    )
    try:
        for attempt in retrying:
            with attempt:
                pending = send(pending)
                if pending:
                    raise _Unprocessed
    except RetryError:
        raise Retryable(f"{unprocessed(pending)} after {ATTEMPTS} attempts") from None


MAX_KEYS_PER_GET = 100


@dataclass(frozen=True)
class TableRead:
    """What one BatchGetItem asks of one table: keys, and how to read them."""

    keys: list[dict[str, Any]]
    consistent: bool = False
    projection: str | None = None
    names: dict[str, str] | None = None


def batch_get(reads: dict[str, TableRead]) -> dict[str, list[dict[str, Any]]]:
    """Every item of every table in `reads` that exists, as raw DynamoDB JSON: one BatchGetItem
    for up to 100 keys across the tables, several side by side beyond that, UnprocessedKeys
    retried with backoff."""
    requests: list[dict[str, Any]] = []
    current: dict[str, Any] = {}
    room = MAX_KEYS_PER_GET
    for table, read in reads.items():
        keys = read.keys
        while keys:
            taken, keys = keys[:room], keys[room:]
            request: dict[str, Any] = {"Keys": taken, "ConsistentRead": read.consistent}
            if read.projection:
                request["ProjectionExpression"] = read.projection
            if read.names:
                request["ExpressionAttributeNames"] = read.names
            current[table] = request
            room -= len(taken)
            if room == 0:
                requests.append(current)
                current, room = {}, MAX_KEYS_PER_GET
    if current:
        requests.append(current)
    found: dict[str, list[dict[str, Any]]] = {table: [] for table in reads}
    if not requests:
        return found
    futures = [submit(_get_chunk, request) for request in requests[1:]]
    parts = [_get_chunk(requests[0]), *(future.result() for future in futures)]
    for part in parts:
        for table, items in part.items():
            found[table].extend(items)
    return found


def _get_chunk(pending: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}

    def send(requests: dict[str, Any]) -> dict[str, Any]:
        response = wire().batch_get_item(RequestItems=requests)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        unprocessed: dict[str, Any] = response.get("UnprocessedKeys") or {}
        return unprocessed

    _until_processed(send, pending, lambda left: f"reads of {', '.join(left)} stayed unprocessed")
    return found
