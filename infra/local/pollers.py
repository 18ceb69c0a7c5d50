"""What stream and queue pollers share: mapping settings, the poll thread, invocation outcomes.

A poller plays the part of one Lambda event source mapping (one `Type: DynamoDB` or `Type: SQS`
event of a function). It runs in its own thread and survives anything a handler does: a failing
handler is an outcome to act on (retry, report, send to a destination), never a reason to stop.
"""

from __future__ import annotations

import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from infra.local.aws import AwsClients
from infra.local.event_filter import filter_patterns
from infra.local.sandbox import FunctionError, Invoker

POLL_INTERVAL_SECONDS = 0.25  # Lambda polls streams four times a second


@dataclass(frozen=True)
class MappingSettings:
    """The properties of a function's DynamoDB or SQS event, with Lambda's defaults."""

    function_id: str
    event_name: str
    source_arn: str
    batch_size: int
    batching_window_seconds: float
    starting_position: str = "TRIM_HORIZON"
    report_batch_item_failures: bool = False
    maximum_retry_attempts: int = -1  # -1: retry until the record expires
    bisect_on_error: bool = False
    on_failure_arn: str | None = None
    filter_patterns: list[dict[str, Any]] = field(default_factory=list)
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function_id}.{self.event_name}"


def stream_mapping_settings(function_id: str, event_name: str, properties: dict[str, Any]) -> MappingSettings:
    return MappingSettings(
        function_id=function_id,
        event_name=event_name,
        source_arn=str(properties["Stream"]),
        batch_size=int(properties.get("BatchSize", 100)),
        batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
        starting_position=str(properties.get("StartingPosition", "TRIM_HORIZON")),
        report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
        maximum_retry_attempts=int(properties.get("MaximumRetryAttempts", -1)),
        bisect_on_error=_is_true(properties.get("BisectBatchOnFunctionError", False)),
        on_failure_arn=((properties.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
        filter_patterns=filter_patterns(properties),
        enabled=_is_true(properties.get("Enabled", True)),
    )


def sqs_mapping_settings(function_id: str, event_name: str, properties: dict[str, Any]) -> MappingSettings:
    return MappingSettings(
        function_id=function_id,
        event_name=event_name,
        source_arn=str(properties["Queue"]),
        batch_size=int(properties.get("BatchSize", 10)),
        batching_window_seconds=float(properties.get("MaximumBatchingWindowInSeconds", 0)),
        report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
        filter_patterns=filter_patterns(properties),
        enabled=_is_true(properties.get("Enabled", True)),
    )


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


@dataclass(frozen=True)
class InvocationOutcome:
    """What came of handing a batch to the function."""

    failed_ids: list[str] | None  # None: the whole batch failed (error or invalid response)
    error: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.failed_ids == []


def invoke_batch(
    invoker: Invoker,
    settings: MappingSettings,
    records: list[dict[str, Any]],
    item_id: Callable[[dict[str, Any]], str],
) -> InvocationOutcome:
    """Invoke the function with `{"Records": records}` and read its (partial) batch response."""
    started = time.perf_counter()
    try:
        response = invoker.invoke(settings.function_id, {"Records": records})
    except FunctionError as error:  # the sandbox printed the handler's traceback
        log(f"{settings.name}: function error on a batch of {len(records)}: {error}")
        return InvocationOutcome(failed_ids=None, error=str(error))
    except Exception as error:  # a failed invocation is an outcome, not a poller failure
        log(f"{settings.name}: invocation failed on a batch of {len(records)}: {type(error).__name__}: {error}")
        traceback.print_exc()
        return InvocationOutcome(failed_ids=None, error=f"{type(error).__name__}: {error}")
    outcome = _outcome_of_response(settings, response, {item_id(record) for record in records})
    elapsed_ms = (time.perf_counter() - started) * 1000
    status = "ok" if outcome.succeeded else f"failed ({outcome.error or len(outcome.failed_ids or [])})"
    log(f"{settings.name}: batch of {len(records)} {status} in {elapsed_ms:.0f}ms")
    return outcome


def _outcome_of_response(settings: MappingSettings, response: Any, batch_ids: set[str]) -> InvocationOutcome:
    if not settings.report_batch_item_failures or not response:
        return InvocationOutcome(failed_ids=[])
    failures = response.get("batchItemFailures") if isinstance(response, dict) else None
    if not failures:
        return InvocationOutcome(failed_ids=[])
    failed_ids = [str(item.get("itemIdentifier") or "") for item in failures if isinstance(item, dict)]
    if len(failed_ids) != len(failures) or not set(failed_ids) <= batch_ids:
        return InvocationOutcome(failed_ids=None, error="invalid batchItemFailures: the whole batch failed")
    return InvocationOutcome(failed_ids=failed_ids, error=None)


def queue_url_of_arn(clients: AwsClients, queue_arn: str) -> str:
    parts = queue_arn.split(":")
    response = clients.client("sqs").get_queue_url(QueueName=parts[5], QueueOwnerAWSAccountId=parts[4])
    return str(response["QueueUrl"])


def send_to_destination(clients: AwsClients, destination_arn: str, message: dict[str, Any]) -> None:
    """Send an on-failure record to an SQS queue or SNS topic."""
    body = json.dumps(message)
    if destination_arn.startswith("arn:aws:sns:"):
        clients.client("sns").publish(TopicArn=destination_arn, Message=body)
    else:
        clients.client("sqs").send_message(QueueUrl=queue_url_of_arn(clients, destination_arn), MessageBody=body)


def failure_envelope(function_arn: str, invoke_count: int, function_error: bool) -> dict[str, Any]:
    """The request/response context part of Lambda's on-failure invocation record."""
    response_context: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
    if function_error:
        response_context["functionError"] = "Unhandled"
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": invoke_count,
        },
        "responseContext": response_context,
        "version": "1.0",
        "timestamp": iso_timestamp(datetime.now(UTC)),
    }


def iso_timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def log(message: str) -> None:
    print(f"[poller] {message}", file=sys.stderr, flush=True)


class PollerThread:
    """Runs `poll_once` in a thread of its own until stopped, pausing POLL_INTERVAL_SECONDS when it
    found nothing to do. No exception ends the loop: it is logged and the poll tried again a second later.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"poller-{name}", daemon=True)

    def poll_once(self) -> bool:
        """Do one round of work; True when more work is probably waiting (poll again at once)."""
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                busy = self.poll_once()
            except Exception:
                log(f"{self.name}: poll failed, retrying in 1 s")
                traceback.print_exc()
                self.stopping.wait(1.0)
                continue
            if not busy:
                self.stopping.wait(POLL_INTERVAL_SECONDS)

    def stop(self, timeout: float = 5.0) -> None:
        self.stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
