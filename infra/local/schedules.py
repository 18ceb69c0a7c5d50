"""A function's `Schedule` (an EventBridge rule) and `ScheduleV2` (EventBridge Scheduler) events, run on their
schedule as AWS runs them.

- Expressions. `rate(value unit)` exactly as EventBridge accepts it: a whole value of at least 1, a unit among
  minute(s), hour(s), day(s), singular when the value is 1 and plural otherwise (`rate(1 minutes)` and
  `rate(30 seconds)` are refused). `cron(...)`: EventBridge's six fields (minutes hours day-of-month month
  day-of-week year, UTC unless ScheduleV2's `ScheduleExpressionTimezone`; exactly one of the two day fields is
  `?`; `L`, `W`, `#`; day of week 1-7 = SUN-SAT), evaluated by croniter once written in its own form (day of
  week 0-6, a seconds field before the year; croniter's years end at 2099, EventBridge's at 2199). A template
  whose expression AWS would refuse does not start. ScheduleV2's one-time `at(...)` is not run (logged).
- When. A rate runs one period after start (a new rule counts its period from its creation), then once a period;
  a cron at its times. `CHIRP_SCHEDULE_FIRST_RUN_SECONDS` brings the first run sooner (tests), never later; the
  runs after it keep the schedule: a rate one period after it, a cron its times after the run it stood in for.
  Ticks missed while the machine slept are skipped, not replayed. Time is read from a `Clock`, which tests move.
  ScheduleV2's `FlexibleTimeWindow` delays each run by a random moment within the window, as Scheduler does;
  its `StartDate` and `EndDate` bound the runs.
- How. EventBridge invokes Lambda asynchronously, so the schedule's thread never waits for a handler: each run
  joins a queue served by as many workers as the function has sandboxes. A run still going at the next tick is
  logged and the next one starts all the same (EventBridge does not guarantee one run at a time, so neither does
  this); runs wait for a free sandbox rather than pile up.
- The event. EventBridge's Scheduled Event (`"source": "aws.events"`, the rule's ARN in `resources`,
  `"detail": {}`); Scheduler's default one has `"source": "aws.scheduler"`, the schedule's ARN and
  `"detail": "{}"` (a string); an `Input` replaces either, as on AWS.
- Errors. Lambda's asynchronous retries: `EventInvokeConfig.MaximumRetryAttempts` (default 2), one minute before
  the first retry and two before the second, with the same event and request id; an event older than
  `MaximumEventAgeInSeconds` (default 6 hours) is dropped. A run that failed every attempt is logged and dropped:
  on-failure destinations and a function's dead-letter queue are not emulated (logged at start when configured).
  The rule's or schedule's own `RetryPolicy` and `DeadLetterConfig` are for EventBridge failing to reach Lambda
  at all, which does not happen locally.
"""

from __future__ import annotations

import heapq
import itertools
import json
import queue
import random
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from infra.local.functions import EventSource, FunctionSpec
from infra.local.pollers import PollerThread, log
from infra.local.sandbox import FunctionError
from infra.local.template import TemplateError

SCHEDULE_EVENT_TYPES = frozenset({"Schedule", "ScheduleV2"})
# Lambda's asynchronous invocation: the waits before the first and the second retry, and its defaults.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=2))
DEFAULT_RETRY_ATTEMPTS = 2
DEFAULT_MAXIMUM_EVENT_AGE = timedelta(hours=6)

_RATE = re.compile(r"rate\((\d+) (minute|minutes|hour|hours|day|days)\)")
_RATE_UNITS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_WEEKDAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
# What EventBridge allows in each cron field (its documented values and wildcards).
_CRON_FIELDS = (
    ("minutes", re.compile(r"[0-9,\-*/]+")),
    ("hours", re.compile(r"[0-9,\-*/]+")),
    ("day-of-month", re.compile(r"[0-9,\-*/?LW]+")),
    ("month", re.compile(rf"(?:[0-9,\-*/]|{_MONTHS})+", re.IGNORECASE)),
    ("day-of-week", re.compile(rf"(?:[0-9,\-*?L#]|{_WEEKDAYS})+", re.IGNORECASE)),
    ("year", re.compile(r"[0-9,\-*/]+")),
)


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class AsyncInvoker(Protocol):
    def invoke(self, logical_id: str, event: Any, request_id: str | None = None) -> Any: ...


