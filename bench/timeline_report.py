"""Figures of the timelines benchmark: per-strategy summaries, the targets, the table, the JSON and the chart."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.timeline_probe import DeliveryResults, HandlerRead, RawQuery
from bench.timeline_stack import Cost
from bench.timeline_workload import WorkloadSamples

STRATEGY_COLOURS = {"hybrid": "#2a7ab0", "push": "#d9822b", "pull": "#6a9a3a"}


@dataclass
class StrategyResult:
    """Everything measured for one strategy."""

    strategy: str
    handler_reads: list[HandlerRead]
    delayed_reads: list[HandlerRead]  # with a network delay before each request: they count round trips
    raw_queries: list[RawQuery]
    mix: WorkloadSamples
    deliveries: DeliveryResults
    mix_cost: Cost  # what the runtime asked of DynamoDB during the mixed run (pipeline drained)
    post_costs: dict[str, Cost]  # "ordinary" / "celebrity": per post, fan-out pipeline included
    sequential_post_ms: dict[str, list[float]]
    timeline_fill: float  # mean entries on a reader's first page after warming
    phase_seconds: dict[str, float] = field(default_factory=dict)


def percentile(samples: list[float], fraction: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def spread(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50": percentile(samples, 0.5),
        "p90": percentile(samples, 0.9),
        "p99": percentile(samples, 0.99),
        "max": max(samples, default=float("nan")),
    }


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


def cost_json(cost: Cost) -> dict[str, float]:
    return {"requests": cost.requests, "read_units": cost.read_units, "write_units": cost.write_units}


def summarize(result: StrategyResult) -> dict[str, Any]:
    reads = result.handler_reads
    handler = spread([read.latency_ms for read in reads])
    raw = spread([query.latency_ms for query in result.raw_queries])
    trips = [float(read.round_trips) for read in result.delayed_reads]
    waves = [float(read.waves) for read in result.delayed_reads]
    posts = max(result.mix.posts, 1)
    return {
        "handler_read_ms": handler,
        "raw_query_ms": raw,
        "handler_to_raw_query": {"p50": handler["p50"] / raw["p50"], "p99": handler["p99"] / raw["p99"]},
        # Where the slowest reads spent their time (for a post-mortem of the p99).
        "slowest_handler_reads": [
            {"latency_ms": read.latency_ms, "cpu_ms": read.cpu_ms, "calls": read.calls}
            for read in sorted(reads, key=lambda read: read.latency_ms, reverse=True)[:5]
        ],
        "cpu_ms": {
            "handler_read_p50": percentile([read.cpu_ms for read in reads], 0.5),
            "raw_query_p50": percentile([query.cpu_ms for query in result.raw_queries], 0.5),
        },
        "http_home_read_ms": spread(result.mix.home_ms),
        "http_user_timeline_ms": spread(result.mix.user_ms),
        "http_post_ms": spread(result.mix.post_ms),
        "http_engagement_ms": spread(result.mix.engage_ms) if result.mix.engage_ms else None,
        "delivery_ms": {
            "ordinary_authors": spread(result.deliveries.ordinary_ms),
            "celebrities": spread(result.deliveries.celebrity_ms),
            "undelivered": result.deliveries.undelivered,
        },
        "per_home_read": {
            "requests": mean([float(read.requests) for read in reads]),
            "read_units": mean([read.read_units for read in reads]),
            "write_units": mean([read.write_units for read in reads]),
            # the longest chain of calls each started after the previous ended, with 50 ms before each request
            "round_trips": {"p50": percentile(trips, 0.5), "p99": percentile(trips, 0.99), "max": max(trips)},
            "round_trips_histogram": {str(int(n)): trips.count(n) for n in sorted(set(trips))},
            # waves of calls in flight (calls queued behind the thread pool overlap and merge into one)
            "overlapping_waves": {"p50": percentile(waves, 0.5), "p99": percentile(waves, 0.99), "max": max(waves)},
            "with_round_trip_delay_ms": spread([read.latency_ms for read in result.delayed_reads]),
            "items_read": mean([float(read.items_read) for read in reads]),
            "items_on_page": mean([float(read.items) for read in reads]),
        },
        "per_post": {label: cost_json(cost) for label, cost in result.post_costs.items()}
        | {"mixed_run_write_units": result.mix_cost.write_units / posts},
        "sequential_post_ms": {label: spread(samples) for label, samples in result.sequential_post_ms.items()},
        "mixed_run": {
            "operations": result.mix.operations,
            "seconds": result.mix.elapsed_seconds,
            "throughput_ops_per_s": result.mix.operations / result.mix.elapsed_seconds,
            "posts": result.mix.posts,
            "celebrity_posts": result.mix.celebrity_posts,
            "engagements": result.mix.engagements,
            "errors": result.mix.errors,
            "dynamodb": cost_json(result.mix_cost),
        },
        "first_page_items_after_warming": result.timeline_fill,
        "phase_seconds": result.phase_seconds,
    }


# ---------------------------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    name: str
    passed: bool
    measured: str


def celebrity_post_target(summaries: dict[str, dict[str, Any]], celebrity_followers: list[int]) -> Target:
    """O(1) in followers: the most-followed celebrity's post costs what the least-followed one's does
    (within 10%), where fanning out would cost in proportion to their followers (push shows it)."""
    name = "a celebrity's post costs O(1) write units (hybrid: most- and least-followed celebrity within 10%)"

    def units(strategy: str, label: str) -> float | None:
        cost = summaries.get(strategy, {}).get("per_post", {}).get(label)
        return cost["write_units"] if cost and cost["requests"] else None

    most, least = units("hybrid", "most_followed_celebrity"), units("hybrid", "least_followed_celebrity")
    if most is None or least is None or len(celebrity_followers) < 2:
        return Target(name, False, "needs two celebrities with different follower counts")
    followers = f"{max(celebrity_followers)} vs {min(celebrity_followers)} followers"
    measured = f"{most:.1f} vs {least:.1f} WCU/post ({followers}); ordinary author {units('hybrid', 'ordinary'):.1f}"
    push_most, push_least = units("push", "most_followed_celebrity"), units("push", "least_followed_celebrity")
    if push_most is not None and push_least is not None:
        measured += f"; push: {push_most:.1f} vs {push_least:.1f}"
    return Target(name, most <= 1.1 * least, measured)


def evaluate_targets(summaries: dict[str, dict[str, Any]], celebrity_followers: list[int]) -> list[Target]:
    """The issue's targets; those that compare strategies are skipped when one of them was not run."""
    hybrid = summaries.get("hybrid")
    if hybrid is None:
        return []
    targets = []
    trips = hybrid["per_home_read"]["round_trips"]
    targets.append(Target("hybrid read: at most 2 sequential DynamoDB round trips", trips["max"] <= 2,
                          f"p50 {trips['p50']:.0f}, max {trips['max']:.0f}"))  # fmt: skip
    ratio = hybrid["handler_to_raw_query"]["p99"]
    targets.append(Target("hybrid read p99 at most 3x one raw Query's p99 (handler side)", ratio <= 3,
                          f"{hybrid['handler_read_ms']['p99']:.1f} ms / {hybrid['raw_query_ms']['p99']:.1f} ms"
                          f" = {ratio:.2f}x"))  # fmt: skip
    targets.append(celebrity_post_target(summaries, celebrity_followers))
    delivery = hybrid["delivery_ms"]["ordinary_authors"]
    targets.append(Target("delivery p99 at most 5 s for non-celebrity authors (hybrid)",
                          delivery["n"] > 0 and delivery["p99"] <= 5000 and hybrid["delivery_ms"]["undelivered"] == 0,
                          f"p99 {delivery['p99']:.0f} ms over {delivery['n']} deliveries, "
                          f"{hybrid['delivery_ms']['undelivered']} undelivered"))  # fmt: skip
    if "pull" in summaries:
        pull = summaries["pull"]
        kinds = ("handler_read_ms", "http_home_read_ms")
        faster = all(hybrid[kind][q] < pull[kind][q] for kind in kinds for q in ("p50", "p99"))
        measured = "; ".join(
            f"{label} p50 {hybrid[kind]['p50']:.1f} vs {pull[kind]['p50']:.1f} ms, "
            f"p99 {hybrid[kind]['p99']:.1f} vs {pull[kind]['p99']:.1f} ms"
            for label, kind in zip(("handler", "HTTP"), kinds, strict=True)
        )
        targets.append(Target("hybrid beats pure pull on home-read latency (p50 and p99)", faster, measured))
    if "push" in summaries:
        mine, theirs = (summaries[name]["per_post"]["mixed_run_write_units"] for name in ("hybrid", "push"))
        targets.append(Target("hybrid beats pure push on write units per post (mixed run)", mine < theirs,
                              f"{mine:.1f} vs {theirs:.1f} WCU/post"))  # fmt: skip
    return targets


