"""End-to-end fixtures: the local runtime (`python -m infra.local`) as a subprocess, as a developer runs it.

`chirp_runtime` (session scope) starts one runtime on a free port with a fresh data dir, waits for
`GET /api/health` to answer 200 and yields a `RunningRuntime` (`.base_url`, `.data_dir`, ...). On
teardown it sends SIGTERM and checks that the runtime exited 0 and left no child process behind.
`runtime_launcher` starts more of them (restart tests, other targets) and stops what is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
START_TIMEOUT_SECONDS = 120.0
STOP_TIMEOUT_SECONDS = 30.0
# Variables from the developer's shell that would point the runtime elsewhere than its own emulators.
FOREIGN_VARIABLES = (
    "AWS_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_DYNAMODB_STREAMS",
    "CHIRP_TARGET",
    "CHIRP_TEMPLATE",
    "CHIRP_RESOURCE_PREFIX",
    "CHIRP_DYNAMODB_PORT",
    "CHIRP_MOTO_PORT",
    "CHIRP_PARAMETER_OVERRIDES",
    "CHIRP_OPENSEARCH_URL",
    "CHIRP_SCHEDULE_FIRST_RUN_SECONDS",
)
# The limit every class gets on the e2e runtimes (tests/e2e/test_rate_limits.py reads it back from the headers).
RELAXED_RATE_LIMIT = "1000000/3600"
RELAXED_RATE_LIMITS = " ".join(
    f"{name}={RELAXED_RATE_LIMIT}"
    for name in (
        "RateLimitPosting",
        "RateLimitLikes",
        "RateLimitFollows",
        "RateLimitReads",
        "RateLimitAnonymous",
        "RateLimitSignups",
        "RateLimitLoginFailures",
    )
)
# The settling sweep comes this long after an erasure ends: longer than what was in flight then takes to land. 5 s
# was not, on a CI machine loaded by browser tests beside it: the notifier's batches of 10 took 3-7 s each, and a
# dozen notifications of the erased account landed after the sweep.
SETTLING_SOON = "ErasureSettleSeconds=30"
# What the session's shared runtime is started with: each schedule's first run 5 s after start, not one period.
SHARED_RUNTIME_ENVIRONMENT = {"CHIRP_SCHEDULE_FIRST_RUN_SECONDS": "5"}
# argon2id at its floor in every e2e runtime's sandboxes (they inherit the runtime's environment, and the template
# sets no PASSWORD_* variable), as in tests/integration/conftest.py: at the production cost (t=3, 64 MiB: ~0.15 s of
# CPU per hash on an idle core) the sign-ups alone, 200 in test_engagements.py's hot tweet and a few hundred more,
# were minutes of the suite's two cores. No e2e test is about the cost; tests/unit/test_passwords.py and
# test_settings.py check hashing and the production default.
CHEAP_PASSWORD_HASHING = {"PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_KIB": "1024"}


def free_port() -> int:
    from infra.local.emulators import free_port as pick

    return pick()


@dataclass
class RunningRuntime:
    """A `python -m infra.local` process that answered its health check."""

    process: subprocess.Popen[bytes]
    port: int
    data_dir: Path
    log_path: Path

    @property
    def root_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}/api"

    def endpoints(self) -> dict[str, Any]:
        """`<data>/endpoints.json`: emulator endpoints and resource names."""
        document: dict[str, Any] = json.loads((self.data_dir / "endpoints.json").read_text())
        return document

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def descendants(self) -> set[int]:
        return descendant_pids(self.process.pid)

    def stop(self, sig: signal.Signals = signal.SIGTERM) -> int:
        """Send `sig`, wait for the exit, and return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(
                f"the runtime did not stop within {STOP_TIMEOUT_SECONDS} s:\n{self.log()[-3000:]}"
            ) from None


def descendant_pids(pid: int) -> set[int]:
    """Every process below `pid`, from /proc (children of each of its threads), recursively."""
    found: set[int] = set()
    pending = [pid]
    while pending:
        parent = pending.pop()
        for children_file in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                children = {int(child) for child in children_file.read_text().split()}
            except OSError:
                continue
            pending.extend(children - found)
            found |= children
    return found


