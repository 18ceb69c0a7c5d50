"""The local runtime's schedules and search domain, on the test-only template
`local_runtime_app/schedule_template.yaml`: scheduled handlers (in their sandboxes) invoked with EventBridge's
events, on a clock the test moves (the first run brought 5 s after start by CHIRP_SCHEDULE_FIRST_RUN_SECONDS, the
period then honoured), Lambda's retries of a failed run, and the OpenSearch domain provisioned as a folder of the
embedded engine that a function is given."""

from __future__ import annotations

import importlib.util
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from infra.local.aws import ServiceEndpoints
from infra.local.config import config_from_environ
from infra.local.emulators import free_port
from infra.local.intrinsics import ResourceOutputs
from infra.local.runtime import LocalRuntime
from infra.local.schedules import ScheduleThread
from infra.local.template import TemplateError

APP_DIR = Path(__file__).with_name("local_runtime_app")
REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's, which the runtime uses with its emulators
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
START = datetime(2026, 11, 27, 17, 0, 0, tzinfo=UTC)


def _load_probe() -> Any:
    """The test layer's probe module (the handlers import it from the layer; it reads LOCAL_PROBE_DIR)."""
    spec = importlib.util.spec_from_file_location("local_probe", APP_DIR / "layer" / "local_probe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PROBE = _load_probe()


class ManualClock:
    """The runtime's schedules read this clock; only the test moves it."""

    def __init__(self) -> None:
        self._now = START

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


@contextmanager
def running_runtime(
    services: ServiceEndpoints,
    data_dir: Path,
    prefix: str,
    clock: ManualClock,
    template: Path = APP_DIR / "schedule_template.yaml",
) -> Iterator[LocalRuntime]:
    """The local runtime, in this process, on the schedule template; the process environment is restored."""
    saved_environ = dict(os.environ)
    probe_dir = data_dir.parent / "probe"
    probe_dir.mkdir(parents=True, exist_ok=True)
    environ = {
        **CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "CHIRP_TEMPLATE": str(template),
        "CHIRP_DATA_DIR": str(data_dir),
        "CHIRP_RESOURCE_PREFIX": prefix,
        "CHIRP_SCHEDULE_FIRST_RUN_SECONDS": "5",
        "CHIRP_LOCAL_CONCURRENCY": "2",
        "PORT": str(free_port()),
    }
    os.environ.update({**CREDENTIALS, "LOCAL_PROBE_DIR": str(probe_dir)})
    runtime = LocalRuntime(config_from_environ(environ), given_services=services, schedule_clock=clock)
    try:
        runtime.start()
        yield runtime
    finally:
        runtime.stop()
        os.environ.clear()
        os.environ.update(saved_environ)


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def runtime(services: ServiceEndpoints, tmp_path: Path, prefix: str, clock: ManualClock) -> Iterator[LocalRuntime]:
    with running_runtime(services, tmp_path / "data", prefix, clock) as running:
        yield running


def seen_by(prefix: str, function_id: str) -> list[dict[str, Any]]:
    """What each invocation of the function recorded: its event, request id and search endpoint."""
    name = f"{prefix}{function_id}"
    return [entry["event"] for entry in PROBE.invocations() if entry["function"] == name]


def schedule_of(runtime: LocalRuntime, name: str) -> ScheduleThread:
    return next(poller for poller in runtime.pollers if isinstance(poller, ScheduleThread) and poller.name == name)


def outputs(runtime: LocalRuntime, logical_id: str) -> ResourceOutputs:
    return next(resource.outputs for resource in runtime.provisioned if resource.logical_id == logical_id)


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def quiet_for(seconds: float = 0.6) -> None:
    """Long enough for a schedule (polled four times a second) to have invoked, had anything been due."""
    time.sleep(seconds)


def test_a_scheduled_handler_gets_eventbridges_event_and_runs_again_one_period_later(
    runtime: LocalRuntime, prefix: str, clock: ManualClock
) -> None:
    # Given a rate(1 minute) rule, its first run brought to 5 s after start
    assert seen_by(prefix, "EveryMinute") == []
    # When 5 s pass
    clock.advance(seconds=5)
    wait_until(lambda: len(seen_by(prefix, "EveryMinute")) == 1, what="the first run")
    # Then the handler got EventBridge's Scheduled Event
    first = seen_by(prefix, "EveryMinute")[0]["event"]
    assert first == {
        "version": "0",
        "id": first["id"],
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": "2026-11-27T17:00:05Z",
        "region": REGION,
        "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{prefix}EveryMinuteEvery"],
        "detail": {},
    }
    assert uuid.UUID(first["id"])
    # And it runs again one period later, not before
    clock.advance(seconds=59)
    quiet_for()
    assert len(seen_by(prefix, "EveryMinute")) == 1
    clock.advance(seconds=1)
    wait_until(lambda: len(seen_by(prefix, "EveryMinute")) == 2, what="the second run")
    second = seen_by(prefix, "EveryMinute")[1]["event"]
    assert second["time"] == "2026-11-27T17:01:05Z"
    assert second["id"] != first["id"]


