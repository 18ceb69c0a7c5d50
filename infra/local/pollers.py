"""What stream and queue pollers share: mapping settings, the poll thread, invocation outcomes.

A poller plays the part of one Lambda event source mapping (one `Type: DynamoDB` or `Type: SQS`
event of a function). It runs in its own thread and survives anything a handler does: a failing
handler is an outcome to act on (retry, report, send to a destination), never a reason to stop.
"""

from __future__ import annotations

import json
import os
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
    """Invoke the function with `{"Records": records}` and read its (partial) batch response; one line on the
    terminal (`batch_line`) and the mapping's figures (`BATCH_STATS`) either way."""
    started = time.perf_counter()
    try:
        response = invoker.invoke(settings.function_id, {"Records": records})
    except FunctionError as error:  # the sandbox printed the handler's traceback
        outcome = InvocationOutcome(failed_ids=None, error=str(error))
        _report(settings, records, outcome, started)
        return outcome
    except Exception as error:  # a failed invocation is an outcome, not a poller failure
        outcome = InvocationOutcome(failed_ids=None, error=f"{type(error).__name__}: {error}")
        _report(settings, records, outcome, started)
        traceback.print_exc()
        return outcome
    outcome = _outcome_of_response(settings, response, {item_id(record) for record in records})
    _report(settings, records, outcome, started)
    return outcome


def _report(
    settings: MappingSettings, records: list[dict[str, Any]], outcome: InvocationOutcome, started: float
) -> None:
    elapsed_ms = (time.perf_counter() - started) * 1000
    BATCH_STATS.record(settings.name, len(records), outcome)
    log_line(batch_line(settings, len(records), outcome, elapsed_ms))


def batch_line(settings: MappingSettings, count: int, outcome: InvocationOutcome, elapsed_ms: float) -> str:
    """`[batch] TimelineWriterFunction   <- TimelineQueue        10 records  ok                 12 ms`: which
    function, from which source (the event's name in the template), how many records, what came of them."""
    if outcome.succeeded:
        result = "ok"
    elif outcome.failed_ids is None:
        result = f"FAILED {outcome.error or ''}".rstrip()
    else:
        shown = ",".join(_short_id(item) for item in outcome.failed_ids[:3])
        more = f",+{len(outcome.failed_ids) - 3}" if len(outcome.failed_ids) > 3 else ""
        result = f"failed {len(outcome.failed_ids)}/{count}: {shown}{more}"
    records = f"{count} record{'s' if count != 1 else ' '}"
    source = f"<- {settings.event_name}"
    return f"[batch] {settings.function_id:<28} {source:<27} {records:>11} {elapsed_ms:>7.0f} ms  {result}"


def _short_id(item_id: str) -> str:
    """A stream record's sequence number or a message id, short enough to scan (its tail: what differs)."""
    return item_id if len(item_id) <= 12 else "…" + item_id[-11:]


@dataclass
class MappingFigures:
    """What `make status` shows of one event source mapping's batches."""

    batches: int = 0
    records: int = 0
    failed_batches: int = 0  # a whole batch failed, or some of its items
    consecutive_failures: int = 0
    last_batch_at: float | None = None  # time.time()
    last_error: str | None = None


class BatchStats:
    """Every mapping's figures, by mapping name (`Function.Event`), for the runtime's status."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._figures: dict[str, MappingFigures] = {}

    def record(self, name: str, count: int, outcome: InvocationOutcome) -> None:
        with self._lock:
            figures = self._figures.setdefault(name, MappingFigures())
            figures.batches += 1
            figures.records += count
            figures.last_batch_at = time.time()
            if outcome.succeeded:
                figures.consecutive_failures = 0
            else:
                figures.failed_batches += 1
                figures.consecutive_failures += 1
                failed = f"{len(outcome.failed_ids)} of {count} items" if outcome.failed_ids is not None else ""
                figures.last_error = outcome.error or failed

    def figures(self, name: str) -> MappingFigures:
        with self._lock:
            found = self._figures.get(name)
            return MappingFigures(**vars(found)) if found is not None else MappingFigures()


BATCH_STATS = BatchStats()


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
    log_line(f"[poller] {message}")


def log_line(line: str) -> None:
    """One line on the runtime's terminal (stderr), whole: lines of concurrent threads never interleave."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def function_logs_elsewhere() -> bool:
    """Whether the functions' own output goes to `<data>/logs/functions/` (CHIRP_FUNCTION_LOGS, `file` by
    default; its warnings, errors and tracebacks still shown here) rather than all of it to the terminal."""
    return os.environ.get("CHIRP_FUNCTION_LOGS", "file").strip().lower() != "terminal"


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
