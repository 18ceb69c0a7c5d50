"""Run handlers the way Lambda does: sandboxes that each run one invocation at a time, in a pool.

A sandbox is a worker process (`infra.local.worker`) that imported one function's handler module,
with that function's environment. Processes, not threads, because libraries keep process-wide state
that Lambda never shares between two concurrent invocations: a Chalice app keeps the current request
on the app object, the logging registry holds one logger per name, Powertools' Metrics keeps one
metric set per process. The pool starts sandboxes on demand, up to the concurrency limit, and
replaces one that timed out (it is killed, as Lambda does) or crashed.

With fault injection on (`SandboxSettings.faults`, `infra.local.faults`), the invoker makes a share of
invocations fail: the worker raises before or after the handler, or never answers and is killed at a random
moment, as a timeout kills it; and each sandbox fakes a share of AWS's errors (its worker settings `faults`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import json
import os
import queue
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from infra.local.emulators import die_with_parent
from infra.local.faults import INVOKE_TIMEOUT, TIMEOUT_KILL_WINDOW_SECONDS, FaultInjector
from infra.local.functions import FunctionSpec
from infra.local.metering import RUNTIME_METER
from infra.local.worker import read_message, write_message

if TYPE_CHECKING:
    from infra.local.iam.authority import Authority

RUNTIME_ROOT = Path(__file__).resolve().parents[2]
WORKER_START_TIMEOUT_SECONDS = 120.0


class HandlerLoadError(ImportError):
    """A handler module could not be imported or has no such handler attribute."""


class FunctionError(RuntimeError):
    """The handler raised, timed out, or its sandbox died; the message says which, like Lambda's."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.stack_trace = stack_trace or []


@dataclass(frozen=True)
class SandboxSettings:
    """What every sandbox of the runtime shares.

    `authority`: the functions' IAM policies, enforced on every AWS call a sandbox makes (None: unchecked).
    `layer_paths`: the template's layers, on the path of every zip function; an image function gets its own
    folders instead (`FunctionSpec.image_paths`: an image has no layers).
    `faults`: the runtime's fault injection (None: none; neither is a disabled injector).
    `log_dir`: where each function's sandboxes write their output, `<log_dir>/<logical id>.log`, its warnings,
    errors and tracebacks shown on the runtime's stderr too (`copy_output`); None: all of it on the runtime's
    own stdout and stderr, the terminal.
    """

    base_environment: Mapping[str, str]
    layer_paths: list[Path]
    authority: Authority | None = None
    faults: FaultInjector | None = None
    log_dir: Path | None = None


def search_paths(function: FunctionSpec, settings: SandboxSettings) -> list[Path]:
    """What follows the function's code folder on its path: the layers, or an image's other folders."""
    return list(settings.layer_paths if function.image_paths is None else function.image_paths)


def lambda_environment(function: FunctionSpec) -> dict[str, str]:
    """The variables Lambda itself sets in a function's sandbox."""
    return {
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "_HANDLER": f"{function.handler_module}.{function.handler_attribute}",
    }


def _iam_settings(authority: Authority | None, function: FunctionSpec, line: socket.socket | None) -> Any:
    """What the worker's IAM guard needs: whose calls it checks, and its line to the runtime's authority."""
    if authority is None or line is None:
        return None
    return {"identity": authority[function.logical_id].identity.as_json(), "authority_fd": line.fileno()}


# The kernel's parent-death signal fires when the *thread* that started a child ends, so sandboxes are
# started from this one long-lived thread, not from the short-lived threads that serve requests.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-spawner")


def _spawn_worker(
    command: list[str], cwd: Path, environment: dict[str, str], fds: tuple[int, ...], piped: bool = False
) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if piped else None,  # piped: read by copy_output
        stderr=subprocess.STDOUT if piped else None,
        pass_fds=fds,
        preexec_fn=die_with_parent,  # noqa: PLW1509 - prctl and setpgrp only; no locks taken
    )