def test_a_scheduler_schedule_runs_with_its_own_event_and_a_disabled_one_never_runs(
    runtime: LocalRuntime, prefix: str, clock: ManualClock
) -> None:
    # When the first runs are due, and well past
    clock.advance(seconds=5)
    wait_until(lambda: len(seen_by(prefix, "EveryTwoMinutesV2")) == 1, what="the Scheduler schedule's run")
    clock.advance(seconds=30)
    quiet_for()
    # Then EventBridge Scheduler's default event, with the schedule SAM names after the event's logical id
    event = seen_by(prefix, "EveryTwoMinutesV2")[0]["event"]
    assert event["source"] == "aws.scheduler"
    assert event["resources"] == [f"arn:aws:scheduler:{REGION}:{ACCOUNT_ID}:schedule/default/EveryTwoMinutesV2Every"]
    assert event["detail"] == "{}"
    assert event["time"] == "2026-11-27T17:00:05Z"
    # And the disabled rule has no schedule and never ran
    assert seen_by(prefix, "Disabled") == []
    assert {poller.name for poller in runtime.pollers if isinstance(poller, ScheduleThread)} == {
        "EveryMinute.Every",
        "EveryTwoMinutesV2.Every",
        "FailingHourly.Hourly",
    }


def test_a_failed_scheduled_run_is_retried_as_lambda_retries_an_asynchronous_invocation(
    runtime: LocalRuntime, prefix: str, clock: ManualClock
) -> None:
    # Given a handler that fails, whose EventInvokeConfig allows one retry
    schedule = schedule_of(runtime, "FailingHourly.Hourly")
    clock.advance(seconds=5)
    wait_until(lambda: len(seen_by(prefix, "FailingHourly")) == 1, what="the first attempt")
    wait_until(lambda: schedule.planned() == [START + timedelta(seconds=65)], what="the retry's plan")
    # When a minute passes
    clock.advance(seconds=60)
    wait_until(lambda: len(seen_by(prefix, "FailingHourly")) == 2, what="the retry")
    # Then the retry had the same event and request id, and no third attempt comes
    first, retry = seen_by(prefix, "FailingHourly")
    assert retry == first
    clock.advance(minutes=5)
    quiet_for()
    assert len(seen_by(prefix, "FailingHourly")) == 2
    # And the cron's next run stays on the hour: 18:00 was stood in for by the early run
    assert schedule.next_run == datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def test_the_search_domain_is_a_folder_of_the_embedded_engine_that_functions_are_given(
    runtime: LocalRuntime, prefix: str, clock: ManualClock, tmp_path: Path
) -> None:
    # When
    domain = outputs(runtime, "SearchDomain")
    clock.advance(seconds=5)
    wait_until(lambda: len(seen_by(prefix, "EveryMinute")) == 1, what="the first run")
    # Then the domain is named as OpenSearch requires, and its endpoint is a folder under the data dir
    name = f"{prefix}searchdomain"
    folder = (tmp_path / "data" / "search" / name).resolve()
    assert domain.ref == name
    assert domain.attributes == {
        "Arn": f"arn:aws:es:{REGION}:{ACCOUNT_ID}:domain/{name}",
        "DomainArn": f"arn:aws:es:{REGION}:{ACCOUNT_ID}:domain/{name}",
        "DomainEndpoint": f"embedded:{folder}",
    }
    assert folder.is_dir()
    assert seen_by(prefix, "EveryMinute")[0]["search_endpoint"] == f"embedded:{folder}"


def test_a_rate_aws_refuses_stops_the_start_before_any_handler_is_imported(
    services: ServiceEndpoints, tmp_path: Path, prefix: str, clock: ManualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the template with `rate(1 minutes)`, which EventBridge refuses (its code paths made absolute)
    text = (APP_DIR / "schedule_template.yaml").read_text()
    text = text.replace("Schedule: rate(1 minute)\n            Enabled: true", "Schedule: rate(1 minutes)")
    text = text.replace("CodeUri: functions/", f"CodeUri: {APP_DIR}/functions/")
    text = text.replace("ContentUri: layer/", f"ContentUri: {APP_DIR}/layer/")
    template = tmp_path / "template.yaml"
    template.write_text(text)
    # When / Then
    where = rf"EveryMinute\.Every \(rule {prefix}EveryMinuteEvery\): 'rate\(1 minutes\)'"
    with (
        pytest.raises(TemplateError, match=where),
        running_runtime(services, tmp_path / "data", prefix, clock, template),
    ):
        pass
    phases = capsys.readouterr().err
    assert "resources ready" in phases
    assert "handlers ready" not in phases