def is_running(pid: int) -> bool:
    """Whether `pid` exists and is not a zombie."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def wait_for_exit(pids: set[int], timeout: float = 10.0) -> set[int]:
    """The pids still running after up to `timeout` seconds."""
    deadline = time.monotonic() + timeout
    alive = {pid for pid in pids if is_running(pid)}
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = {pid for pid in alive if is_running(pid)}
    return alive


def runtime_environment(data_dir: Path, port: int, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name not in FOREIGN_VARIABLES}
    environment.update({"PORT": str(port), "CHIRP_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    environment.update(CHEAP_PASSWORD_HASHING)
    environment.update(extra or {})
    # Rate limits no test reaches by accident (every test signs up and posts from 127.0.0.1), and an erasure's
    # settling sweep 30 s after it rather than 15 minutes (tests/e2e/test_account_deletion.py waits for it), before a
    # test's own.
    overrides = " ".join([RELAXED_RATE_LIMITS, SETTLING_SOON, environment.get("CHIRP_PARAMETER_OVERRIDES", "")])
    environment["CHIRP_PARAMETER_OVERRIDES"] = overrides.strip()
    return environment


def start_runtime(
    data_dir: Path, extra_environment: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT_SECONDS
) -> RunningRuntime:
    """Start `python -m infra.local` and wait until `GET /api/health` answers 200."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-runtime-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=REPO,
            env=runtime_environment(data_dir, port, extra_environment),
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    runtime = RunningRuntime(process=process, port=port, data_dir=data_dir, log_path=log_path)
    try:
        wait_until_healthy(runtime, timeout)
    except BaseException:
        runtime.stop(signal.SIGKILL if process.poll() is None else signal.SIGTERM)
        raise
    return runtime


def wait_until_healthy(runtime: RunningRuntime, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if runtime.process.poll() is not None:
                raise AssertionError(f"the runtime exited with {runtime.process.returncode}:\n{runtime.log()[-3000:]}")
            try:
                if client.get(f"{runtime.base_url}/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
    raise AssertionError(f"GET /api/health did not answer 200 within {timeout:.0f} s:\n{runtime.log()[-3000:]}")


def stop_and_check_clean_exit(runtime: RunningRuntime) -> None:
    """SIGTERM; the runtime exits 0 and no process it started is left running."""
    children = runtime.descendants()
    exit_code = runtime.stop(signal.SIGTERM)
    assert exit_code == 0, runtime.log()[-3000:]
    left = wait_for_exit(children)
    assert not left, f"processes left running after SIGTERM: {sorted(left)}"


@pytest.fixture(scope="session")
def chirp_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRuntime]:
    """One local runtime for the whole session, on a free port with a fresh data dir (SHARED_RUNTIME_ENVIRONMENT)."""
    runtime = start_runtime(tmp_path_factory.mktemp("chirp-e2e") / "data", SHARED_RUNTIME_ENVIRONMENT)
    try:
        yield runtime
    finally:
        stop_and_check_clean_exit(runtime)


@pytest.fixture
def api(chirp_runtime: RunningRuntime) -> Iterator[httpx.Client]:
    """An HTTP client of the session's runtime's API (base URL `.../api`)."""
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=60) as client:
        yield client


class RuntimeLauncher:
    """Starts runtimes for one test; stops (SIGKILL) any the test left running."""

    def __init__(self) -> None:
        self.started: list[RunningRuntime] = []

    def start(self, data_dir: Path, extra_environment: Mapping[str, str] | None = None) -> RunningRuntime:
        runtime = start_runtime(data_dir, extra_environment)
        self.started.append(runtime)
        return runtime

    stop_and_check_clean_exit = staticmethod(stop_and_check_clean_exit)
    descendant_pids = staticmethod(descendant_pids)
    wait_for_exit = staticmethod(wait_for_exit)
    free_port = staticmethod(free_port)

    def kill_leftovers(self) -> None:
        for runtime in self.started:
            if runtime.process.poll() is None:
                runtime.stop(signal.SIGKILL)


@pytest.fixture
def runtime_launcher() -> Iterator[RuntimeLauncher]:
    launcher = RuntimeLauncher()
    try:
        yield launcher
    finally:
        launcher.kill_leftovers()


# --- Browser tests (tests/e2e/browser.py, test_web_client.py) ---
@pytest.fixture(scope="session")
def browser_prerequisites() -> None:
    """Fails at once (before a runtime starts) when /usr/bin/chromium or web/dist is missing, saying how to get it."""
    from tests.e2e import browser

    browser.require_chromium()
    browser.require_web_build()


# Module scope, not session: while Playwright's sync API is started it keeps an asyncio loop marked running on the
# worker's thread, so an `asyncio.run` in a later file on the same worker would fail. Chromium starts in ~1 s.
@pytest.fixture(scope="module")
def chromium(browser_prerequisites: None) -> Iterator[Any]:
    """Debian's Chromium (headless, the project's flags) for one test module."""
    from playwright.sync_api import expect, sync_playwright

    from tests.e2e import browser

    expect.set_options(timeout=browser.TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = browser.launch(playwright)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def new_page(browser_prerequisites: None, chromium: Any, chirp_runtime: RunningRuntime) -> Iterator[Any]:
    """`new_page(viewport="phone"|"desktop", color_scheme="light"|"dark", locale="en-US", storage_state=None)`: a page
    in a fresh browser context (one person) whose base URL is the shared runtime's root; contexts close at the end."""
    from tests.e2e.browser import Pages

    pages = Pages(chromium, chirp_runtime.root_url)
    try:
        yield pages.new_page
    finally:
        pages.close()


# --- end browser tests ---