class Sandbox:
    """One worker process of one function."""

    def __init__(self, function: FunctionSpec, settings: SandboxSettings) -> None:
        self.function = function
        self._faults = settings.faults
        requests_read, self._requests = os.pipe()
        self._responses, responses_write = os.pipe()
        original_pythonpath = settings.base_environment.get("PYTHONPATH")
        iam_line = settings.authority.open_line(function.logical_id) if settings.authority else None
        worker_settings = {
            "requests_fd": requests_read,
            "responses_fd": responses_write,
            "code_dir": str(function.code_dir),
            "layer_paths": [str(path) for path in search_paths(function, settings)],
            "module_name": function.handler_module,
            "module_file": str(function.handler_file),
            "attribute": function.handler_attribute,
            "runtime_path": str(RUNTIME_ROOT),
            "original_pythonpath": original_pythonpath,
            "iam": _iam_settings(settings.authority, function, iam_line),
            "faults": settings.faults.sandbox_settings(function.logical_id) if settings.faults else None,
            "meter": RUNTIME_METER.enabled,
        }
        fds = (requests_read, responses_write, *([iam_line.fileno()] if iam_line else []))
        environment = {
            **{name: value for name, value in settings.base_environment.items() if not name.startswith("CHIRP_FAULT_")},
            **function.environment,
            **lambda_environment(function),
            "PYTHONPATH": os.pathsep.join(filter(None, [str(RUNTIME_ROOT), original_pythonpath])),
        }
        if settings.log_dir is not None:  # a pipe, not a terminal: each line as it is written, in order
            environment.setdefault("PYTHONUNBUFFERED", "1")
        command = [sys.executable, "-m", "infra.local.worker", json.dumps(worker_settings)]
        try:
            piped = settings.log_dir is not None
            self.process = _SPAWNER.submit(_spawn_worker, command, function.code_dir, environment, fds, piped).result()
            if settings.log_dir is not None and self.process.stdout is not None:
                copy_output(self.process.stdout, settings.log_dir / f"{function.logical_id}.log", function.logical_id)
        finally:
            os.close(requests_read)
            os.close(responses_write)
            if iam_line is not None:
                iam_line.close()  # the worker holds its own copy; the runtime's end is served by the authority

    def wait_until_ready(self) -> None:
        started = self._read(time.monotonic() + WORKER_START_TIMEOUT_SECONDS, WORKER_START_TIMEOUT_SECONDS)
        if not started.get("ready"):
            self.close()
            error = started.get("error") or {}
            raise HandlerLoadError(
                f"{self.function.logical_id}: importing {self.function.handler_file} failed: "
                f"{error.get('errorType', 'exit')}: {error.get('errorMessage', 'the sandbox exited')}"
            )

    def invoke(self, event: Any, context: dict[str, Any], timeout_seconds: float, fault: str | None = None) -> Any:
        """Run the handler; raise FunctionError when it raised, timed out or crashed.

        `fault`: an injected fault the worker acts out (`infra.local.faults`); with INVOKE_TIMEOUT the worker never
        answers and is killed at a random moment of the kill window, reported as Lambda reports a timeout.
        """
        request: dict[str, Any] = {"event": event, "context": context}
        if fault is not None:
            request["fault"] = fault
        deadline = time.monotonic() + timeout_seconds
        if fault == INVOKE_TIMEOUT and self._faults is not None:
            deadline = time.monotonic() + self._faults.uniform(0.0, min(timeout_seconds, TIMEOUT_KILL_WINDOW_SECONDS))
        write_message(self._requests, request)
        response = self._read(deadline, timeout_seconds)
        if self._faults is not None and response.get("faults"):
            for kind, count in response["faults"].items():
                self._faults.counts.add(kind, int(count))
        if "meter" in response:
            RUNTIME_METER.record_invocation(self.function.logical_id, self.function.memory_mb, event, response["meter"])
        if "error" in response:
            error = response["error"]
            raise FunctionError(error["errorType"], error["errorMessage"], error.get("stackTrace"))
        return response.get("result")

    def _read(self, deadline: float, timeout_seconds: float) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        readable, _, _ = select.select([self._responses], [], [], max(0.0, remaining))
        if not readable:
            self.kill()
            raise FunctionError("Sandbox.Timedout", f"Task timed out after {timeout_seconds:.2f} seconds")
        message = read_message(self._responses)
        if message is None:
            code = self.process.wait()
            self.close()
            raise FunctionError("Runtime.ExitError", f"the sandbox exited with code {code}")
        result: dict[str, Any] = message
        return result

    def is_alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        if self.is_alive():
            self.process.send_signal(signal.SIGKILL)
        self.close()

    def close(self, timeout: float = 3.0) -> None:
        """End the worker: end of input first (it exits), SIGKILL if it does not."""
        for fd in (self._requests, self._responses):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# Powertools' JSON lines below WARNING, and its metrics (EMF): to the log file only.
