"""The handler-side view of a home-timeline read: `home_timeline_page` called in-process, with the
strategy's own ApiSettings, against the same DynamoDB Local as the runtimes, while the HTTP clients load it.

Instrumentation, not a mock: botocore event handlers on PynamoDB's clients add
`ReturnConsumedCapacity: TOTAL` to each request and note, per DynamoDB call, when it started and ended
(before-call / after-call) and the units it consumed. From those notes a read's cost follows: how many
requests, how many read and write units, and how many sequential round trips (waves of calls in flight;
calls issued side by side overlap and count once), with the critical path (the longest chain of calls
each started after the previous one ended) next to it.

Two processes of their own, started for each strategy (`HandlerSideProcesses`):
- the probe times a read of a random reader's first page and, next to it, one raw DynamoDB Query of the
  same page size on the same timelines table: the floor a home-timeline read is compared to;
- the delivery watcher polls the first page of a sample of each new post's active followers until the
  post shows there, which gives the post-to-visible (delivery) latency.
"""

from __future__ import annotations

import gc
import multiprocessing
import queue
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from typing import Any

import boto3
import botocore.config
from chirp.adapters.dynamodb import models
from chirp.adapters.dynamodb.connection import shared_connection
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID
from chirp.pages import PageRequest
from chirp.timelines.service import home_timeline_page
from chirp.wiring.api import ApiDependencies, ApiSettings, build
from pynamodb.models import Model

PAGE_SIZE = 20
WATCHER_THREADS = 4
ROUND_TRIP_DELAY_SECONDS = 0.05
ROUND_TRIP_READS = 30
CAPACITY_OPERATIONS = frozenset({
    "GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems",
    "PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems",
})  # fmt: skip


@dataclass(frozen=True)
class DynamoDBCall:
    operation: str
    started: float
    ended: float
    read_units: float
    write_units: float
    items: int  # items DynamoDB returned


def items_returned(parsed: dict[str, Any]) -> int:
    if "Count" in parsed:
        return int(parsed["Count"])
    if "Responses" in parsed:
        return sum(len(items) for items in parsed["Responses"].values())
    return int("Item" in parsed)


def overlapping_waves(calls: list[DynamoDBCall]) -> int:
    """The waves of calls in flight, each ending when no call is in flight (calls queued behind a thread
    pool keep one wave going: `longest_chain` counts them)."""
    waves, in_flight_until = 0, float("-inf")
    for call in sorted(calls, key=lambda call: call.started):
        if call.started > in_flight_until:
            waves += 1
        in_flight_until = max(in_flight_until, call.ended)
    return waves


def longest_chain(calls: list[DynamoDBCall]) -> int:
    """Sequential round trips: the longest chain of calls each of which started after the previous one
    ended. Calls issued side by side overlap and count once, provided each call lasts longer than the
    stagger of their starts (see `count_round_trips`); calls queued behind a thread pool count again."""
    ordered = sorted(calls, key=lambda call: call.started)
    chain: list[int] = []
    for position, call in enumerate(ordered):
        before = [chain[earlier] for earlier in range(position) if ordered[earlier].ended <= call.started]
        chain.append(1 + max(before, default=0))
    return max(chain, default=0)


def consumed_units(operation: str, consumed: Any) -> tuple[float, float]:
    entries = consumed if isinstance(consumed, list) else [consumed] if isinstance(consumed, dict) else []
    read = write = 0.0
    for entry in entries:
        total = float(entry.get("CapacityUnits", 0.0))
        is_write = operation in ("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems")
        read += float(entry.get("ReadCapacityUnits", 0.0 if is_write else total))
        write += float(entry.get("WriteCapacityUnits", total if is_write else 0.0))
    return read, write


