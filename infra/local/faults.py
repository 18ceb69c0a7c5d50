"""Fault injection for the local runtime: what goes wrong on AWS, on purpose, at a chosen rate (off by default).

Chirp must lose nothing and double nothing when invocations fail, sandboxes die, AWS throttles and messages come
twice. On AWS those happen rarely and never on demand; here each is a share of the runtime's work, switched on by
environment variables of the runtime (`make run`), read once into `FaultSettings`:

| variable | meaning |
|---|---|
| `CHIRP_FAULT_SEED` | seed of the decisions (int), so a run can be replayed; default: random (logged) |
| `CHIRP_FAULT_INVOKE_ERROR` | share of invocations that raise: half before the handler runs, half after it ran |
| `CHIRP_FAULT_INVOKE_TIMEOUT` | share of invocations whose sandbox is killed at a random moment, as at a timeout |
| `CHIRP_FAULT_AWS_THROTTLE` | share of the functions' DynamoDB, SQS and SNS calls answered with the throttling error |
| `CHIRP_FAULT_AWS_5XX` | share of those calls answered 500 / 503 |
| `CHIRP_FAULT_REDELIVER` | share of handled SQS messages and stream batches delivered again |
| `CHIRP_FAULT_POLLER_RESTART` | share of stream-poller rounds after which it forgets its position but its checkpoints |
| `CHIRP_FAULT_FUNCTIONS` | comma-separated logical ids the faults apply to; default: every function, API included |

Where each is injected, and why there:
- invoke error and timeout: `infra.local.sandbox.Invoker` decides, the worker acts (`fault` in the request):
  it raises before calling the handler, or calls it and raises instead of answering (its side effects are done,
  its answer is lost), or calls it and never answers, and the invoker SIGKILLs the sandbox at a random moment
  (mid-handler or after it), reports Lambda's `Task timed out`, and the pool starts a new sandbox.
- AWS errors: in the sandbox, a botocore `before-send` handler (`install_aws_faults`, installed by the worker
  as it installs the IAM guard, before the handler is imported) answers in the service's place with the service's
  own error (status, body and headers as AWS sends them), before the request leaves. botocore parses it and its
  retry handler treats it as the real one, so the SDK retries (or not) exactly as on AWS. The home timeline's
  lean client (`chirp.adapters.dynamodb.wire`) emits `before-send` on the DynamoDB client's events too, so it
  sees the same faults and retries them with its own policy.
- redelivery and poller restart: in the pollers (`infra.local.sqs_poller`, `infra.local.stream_poller`).

Every fault is logged as one line `[fault] <kind> <function> ...` on stderr and counted by kind (`snapshot()`);
the sandboxes' AWS faults are counted in the sandbox and reported with each answer.

Imports the standard library and botocore only: the worker imports it before the handler, as the IAM guard.
"""

from __future__ import annotations

import json
import random
import secrets
import sys
import threading
import uuid
import zlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The kinds of fault, as counted and logged.
INVOKE_ERROR_BEFORE = "invoke_error_before"
INVOKE_ERROR_AFTER = "invoke_error_after"
INVOKE_TIMEOUT = "invoke_timeout"
AWS_THROTTLE = "aws_throttle"
AWS_5XX = "aws_5xx"
REDELIVER = "redeliver"
POLLER_RESTART = "poller_restart"
KINDS = (INVOKE_ERROR_BEFORE, INVOKE_ERROR_AFTER, INVOKE_TIMEOUT, AWS_THROTTLE, AWS_5XX, REDELIVER, POLLER_RESTART)

# A timed-out sandbox is killed at a moment drawn in [0, this] (or its timeout, when shorter): Chirp's handlers
# take milliseconds locally, so the moment falls mid-handler or just after it, where a real timeout lands on a
# hung call; waiting for the function's own timeout (10-30 s) would only slow the run.
TIMEOUT_KILL_WINDOW_SECONDS = 0.5
SERVICES = ("dynamodb", "sqs", "sns")  # the calls whose answers are faked (botocore's service ids, hyphenized)