_QUIET_PREFIXES = (b'{"level":"INFO"', b'{"level":"DEBUG"', b'{"_aws"')
_LOUD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}


def copy_output(stream: IO[bytes], log_file: Path, function_id: str) -> threading.Thread:
    """Copy a sandbox's output to its function's log file, in a thread until the sandbox ends; the lines an
    operator must see (`terminal_line`: warnings, errors, tracebacks, plain prints) on the runtime's stderr too."""

    def copy() -> None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        with log_file.open("ab") as log, stream:
            for line in stream:
                log.write(line)
                log.flush()
                shown = None if line.startswith(_QUIET_PREFIXES) else terminal_line(line, function_id)
                if shown is not None:
                    sys.stderr.write(shown + "\n")
                    sys.stderr.flush()

    thread = threading.Thread(target=copy, name=f"output-{function_id}", daemon=True)
    thread.start()
    return thread


def terminal_line(line: bytes, function_id: str) -> str | None:
    """What the terminal shows of one line of a sandbox's output: a Powertools JSON line at WARNING or above as
    `[Function] LEVEL message` and its exception's traceback, any line that is not JSON (a traceback the worker
    printed, a print) as `[Function] line`; None for the rest (INFO and DEBUG lines, metrics)."""
    text = line.decode("utf-8", errors="replace").rstrip("\n")
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return f"[{function_id}] {text}"
        if not isinstance(document, dict) or str(document.get("level", "")).upper() not in _LOUD_LEVELS:
            return None
        shown = f"[{function_id}] {document['level'].upper()} {document.get('message', '')}"
        exception = document.get("exception")
        return f"{shown}\n{exception}" if exception else shown
    return f"[{function_id}] {text}" if text.strip() else None


def start_sandbox(function: FunctionSpec, settings: SandboxSettings) -> Sandbox:
    sandbox = Sandbox(function, settings)
    sandbox.wait_until_ready()
    return sandbox


