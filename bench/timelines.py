"""`make bench-timelines`: home timelines under pure push, pure pull and hybrid, side by side, on one graph.

1. Generates a heavy-tailed follower graph (`bench.timeline_graph`; size set by flags) and bulk-loads it,
   with BatchWriteItem and exact counters on the user items, into one copy of the template's tables per
   strategy in one DynamoDB Local. The hybrid copy has its celebrities marked (user `celebrity = true`,
   and listed in their followers' `pulls`) as the users-stream promotion would leave them.
2. Starts one local runtime per strategy (`python -m infra.local` in endpoint mode, own resource prefix,
   `CHIRP_PARAMETER_OVERRIDES="TimelineStrategy=<s> CelebrityThreshold=<t>"`) for its turn, behind one
   metering router (`bench.timeline_router`) that counts each runtime's DynamoDB requests and consumed
   units. Access tokens are minted with each runtime's JWT key from `<data>/secrets/`.
3. For each strategy in turn: every reader reads their home timeline once (the first read rebuilds it and
   makes the reader active), then `--clients` clients run DeathStarBench's mix (60% home-timeline reads,
   30% user-timeline reads, 10% posts) over HTTP for `--duration` seconds, while a probe process times
   `home_timeline_page` (the handler's read, instrumented) next to one raw Query of the same page, and a
   watcher process polls a sample of each post's active followers until the post shows (delivery).
   Then posts by ordinary authors and by celebrities, one at a time, give the cost of a post, fan-out
   pipeline included (the router's counts once the pipeline is quiet).

Prints a table and the targets (PASS/FAIL), and writes bench/results/timelines.json and timelines.png.

    PYTHONPATH=layers/chirp python -m bench.timelines [--users 3000 --readers 300 --clients 4 --rate 24 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from chirp.pages import PageRequest
from chirp.settings import PasswordSettings
from chirp.timelines.service import home_timeline_page
from chirp.users.passwords import hash_password
from chirp.wiring.api import ApiSettings

from bench.timeline_graph import FollowerGraph, GraphShape, generate_follower_graph
from bench.timeline_probe import (
    PAGE_SIZE,
    DeliveryResults,
    DynamoDBCallRecorder,
    HandlerSideProcesses,
    ProbeOrders,
    ProbeSamples,
    WatchOrders,
    bind_in_process_stores,
)
from bench.timeline_report import (
    StrategyResult,
    draw_chart,
    evaluate_targets,
    format_table,
    format_targets,
    summarize,
)
from bench.timeline_stack import (
    Cost,
    Emulators,
    RouterMeter,
    StrategyRuntime,
    access_token,
    aws_client,
    aws_environment,
    emulators_and_router,
    graph_items,
    load_graph,
    running_runtime,
    with_celebrities_marked,
)
from bench.timeline_workload import (
    Audience,
    TweetPool,
    WorkloadPlan,
    WorkloadSamples,
    post_one_at_a_time,
    read_home_timelines,
    run_mix,
)
from infra.local.emulators import free_port

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
STRATEGIES = ("hybrid", "push", "pull")
BENCH_PASSWORD = "bench-password"  # every loaded account logs in with it
WARM_UP_MIX_SECONDS = 8.0  # of unmeasured mixed load, once the readers are warm
QUIET_SECONDS = 1.5
DRAIN_TIMEOUT_SECONDS = 120.0
PROBE_INTERVAL_SECONDS = 0.15
DELIVERY_POLL_SECONDS = 0.1
DELIVERY_GIVE_UP_SECONDS = 30.0


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    graph = parser.add_argument_group("graph")
    graph.add_argument("--users", type=int, default=3000)
    graph.add_argument("--readers", type=int, default=300, help="active users whose home timelines are read")
    graph.add_argument("--median-following", type=float, default=15.0)
    graph.add_argument("--zipf", type=float, default=1.0, help="popularity exponent: author of rank r weighs 1/r**s")
    graph.add_argument("--tweets-per-user", type=int, default=5)
    graph.add_argument("--celebrity-threshold", type=int, default=1000, help="the CelebrityThreshold parameter")
    load = parser.add_argument_group("workload")
    load.add_argument("--strategies", default=",".join(STRATEGIES), help="comma-separated, from hybrid,push,pull")
    load.add_argument("--clients", type=int, default=4)
    load.add_argument("--duration", type=float, default=40.0, help="seconds of mixed load per strategy")
    load.add_argument("--rate", type=float, default=24.0, help="operations per second, all clients together")
    load.add_argument("--celebrity-post-share", type=float, default=0.1, help="share of posts by celebrities")
    load.add_argument("--watched-followers", type=int, default=2, help="active followers polled per post")
    load.add_argument(
        "--engagement-share", type=float, default=0.0,
        help="share of the posts that are likes, retweets, replies and quotes instead (bench.timeline_workload)",
    )  # fmt: skip
    load.add_argument("--post-samples", type=int, default=20, help="posts per author class in the cost phase")
    load.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dynamodb-storage", choices=("memory", "disk"), default="memory")
    parser.add_argument("--output", type=Path, default=RESULTS / "timelines.json")
    parser.add_argument("--work-dir", type=Path, help="keep the runtimes' data and logs here (a new folder)")
    arguments = parser.parse_args()
    unknown = set(arguments.strategies.split(",")) - set(STRATEGIES)
    if unknown:
        parser.error(f"unknown strategies: {', '.join(sorted(unknown))}")
    return arguments


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def main() -> None:
    arguments = parse_arguments()
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    shape = GraphShape(
        users=arguments.users,
        readers=arguments.readers,
        median_following=arguments.median_following,
        zipf_exponent=arguments.zipf,
        tweets_per_user=arguments.tweets_per_user,
        seed=arguments.seed,
    )
    plan = WorkloadPlan(
        clients=arguments.clients,
        duration_seconds=arguments.duration,
        rate=arguments.rate,
        celebrity_post_share=arguments.celebrity_post_share,
        watched_followers=arguments.watched_followers,
        seed=arguments.seed,
        engagement_share=arguments.engagement_share,
    )
    graph = generate_follower_graph(shape)
    celebrities = graph.celebrity_indexes(arguments.celebrity_threshold)
    log(f"graph: {len(graph.user_ids)} users, {graph.edge_count} follows, {len(celebrities)} celebrities "
        f"(followers: {', '.join(str(graph.follower_count(index)) for index in celebrities)}), "
        f"{len(graph.reader_indexes)} readers")  # fmt: skip
    strategies = [name for name in STRATEGIES if name in arguments.strategies.split(",")]
    with (
        work_directory(arguments.work_dir) as work_dir,
        emulators_and_router(work_dir, arguments.dynamodb_storage) as emulators,
    ):
        results = run_strategies(
            work_dir,
            emulators,
            graph=graph,
            celebrities=celebrities,
            strategies=strategies,
            plan=plan,
            arguments=arguments,
        )
    wall_seconds = time.monotonic() - started
    machine = {"cpus": os.cpu_count(), "load_average_before": load_before, "load_average_after": os.getloadavg()[0]}
    report(results, graph=graph, celebrities=celebrities, plan=plan, arguments=arguments, wall_seconds=wall_seconds,
           machine=machine)  # fmt: skip


@contextmanager
def work_directory(kept: Path | None) -> Iterator[Path]:
    """Where the emulators and runtimes keep data and logs: `kept` (left in place), or a temporary folder."""
    if kept is not None:
        kept.mkdir(parents=True, exist_ok=False)
        yield kept.resolve()
        return
    with tempfile.TemporaryDirectory(prefix="chirp-bench-timelines-") as temporary:
        yield Path(temporary)


def run_strategies(
    work_dir: Path,
    emulators: Emulators,
    *,
    graph: FollowerGraph,
    celebrities: list[int],
    strategies: list[str],
    plan: WorkloadPlan,
    arguments: argparse.Namespace,
) -> list[StrategyResult]:
    os.environ.update(aws_environment())
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = emulators.dynamodb_url  # this process's PynamoDB: straight to it
    dynamodb = aws_client("dynamodb", emulators.dynamodb_url)
    loading = time.monotonic()
    items = graph_items(graph, hash_password(PasswordSettings(), BENCH_PASSWORD))
    marked = with_celebrities_marked(items, {graph.user_ids[index] for index in celebrities})
    runtimes = [StrategyRuntime(name, f"bench-{name}-", work_dir / name, free_port()) for name in strategies]
    with ThreadPoolExecutor(len(runtimes)) as pool:
        copies = [marked if runtime.strategy == "hybrid" else items for runtime in runtimes]
        written = sum(pool.map(load_graph, [dynamodb] * len(runtimes), [r.prefix for r in runtimes], copies))
    log(f"loaded {written} items into {len(runtimes)} copies of the tables in {time.monotonic() - loading:.0f} s")
    meter = RouterMeter(emulators.router_url)
    measurer = StrategyMeasurer(
        emulators=emulators,
        meter=meter,
        graph=graph,
        celebrities=celebrities,
        plan=plan,
        post_samples=arguments.post_samples,
    )
    results = []
    try:
        for runtime in runtimes:  # one at a time: an idle runtime's pollers would take CPU from the others
            starting = time.monotonic()
            with running_runtime(runtime, emulators.router_url, arguments.celebrity_threshold):
                log(f"{runtime.strategy}: runtime ready in {time.monotonic() - starting:.0f} s")
                results.append(measurer.measure(runtime))
    finally:
        meter.close()
    return results


class StrategyMeasurer:
    """Runs the warm-up, the mixed load and the post-cost phase against one strategy's runtime."""

    def __init__(
        self,
        *,
        emulators: Emulators,
        meter: RouterMeter,
        graph: FollowerGraph,
        celebrities: list[int],
        plan: WorkloadPlan,
        post_samples: int,
    ) -> None:
        self.meter, self.graph, self.celebrities, self.plan = meter, graph, celebrities, plan
        self.sqs = aws_client("sqs", emulators.moto_url)
        chosen = set(celebrities)
        self.ordinary_authors = [index for index in range(len(graph.user_ids)) if index not in chosen]
        rng = random.Random(plan.seed)
        # Celebrities most followed first: the first and the last have the most and the fewest followers.
        self.cost_authors = {
            "ordinary": rng.sample(self.ordinary_authors, post_samples),
            "celebrity": [celebrities[number % len(celebrities)] for number in range(post_samples)]
            if celebrities
            else [],
            "most_followed_celebrity": [celebrities[0]] * post_samples if len(celebrities) > 1 else [],
            "least_followed_celebrity": [celebrities[-1]] * post_samples if len(celebrities) > 1 else [],
        }

    def measure(self, runtime: StrategyRuntime) -> StrategyResult:
        settings = runtime.settings()
        if settings.timeline_strategy != runtime.strategy or settings.users_table != runtime.table("UsersTable"):
            raise SystemExit(f"runtime {runtime.strategy} runs {settings.timeline_strategy} on {settings.users_table}")
        headers = {
            index: {"authorization": f"Bearer {access_token(runtime, user_id)}"}
            for index, user_id in enumerate(self.graph.user_ids)
        }
        popular = sorted(range(len(self.graph.user_ids)), key=self.graph.follower_count, reverse=True)[:50]
        pool = TweetPool([tweet_id for index in popular for tweet_id in self.graph.tweet_ids[index]])
        audience = Audience(self.graph, self.celebrities, self.ordinary_authors, headers, pool)
        phases: dict[str, float] = {}
        with timed(phases, "warm_up"):
            fill = self.warm_up(runtime, audience, settings)
        log(f"{runtime.strategy}: warmed in {phases['warm_up']:.0f} s ({fill:.1f} entries on a first page)")
        with timed(phases, "mixed_run"):
            mix, probe, deliveries, mix_cost = self.mixed_run(runtime, audience, settings)
        log(f"{runtime.strategy}: mixed run of {mix.operations} operations ({mix.posts} posts), "
            f"{len(probe.reads)} handler reads probed, in {phases['mixed_run']:.0f} s")  # fmt: skip
        with timed(phases, "post_costs"):
            post_costs, post_latencies = self.post_costs(runtime, audience)
        return StrategyResult(
            strategy=runtime.strategy,
            handler_reads=probe.reads,
            delayed_reads=probe.delayed_reads,
            raw_queries=probe.raw_queries,
            mix=mix,
            deliveries=deliveries,
            mix_cost=mix_cost,
            post_costs=post_costs,
            sequential_post_ms=post_latencies,
            timeline_fill=fill,
            phase_seconds=phases,
        )

    def warm_up(self, runtime: StrategyRuntime, audience: Audience, settings: ApiSettings) -> float:
        """Every reader's first read (it rebuilds their timeline and makes them active; pull keeps no
        timelines), then unmeasured mixed load (every route in every sandbox); returns the mean size of a
        reader's first page."""
        readers = self.graph.reader_indexes if runtime.strategy != "pull" else []
        failed = read_home_timelines(runtime.api_url, audience, readers, self.plan.clients)
        if failed:
            log(f"{runtime.strategy}: {len(failed)} first reads failed (e.g. {next(iter(failed.values()))}); again")
            failed = read_home_timelines(runtime.api_url, audience, list(failed), 1)
        if failed:
            raise SystemExit(f"{len(failed)} warm-up reads failed twice: {failed}")
        warm_up = replace(self.plan, duration_seconds=WARM_UP_MIX_SECONDS, seed=self.plan.seed + 1)
        run_mix(runtime.api_url, audience, warm_up, lambda _delivery: None)
        self.wait_for_pipeline(runtime)
        return self.check_readers_are_active(settings)

    def mixed_run(
        self, runtime: StrategyRuntime, audience: Audience, settings: ApiSettings
    ) -> tuple[WorkloadSamples, ProbeSamples, DeliveryResults, Cost]:
        """The HTTP clients' mix, with the probe and the delivery watcher running beside it; returns what
        each saw and what the runtime asked of DynamoDB meanwhile (its pipeline drained)."""
        reader_ids = [self.graph.user_ids[index] for index in self.graph.reader_indexes]
        handler_side = HandlerSideProcesses(
            ProbeOrders(settings, reader_ids, PROBE_INTERVAL_SECONDS, self.plan.seed),
            WatchOrders(settings, DELIVERY_POLL_SECONDS, DELIVERY_GIVE_UP_SECONDS),
        )
        handler_side.start()
        before = self.meter.cost(runtime.prefix)
        mix = run_mix(runtime.api_url, audience, self.plan, handler_side.watch)
        probe = handler_side.stop_probe()
        deliveries = handler_side.finish_watching()
        self.wait_for_pipeline(runtime)
        return mix, probe, deliveries, self.meter.cost(runtime.prefix) - before

    def post_costs(
        self, runtime: StrategyRuntime, audience: Audience
    ) -> tuple[dict[str, Cost], dict[str, list[float]]]:
        """Posts by ordinary authors, then by celebrities, one at a time: what one post costs, fan-out
        pipeline included, and the posts' latencies."""
        costs: dict[str, Cost] = {}
        latencies: dict[str, list[float]] = {}
        for label, authors in self.cost_authors.items():
            before = self.meter.cost(runtime.prefix)
            latencies[label] = post_one_at_a_time(runtime.api_url, audience, authors, label)
            self.wait_for_pipeline(runtime)
            costs[label] = (self.meter.cost(runtime.prefix) - before).per(len(authors))
        return costs, latencies

    def wait_for_pipeline(self, runtime: StrategyRuntime) -> None:
        quiet = self.meter.wait_until_quiet(
            runtime.prefix, runtime.timeline_queue_url(), self.sqs, QUIET_SECONDS, DRAIN_TIMEOUT_SECONDS
        )
        if not quiet:
            log(f"{runtime.strategy}: the fan-out pipeline was still busy after {DRAIN_TIMEOUT_SECONDS:.0f} s")

    def check_readers_are_active(self, settings: ApiSettings) -> float:
        """Every reader has an activity record (push, hybrid); returns the mean size of a first page."""
        stores = bind_in_process_stores(settings, DynamoDBCallRecorder())
        reader_ids = [self.graph.user_ids[index] for index in self.graph.reader_indexes]
        if settings.timeline_strategy != "pull":
            inactive = len(reader_ids) - len(stores.timelines.activity(reader_ids))
            if inactive:
                raise SystemExit(f"{inactive} readers are not active after warming")
        sample = reader_ids[:: max(1, len(reader_ids) // 30)]
        sizes = [len(home_timeline_page(stores, settings, reader, PageRequest(limit=PAGE_SIZE)).items)
                 for reader in sample]  # fmt: skip
        return sum(sizes) / len(sizes)


@contextmanager
def timed(phases: dict[str, float], name: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    phases[name] = time.monotonic() - started


def report(
    results: list[StrategyResult],
    *,
    graph: FollowerGraph,
    celebrities: list[int],
    plan: WorkloadPlan,
    arguments: argparse.Namespace,
    wall_seconds: float,
    machine: dict[str, Any],
) -> None:
    summaries = {result.strategy: summarize(result) for result in results}
    targets = evaluate_targets(summaries, [graph.follower_count(index) for index in celebrities])
    print()
    print(
        f"Home timelines: {len(graph.user_ids)} users, {graph.edge_count} follows, {len(graph.reader_indexes)} "
        f"readers, {len(celebrities)} celebrities (>= {arguments.celebrity_threshold} followers); "
        f"{plan.clients} clients, {plan.rate:g} ops/s for {plan.duration_seconds:g} s per strategy"
    )
    print(format_table(summaries))
    print("\nTargets")
    print(format_targets(targets))
    print(f"\nwall time {wall_seconds:.0f} s on {machine['cpus']} cores (1-minute load average "
          f"{machine['load_average_before']:.1f} before, {machine['load_average_after']:.1f} after)")  # fmt: skip
    output: Path = arguments.output
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "parameters": {key: str(value) if isinstance(value, Path) else value for key, value in vars(arguments).items()}
        | {"plan": asdict(plan)},
        "graph": {
            "users": len(graph.user_ids),
            "follows": graph.edge_count,
            "readers": len(graph.reader_indexes),
            "celebrity_followers": [graph.follower_count(index) for index in celebrities],
            "max_following": max(len(followed) for followed in graph.followees),
        },
        "strategies": summaries,
        "targets": [asdict(target) for target in targets],
        "wall_seconds": wall_seconds,
        "machine": machine | {"python": sys.version, "platform": platform.platform()},
    }
    output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    chart = output.with_suffix(".png")
    title = (
        f"Chirp home timelines: {len(graph.user_ids)} users, {graph.edge_count} follows, {len(celebrities)} "
        f"celebrities; {plan.clients} clients at {plan.rate:g} ops/s (60/30/10 mix)"
    )
    draw_chart(summaries, title, chart)
    print(f"wrote {output} and {chart}")


if __name__ == "__main__":
    main()
