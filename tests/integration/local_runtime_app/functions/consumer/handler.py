"""Test handlers for the local runtime's pollers: they fail on the keys the test names."""

from __future__ import annotations

import os
from typing import Any

import local_probe


def record_key(record: dict[str, Any]) -> str:
    if record.get("eventSource") == "aws:sqs":
        return str(record["body"])
    return str(record["dynamodb"]["Keys"]["pk"]["S"])


def item_identifier(record: dict[str, Any]) -> str:
    if record.get("eventSource") == "aws:sqs":
        return str(record["messageId"])
    return str(record["dynamodb"]["SequenceNumber"])


def partial_batch_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Report the failing records; the others succeed."""
    assert os.environ["EVENTS_TABLE"]
    keys = [record_key(record) for record in event["Records"]]
    failures = [
        item_identifier(record) for record, key in zip(event["Records"], keys, strict=True) if local_probe.fails(key)
    ]
    succeeded = [key for key in keys if not local_probe.fails(key)]
    local_probe.record_invocation(context.function_name, keys, succeeded, event)
    return {"batchItemFailures": [{"itemIdentifier": failure} for failure in failures]}


def all_or_nothing_handler(event: dict[str, Any], context: Any) -> None:
    """Raise when any record fails, so that the whole batch fails."""
    keys = [record_key(record) for record in event["Records"]]
    failed = any(local_probe.fails(key) for key in keys)
    local_probe.record_invocation(context.function_name, keys, [] if failed else keys, event)
    if failed:
        raise RuntimeError(f"poison in {keys}")