# ---------------------------------------------------------------------- expressions
@dataclass(frozen=True)
class RateExpression:
    period: timedelta

    def first_run(self, start: datetime) -> datetime:
        return start + self.period

    def next_after(self, run: datetime) -> datetime:
        return run + self.period

    def resume_after(self, early_run: datetime, _natural_first_run: datetime) -> datetime:
        """Where the runs after an early first run count from: a rate keeps its period from that run."""
        return early_run


@dataclass(frozen=True)
class CronExpression:
    croniter_form: str  # minutes hours day-of-month month day-of-week second year, day of week 0-6
    timezone: tzinfo = UTC

    def first_run(self, start: datetime) -> datetime:
        return self.next_after(start)

    def next_after(self, moment: datetime) -> datetime:
        from croniter import croniter

        following: datetime = croniter(self.croniter_form, moment.astimezone(self.timezone)).get_next(datetime)
        return following.astimezone(UTC)

    def resume_after(self, _early_run: datetime, natural_first_run: datetime) -> datetime:
        """An early first run stands in for the cron's own first one: the runs go on from the one after it."""
        return natural_first_run


ScheduleExpression = RateExpression | CronExpression


def parse_rate(expression: str, where: str) -> RateExpression:
    """`rate(value unit)` as EventBridge accepts it; TemplateError (naming `where`) for what AWS refuses."""
    match = _RATE.fullmatch(expression)
    if match is None:
        raise TemplateError(
            f"{where}: {expression!r} is not a rate expression AWS accepts: rate(value unit), the value a whole "
            "number, the unit minute, minutes, hour, hours, day or days (no seconds)"
        )
    value, unit = int(match.group(1)), match.group(2)
    if value < 1:
        raise TemplateError(f"{where}: {expression!r}: the value of a rate must be at least 1")
    if (value == 1) != (not unit.endswith("s")):
        raise TemplateError(
            f"{where}: {expression!r}: AWS takes a singular unit for a value of 1 (rate(1 {unit.rstrip('s')})) and "
            f"a plural one for any other value (rate({value} {unit.rstrip('s')}s))"
        )
    return RateExpression(value * _RATE_UNITS[unit.rstrip("s")])


def parse_cron(expression: str, where: str, timezone: tzinfo = UTC) -> CronExpression:
    """EventBridge's `cron(minutes hours day-of-month month day-of-week year)`, for croniter."""
    inner = expression.removeprefix("cron(").removesuffix(")")
    fields = inner.split()
    if not expression.endswith(")") or len(fields) != len(_CRON_FIELDS):
        raise TemplateError(f"{where}: {expression!r}: a cron expression has six fields, cron(m h dom mon dow year)")
    for value, (name, allowed) in zip(fields, _CRON_FIELDS, strict=True):
        if not allowed.fullmatch(value):
            raise TemplateError(f"{where}: {expression!r}: {value!r} is not a value EventBridge takes for {name}")
    minutes, hours, day_of_month, month, day_of_week, year = fields
    if (day_of_month == "?") == (day_of_week == "?"):
        raise TemplateError(
            f"{where}: {expression!r}: EventBridge takes exactly one of day-of-month and day-of-week as '?'"
        )
    translated = " ".join(
        [minutes, hours, day_of_month, month, _croniter_day_of_week(day_of_week, expression, where), "0", year]
    )
    cron = CronExpression(translated, timezone)
    try:
        cron.next_after(datetime.now(UTC))
    except (ValueError, TypeError, KeyError) as error:  # croniter's errors are ValueErrors
        raise TemplateError(
            f"{where}: {expression!r} is refused by croniter, which runs cron expressions locally ({error}; "
            "its years end at 2099)"
        ) from None
    return cron