class DynamoDBCallRecorder:
    """Notes the DynamoDB calls PynamoDB's clients make while a recording is open."""

    def __init__(self) -> None:
        # Held before each request is sent (a stand-in for the network): see `count_round_trips`.
        self.injected_delay_seconds = 0.0
        self._calls: list[DynamoDBCall] | None = None
        self._notes_lock = threading.Lock()
        self._instrumented: set[int] = set()

    def instrument_bound_models(self) -> None:
        """Register on the botocore client of every model (rebuilt when models are rebound) and of the
        shared connection. Idempotent."""
        clients = [model._get_connection().connection.client for model in product_models()]
        clients.append(shared_connection().client)
        for client in clients:
            if id(client) in self._instrumented:
                continue
            self._instrumented.add(id(client))
            events = client.meta.events
            events.register("before-parameter-build.dynamodb", self._ask_for_consumed_capacity)
            events.register("before-call.dynamodb", self._note_start)
            events.register("before-send.dynamodb", self._hold_request)
            events.register("after-call.dynamodb", self._note_end)

    @contextmanager
    def recording(self) -> Iterator[list[DynamoDBCall]]:
        """Collect every call made meanwhile (one recording at a time: the probe reads one page at a time)."""
        calls: list[DynamoDBCall] = []
        self._calls = calls
        try:
            yield calls
        finally:
            self._calls = None

    @staticmethod
    def _ask_for_consumed_capacity(params: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name in CAPACITY_OPERATIONS:
            params.setdefault("ReturnConsumedCapacity", "TOTAL")

    @staticmethod
    def _note_start(context: dict[str, Any], **_: Any) -> None:
        context["bench_started"] = time.perf_counter()

    def _hold_request(self, **_: Any) -> None:
        if self.injected_delay_seconds:
            time.sleep(self.injected_delay_seconds)

    def _note_end(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        ended = time.perf_counter()
        calls = self._calls
        if calls is None:
            return
        read, write = consumed_units(model.name, parsed.get("ConsumedCapacity"))
        with self._notes_lock:
            started = context.get("bench_started", ended)
            calls.append(DynamoDBCall(model.name, started, ended, read, write, items_returned(parsed)))


def product_models() -> list[type[Model]]:
    """Every PynamoDB model of the DynamoDB adapter (each has a connection, so a botocore client, of its own)."""
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, Model) and value is not Model and value.Meta.table_name
    ]


def bind_in_process_stores(settings: ApiSettings, recorder: DynamoDBCallRecorder) -> ApiDependencies:
    """The product's DynamoDB repositories, bound to this strategy's tables and instrumented."""
    stores = build(settings)
    recorder.instrument_bound_models()
    return stores


# ---------------------------------------------------------------------------------------------- probe
@dataclass(frozen=True)
class HandlerRead:
    latency_ms: float
    requests: int
    read_units: float
    write_units: float
    waves: int  # of calls in flight, separated by moments with no call in flight
    round_trips: int  # the longest chain of calls each started after the previous one ended
    items_read: int  # items DynamoDB returned, all calls together
    items: int  # items on the page
    cpu_ms: float  # CPU time of the probe process (every thread) during the read
    # Each DynamoDB call: operation, ms from the read's start to the call's start, the call's ms.
    calls: tuple[tuple[str, float, float], ...] = ()


@dataclass(frozen=True)
class RawQuery:
    latency_ms: float
    cpu_ms: float


@dataclass
class ProbeSamples:
    reads: list[HandlerRead] = field(default_factory=list)
    raw_queries: list[RawQuery] = field(default_factory=list)
    # Reads with `ROUND_TRIP_DELAY_SECONDS` held before each request: their waves are the round trips.
    delayed_reads: list[HandlerRead] = field(default_factory=list)


@dataclass(frozen=True)
class ProbeOrders:
    settings: ApiSettings
    reader_ids: list[int]
    interval_seconds: float
    seed: int


def probe_handler_reads(orders: ProbeOrders, ready: Event, stop: Event, results: Queue[ProbeSamples]) -> None:
    """The probe process: every `interval_seconds`, one in-process home-timeline read of a random reader and,
    in random order next to it, one raw Query of the same page size on the same table."""
    recorder = DynamoDBCallRecorder()
    stores = bind_in_process_stores(orders.settings, recorder)
    raw_dynamodb = boto3.client("dynamodb", config=botocore.config.Config(max_pool_connections=32))
    rng = random.Random(orders.seed)
    samples = ProbeSamples()
    handler_read(stores, orders.settings, recorder, orders.reader_ids[0])  # connections and imports, unmeasured
    raw_query(raw_dynamodb, orders.settings, orders.reader_ids[0])
    gc.freeze()  # what each function does at init, once its clients are built (chirp.wiring.prepare_process)
    ready.set()
    while not stop.wait(orders.interval_seconds):
        reader = rng.choice(orders.reader_ids)
        if rng.random() < 0.5:
            samples.raw_queries.append(raw_query(raw_dynamodb, orders.settings, reader))
            samples.reads.append(handler_read(stores, orders.settings, recorder, reader))
        else:
            samples.reads.append(handler_read(stores, orders.settings, recorder, reader))
            samples.raw_queries.append(raw_query(raw_dynamodb, orders.settings, reader))
    samples.delayed_reads = count_round_trips(stores, orders, recorder, rng)
    results.put(samples)