# ---------------------------------------------------------------------------------------------- table
def _pair(figures: dict[str, float], digits: int = 1) -> str:
    return f"{figures['p50']:.{digits}f} / {figures['p99']:.{digits}f}"


TABLE_ROWS: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
    ("home read in the handler p50 / p99 ms", lambda s: _pair(s["handler_read_ms"])),
    ("raw Query (same page size) p50 / p99 ms", lambda s: _pair(s["raw_query_ms"])),
    ("handler read / raw Query at p50 / p99", lambda s: _pair(s["handler_to_raw_query"], 2)),
    ("  CPU ms, handler read / raw Query (p50)", lambda s: (
        f"{s['cpu_ms']['handler_read_p50']:.1f} / {s['cpu_ms']['raw_query_p50']:.1f}")),
    ("home read over HTTP p50 / p99 ms", lambda s: _pair(s["http_home_read_ms"])),
    ("user timeline over HTTP p50 / p99 ms", lambda s: _pair(s["http_user_timeline_ms"])),
    ("post over HTTP p50 / p99 ms", lambda s: _pair(s["http_post_ms"])),
    ("delivery, ordinary authors p50 / p99 ms", lambda s: _pair(s["delivery_ms"]["ordinary_authors"], 0)),
    ("delivery, celebrities p50 / p99 ms", lambda s: _pair(s["delivery_ms"]["celebrities"], 0)),
    ("  deliveries watched (ordinary + celebrity)", lambda s: (
        f"{s['delivery_ms']['ordinary_authors']['n']} + {s['delivery_ms']['celebrities']['n']}"
        f"{', undelivered ' + str(s['delivery_ms']['undelivered']) if s['delivery_ms']['undelivered'] else ''}")),
    ("per home read: DynamoDB requests", lambda s: f"{s['per_home_read']['requests']:.1f}"),
    ("per home read: read units / write units", lambda s: (
        f"{s['per_home_read']['read_units']:.1f} / {s['per_home_read']['write_units']:.1f}")),
    ("per home read: items read / items on the page", lambda s: (
        f"{s['per_home_read']['items_read']:.0f} / {s['per_home_read']['items_on_page']:.0f}")),
    ("per home read: sequential round trips p50 / max", lambda s: _trips_cell(s["per_home_read"]["round_trips"])),
    ("  the read with 50 ms per request, p50 ms", lambda s: (
        f"{s['per_home_read']['with_round_trip_delay_ms']['p50']:.0f}")),
    ("per post, ordinary: requests / RCU / WCU", lambda s: _cost_cell(s["per_post"]["ordinary"])),
    ("per post, celebrity: requests / RCU / WCU", lambda s: _cost_cell(s["per_post"]["celebrity"])),
    ("  WCU, most- / least-followed celebrity", lambda s: (
        f"{s['per_post']['most_followed_celebrity']['write_units']:.1f} / "
        f"{s['per_post']['least_followed_celebrity']['write_units']:.1f}")),
    ("per post, mixed run: WCU", lambda s: f"{s['per_post']['mixed_run_write_units']:.1f}"),
    ("mixed run: ops/s (posts, of which celebrity)", lambda s: (
        f"{s['mixed_run']['throughput_ops_per_s']:.1f} ({s['mixed_run']['posts']}, "
        f"{s['mixed_run']['celebrity_posts']})")),
    ("mixed run: failed requests", lambda s: str(sum(s["mixed_run"]["errors"].values()))),
]  # fmt: skip