def _croniter_day_of_week(field_value: str, expression: str, where: str) -> str:
    """EventBridge's day of week (1-7 = SUN-SAT; `5L` the last Thursday; `L` alone, Saturday) as croniter's."""

    def shifted(number: str) -> str:
        day = int(number)
        if not 1 <= day <= 7:
            raise TemplateError(f"{where}: {expression!r}: a day of week is 1-7 (SUN-SAT), got {day}")
        return str(day - 1)

    items = []
    for item in field_value.split(","):
        if item.upper() == "L":
            items.append("6")
        elif last := re.fullmatch(r"(\d+)L", item, re.IGNORECASE):
            items.append(f"L{shifted(last.group(1))}")
        elif nth := re.fullmatch(r"(\d+)#(\d+)", item):
            items.append(f"{shifted(nth.group(1))}#{nth.group(2)}")
        else:
            items.append(re.sub(r"\d+", lambda number: shifted(number.group(0)), item))
    return ",".join(items)


# ---------------------------------------------------------------------- settings
@dataclass(frozen=True)
class ScheduleSettings:
    """One `Schedule` or `ScheduleV2` event of a function, resolved, with AWS's defaults."""

    function_id: str
    event_name: str
    expression: ScheduleExpression
    resource_arn: str  # the rule's or the schedule's ARN
    source: str  # aws.events (a rule) or aws.scheduler
    account_id: str
    region: str
    input: Any = None  # the parsed `Input`, which replaces the event; None: the default event
    has_input: bool = False
    retry_attempts: int = DEFAULT_RETRY_ATTEMPTS
    maximum_event_age: timedelta = DEFAULT_MAXIMUM_EVENT_AGE
    flexible_window: timedelta = timedelta(0)
    start_date: datetime | None = None
    end_date: datetime | None = None

    @property
    def name(self) -> str:
        return f"{self.function_id}.{self.event_name}"

    def event(self, moment: datetime, event_id: str) -> Any:
        """What the function is invoked with for the run at `moment`."""
        if self.has_input:
            return self.input
        return {
            "version": "0",
            "id": event_id,
            "detail-type": "Scheduled Event",
            "source": self.source,
            "account": self.account_id,
            "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": self.region,
            "resources": [self.resource_arn],
            "detail": "{}" if self.source == "aws.scheduler" else {},
        }

    def runs_at(self, moment: datetime) -> bool:
        return (self.start_date is None or moment >= self.start_date) and (
            self.end_date is None or moment <= self.end_date
        )


@dataclass(frozen=True)
class ScheduleNaming:
    """What a schedule's ARN is made of: the runtime's prefix, region and account."""

    prefix: str
    region: str
    account_id: str


def function_schedules(
    functions: list[FunctionSpec], naming: ScheduleNaming
) -> dict[tuple[str, str], ScheduleSettings]:
    """The schedules that run, by (function, event): read before any sandbox starts, so that a template AWS would
    refuse stops the start at once."""
    schedules = {}
    for function in functions:
        for event in function.events:
            if event.type in SCHEDULE_EVENT_TYPES and (settings := schedule_settings(function, event, naming)):
                schedules[function.logical_id, event.name] = settings
    return schedules


@dataclass(frozen=True)
class _Trigger:
    """What differs between a rule (`Schedule`) and a Scheduler schedule (`ScheduleV2`)."""

    where: str  # the function, the event and the rule or schedule, for messages
    enabled: bool
    expression_text: str
    arn: str
    source: str
    timezone: tzinfo = UTC
    flexible_window: timedelta = timedelta(0)


def schedule_settings(function: FunctionSpec, event: EventSource, naming: ScheduleNaming) -> ScheduleSettings | None:
    """The settings of a `Schedule` or `ScheduleV2` event; None when it does not run (disabled, or one-time).

    Raises TemplateError for what SAM or AWS would refuse."""
    properties = event.properties
    trigger = _rule(function, event, naming) if event.type == "Schedule" else _scheduler(function, event, naming)
    retries, maximum_age = _async_retry_policy(function)
    expression = _expression(trigger, one_time_allowed=event.type == "ScheduleV2")
    if not trigger.enabled or expression is None:
        log(f"{trigger.where}: {'disabled' if not trigger.enabled else 'a one-time at() schedule'}, not run locally")
        return None
    if function.event_invoke_config.get("DestinationConfig"):
        log(f"{trigger.where}: EventInvokeConfig.DestinationConfig is not emulated: a run that fails is dropped")
    has_input, parsed_input = _input(properties, trigger.where)
    return ScheduleSettings(
        function_id=function.logical_id,
        event_name=event.name,
        expression=expression,
        resource_arn=trigger.arn,
        source=trigger.source,
        account_id=naming.account_id,
        region=naming.region,
        input=parsed_input,
        has_input=has_input,
        retry_attempts=retries,
        maximum_event_age=maximum_age,
        flexible_window=trigger.flexible_window,
        start_date=_date(properties.get("StartDate"), "StartDate", trigger.where),
        end_date=_date(properties.get("EndDate"), "EndDate", trigger.where),
    )