def count_round_trips(
    stores: ApiDependencies, orders: ProbeOrders, recorder: DynamoDBCallRecorder, rng: random.Random
) -> list[HandlerRead]:
    """Reads with every request held `ROUND_TRIP_DELAY_SECONDS` before it is sent, as a network between
    Lambda and DynamoDB would: calls issued side by side then overlap however the GIL staggers them (on
    DynamoDB Local a call takes a millisecond or two, less than the CPU time Python spends between two
    calls of one wave), so the waves counted are the read's sequential round trips."""
    recorder.injected_delay_seconds = ROUND_TRIP_DELAY_SECONDS
    try:
        readers = rng.sample(orders.reader_ids, min(ROUND_TRIP_READS, len(orders.reader_ids)))
        return [handler_read(stores, orders.settings, recorder, reader) for reader in readers]
    finally:
        recorder.injected_delay_seconds = 0.0


def handler_read(
    stores: ApiDependencies, settings: ApiSettings, recorder: DynamoDBCallRecorder, reader_id: int
) -> HandlerRead:
    with recorder.recording() as calls:
        started, cpu_started = time.perf_counter(), time.process_time()
        page = home_timeline_page(stores, settings, reader_id, PageRequest(limit=PAGE_SIZE))
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return HandlerRead(
        latency_ms=elapsed * 1000,
        cpu_ms=cpu * 1000,
        requests=len(calls),
        read_units=sum(call.read_units for call in calls),
        write_units=sum(call.write_units for call in calls),
        waves=overlapping_waves(calls),
        round_trips=longest_chain(calls),
        items_read=sum(call.items for call in calls),
        items=len(page.items),
        calls=tuple(
            (call.operation, (call.started - started) * 1000, (call.ended - call.started) * 1000) for call in calls
        ),
    )