_SHARES = {
    "invoke_error": "CHIRP_FAULT_INVOKE_ERROR",
    "invoke_timeout": "CHIRP_FAULT_INVOKE_TIMEOUT",
    "aws_throttle": "CHIRP_FAULT_AWS_THROTTLE",
    "aws_5xx": "CHIRP_FAULT_AWS_5XX",
    "redeliver": "CHIRP_FAULT_REDELIVER",
    "poller_restart": "CHIRP_FAULT_POLLER_RESTART",
}


class FaultConfigError(ValueError):
    """A CHIRP_FAULT_* variable has a wrong value (the runtime's ConfigError, which subclasses ValueError too)."""


@dataclass(frozen=True)
class FaultSettings:
    """The shares of each fault (0..1), the seed of their decisions, and the functions they apply to."""

    seed: int = 0
    invoke_error: float = 0.0
    invoke_timeout: float = 0.0
    aws_throttle: float = 0.0
    aws_5xx: float = 0.0
    redeliver: float = 0.0
    poller_restart: float = 0.0
    functions: frozenset[str] | None = None  # None: every function

    @property
    def enabled(self) -> bool:
        return any(getattr(self, name) > 0 for name in _SHARES)

    def applies_to(self, function_id: str) -> bool:
        return self.enabled and (self.functions is None or function_id in self.functions)

    def describe(self) -> str:
        shares = ", ".join(f"{name}={getattr(self, name):g}" for name in _SHARES if getattr(self, name) > 0)
        only = f", functions {','.join(sorted(self.functions))}" if self.functions is not None else ""
        return f"seed {self.seed}: {shares}{only}"


def fault_settings_from_environ(environ: Mapping[str, str]) -> FaultSettings:
    """Read the CHIRP_FAULT_* variables; ConfigError (infra.local.config's) on a malformed value."""
    try:
        return _parse(environ)
    except FaultConfigError as error:
        from infra.local.config import ConfigError  # not at the top: the worker imports this module alone

        raise ConfigError(str(error)) from None


def _parse(environ: Mapping[str, str]) -> FaultSettings:
    shares = {name: _share(environ, variable) for name, variable in _SHARES.items()}
    for first, second in (("invoke_error", "invoke_timeout"), ("aws_throttle", "aws_5xx")):
        if shares[first] + shares[second] > 1:
            raise FaultConfigError(f"{_SHARES[first]} + {_SHARES[second]} must be at most 1 (they share one draw)")
    raw_seed = environ.get("CHIRP_FAULT_SEED", "").strip()
    try:
        seed = int(raw_seed) if raw_seed else secrets.randbelow(2**31)
    except ValueError:
        raise FaultConfigError(f"CHIRP_FAULT_SEED must be an integer, got {raw_seed!r}") from None
    names = [name.strip() for name in environ.get("CHIRP_FAULT_FUNCTIONS", "").split(",") if name.strip()]
    return FaultSettings(seed=seed, functions=frozenset(names) if names else None, **shares)


def _share(environ: Mapping[str, str], variable: str) -> float:
    raw = environ.get(variable, "").strip()
    if not raw:
        return 0.0
    try:
        share = float(raw)
    except ValueError:
        raise FaultConfigError(f"{variable} must be a share between 0 and 1, got {raw!r}") from None
    if not 0.0 <= share <= 1.0:  # NaN fails both comparisons
        raise FaultConfigError(f"{variable} must be a share between 0 and 1, got {raw!r}")
    return share


def log_fault(kind: str, function_id: str, details: str = "") -> None:
    print(f"[fault] {kind} {function_id}{' ' + details if details else ''}", file=sys.stderr, flush=True)