def _rule(function: FunctionSpec, event: EventSource, naming: ScheduleNaming) -> _Trigger:
    """An EventBridge rule, named `Name` or, as the runtime names resources, `<prefix><Function><Event>`."""
    properties = event.properties
    rule = str(properties.get("Name") or f"{naming.prefix}{function.logical_id}{event.name}")
    where = f"{function.logical_id}.{event.name} (rule {rule})"
    return _Trigger(
        where=where,
        enabled=_rule_enabled(properties, where),
        expression_text=str(properties.get("Schedule") or ""),
        arn=f"arn:aws:events:{naming.region}:{naming.account_id}:rule/{rule}",
        source="aws.events",
    )


def _scheduler(function: FunctionSpec, event: EventSource, naming: ScheduleNaming) -> _Trigger:
    """An EventBridge Scheduler schedule, in its group (`default` unless told)."""
    properties = event.properties
    schedule = _scheduler_name(function, event, naming.prefix)
    group = str(properties.get("GroupName") or "default")
    where = f"{function.logical_id}.{event.name} (schedule {schedule})"
    return _Trigger(
        where=where,
        enabled=_state(properties.get("State", "ENABLED"), ("ENABLED", "DISABLED"), where) == "ENABLED",
        expression_text=str(properties.get("ScheduleExpression") or ""),
        arn=f"arn:aws:scheduler:{naming.region}:{naming.account_id}:schedule/{group}/{schedule}",
        source="aws.scheduler",
        timezone=_timezone(properties, where),
        flexible_window=_flexible_window(properties, where),
    )


def _expression(trigger: _Trigger, *, one_time_allowed: bool) -> ScheduleExpression | None:
    text, where = trigger.expression_text, trigger.where
    if text.startswith("rate("):
        return parse_rate(text, where)
    if text.startswith("cron("):
        return parse_cron(text, where, trigger.timezone)
    if text.startswith("at(") and one_time_allowed:
        return None
    raise TemplateError(f"{where}: {text!r} is neither a rate(...) nor a cron(...) expression")


def _scheduler_name(function: FunctionSpec, event: EventSource, prefix: str) -> str:
    """SAM names the schedule after its logical id (`<Function><Event>`) unless told, or told to omit it."""
    if event.properties.get("Name"):
        return str(event.properties["Name"])
    if _is_true(event.properties.get("OmitName")):
        return f"{prefix}{function.logical_id}{event.name}"
    return f"{function.logical_id}{event.name}"