def raw_query(raw_dynamodb: Any, settings: ApiSettings, reader_id: int) -> RawQuery:
    """One DynamoDB Query of a page of the reader's timeline: the floor of a home-timeline read."""
    started, cpu_started = time.perf_counter(), time.process_time()
    raw_dynamodb.query(
        TableName=settings.timelines_table,
        KeyConditionExpression="owner_id = :owner AND entry_id < :activity",
        ExpressionAttributeValues={":owner": {"N": str(reader_id)}, ":activity": {"N": str(ACTIVITY_ENTRY_ID)}},
        ScanIndexForward=False,
        Limit=PAGE_SIZE,
    )
    return RawQuery((time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000)


# ---------------------------------------------------------------------------------------------- delivery
@dataclass(frozen=True)
class Delivery:
    tweet_id: int
    follower_id: int
    author_is_celebrity: bool
    posted_at: float  # time.monotonic() when the POST answered (CLOCK_MONOTONIC: the same in every process)


@dataclass
class DeliveryResults:
    ordinary_ms: list[float] = field(default_factory=list)
    celebrity_ms: list[float] = field(default_factory=list)
    undelivered: int = 0


@dataclass(frozen=True)
class WatchOrders:
    settings: ApiSettings
    poll_interval_seconds: float
    give_up_after_seconds: float


def watch_deliveries(
    orders: WatchOrders, ready: Event, incoming: Queue[Delivery | None], results: Queue[DeliveryResults]
) -> None:
    """The watcher process: polls each watched follower's first page, as the API would serve it, until the
    post shows there (up to `WATCHER_THREADS` pages at a time); a None on `incoming` ends the watch once
    everything pending is settled."""
    stores = bind_in_process_stores(orders.settings, DynamoDBCallRecorder())
    outcome = DeliveryResults()
    pending: list[tuple[float, Delivery]] = []  # (when to look next, what)
    checking: dict[Future[DeliveryCheck], Delivery] = {}
    finishing = False
    ready.set()
    with ThreadPoolExecutor(WATCHER_THREADS) as pool:
        while not (finishing and not pending and not checking):
            finishing = take_new_deliveries(incoming, pending, block=not (pending or checking)) or finishing
            for future in [future for future in checking if future.done()]:
                delivery = checking.pop(future)
                look_again_at = record_check(future.result(), delivery, outcome, orders.give_up_after_seconds)
                if look_again_at is not None:
                    pending.append((look_again_at + orders.poll_interval_seconds, delivery))
            now = time.monotonic()
            due = [entry for entry in pending if entry[0] <= now][: WATCHER_THREADS - len(checking)]
            for entry in due:
                pending.remove(entry)
                checking[pool.submit(check_delivery, stores, orders.settings, entry[1])] = entry[1]
            time.sleep(0.005)
    results.put(outcome)


def take_new_deliveries(
    incoming: Queue[Delivery | None], pending: list[tuple[float, Delivery]], *, block: bool
) -> bool:
    """Move what arrived onto `pending`; True once the end marker came."""
    try:
        item = incoming.get(timeout=0.5) if block else incoming.get_nowait()
        while True:
            if item is None:
                return True
            pending.append((0.0, item))
            item = incoming.get_nowait()
    except queue.Empty:
        return False


@dataclass(frozen=True)
class DeliveryCheck:
    visible: bool
    checked_at: float  # time.monotonic() when the page came back


def check_delivery(stores: ApiDependencies, settings: ApiSettings, delivery: Delivery) -> DeliveryCheck:
    page = home_timeline_page(stores, settings, delivery.follower_id, PageRequest(limit=PAGE_SIZE))
    return DeliveryCheck(any(item.tweet.id == delivery.tweet_id for item in page.items), time.monotonic())


def record_check(
    check: DeliveryCheck, delivery: Delivery, outcome: DeliveryResults, give_up_after: float
) -> float | None:
    """Record a delivery seen (or given up on); otherwise return when the page was last looked at."""
    if check.visible:
        latencies = outcome.celebrity_ms if delivery.author_is_celebrity else outcome.ordinary_ms
        latencies.append((check.checked_at - delivery.posted_at) * 1000)
        return None
    if check.checked_at - delivery.posted_at > give_up_after:
        outcome.undelivered += 1
        return None
    return check.checked_at


# ---------------------------------------------------------------------------------------------- processes
class HandlerSideProcesses:
    """The probe and the delivery watcher, each in a process of its own: neither competes with the HTTP
    clients (or the other) for this interpreter's GIL, so what they time is the product's read."""

    def __init__(self, probe: ProbeOrders, watch: WatchOrders) -> None:
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        self._deliveries: Queue[Delivery | None] = context.Queue()
        self._probe_results: Queue[ProbeSamples] = context.Queue()
        self._watch_results: Queue[DeliveryResults] = context.Queue()
        self._ready = [context.Event(), context.Event()]
        self._processes = [
            context.Process(target=probe_handler_reads, args=(probe, self._ready[0], self._stop, self._probe_results),
                            name="handler-probe", daemon=True),
            context.Process(target=watch_deliveries, args=(watch, self._ready[1], self._deliveries,
                            self._watch_results), name="delivery-watcher", daemon=True),
        ]  # fmt: skip

    def start(self, timeout: float = 120.0) -> None:
        for process in self._processes:
            process.start()
        for ready in self._ready:
            if not ready.wait(timeout):
                raise SystemExit("the handler-side probe or the delivery watcher did not start")

    def watch(self, delivery: Delivery) -> None:
        self._deliveries.put(delivery)

    def stop_probe(self) -> ProbeSamples:
        self._stop.set()
        samples = self._probe_results.get(timeout=120)
        self._processes[0].join()
        return samples

    def finish_watching(self) -> DeliveryResults:
        """Once every watched post has shown (or been given up on)."""
        self._deliveries.put(None)
        results = self._watch_results.get(timeout=600)
        self._processes[1].join()
        return results