class FaultCounts:
    """Faults injected so far, by kind; thread-safe."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, kind: str, count: int = 1) -> None:
        with self._lock:
            self._counts[kind] += count

    def snapshot(self) -> dict[str, int]:
        """Every kind, zeros included, so a status table has a stable shape."""
        with self._lock:
            return {kind: self._counts[kind] for kind in KINDS} | dict(self._counts)


class FaultInjector:
    """The runtime's decisions: seeded, thread-safe, counted and logged. Off, it decides nothing and draws nothing."""

    def __init__(self, settings: FaultSettings | None = None) -> None:
        self.settings = settings or FaultSettings()
        self.counts = FaultCounts()
        self._random = random.Random(self.settings.seed)
        self._lock = threading.Lock()
        self._sandboxes: Counter[str] = Counter()

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def snapshot(self) -> dict[str, int]:
        return self.counts.snapshot()

    def _draw(self) -> float:
        with self._lock:
            return self._random.random()

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self._random.uniform(low, high)

    def happens(self, kind: str, share: float, function_id: str, details: str = "") -> bool:
        """Whether a fault of `kind` strikes this time (counted and logged when it does)."""
        if share <= 0 or not self.settings.applies_to(function_id):
            return False
        if self._draw() >= share:
            return False
        self.record(kind, function_id, details)
        return True

    def record(self, kind: str, function_id: str, details: str = "") -> None:
        self.counts.add(kind)
        log_fault(kind, function_id, details)

    def invoke_fault(self, function_id: str, details: str = "") -> str | None:
        """None, or which fault this invocation meets: INVOKE_ERROR_BEFORE, INVOKE_ERROR_AFTER or INVOKE_TIMEOUT."""
        settings = self.settings
        if settings.invoke_error + settings.invoke_timeout <= 0 or not settings.applies_to(function_id):
            return None
        draw = self._draw()
        if draw < settings.invoke_error:
            kind = INVOKE_ERROR_BEFORE if draw < settings.invoke_error / 2 else INVOKE_ERROR_AFTER
        elif draw < settings.invoke_error + settings.invoke_timeout:
            kind = INVOKE_TIMEOUT
        else:
            return None
        self.record(kind, function_id, details)
        return kind

    def redeliver(self, function_id: str, details: str = "") -> bool:
        return self.happens(REDELIVER, self.settings.redeliver, function_id, details)

    def poller_restart(self, function_id: str, details: str = "") -> bool:
        return self.happens(POLLER_RESTART, self.settings.poller_restart, function_id, details)

    def sandbox_settings(self, function_id: str) -> dict[str, Any] | None:
        """What a new sandbox of `function_id` needs to fake AWS's errors (None: no AWS faults there).

        Each sandbox draws from its own seeded source (the run's seed, the function, the sandbox's number)."""
        settings = self.settings
        if settings.aws_throttle + settings.aws_5xx <= 0 or not settings.applies_to(function_id):
            return None
        with self._lock:
            self._sandboxes[function_id] += 1
            number = self._sandboxes[function_id]
        return {
            "seed": f"{settings.seed}:{function_id}:{number}",
            "function": function_id,
            "throttle": settings.aws_throttle,
            "server_error": settings.aws_5xx,
        }


# ---------------------------------------------------------------------- AWS's errors, in the sandbox
class AwsFaults:
    """A sandbox's `before-send` handler: answers a share of DynamoDB, SQS and SNS calls with the service's error."""

    def __init__(self, settings: Mapping[str, Any]) -> None:
        self.function = str(settings["function"])
        self.throttle = float(settings["throttle"])
        self.server_error = float(settings["server_error"])
        self._random = random.Random(str(settings["seed"]))
        self._lock = threading.Lock()
        self.counts = FaultCounts()
        self._reported: Counter[str] = Counter()

    def __call__(self, request: Any, event_name: str, **_kwargs: Any) -> Any:
        service, operation = [*event_name.split("."), "", ""][1:3]  # before-send.<service>.<operation>
        if service not in SERVICES:
            return None
        with self._lock:
            draw = self._random.random()
            status_choice = self._random.random()
        if draw < self.throttle:
            kind = AWS_THROTTLE
        elif draw < self.throttle + self.server_error:
            kind = AWS_5XX
        else:
            return None
        status, code, body, headers = service_error(service, kind, status_choice)
        self.counts.add(kind)
        log_fault(kind, self.function, f"{service}.{operation} -> {status} {code}")
        return _aws_response(request, status, body, headers)

    def take_counts(self) -> dict[str, int]:
        """Faults injected since the last call (the worker sends them with each answer)."""
        now = {kind: count for kind, count in self.counts.snapshot().items() if count}
        fresh = {kind: count - self._reported[kind] for kind, count in now.items() if count > self._reported[kind]}
        self._reported.update(fresh)
        return fresh


