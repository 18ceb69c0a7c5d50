"""Billing units of the local runtime, measured: what AWS would charge for, counted as the functions run.

Off by default; `CHIRP_METER=1` switches it on (`make bench-cost` does). Two halves:

**In each sandbox** (`install_in_sandbox`, called by the worker before the handler is imported, as the IAM guard
is): botocore handlers appended to `botocore.handlers.BUILTIN_HANDLERS`, so every session created afterwards has
them (boto3's, PynamoDB's, and the lean DynamoDB client `chirp.adapters.dynamodb.wire`, which emits the same
`before-parameter-build`/`after-call` events on the DynamoDB client's emitter):
- DynamoDB: `ReturnConsumedCapacity=TOTAL` added to every call whose input accepts it, and the answer's
  `ConsumedCapacity` summed per operation and table as read or write request units (DynamoDB Local answers it as
  AWS does: 0.5 per 4 KB eventually consistent, 1 strongly consistent, 1 per KB written, twice that in a
  transaction). A write refused by its condition answers no ConsumedCapacity but AWS still charges it: counted
  as 1 write unit per item (2 in a transaction), the minimum, since the item's size is not in the answer.
- SQS and SNS: one billed request per 64 KiB chunk of a send's payload (bodies and attributes, the batch's
  total for a batch); other calls one request each.
- S3: requests by price class (PUT, COPY, POST, LIST: tier 1; GET and the rest: tier 2; DELETE free).
- API Gateway's @connections: WebSocket messages, one per 32 KB.
- Every other service: requests by operation.
- The handler's own time (billed milliseconds, rounded up, as Lambda bills since 2020; and its CPU milliseconds,
  which a machine shared with other work inflates less than the wall clock) and the bytes it wrote to
  stdout/stderr (what CloudWatch Logs ingests, before Lambda's START/END/REPORT lines, which the cost model adds).
The worker sends the invocation's meter with its answer (`{"result": ..., "meter": {...}}`).

**In the runtime**: `RUNTIME_METER` sums those per function, with the function's configured memory (GB-ms), the
SQS event-source mapping's own requests (a ReceiveMessage and a DeleteMessageBatch per batch it delivers; a DynamoDB
stream's reads by Lambda are free), and the API Gateway requests the gateway routed. `GET /_local/meter` answers
its snapshot (`?reset=1` empties it after reading; `DELETE` empties it).
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

ENVIRONMENT_VARIABLE = "CHIRP_METER"
CHUNK_64K = 64 * 1024
WEBSOCKET_MESSAGE_BYTES = 32 * 1024

S3_TIER1 = frozenset(
    {
        "PutObject",
        "CopyObject",
        "PostObject",
        "ListObjects",
        "ListObjectsV2",
        "ListBuckets",
        "ListObjectVersions",
        "ListMultipartUploads",
        "ListParts",
        "CreateMultipartUpload",
        "UploadPart",
        "UploadPartCopy",
        "CompleteMultipartUpload",
    }
)
S3_FREE = frozenset({"DeleteObject", "DeleteObjects", "AbortMultipartUpload"})
_DYNAMODB_WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_SENDS = {
    ("sqs", "SendMessage"),
    ("sqs", "SendMessageBatch"),
    ("sns", "Publish"),
    ("sns", "PublishBatch"),
}

Counters = dict[str, float]


def enabled(environ: Mapping[str, str] | None = None) -> bool:
    """Whether `CHIRP_METER` asks for metering (1, true, yes, on)."""
    value = (environ if environ is not None else os.environ).get(ENVIRONMENT_VARIABLE, "")
    return value.strip().lower() in {"1", "true", "yes", "on"}


# ---------------------------------------------------------------------- counting (sandbox side)
class InvocationMeter:
    """The counters of the invocation running in this sandbox (one at a time; the lock is for handler threads)."""

    def __init__(self) -> None:
        self._counters: defaultdict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def add(self, key: str, amount: float = 1.0) -> None:
        with self._lock:
            self._counters[key] += amount

    def take(self) -> Counters:
        """The counters so far, and start again from zero."""
        with self._lock:
            counters, self._counters = dict(self._counters), defaultdict(float)
        return counters


_meter = InvocationMeter()


def payload_bytes(service: str, operation: str, params: Mapping[str, Any]) -> int:
    """What SQS and SNS bill by: the message bodies and attributes (names, types and values), in bytes."""
    if operation.endswith("Batch"):
        entries = params.get("Entries") or params.get("PublishBatchRequestEntries") or []
        return sum(payload_bytes(service, operation.removesuffix("Batch"), entry) for entry in entries)
    body = params.get("MessageBody") if service == "sqs" else params.get("Message")
    size = len(str(body or "").encode())
    for attribute in ("MessageAttributes", "MessageSystemAttributes"):
        for name, value in (params.get(attribute) or {}).items():
            size += len(name.encode()) + len(str(value.get("DataType", "")).encode())
            size += len(str(value.get("StringValue", "")).encode()) + len(value.get("BinaryValue", b"") or b"")
    return size


def billed_requests(size: int) -> int:
    """SQS and SNS bill each 64 KiB chunk of a request's payload as one request."""
    return max(1, math.ceil(size / CHUNK_64K))


