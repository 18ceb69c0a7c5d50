"""The local runtime's sandboxes (infra.local.sandbox, .worker): worker processes that import a
handler, run one invocation at a time, report errors like Lambda, and die on a timeout."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.local.functions import FunctionSpec
from infra.local.sandbox import FunctionError, HandlerLoadError, Invoker, SandboxPool, SandboxSettings

HANDLER_CODE = """
import os, sys, time, threading

invocations = 0
_lock = threading.Lock()

def handler(event, context):
    global invocations
    with _lock:
        invocations += 1
    action = event.get("action")
    if action == "raise":
        raise ValueError("asked to fail")
    if action == "sleep":
        time.sleep(event["seconds"])
    if action == "exit":
        os._exit(3)
    return {
        "pid": os.getpid(),
        "invocations": invocations,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "variable": os.environ.get("ONLY_MINE"),
        "lambda_name": os.environ.get("AWS_LAMBDA_FUNCTION_NAME"),
        "cwd": os.getcwd(),
    }
"""


def function_in(folder: Path, code: str = HANDLER_CODE, timeout: int = 2) -> FunctionSpec:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "handler.py").write_text(code)
    return FunctionSpec(
        logical_id="Probe",
        name="chirp-local-Probe",
        arn="arn:aws:lambda:us-east-1:123456789012:function:chirp-local-Probe",
        code_dir=folder,
        handler_module="handler",
        handler_attribute="handler",
        timeout_seconds=timeout,
        memory_mb=256,
        environment={"ONLY_MINE": "yes"},
    )


@pytest.fixture
def invoker(tmp_path: Path) -> Iterator[Invoker]:
    settings = SandboxSettings(base_environment=dict(os.environ), layer_paths=[])
    pool = SandboxPool(function_in(tmp_path / "probe"), size=2, settings=settings)
    running = Invoker({"Probe": pool})
    yield running
    running.close()


def test_a_sandbox_has_the_context_and_environment_of_its_function(invoker: Invoker, tmp_path: Path) -> None:
    # When
    result = invoker.invoke("Probe", {}, request_id="req-1")
    # Then
    assert result["function_name"] == "chirp-local-Probe"
    assert result["request_id"] == "req-1"
    assert 0 < result["remaining_ms"] <= 2000
    assert result["variable"] == "yes"
    assert result["lambda_name"] == "chirp-local-Probe"
    assert result["cwd"] == str(tmp_path / "probe")
    assert result["pid"] != os.getpid()


def test_concurrent_invocations_run_in_separate_sandboxes(invoker: Invoker) -> None:
    # Given two invocations that overlap
    results: list[dict[str, int]] = []

    def invoke() -> None:
        results.append(invoker.invoke("Probe", {"action": "sleep", "seconds": 0.5}))

    threads = [threading.Thread(target=invoke) for _ in range(2)]
    # When
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then each ran alone in its own process, with its own module state
    assert len({result["pid"] for result in results}) == 2
    assert [result["invocations"] for result in results] == [1, 1]


def test_a_handler_exception_is_a_function_error_and_the_sandbox_lives_on(invoker: Invoker) -> None:
    with pytest.raises(FunctionError) as raised:
        invoker.invoke("Probe", {"action": "raise"})
    assert raised.value.error_type == "ValueError"
    assert "asked to fail" in str(raised.value)
    assert invoker.invoke("Probe", {})["invocations"] == 2


def test_a_timed_out_invocation_kills_its_sandbox(invoker: Invoker) -> None:
    # Given
    first_pid = invoker.invoke("Probe", {})["pid"]
    # When
    with pytest.raises(FunctionError, match=r"timed out after 2\.00 seconds"):
        invoker.invoke("Probe", {"action": "sleep", "seconds": 10})
    # Then the next invocation runs in a fresh sandbox
    after = invoker.invoke("Probe", {})
    assert after["pid"] != first_pid
    assert after["invocations"] == 1


def test_a_sandbox_that_exits_is_replaced(invoker: Invoker) -> None:
    with pytest.raises(FunctionError, match="exited with code 3"):
        invoker.invoke("Probe", {"action": "exit"})
    assert invoker.invoke("Probe", {})["invocations"] == 1


def test_a_handler_that_cannot_be_imported_is_a_load_error(tmp_path: Path) -> None:
    settings = SandboxSettings(base_environment=dict(os.environ), layer_paths=[])
    pool = SandboxPool(function_in(tmp_path / "broken", code="import no_such_module\n"), size=1, settings=settings)
    with pytest.raises(HandlerLoadError, match="ModuleNotFoundError"):
        pool.warm()