def service_error(service: str, kind: str, choice: float = 0.0) -> tuple[int, str, bytes, dict[str, str]]:
    """(status, code, body, headers) of the service's own answer: a throttle, or 500 / 503 (`choice` < 0.5: 500)."""
    request_id = str(uuid.uuid4())
    if service == "sns":  # query protocol: XML
        status, code, error_type = (429, "Throttled", "Sender") if kind == AWS_THROTTLE else _sns_5xx(choice)
        message = "Rate exceeded" if kind == AWS_THROTTLE else "Request could not be completed"
        body = (
            '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
            f"<Type>{error_type}</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
        ).encode()
        return status, code, body, {"x-amzn-RequestId": request_id, "Content-Type": "text/xml"}
    if service == "sqs":  # JSON, query-compatible: the query error code travels in a header
        if kind == AWS_THROTTLE:
            status, code, fault, message = 400, "RequestThrottled", "Sender", "Request is throttled."
        elif choice < 0.5:
            status, code, fault, message = 500, "InternalError", "Receiver", "We encountered an internal error."
        else:
            status, code, fault, message = 503, "ServiceUnavailable", "Receiver", "Service is unavailable."
        headers = {"x-amzn-query-error": f"{code};{fault}"}
        payload = {"__type": f"com.amazonaws.sqs#{code}", "message": message}
    else:  # DynamoDB
        if kind == AWS_THROTTLE:
            status = 400
            code = "ProvisionedThroughputExceededException" if choice < 0.5 else "ThrottlingException"
            message = "Throughput exceeds the current capacity of your table or index."
        else:
            status, code = (500, "InternalServerError") if choice < 0.5 else (503, "ServiceUnavailable")
            message = "Internal server error" if status == 500 else "Service unavailable"
        headers = {}
        payload = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message}
    body = json.dumps(payload).encode()
    headers |= {
        "x-amzn-RequestId": request_id,
        "Content-Type": "application/x-amz-json-1.0",
        "x-amz-crc32": str(zlib.crc32(body)),
    }
    return status, code, body, headers


def _sns_5xx(choice: float) -> tuple[int, str, str]:
    return (500, "InternalError", "Receiver") if choice < 0.5 else (503, "ServiceUnavailable", "Receiver")


def _aws_response(request: Any, status: int, body: bytes, headers: dict[str, str]) -> Any:
    from botocore.awsrequest import AWSResponse

    headers = {**headers, "Content-Length": str(len(body))}
    return AWSResponse(str(getattr(request, "url", "")), status, headers, _Raw(body))


class _Raw:
    """The raw stream of a faked response (botocore reads `.stream()` for streaming bodies, `.content` otherwise)."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Any:
        yield self._body


_installed: dict[str, AwsFaults] = {}  # "faults": this process's handler, once installed


def install_aws_faults(settings: Mapping[str, Any] | None) -> AwsFaults | None:
    """Hook AWS's errors into every botocore session of this process from now on (and boto3's default one).

    Installed as the IAM guard is (`infra.local.iam.guard.install`): appended to botocore's built-in handlers,
    which every session registers, so boto3's, PynamoDB's and the lean DynamoDB client's calls all pass it.
    Registered on `before-send.<service>`: more specific than a handler of every `before-send`, so it answers first.
    """
    if settings is None:
        return None
    if "faults" in _installed:
        return _installed["faults"]
    import botocore.handlers

    faults = _installed["faults"] = AwsFaults(settings)
    handlers = [(f"before-send.{service}", faults) for service in SERVICES]
    botocore.handlers.BUILTIN_HANDLERS.extend(handlers)
    boto3 = sys.modules.get("boto3")
    default_session = getattr(boto3, "DEFAULT_SESSION", None) if boto3 else None
    if default_session is not None:
        for event_name, handler in handlers:
            default_session._session.register(event_name, handler)
    return faults


def installed_aws_faults() -> AwsFaults | None:
    return _installed.get("faults")