def _rule_enabled(properties: dict[str, Any], where: str) -> bool:
    if "Enabled" in properties and "State" in properties:
        raise TemplateError(f"{where}: State and Enabled cannot both be given (SAM refuses it)")
    if "State" in properties:
        states = ("ENABLED", "DISABLED", "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        return _state(properties["State"], states, where) != "DISABLED"
    return _is_true(properties.get("Enabled", True))


def _state(value: Any, allowed: tuple[str, ...], where: str) -> str:
    state = str(value)
    if state not in allowed:
        raise TemplateError(f"{where}: State must be one of {', '.join(allowed)}, got {state!r}")
    return state


def _is_true(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _input(properties: dict[str, Any], where: str) -> tuple[bool, Any]:
    """`Input`: JSON text that replaces the event (a Lambda target takes JSON only)."""
    if "Input" not in properties:
        return False, None
    text = properties["Input"]
    if not isinstance(text, str):
        raise TemplateError(f"{where}: Input must be JSON text (a string), got {type(text).__name__}")
    try:
        return True, json.loads(text)
    except json.JSONDecodeError as error:
        raise TemplateError(f"{where}: Input is not valid JSON ({error})") from None


def _timezone(properties: dict[str, Any], where: str) -> tzinfo:
    name = properties.get("ScheduleExpressionTimezone")
    if not name:
        return UTC
    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise TemplateError(f"{where}: ScheduleExpressionTimezone {name!r} is not a time zone") from None


def _flexible_window(properties: dict[str, Any], where: str) -> timedelta:
    window = properties.get("FlexibleTimeWindow") or {"Mode": "OFF"}
    if str(window.get("Mode", "OFF")) == "OFF":
        return timedelta(0)
    minutes = int(window.get("MaximumWindowInMinutes", 0))
    if not 1 <= minutes <= 1440:
        raise TemplateError(f"{where}: a FLEXIBLE window's MaximumWindowInMinutes is 1-1440, got {minutes}")
    return timedelta(minutes=minutes)


def _date(value: Any, key: str, where: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise TemplateError(f"{where}: {key} {value!r} is not an ISO 8601 date and time") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _async_retry_policy(function: FunctionSpec) -> tuple[int, timedelta]:
    """The function's `EventInvokeConfig`: retry attempts (0-2) and the oldest event it still runs."""
    config = function.event_invoke_config
    retries = int(config.get("MaximumRetryAttempts", DEFAULT_RETRY_ATTEMPTS))
    age = int(config.get("MaximumEventAgeInSeconds", DEFAULT_MAXIMUM_EVENT_AGE.total_seconds()))
    if not 0 <= retries <= len(RETRY_DELAYS):
        raise TemplateError(f"{function.logical_id}: EventInvokeConfig.MaximumRetryAttempts is 0-2, got {retries}")
    if not 60 <= age <= DEFAULT_MAXIMUM_EVENT_AGE.total_seconds():
        raise TemplateError(f"{function.logical_id}: EventInvokeConfig.MaximumEventAgeInSeconds is 60-21600, got {age}")
    return retries, timedelta(seconds=age)


# ---------------------------------------------------------------------- the schedule's thread
@dataclass(order=True)
class Delivery:
    """One attempt at one run, due at `due`."""

    due: datetime
    sequence: int  # keeps deliveries due at the same moment in the order they were planned
    event: Any = field(compare=False)
    request_id: str = field(compare=False)
    scheduled: datetime = field(compare=False)  # the run's own time: its age counts from it
    attempt: int = field(compare=False, default=1)


class ScheduleThread(PollerThread):
    """Runs one schedule: ticks on the clock, hands each run to workers that invoke the function, and plans the
    retries of a failed run. `poll_once` does what is due and returns: PollerThread polls it four times a second.
    """

    def __init__(
        self,
        settings: ScheduleSettings,
        invoker: AsyncInvoker,
        workers: int,
        *,
        clock: Clock | None = None,
        first_run_seconds: float | None = None,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        super().__init__(settings.name)
        self.settings = settings
        self.invoker = invoker
        self.clock = clock or SystemClock()
        self.first_run_seconds = first_run_seconds
        self._jitter = jitter
        self._agenda: list[Delivery] = []
        self._sequence = itertools.count()
        self._lock = threading.Lock()
        self._ready: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        self._running = 0
        self._next_run: datetime | None = None
        self._resume_from: datetime | None = None  # after an early first run: where the schedule goes on from
        self._workers = [
            threading.Thread(target=self._serve, name=f"schedule-{settings.name}-{index}", daemon=True)
            for index in range(max(1, workers))
        ]

    @property
    def next_run(self) -> datetime | None:
        return self._next_run

    def planned(self) -> list[datetime]:
        """When the runs and retries planned and not yet due will be handed to the workers, soonest first."""
        with self._lock:
            return sorted(delivery.due for delivery in self._agenda)

    def start(self) -> None:
        now = self.clock.now()
        self._next_run = self._first_run(now)
        log(f"{self.name}: first run at {self._next_run.isoformat(timespec='seconds')}")
        for worker in self._workers:
            worker.start()
        super().start()

    def _first_run(self, start: datetime) -> datetime:
        expression = self.settings.expression
        natural = expression.first_run(start)
        if self.first_run_seconds is None:
            return natural
        early = start + timedelta(seconds=self.first_run_seconds)
        if early >= natural:
            return natural
        self._resume_from = expression.resume_after(early, natural)
        return early

    def poll_once(self) -> bool:
        now = self.clock.now()
        if self._next_run is not None and now >= self._next_run:
            self._tick(self._next_run, now)
        for delivery in self._due_deliveries(now):
            self._ready.put(delivery)
        return False

    def _tick(self, run: datetime, now: datetime) -> None:
        if self.settings.runs_at(run):
            with self._lock:
                busy = self._running
            if busy:
                log(f"{self.name}: {busy} earlier run(s) still going; this run starts all the same, as on AWS")
            delay = self.settings.flexible_window * self._jitter()
            event_id = str(uuid.uuid4())
            event = self.settings.event(run, event_id)
            self._plan(Delivery(run + delay, next(self._sequence), event, str(uuid.uuid4()), run))
        self._next_run = self._following(run, now)

    def _following(self, run: datetime, now: datetime) -> datetime | None:
        """The run after `run`; ticks already past (the machine slept) are skipped."""
        expression = self.settings.expression
        following = expression.next_after(self._resume_from or run)
        self._resume_from = None
        skipped = 0
        while following <= now:
            following, skipped = expression.next_after(following), skipped + 1
        if skipped:
            log(f"{self.name}: {skipped} run(s) already past are skipped (the runtime was paused)")
        if self.settings.end_date is not None and following > self.settings.end_date:
            log(f"{self.name}: past its EndDate, no further run")
            return None
        return following

    def _plan(self, delivery: Delivery) -> None:
        with self._lock:
            heapq.heappush(self._agenda, delivery)

    def _due_deliveries(self, now: datetime) -> list[Delivery]:
        due = []
        with self._lock:
            while self._agenda and self._agenda[0].due <= now:
                due.append(heapq.heappop(self._agenda))
        return due

    # ------------------------------------------------------------------ workers
    def _serve(self) -> None:
        while (delivery := self._ready.get()) is not None:
            if self.stopping.is_set():
                continue
            with self._lock:
                self._running += 1
            try:
                self._deliver(delivery)
            finally:
                with self._lock:
                    self._running -= 1

    def _deliver(self, delivery: Delivery) -> None:
        settings = self.settings
        if self.clock.now() - delivery.scheduled > settings.maximum_event_age:
            log(f"{self.name}: the run of {_moment(delivery.scheduled)} is past MaximumEventAgeInSeconds: dropped")
            return
        started = time.perf_counter()
        try:
            self.invoker.invoke(settings.function_id, delivery.event, request_id=delivery.request_id)
        except Exception as error:
            if self.stopping.is_set():
                return
            self._failed(delivery, error)
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        log(f"{self.name}: run of {_moment(delivery.scheduled)} (attempt {delivery.attempt}) ok in {elapsed_ms:.0f}ms")

    def _failed(self, delivery: Delivery, error: Exception) -> None:
        what = f"{self.name}: run of {_moment(delivery.scheduled)} (attempt {delivery.attempt}) failed"
        if isinstance(error, FunctionError):
            log(f"{what}: {error}")
        else:
            log(f"{what}: {type(error).__name__}: {error}")
            traceback.print_exc()
        if delivery.attempt > self.settings.retry_attempts:
            log(f"{what}; no retry left: dropped (on-failure destinations are not emulated locally)")
            return
        retry_at = self.clock.now() + RETRY_DELAYS[delivery.attempt - 1]
        if retry_at - delivery.scheduled > self.settings.maximum_event_age:
            log(f"{what}; a retry would pass MaximumEventAgeInSeconds: dropped")
            return
        log(f"{what}; Lambda retries it at {_moment(retry_at)}")
        self._plan(
            Delivery(
                retry_at,
                next(self._sequence),
                delivery.event,
                delivery.request_id,
                delivery.scheduled,
                delivery.attempt + 1,
            )
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Stop ticking; a run in progress is left to end with its sandbox (the invoker closes them)."""
        super().stop(timeout)
        for _ in self._workers:
            self._ready.put(None)


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