def _trips_cell(figures: dict[str, float]) -> str:
    return f"{figures['p50']:.0f} / {figures['max']:.0f}"


def _cost_cell(cost: dict[str, float]) -> str:
    return f"{cost['requests']:.1f} / {cost['read_units']:.1f} / {cost['write_units']:.1f}"


def format_table(summaries: dict[str, dict[str, Any]]) -> str:
    strategies = list(summaries)
    width = max(len(label) for label, _ in TABLE_ROWS) + 2
    column = 24
    lines = ["".ljust(width) + "".join(name.rjust(column) for name in strategies)]
    for label, cell in TABLE_ROWS:
        lines.append(label.ljust(width) + "".join(cell(summaries[name]).rjust(column) for name in strategies))
    return "\n".join(lines)


def format_targets(targets: list[Target]) -> str:
    return "\n".join(
        f"  [{'PASS' if target.passed else 'FAIL'}] {target.name}: {target.measured}" for target in targets
    )


# ---------------------------------------------------------------------------------------------- chart
def draw_chart(summaries: dict[str, dict[str, Any]], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(2, 2, figsize=(14, 9.5))
    strategies = list(summaries)
    _latency_panel(axes[0][0], summaries, strategies, "Home-timeline read latency (ms, log)", [
        ("raw Query", lambda s: s["raw_query_ms"]),
        ("handler", lambda s: s["handler_read_ms"]),
        ("HTTP", lambda s: s["http_home_read_ms"]),
    ])  # fmt: skip
    _latency_panel(axes[0][1], summaries, strategies, "Post and delivery latency (ms, log)", [
        ("post (HTTP)", lambda s: s["http_post_ms"]),
        ("delivery,\nordinary authors", lambda s: s["delivery_ms"]["ordinary_authors"]),
        ("delivery,\ncelebrities", lambda s: s["delivery_ms"]["celebrities"]),
    ])  # fmt: skip
    axes[0][1].axhline(5000, color="crimson", linestyle="--", linewidth=1)
    axes[0][1].text(2.45, 5000, "5 s target", color="crimson", fontsize=8, ha="right", va="bottom")
    _bar_panel(axes[1][0], summaries, strategies, "Write units per post, fan-out pipeline included", [
        ("ordinary author", lambda s: s["per_post"]["ordinary"]["write_units"]),
        ("celebrity", lambda s: s["per_post"]["celebrity"]["write_units"]),
        ("mixed run", lambda s: s["per_post"]["mixed_run_write_units"]),
    ], log=False)  # fmt: skip
    _bar_panel(axes[1][1], summaries, strategies, "Cost of one home-timeline read (handler side)", [
        ("DynamoDB\nrequests", lambda s: s["per_home_read"]["requests"]),
        ("read units", lambda s: s["per_home_read"]["read_units"]),
        ("items read / 10\n(page of 20)", lambda s: s["per_home_read"]["items_read"] / 10),
        ("sequential\nround trips (p50)", lambda s: s["per_home_read"]["round_trips"]["p50"]),
    ], log=False)  # fmt: skip
    figure.suptitle(title, fontsize=12)
    figure.tight_layout(rect=(0, 0, 1, 0.96))
    figure.savefig(path, dpi=110)
    plt.close(figure)


def _latency_panel(
    axis: Any,
    summaries: dict[str, dict[str, Any]],
    strategies: list[str],
    title: str,
    groups: list[tuple[str, Callable[[dict[str, Any]], dict[str, float]]]],
) -> None:
    width = 0.8 / len(strategies)
    for offset, strategy in enumerate(strategies):
        colour = STRATEGY_COLOURS.get(strategy, "grey")
        for position, (_, figures_of) in enumerate(groups):
            figures = figures_of(summaries[strategy])
            x = position + (offset - (len(strategies) - 1) / 2) * width
            axis.bar(x, figures["p99"], width * 0.9, color=colour, alpha=0.35, edgecolor=colour)
            axis.bar(x, figures["p50"], width * 0.9, color=colour, label=strategy if position == 0 else None)
            axis.text(x, figures["p99"], f"{figures['p99']:.0f}", ha="center", va="bottom", fontsize=7)
            axis.text(x, figures["p50"], f"{figures['p50']:.0f}", ha="center", va="bottom", fontsize=7, color="white"
                      if figures["p50"] > 0 else "black")  # fmt: skip
    axis.set_xticks(range(len(groups)), [label for label, _ in groups])
    axis.set_yscale("log")
    axis.set_title(f"{title}: solid p50, pale p99", fontsize=10)
    axis.legend(fontsize=8, loc="upper left")
    axis.grid(axis="y", alpha=0.3)


def _bar_panel(
    axis: Any,
    summaries: dict[str, dict[str, Any]],
    strategies: list[str],
    title: str,
    groups: list[tuple[str, Callable[[dict[str, Any]], float]]],
    *,
    log: bool,
) -> None:
    width = 0.8 / len(strategies)
    for offset, strategy in enumerate(strategies):
        colour = STRATEGY_COLOURS.get(strategy, "grey")
        for position, (_, value_of) in enumerate(groups):
            value = value_of(summaries[strategy])
            x = position + (offset - (len(strategies) - 1) / 2) * width
            axis.bar(x, value, width * 0.9, color=colour, label=strategy if position == 0 else None)
            axis.text(x, value, f"{value:.1f}", ha="center", va="bottom", fontsize=7)
    axis.set_xticks(range(len(groups)), [label for label, _ in groups])
    if log:
        axis.set_yscale("log")
    axis.set_title(title, fontsize=10)
    axis.legend(fontsize=8)
    axis.grid(axis="y", alpha=0.3)