def _before_parameter_build(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    service = model.service_model.service_name
    if service == "dynamodb":
        members = model.input_shape.members if model.input_shape is not None else {}
        if "ReturnConsumedCapacity" in members and params.get("ReturnConsumedCapacity") in (None, "NONE"):
            params["ReturnConsumedCapacity"] = "TOTAL"
    elif (service, model.name) in _SENDS:
        context["chirp_meter_payload"] = payload_bytes(service, model.name, params)
    elif service == "apigatewaymanagementapi" and model.name == "PostToConnection":
        data = params.get("Data") or b""
        context["chirp_meter_payload"] = len(data.encode() if isinstance(data, str) else data)
    if service == "dynamodb" and model.name in ("BatchWriteItem", "TransactWriteItems"):
        items = params.get("RequestItems") or {}
        context["chirp_meter_items"] = (
            len(params.get("TransactItems") or []) or sum(len(requests) for requests in items.values()) or 1
        )


def _after_call(
    http_response: Any, parsed: Mapping[str, Any], model: Any, context: Mapping[str, Any], **_: Any
) -> None:
    record_call(model.service_model.service_name, model.name, parsed, context, _meter.add)


def record_call(
    service: str,
    operation: str,
    parsed: Mapping[str, Any],
    context: Mapping[str, Any],
    add: Callable[[str, float], None],
) -> None:
    """Count one AWS call's billed units with `add(key, amount)` (keys `service:operation[:detail]:unit`)."""
    status = int((parsed.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 200)
    error_code = str((parsed.get("Error") or {}).get("Code") or "")
    if status >= 500 or error_code in {"ThrottlingException", "ProvisionedThroughputExceededException"}:
        add(f"{service}:{operation}:unbilled_errors", 1)  # AWS does not charge a throttled or failed request
        return
    if service == "dynamodb":
        _record_dynamodb(operation, parsed, context, error_code, add)
    elif (service, operation) in _SENDS:
        add(f"{service}:{operation}:requests", billed_requests(int(context.get("chirp_meter_payload", 0))))
    elif service == "s3":
        tier = "free" if operation in S3_FREE else "tier1" if operation in S3_TIER1 else "tier2"
        add(f"s3:{operation}:{tier}_requests", 1)
    elif service == "apigatewaymanagementapi" and operation == "PostToConnection":
        size = int(context.get("chirp_meter_payload", 0))
        add("websocket:PostToConnection:messages", max(1, math.ceil(size / WEBSOCKET_MESSAGE_BYTES)))
    else:
        add(f"{service}:{operation}:requests", 1)


def _record_dynamodb(
    operation: str,
    parsed: Mapping[str, Any],
    context: Mapping[str, Any],
    error_code: str,
    add: Callable[[str, float], None],
) -> None:
    add(f"dynamodb:{operation}:requests", 1)
    consumed = parsed.get("ConsumedCapacity")
    entries = consumed if isinstance(consumed, list) else [consumed] if consumed else []
    write = operation in _DYNAMODB_WRITES
    for entry in entries:
        table = entry.get("TableName", "?")
        reads, writes = entry.get("ReadCapacityUnits"), entry.get("WriteCapacityUnits")
        if reads is None and writes is None:
            reads, writes = (0.0, entry.get("CapacityUnits", 0.0)) if write else (entry.get("CapacityUnits", 0.0), 0.0)
        if reads:
            add(f"dynamodb:{operation}:{table}:read_units", float(reads))
        if writes:
            add(f"dynamodb:{operation}:{table}:write_units", float(writes))
    if not entries and error_code in {"ConditionalCheckFailedException", "TransactionCanceledException"}:
        items = int(context.get("chirp_meter_items", 1))
        per_item = 2.0 if operation.startswith("Transact") else 1.0
        add(f"dynamodb:{operation}:?:write_units", per_item * items)  # AWS charges a refused write: the minimum
        add(f"dynamodb:{operation}:refused_writes", 1)


class _CountingStream:
    """A stdout/stderr that counts the bytes written through it (what CloudWatch Logs would ingest)."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        _meter.add("logs:bytes", len(text.encode("utf-8", "replace")))
        written: int = self._stream.write(text)
        return written

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


_installed = threading.Event()


def installed() -> bool:
    """Whether this process meters its calls (`install_in_sandbox` ran)."""
    return _installed.is_set()


def install_in_sandbox() -> None:
    """Meter every AWS call this process makes from now on, and its log output. Idempotent."""
    import botocore.handlers

    if _installed.is_set():
        return
    _installed.set()

    handlers: list[tuple[Any, ...]] = [
        ("before-parameter-build", _before_parameter_build),
        ("after-call", _after_call),
    ]
    botocore.handlers.BUILTIN_HANDLERS.extend(handlers)
    boto3 = sys.modules.get("boto3")
    default_session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
    if default_session is not None:
        for event_name, handler in handlers:
            default_session._session.register(event_name, handler)
    sys.stdout = _CountingStream(sys.stdout)
    sys.stderr = _CountingStream(sys.stderr)


def metered(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The handler, timed: its billed milliseconds (rounded up to the next one) join the invocation's meter."""

    def run(event: Any, context: Any) -> Any:
        _meter.take()  # what was logged or called between invocations is not this one's
        started, cpu = time.perf_counter(), time.process_time()
        try:
            return handler(event, context)
        finally:
            _meter.add("lambda:duration_ms", (time.perf_counter() - started) * 1000)
            _meter.add("lambda:cpu_ms", (time.process_time() - cpu) * 1000)  # the part a busy machine does not inflate

    return run


def invocation_report() -> dict[str, Counters]:
    """What the worker appends to its answer: `{"meter": counters}`."""
    return {"meter": _meter.take()}


# ---------------------------------------------------------------------- summing (runtime side)
class RuntimeMeter:
    """Per function, the sum of its invocations' meters; and the API Gateway's requests."""

    def __init__(self, on: bool = False) -> None:
        self.enabled = on
        self._lock = threading.Lock()
        self._functions: defaultdict[str, defaultdict[str, float]] = defaultdict(lambda: defaultdict(float))
        self._gateway: defaultdict[str, float] = defaultdict(float)
        self._since = time.time()

    def record_invocation(self, logical_id: str, memory_mb: int, event: Any, meter: Mapping[str, float]) -> None:
        duration_ms = float(meter.get("lambda:duration_ms", 0.0))
        billed_ms = max(1, math.ceil(duration_ms))
        with self._lock:
            counters = self._functions[logical_id]
            counters["lambda:invocations"] += 1
            counters["lambda:billed_ms"] += billed_ms
            counters["lambda:gb_ms"] += billed_ms * memory_mb / 1024
            counters["lambda:memory_mb"] = memory_mb
            for key, value in meter.items():
                if key != "lambda:duration_ms":
                    counters[key] += value
            if _is_sqs_batch(event):
                counters["sqs:EventSourceMapping:requests"] += 2  # its ReceiveMessage and DeleteMessageBatch

    def record_api_request(self, route: str) -> None:
        with self._lock:
            self._gateway["apigateway:http:requests"] += 1
            self._gateway[f"apigateway:route:{route}"] += 1

    def snapshot(self, reset: bool = False) -> dict[str, Any]:
        with self._lock:
            functions = {name: dict(counters) for name, counters in self._functions.items()}
            gateway = dict(self._gateway)
            since = self._since
            if reset:
                self._functions.clear()
                self._gateway.clear()
                self._since = time.time()
        totals: defaultdict[str, float] = defaultdict(float)
        for counters in [*functions.values(), gateway]:
            for key, value in counters.items():
                if key != "lambda:memory_mb":
                    totals[key] += value
        return {"since": since, "until": time.time(), "functions": functions, "gateway": gateway, "totals": totals}

    def reset(self) -> None:
        self.snapshot(reset=True)


def _is_sqs_batch(event: Any) -> bool:
    records = event.get("Records") if isinstance(event, dict) else None
    if not isinstance(records, list) or not records or not isinstance(records[0], dict):
        return False
    return bool(records[0].get("eventSource") == "aws:sqs")


RUNTIME_METER = RuntimeMeter(on=enabled())
"""The runtime's meter (its process: the gateway and the sandbox pools report to it)."""