class SandboxPool:
    """Up to `size` sandboxes of one function; each runs one invocation at a time."""

    def __init__(
        self,
        function: FunctionSpec,
        size: int,
        settings: SandboxSettings,
        starter: Callable[[FunctionSpec, SandboxSettings], Sandbox] = start_sandbox,
    ) -> None:
        self.function = function
        self.size = size
        self._settings = settings
        self._starter = starter
        self._idle: queue.LifoQueue[Sandbox] = queue.LifoQueue()
        self._all: list[Sandbox] = []
        self._lock = threading.Lock()
        self.started = 0  # sandboxes started, first ones included
        self.replaced = 0  # sandboxes that died (killed at a timeout, crashed) and were dropped

    @property
    def settings(self) -> SandboxSettings:
        return self._settings

    def warm(self) -> None:
        """Start the first sandbox now, so the first request pays no import and errors show at start."""
        with self.acquire():
            pass

    @contextmanager
    def acquire(self) -> Iterator[Sandbox]:
        sandbox = self._idle_or_new_sandbox()
        try:
            yield sandbox
        finally:
            if sandbox.is_alive():
                self._idle.put(sandbox)
            else:
                self._forget(sandbox)

    def _idle_or_new_sandbox(self) -> Sandbox:
        while True:
            try:
                sandbox = self._idle.get_nowait()
            except queue.Empty:
                break
            if sandbox.is_alive():
                return sandbox
            self._forget(sandbox)
        placeholder = self._reserve_slot()
        if placeholder is None:
            return self._idle.get()
        try:
            sandbox = self._starter(self.function, self._settings)
        except BaseException:
            self._forget(placeholder)
            raise
        with self._lock:
            self._all[self._all.index(placeholder)] = sandbox
            self.started += 1
        return sandbox

    def _reserve_slot(self) -> Any:
        """A placeholder in the pool when one more sandbox may start, else None."""
        with self._lock:
            if len(self._all) >= self.size:
                return None
            placeholder = object()
            self._all.append(placeholder)  # type: ignore[arg-type]
            return placeholder

    def _forget(self, sandbox: Any) -> None:
        with self._lock:
            if sandbox in self._all:
                self._all.remove(sandbox)
                if isinstance(sandbox, Sandbox):  # a dead one (not a start's placeholder): the next is a new start
                    self.replaced += 1

    def snapshot(self) -> dict[str, int]:
        """The pool's sandboxes now (`make status`): alive, of which busy; started and replaced since start."""
        with self._lock:
            alive = sum(1 for sandbox in self._all if isinstance(sandbox, Sandbox) and sandbox.is_alive())
            starting = sum(1 for sandbox in self._all if not isinstance(sandbox, Sandbox))
            started, replaced = self.started, self.replaced
        idle = self._idle.qsize()
        return {
            "size": self.size,
            "alive": alive,
            "busy": max(0, alive - idle),
            "starting": starting,
            "started": started,
            "replaced": replaced,
        }

    def close(self) -> None:
        with self._lock:
            sandboxes, self._all = [s for s in self._all if isinstance(s, Sandbox)], []
        in_parallel(sandbox.close for sandbox in sandboxes)


def invocation_context(function: FunctionSpec, request_id: str | None = None) -> dict[str, Any]:
    """The fields of the handler's `context` (the worker builds the object from them)."""
    today = datetime.now(UTC).strftime("%Y/%m/%d")
    return {
        "function_name": function.name,
        "invoked_function_arn": function.arn,
        "memory_limit_in_mb": str(function.memory_mb),
        "aws_request_id": request_id or str(uuid.uuid4()),
        "log_group_name": f"/aws/lambda/{function.name}",
        "log_stream_name": f"{today}/[$LATEST]{uuid.uuid4().hex}",
        "deadline_ms": int(time.time() * 1000) + function.timeout_seconds * 1000,
    }


class Invoker:
    """Invokes functions by logical id through their sandbox pools."""

    def __init__(self, pools: dict[str, SandboxPool]) -> None:
        self.pools = pools

    def function(self, logical_id: str) -> FunctionSpec:
        return self.pools[logical_id].function

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        """Call the handler with `event`; FunctionError when it fails, as Lambda reports it."""
        pool = self.pools[logical_id]
        context = invocation_context(pool.function, request_id)
        faults = pool.settings.faults
        fault = faults.invoke_fault(logical_id, f"request {context['aws_request_id']}") if faults else None
        with pool.acquire() as sandbox:
            return sandbox.invoke(event, context, pool.function.timeout_seconds, fault)

    def close(self) -> None:
        in_parallel(pool.close for pool in self.pools.values())


def in_parallel(calls: Iterable[Callable[[], object]]) -> None:
    """Run the calls (each bounded by its own timeout: closing a sandbox, stopping a poller or an emulator)
    each in its own thread and wait for them all: stopping a runtime with dozens of sandboxes, pollers
    busy with a batch and several emulators takes the longest one's time, not the sum."""
    threads = [threading.Thread(target=call, daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
