"""Test handlers for the local runtime's schedules: they record what they were invoked with."""

from __future__ import annotations

import os
from typing import Any

import local_probe


def record_handler(event: Any, context: Any) -> None:
    """Record the event, the request id and the search endpoint the function was given."""
    seen = {"event": event, "request_id": context.aws_request_id, "search_endpoint": os.environ.get("SEARCH_ENDPOINT")}
    local_probe.record_invocation(context.function_name, [], [], seen)


def failing_handler(event: Any, context: Any) -> None:
    """Record the attempt, then fail, so that Lambda retries it."""
    local_probe.record_invocation(context.function_name, [], [], {"event": event, "request_id": context.aws_request_id})
    raise RuntimeError("the scheduled job failed")
