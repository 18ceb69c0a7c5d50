"""The local runtime's schedules (`infra.local.schedules`): expressions parsed as EventBridge parses them, the
settings and event of a `Schedule` or `ScheduleV2` event, and the schedule's thread on a clock the test moves
(first run, period, retries, overlapping runs), with an invoker that records instead of running a sandbox."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.local.functions import EventSource, FunctionSpec
from infra.local.sandbox import FunctionError
from infra.local.schedules import (
    CronExpression,
    RateExpression,
    ScheduleNaming,
    ScheduleSettings,
    ScheduleThread,
    parse_cron,
    parse_rate,
    schedule_settings,
)
from infra.local.template import TemplateError

NAMING = ScheduleNaming(prefix="chirp-local-", region="eu-west-1", account_id="123456789012")
START = datetime(2026, 11, 27, 17, 0, 0, tzinfo=UTC)  # a Friday
WHERE = "TrendsScorer.Every (rule chirp-local-TrendsScorerEvery)"


def function(event_invoke_config: dict[str, Any] | None = None) -> FunctionSpec:
    return FunctionSpec(
        logical_id="TrendsScorer",
        name="chirp-local-TrendsScorer",
        arn="arn:aws:lambda:eu-west-1:123456789012:function:chirp-local-TrendsScorer",
        code_dir=Path("/app"),
        handler_module="handler",
        handler_attribute="handler",
        timeout_seconds=30,
        memory_mb=128,
        environment={},
        event_invoke_config=event_invoke_config or {},
    )


def settings_of(
    properties: dict[str, Any], event_type: str = "Schedule", event_invoke_config: dict[str, Any] | None = None
) -> ScheduleSettings | None:
    return schedule_settings(function(event_invoke_config), EventSource("Every", event_type, properties), NAMING)


def rule_settings(properties: dict[str, Any] | None = None, **invoke_config: Any) -> ScheduleSettings:
    settings = settings_of({"Schedule": "rate(1 minute)", **(properties or {})}, event_invoke_config=invoke_config)
    assert settings is not None
    return settings


# ---------------------------------------------------------------------- rate expressions
@pytest.mark.parametrize(
    ("expression", "period"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(5 minutes)", timedelta(minutes=5)),
        ("rate(1 hour)", timedelta(hours=1)),
        ("rate(12 hours)", timedelta(hours=12)),
        ("rate(1 day)", timedelta(days=1)),
        ("rate(7 days)", timedelta(days=7)),
    ],
)
def test_a_rate_expression_eventbridge_accepts_gives_its_period(expression: str, period: timedelta) -> None:
    # When
    parsed = parse_rate(expression, WHERE)
    # Then
    assert parsed == RateExpression(period)


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("rate(1 minutes)", "singular unit for a value of 1"),
        ("rate(5 minute)", "plural one for any other value"),
        ("rate(1 hours)", "singular unit"),
        ("rate(30 seconds)", "no seconds"),
        ("rate(0 minutes)", "at least 1"),
        ("rate(-1 minutes)", "not a rate expression"),
        ("rate(1.5 hours)", "not a rate expression"),
        ("rate(5  minutes)", "not a rate expression"),
        ("rate(5 Minutes)", "not a rate expression"),
        ("rate(1 week)", "not a rate expression"),
    ],
)
def test_a_rate_expression_eventbridge_refuses_is_refused_naming_the_function_and_the_rule(
    expression: str, why: str
) -> None:
    # When / Then
    with pytest.raises(TemplateError) as refused:
        parse_rate(expression, WHERE)
    assert str(refused.value).startswith(f"{WHERE}: {expression!r}")
    assert why in str(refused.value)


# ---------------------------------------------------------------------- cron expressions
def following_runs(cron: CronExpression, count: int = 3, start: datetime = START) -> list[str]:
    runs, moment = [], start
    for _ in range(count):
        moment = cron.next_after(moment)
        runs.append(moment.strftime("%a %Y-%m-%d %H:%M"))
    return runs


@pytest.mark.parametrize(
    ("expression", "runs"),
    [
        ("cron(0/15 * * * ? *)", ["Fri 2026-11-27 17:15", "Fri 2026-11-27 17:30", "Fri 2026-11-27 17:45"]),
        ("cron(0 10 ? * MON-FRI *)", ["Mon 2026-11-30 10:00", "Tue 2026-12-01 10:00", "Wed 2026-12-02 10:00"]),
        ("cron(0 10 ? * 2-6 *)", ["Mon 2026-11-30 10:00", "Tue 2026-12-01 10:00", "Wed 2026-12-02 10:00"]),
        ("cron(0 9 ? * 1 *)", ["Sun 2026-11-29 09:00", "Sun 2026-12-06 09:00", "Sun 2026-12-13 09:00"]),
        ("cron(0 18 ? * 6#3 *)", ["Fri 2026-12-18 18:00", "Fri 2027-01-15 18:00", "Fri 2027-02-19 18:00"]),
        ("cron(0 9 ? * 6L *)", ["Fri 2026-12-25 09:00", "Fri 2027-01-29 09:00", "Fri 2027-02-26 09:00"]),
        ("cron(0 9 ? * L *)", ["Sat 2026-11-28 09:00", "Sat 2026-12-05 09:00", "Sat 2026-12-12 09:00"]),
        ("cron(0 9 L * ? *)", ["Mon 2026-11-30 09:00", "Thu 2026-12-31 09:00", "Sun 2027-01-31 09:00"]),
        ("cron(0 9 15W * ? *)", ["Tue 2026-12-15 09:00", "Fri 2027-01-15 09:00", "Mon 2027-02-15 09:00"]),
        ("cron(0 12 1 * ? 2027)", ["Fri 2027-01-01 12:00", "Mon 2027-02-01 12:00", "Mon 2027-03-01 12:00"]),
    ],
)
def test_a_cron_expression_runs_at_eventbridges_times(expression: str, runs: list[str]) -> None:
    # Given EventBridge's fields (day of week 1-7 = SUN-SAT, `?`, a year field)
    cron = parse_cron(expression, WHERE)
    # When / Then
    assert following_runs(cron) == runs


def test_a_schedulers_cron_runs_in_its_time_zone() -> None:
    # Given 09:00 in Paris, which is UTC+1 in winter
    cron = parse_cron("cron(0 9 * * ? *)", WHERE, ZoneInfo("Europe/Paris"))
    # When / Then
    assert following_runs(cron, count=1) == ["Sat 2026-11-28 08:00"]


@pytest.mark.parametrize(
    ("expression", "why"),
    [
        ("cron(0 10 * * * *)", "exactly one of day-of-month and day-of-week as '?'"),
        ("cron(0 10 ? * ? *)", "exactly one of day-of-month and day-of-week as '?'"),
        ("cron(0 10 * * ?)", "six fields"),
        ("cron(0 0 10 * * ? *)", "six fields"),
        ("cron(0 10 ? * 0 *)", "a day of week is 1-7"),
        ("cron(0 10 ? * 8 *)", "a day of week is 1-7"),
        ("cron(H 10 * * ? *)", "not a value EventBridge takes for minutes"),
        ("cron(61 10 * * ? *)", "refused by croniter"),
        ("cron(0 10 * * ? 2150)", "its years end at 2099"),
    ],
)
def test_a_cron_expression_eventbridge_or_croniter_refuses_is_refused(expression: str, why: str) -> None:
    # When / Then
    with pytest.raises(TemplateError) as refused:
        parse_cron(expression, WHERE)
    assert str(refused.value).startswith(f"{WHERE}: {expression!r}")
    assert why in str(refused.value)


# ---------------------------------------------------------------------- settings and events
def test_a_rules_event_is_eventbridges_scheduled_event() -> None:
    # Given
    settings = rule_settings()
    event_id = str(uuid.uuid4())
    # When
    event = settings.event(datetime(2026, 11, 27, 17, 0, 0, 250_000, tzinfo=UTC), event_id)
    # Then
    assert event == {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2026-11-27T17:00:00Z",
        "region": "eu-west-1",
        "resources": ["arn:aws:events:eu-west-1:123456789012:rule/chirp-local-TrendsScorerEvery"],
        "detail": {},
    }


def test_a_rule_named_in_the_template_keeps_its_name_in_the_arn() -> None:
    # When
    settings = rule_settings({"Name": "trends-every-minute"})
    # Then
    assert settings.resource_arn == "arn:aws:events:eu-west-1:123456789012:rule/trends-every-minute"


def test_a_schedulers_default_event_has_its_source_its_arn_and_a_detail_string() -> None:
    # Given SAM names the schedule after the event's logical id, in the default group
    settings = settings_of({"ScheduleExpression": "rate(5 minutes)"}, "ScheduleV2")
    assert settings is not None
    # When
    event = settings.event(START, "event-id")
    # Then
    assert event["source"] == "aws.scheduler"
    assert event["resources"] == ["arn:aws:scheduler:eu-west-1:123456789012:schedule/default/TrendsScorerEvery"]
    assert event["detail"] == "{}"
    assert event["detail-type"] == "Scheduled Event"


def test_a_schedule_told_to_omit_its_name_gets_the_runtimes_in_its_group() -> None:
    # When
    settings = settings_of(
        {"ScheduleExpression": "rate(5 minutes)", "OmitName": True, "GroupName": "jobs"}, "ScheduleV2"
    )
    # Then
    assert settings is not None
    assert settings.resource_arn.endswith(":schedule/jobs/chirp-local-TrendsScorerEvery")


@pytest.mark.parametrize("event_type", ["Schedule", "ScheduleV2"])
def test_an_input_replaces_the_event(event_type: str) -> None:
    # Given
    key = "Schedule" if event_type == "Schedule" else "ScheduleExpression"
    settings = settings_of({key: "rate(1 hour)", "Input": '{"window": "1h"}'}, event_type)
    assert settings is not None
    # When / Then
    assert settings.event(START, "event-id") == {"window": "1h"}


def test_an_input_that_is_not_json_is_refused() -> None:
    # When / Then
    with pytest.raises(TemplateError, match="Input is not valid JSON"):
        settings_of({"Schedule": "rate(1 hour)", "Input": "{window: 1h}"})


@pytest.mark.parametrize(
    ("properties", "event_type"),
    [
        ({"Schedule": "rate(1 minute)", "Enabled": False}, "Schedule"),
        ({"Schedule": "rate(1 minute)", "Enabled": "false"}, "Schedule"),
        ({"Schedule": "rate(1 minute)", "State": "DISABLED"}, "Schedule"),
        ({"ScheduleExpression": "rate(1 minute)", "State": "DISABLED"}, "ScheduleV2"),
        ({"ScheduleExpression": "at(2026-12-01T10:00:00)"}, "ScheduleV2"),
    ],
)
def test_a_disabled_or_one_time_schedule_does_not_run(properties: dict[str, Any], event_type: str) -> None:
    # When / Then
    assert settings_of(properties, event_type) is None


def test_enabled_and_state_together_are_refused_as_sam_refuses_them() -> None:
    # When / Then
    with pytest.raises(TemplateError, match="State and Enabled"):
        settings_of({"Schedule": "rate(1 minute)", "Enabled": True, "State": "ENABLED"})


def test_a_rule_cannot_run_at_a_single_time() -> None:
    # When / Then: at() is Scheduler's alone
    with pytest.raises(TemplateError, match="neither a rate"):
        settings_of({"Schedule": "at(2026-12-01T10:00:00)"})


def test_the_functions_event_invoke_config_sets_the_retries_and_the_oldest_event() -> None:
    # When
    settings = rule_settings(MaximumRetryAttempts=0, MaximumEventAgeInSeconds=120)
    default = rule_settings()
    # Then
    assert (settings.retry_attempts, settings.maximum_event_age) == (0, timedelta(seconds=120))
    assert (default.retry_attempts, default.maximum_event_age) == (2, timedelta(hours=6))


def test_more_retries_than_lambda_allows_are_refused() -> None:
    # When / Then
    with pytest.raises(TemplateError, match="MaximumRetryAttempts is 0-2"):
        rule_settings(MaximumRetryAttempts=3)


# ---------------------------------------------------------------------- the schedule's thread
class ManualClock:
    """Time that moves only when the test moves it."""

    def __init__(self, now: datetime = START) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)


class RecordingInvoker:
    """Records each invocation; fails while `failing`, and holds each one while `hold` is clear."""

    def __init__(self, failing: bool = False) -> None:
        self.calls: list[tuple[str, Any, str | None]] = []
        self.failing = failing
        self.hold = threading.Event()
        self.hold.set()

    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any:
        self.calls.append((logical_id, event, request_id))
        self.hold.wait(5)
        if self.failing:
            raise FunctionError("Exception", "the scorer failed")
        return None


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def quiet_for(seconds: float = 0.4) -> None:
    """Long enough for the thread to have polled (four times a second) had anything been due."""
    time.sleep(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def started() -> Iterator[Callable[..., ScheduleThread]]:
    threads: list[ScheduleThread] = []

    def start(settings: ScheduleSettings, invoker: RecordingInvoker, clock: ManualClock, **options: Any) -> Any:
        thread = ScheduleThread(settings, invoker, workers=options.pop("workers", 2), clock=clock, **options)
        thread.start()
        threads.append(thread)
        return thread

    yield start
    for thread in threads:
        thread.stop()


def test_a_rate_runs_first_one_period_after_start_then_once_a_period(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given a rate(1 minute) schedule started at START
    invoker = RecordingInvoker()
    started(rule_settings(), invoker, clock)
    # When 59 s pass, then the 60th
    clock.advance(seconds=59)
    quiet_for()
    assert invoker.calls == []
    clock.advance(seconds=1)
    wait_until(lambda: len(invoker.calls) == 1, "the first run")
    # Then it ran once, with the run's time, and again one period later, not before
    clock.advance(seconds=59)
    quiet_for()
    assert len(invoker.calls) == 1
    clock.advance(seconds=1)
    wait_until(lambda: len(invoker.calls) == 2, "the second run")
    first, second = (event for _, event, _ in invoker.calls)
    assert (first["time"], second["time"]) == ("2026-11-27T17:01:00Z", "2026-11-27T17:02:00Z")
    assert first["id"] != second["id"]
    assert invoker.calls[0][0] == "TrendsScorer"


def test_the_first_run_setting_brings_the_first_run_sooner_and_the_period_counts_from_it(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given CHIRP_SCHEDULE_FIRST_RUN_SECONDS=5
    invoker = RecordingInvoker()
    thread = started(rule_settings(), invoker, clock, first_run_seconds=5)
    # When
    clock.advance(seconds=5)
    wait_until(lambda: len(invoker.calls) == 1, "the early first run")
    # Then the next run is one period after it
    assert thread.next_run == START + timedelta(seconds=65)
    clock.advance(seconds=59)
    quiet_for()
    assert len(invoker.calls) == 1
    clock.advance(seconds=1)
    wait_until(lambda: len(invoker.calls) == 2, "the run one period later")


def test_the_first_run_setting_never_delays_the_first_run(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # When the setting is longer than the period
    thread = started(rule_settings(), RecordingInvoker(), clock, first_run_seconds=600)
    # Then the schedule's own first run stands
    assert thread.next_run == START + timedelta(minutes=1)


def test_an_early_first_run_of_a_cron_stands_in_for_its_own_first_one(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given a schedule at :00 every hour, started at 17:00:00 with a first run 5 s later
    invoker = RecordingInvoker()
    thread = started(rule_settings({"Schedule": "cron(0 * * * ? *)"}), invoker, clock, first_run_seconds=5)
    # When
    clock.advance(seconds=5)
    wait_until(lambda: len(invoker.calls) == 1, "the early first run")
    # Then 18:00 (its own first run) is skipped: the next is at 19:00
    assert thread.next_run == datetime(2026, 11, 27, 19, 0, tzinfo=UTC)


def test_ticks_already_past_are_skipped_not_replayed(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given a rate(1 minute) schedule whose clock jumps ten minutes (the machine slept)
    invoker = RecordingInvoker()
    thread = started(rule_settings(), invoker, clock)
    # When
    clock.advance(minutes=10, seconds=30)
    wait_until(lambda: len(invoker.calls) == 1, "the late run")
    quiet_for()
    # Then one run, and the next on the minute after now
    assert len(invoker.calls) == 1
    assert thread.next_run == START + timedelta(minutes=11)


def test_a_failed_run_is_retried_a_minute_then_two_minutes_later_with_the_same_event(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given a handler that always fails, on an hourly schedule
    invoker = RecordingInvoker(failing=True)
    thread = started(rule_settings({"Schedule": "rate(1 hour)"}), invoker, clock, first_run_seconds=0)
    wait_until(lambda: thread.planned() == [START + timedelta(minutes=1)], "the first retry's plan")
    # When a minute passes, then two more
    clock.advance(seconds=59)
    quiet_for()
    assert len(invoker.calls) == 1
    clock.advance(seconds=1)
    wait_until(lambda: thread.planned() == [START + timedelta(minutes=3)], "the second retry's plan")
    clock.advance(seconds=119)
    quiet_for()
    assert len(invoker.calls) == 2
    clock.advance(seconds=1)
    wait_until(lambda: len(invoker.calls) == 3, "the second retry")
    # Then after Lambda's two retries it gives up
    clock.advance(minutes=10)
    quiet_for()
    assert len(invoker.calls) == 3
    events = {str(event) for _, event, _ in invoker.calls}
    request_ids = {request_id for _, _, request_id in invoker.calls}
    assert len(events) == 1 and len(request_ids) == 1


def test_no_retry_when_the_function_allows_none(clock: ManualClock, started: Callable[..., ScheduleThread]) -> None:
    # Given EventInvokeConfig.MaximumRetryAttempts: 0
    invoker = RecordingInvoker(failing=True)
    started(rule_settings({"Schedule": "rate(1 hour)"}, MaximumRetryAttempts=0), invoker, clock, first_run_seconds=0)
    wait_until(lambda: len(invoker.calls) == 1, "the attempt")
    # When
    clock.advance(minutes=5)
    quiet_for()
    # Then
    assert len(invoker.calls) == 1


def test_a_run_still_going_does_not_stop_the_next_one(
    clock: ManualClock, started: Callable[..., ScheduleThread], capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a run that does not end
    invoker = RecordingInvoker()
    invoker.hold.clear()
    started(rule_settings(), invoker, clock, first_run_seconds=0)
    wait_until(lambda: len(invoker.calls) == 1, "the first run")
    # When the next tick comes
    clock.advance(minutes=1)
    # Then the next run starts all the same, and the overlap is logged
    wait_until(lambda: len(invoker.calls) == 2, "the second run")
    invoker.hold.set()
    assert "earlier run(s) still going" in capsys.readouterr().err


def test_runs_wait_for_a_worker_rather_than_pile_up(clock: ManualClock, started: Callable[..., ScheduleThread]) -> None:
    # Given one sandbox (one worker) and a run that does not end
    invoker = RecordingInvoker()
    invoker.hold.clear()
    started(rule_settings(), invoker, clock, first_run_seconds=0, workers=1)
    wait_until(lambda: len(invoker.calls) == 1, "the first run")
    # When the next tick comes
    clock.advance(minutes=1)
    quiet_for()
    # Then its run waits for the worker, and goes once the first one ends
    assert len(invoker.calls) == 1
    invoker.hold.set()
    wait_until(lambda: len(invoker.calls) == 2, "the queued run")


def test_a_run_older_than_the_maximum_event_age_is_dropped(
    clock: ManualClock, started: Callable[..., ScheduleThread]
) -> None:
    # Given one worker, held by a run, and a next run waiting behind it
    invoker = RecordingInvoker()
    invoker.hold.clear()
    settings = rule_settings(MaximumEventAgeInSeconds=60)
    started(settings, invoker, clock, first_run_seconds=0, workers=1)
    wait_until(lambda: len(invoker.calls) == 1, "the first run")
    clock.advance(minutes=1)
    quiet_for()
    # When the waiting run is more than 60 s old by the time the worker is free (and the next one is not)
    clock.advance(minutes=1, seconds=1.5)
    invoker.hold.set()
    wait_until(lambda: len(invoker.calls) == 2, "the next run")
    quiet_for()
    # Then it was dropped, not run
    times = [event["time"] for _, event, _ in invoker.calls]
    assert times == ["2026-11-27T17:00:00Z", "2026-11-27T17:02:00Z"]


def test_stop_ends_the_thread_and_its_workers(clock: ManualClock) -> None:
    # Given
    thread = ScheduleThread(rule_settings(), RecordingInvoker(), workers=2, clock=clock)
    thread.start()
    # When
    thread.stop()
    # Then
    assert not thread.is_alive()
    wait_until(
        lambda: not any(running.name.startswith("schedule-TrendsScorer.Every") for running in threading.enumerate()),
        "the workers' end",
    )
