"""`make bench-limits`: what the rate limiter adds to a request, and what it costs in writes.

Two local runtimes side by side, the same template, one with the limiter (RateLimitsEnabled=true, limits no
request of the run reaches) and one without (RateLimitsEnabled=false); requests sent to them in turn, so both
see the same machine load:

1. **Latency**: `--requests` authenticated reads (`GET /api/users/me`: the READS class, one counter
   UpdateItem before the view) and as many anonymous reads (`GET /api/users/{id}`: the ANONYMOUS class, per
   client IP), over HTTP through the runtime's gateway and sandboxes: p50/p99 with and without, and the
   difference (the limiter's UpdateItem on DynamoDB Local, and its Python).
2. **Write units**, and the bare UpdateItem's round trip from this process (what the added latency is made of):
   the counter's UpdateItem, sent as the limiter sends it to the runtime's own table with
   ReturnConsumedCapacity=TOTAL (a request's cost on on-demand DynamoDB: one write request unit per KB of
   item), and a login-failure item's after 1, 10 and 100 failing IPs (it keeps a count per IP, so it grows).

Prints a table; writes bench/results/limits.json.

    python -m bench.limits [--requests 500]
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import httpx

from bench.api_latency import RELAXED_LIMITS, RESULTS, local_runtime, percentile
from bench.engagement import headers, register


@contextmanager
def runtime(overrides: str) -> Iterator[tuple[httpx.Client, dict[str, Any]]]:
    """A local runtime with these parameter overrides: a client of its API and its endpoints.json."""
    with local_runtime(overrides) as (base_url, data_dir), httpx.Client(base_url=base_url, timeout=30) as api:
        yield api, json.loads((data_dir / "endpoints.json").read_text())


def timed(api: httpx.Client, path: str, sent: dict[str, str]) -> float:
    start = time.perf_counter()
    response = api.get(path, headers=sent)
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code != 200:
        raise SystemExit(f"benchmark request failed: {response.status_code} {response.text}")
    return elapsed


def latency(with_limiter: httpx.Client, without: httpx.Client, requests: int) -> dict[str, Any]:
    """Each request kind sent to both runtimes in turn; p50/p99 of each, and the differences."""
    accounts = {"with": register(with_limiter), "without": register(without)}
    clients = {"with": with_limiter, "without": without}
    kinds = {
        "authenticated read (GET /api/users/me)": lambda way: ("/users/me", headers(accounts[way])),
        "anonymous read (GET /api/users/{id})": lambda way: (f"/users/{accounts[way]['data']['id']}", {}),
    }
    results: dict[str, Any] = {}
    for kind, request in kinds.items():
        samples: dict[str, list[float]] = {"with": [], "without": []}
        for way in samples:  # warm each sandbox up
            for _ in range(20):
                timed(clients[way], *request(way))
        for n in range(requests):
            order = ("with", "without") if n % 2 else ("without", "with")
            for way in order:
                samples[way].append(timed(clients[way], *request(way)))
        row = {
            f"{way}_{name}_ms": round(percentile(values, fraction), 2)
            for way, values in samples.items()
            for name, fraction in (("p50", 0.5), ("p99", 0.99))
        }
        row["added_p50_ms"] = round(row["with_p50_ms"] - row["without_p50_ms"], 2)
        row["added_p99_ms"] = round(row["with_p99_ms"] - row["without_p99_ms"], 2)
        results[kind] = row
    return results


def write_units(endpoints: dict[str, Any]) -> dict[str, float]:
    """The counters' writes as the limiter sends them, to the runtime's table, with their consumed capacity."""
    os.environ.update(AWS_ENDPOINT_URL_DYNAMODB=endpoints["dynamodb"], AWS_ACCESS_KEY_ID="bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    from chirp.adapters.dynamodb.connection import shared_connection
    from chirp.adapters.dynamodb.limits import DynamoCounterStore

    consumed: list[float] = []
    client: Any = shared_connection().client
    client.meta.events.register(
        "after-call.dynamodb.UpdateItem",
        lambda parsed, **_: consumed.append(parsed.get("ConsumedCapacity", {}).get("CapacityUnits", 0.0)),
    )
    store = DynamoCounterStore(endpoints["resources"]["RateLimitsTable"]["ref"])
    expires = int(time.time()) + 300
    units: dict[str, float] = {}
    store.increment("reads#123456789012345678#1800000000", expires)
    store.increment("reads#123456789012345678#1800000000", expires)
    units["request counter (UpdateItem, ADD)"] = consumed[-1]
    round_trips = []
    for n in range(300):
        start = time.perf_counter()
        store.increment(f"reads#{n % 7}#1800000000", expires)
        round_trips.append((time.perf_counter() - start) * 1000)
    units["(UpdateItem round trip from this process, p50 ms)"] = round(percentile(round_trips, 0.5), 2)
    units["(UpdateItem round trip from this process, p99 ms)"] = round(percentile(round_trips, 0.99), 2)
    for ip in range(100):
        store.add_login_failure(
            "login#someone@example.com#1800000000", f"203.0.{ip // 250}.{ip % 250}", time.time(), expires
        )
        if ip + 1 in (1, 10, 100):
            units[f"login failure, {ip + 1} failing IPs on the account"] = consumed[-1]
    return units


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="requests per kind and runtime")
    arguments = parser.parse_args()
    with ExitStack() as stack:
        with_limiter, endpoints = stack.enter_context(runtime(f"RateLimitsEnabled=true {RELAXED_LIMITS}"))
        without, _ = stack.enter_context(runtime("RateLimitsEnabled=false"))
        results = {"latency": latency(with_limiter, without, arguments.requests), "write_units": write_units(endpoints)}
    results["requests"] = arguments.requests
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "limits.json").write_text(json.dumps(results, indent=2) + "\n")
    report(results)


def report(results: dict[str, Any]) -> None:
    print(f"\nRate limiter, {results['requests']} requests per kind and runtime (ms over HTTP, local runtime)")
    print(f"{'request':42} {'without p50':>11} {'p99':>7} {'with p50':>9} {'p99':>7} {'added p50':>10} {'p99':>7}")
    for kind, row in results["latency"].items():
        print(
            f"{kind:42} {row['without_p50_ms']:11.2f} {row['without_p99_ms']:7.2f} {row['with_p50_ms']:9.2f}"
            f" {row['with_p99_ms']:7.2f} {row['added_p50_ms']:10.2f} {row['added_p99_ms']:7.2f}"
        )
    print("\nWrite units per request (ConsumedCapacity, DynamoDB Local)")
    for what, units in results["write_units"].items():
        print(f"  {what:52} {units:.2f}")


if __name__ == "__main__":
    main()
