"""`make bench-cost`: what Chirp costs on AWS per month per million daily active users, from measured units.

A private local runtime with metering on (`CHIRP_METER=1`, `infra.local.metering`) and relaxed rate limits; a graph
seeded through the API (`--users` people, each following `--follows` others, each with a few tweets); then each
operation of the mix in turn, from concurrent clients, the pipeline behind it left to drain (no invocation for a few
seconds), and the runtime's meter read and emptied (`GET /_local/meter?reset=1`). What the meter counted in a phase,
divided by the phase's operations, is that operation's cost in units: API requests, Lambda invocations and GB-ms
(billed ms x the function's configured memory), DynamoDB read and write request units (as DynamoDB Local reports
them), SQS and SNS requests, S3 requests, WebSocket messages, log bytes. Everything the operation sets off counts:
the stream, the fan-out, the writer, notifications, counters, search indexing.

Those units x a per-user activity model from the seeds x AWS's public prices (us-east-1, `PRICES`) give dollars per
month per million DAU per component, for the deployed configuration (x86_64 Lambdas behind an HTTP API) and for its
variants (arm64 Lambdas; the REST API it replaced, as the "before" figure). Units are exact; Lambda milliseconds
are this machine's, on DynamoDB Local, shared with other work: indicative only.

The mix (per phase, in the proportions of the model below): the DeathStarBench social-network mix for the timeline
part (60% home timeline, 30% user timeline, 10% compose), then likes, follows, notification reads and searches.

The activity model (per daily active user per day), `ACTIVITY`:
- compose 0.8: seed 000 line 16, "500M daily active users, 400M tweets/day";
- 80 timeline reads, seed 000 line 17 "100:1 read to write ratio" and line 33 "100:1 ratio = 463K timeline
  requests/second", split 2:1 home:user as DeathStarBench's 60/30;
- likes, follows, notification reads and searches: the seeds name them (seed 000 lines 9-12; seed 004 lines 27-33)
  without a rate; the rates in `ACTIVITY` are this benchmark's assumptions, printed as such;
- fan-out: a compose's fan-out functions' units scale with the author's followers; the model uses 75 (Twitter's
  average as of the 2012 figures the issue's 4.6K tweets/s and 300K timeline reads/s come from), the units measured
  at the seeded graph's average scaled to it.

Prints the per-operation units, the component table and the top lines; writes bench/results/cost.json.

    python -m bench.cost [--users 30] [--follows 8] [--scale 1.0]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

DAYS_PER_MONTH = 730 / 24  # AWS prices a month as 730 hours
DAU = 1_000_000
GIB = 1024**3
# Lambda's own lines per invocation (START, END, REPORT with its XRAY line): ~390 bytes ingested.
PLATFORM_LOG_BYTES = 390
XRAY_SAMPLED_SHARE = 0.05  # X-Ray's default sampling rule: the first request each second, then 5%
FANOUT_FUNCTIONS = ("TimelineFanoutFunction", "TimelineWriterFunction")
MODELLED_FOLLOWERS = 75.0


@dataclass(frozen=True)
class Price:
    component: str
    usd: float
    per: str
    note: str = ""


PRICE_REGION = "us-east-1"
PRICE_DATE = "2025-06-01"
"""The date the prices below are stated for (AWS's public price pages, us-east-1; DynamoDB's on-demand prices as cut
on 2024-11-01). Check them before quoting a figure."""

PRICES: dict[str, Price] = {
    "dynamodb_rru": Price("DynamoDB reads", 0.125 / 1e6, "read request unit", "on-demand, $0.125 per million"),
    "dynamodb_wru": Price("DynamoDB writes", 0.625 / 1e6, "write request unit", "on-demand, $0.625 per million"),
    "api_rest": Price("API Gateway", 3.50 / 1e6, "REST API request", "$3.50 per million (first 333M)"),
    "api_http": Price("API Gateway", 1.00 / 1e6, "HTTP API request", "$1.00 per million (first 300M)"),
    "websocket_message": Price("WebSocket", 1.00 / 1e6, "message (32 KB)", "$1.00 per million (first 1B)"),
    "websocket_minute": Price("WebSocket", 0.25 / 1e6, "connection minute", "$0.25 per million"),
    "lambda_request": Price("Lambda requests", 0.20 / 1e6, "invocation", "$0.20 per million"),
    "lambda_gb_s_x86": Price("Lambda compute", 0.0000166667, "GB-second, x86_64", "first 6B GB-s a month"),
    "lambda_gb_s_arm64": Price("Lambda compute", 0.0000133334, "GB-second, arm64", "first 7.5B GB-s a month"),
    "sqs_request": Price("SQS", 0.40 / 1e6, "request (64 KB chunk)", "standard queue, $0.40 per million"),
    "sns_request": Price("SNS", 0.50 / 1e6, "publish (64 KB chunk)", "$0.50 per million; delivery to SQS free"),
    "s3_tier1": Price("S3", 0.005 / 1000, "PUT, COPY, POST, LIST request", "S3 Standard"),
    "s3_tier2": Price("S3", 0.0004 / 1000, "GET and other request", "S3 Standard"),
    "logs_gb": Price("CloudWatch Logs", 0.50, "GB ingested", "standard class, first 10 TB"),
    "xray_trace": Price("X-Ray", 5.00 / 1e6, "trace recorded", "$5.00 per million"),
    "opensearch_hour": Price("OpenSearch (fixed)", 0.036, "t3.small.search instance-hour", "template default"),
}

# Per daily active user per day: (operations, source).
ACTIVITY: dict[str, tuple[float, str]] = {
    "compose": (400 / 500, "seed 000 l.16: 400M tweets/day / 500M DAU"),
    "home_timeline": (80 * 60 / 90, "seed 000 l.17, l.33: 100 reads per write; DeathStarBench 60 of 60/30"),
    "user_timeline": (80 * 30 / 90, "seed 000 l.17, l.33: 100 reads per write; DeathStarBench 30 of 60/30"),
    "like": (2.0, "assumption: seeds name likes (000 l.10, 004 l.27) without a rate"),
    "follow": (0.1, "assumption: seeds name follows (000 l.9) without a rate"),
    "notifications": (3.0, "assumption: seeds name notifications (000 l.12, 004 l.32) without a rate"),
    "search": (1.0, "assumption: seeds name search (000 l.11, 004 l.29) without a rate"),
}

# Operations run per phase at --scale 1 (home:user:compose as DeathStarBench's 60/30/10).
PHASE_SIZES = {
    "compose": 20,
    "home_timeline": 120,
    "user_timeline": 60,
    "like": 30,
    "follow": 15,
    "notifications": 30,
    "search": 15,
}


# ---------------------------------------------------------------------- units -> dollars
# Meter counter (service prefix, unit suffix) -> the unit it adds to.
_UNIT_OF_COUNTER = {
    ("dynamodb:", ":read_units"): "dynamodb_rru",
    ("dynamodb:", ":write_units"): "dynamodb_wru",
    ("sqs:", ":requests"): "sqs_requests",
    ("sns:", ":requests"): "sns_requests",
    ("s3:", ":tier1_requests"): "s3_tier1",
    ("s3:", ":tier2_requests"): "s3_tier2",
    ("websocket:", ":messages"): "websocket_messages",
    ("logs:", "bytes"): "log_bytes",
}
UNITS = (
    "api_requests",
    "lambda_invocations",
    "lambda_gb_s",
    "lambda_gb_s_estimated",
    *dict.fromkeys(_UNIT_OF_COUNTER.values()),
)
# What an AWS call costs a handler in wall time on AWS (DynamoDB, SQS, SNS in-region: single-digit ms).
AWS_CALL_MS = 5.0


def _unit_of(key: str) -> str | None:
    return next(
        (unit for (head, tail), unit in _UNIT_OF_COUNTER.items() if key.startswith(head) and key.endswith(tail)), None
    )


def estimated_gb_s(counters: Mapping[str, float]) -> float:
    """A function's GB-s as AWS would bill them if its wall time were its CPU time plus AWS_CALL_MS per AWS call,
    each invocation rounded up to 1 ms: the measured wall time on a shared machine, on DynamoDB Local, is mostly
    waiting for a core."""
    calls = sum(value for key, value in counters.items() if _is_aws_call(key))
    invocations = counters.get("lambda:invocations", 0.0)
    milliseconds = counters.get("lambda:cpu_ms", 0.0) + calls * AWS_CALL_MS + invocations * 0.5
    return milliseconds * counters.get("lambda:memory_mb", 0.0) / 1024 / 1000


def _is_aws_call(key: str) -> bool:
    """A counter of a function's own AWS calls (not the event-source mapping's polls, nor the gateway's requests)."""
    if key == "sqs:EventSourceMapping:requests" or key.startswith("apigateway:"):
        return False
    return key.endswith((":requests", "_requests", ":messages"))


def units_of(snapshot: Mapping[str, Any], operations: int, fanout_scale: float = 1.0) -> dict[str, float]:
    """One operation's billed units, from a meter snapshot of `operations` of them (`fanout_scale` multiplies what
    the fan-out functions spent: the modelled followers over the measured ones)."""
    units = dict.fromkeys(UNITS, 0.0)
    gateway = snapshot.get("gateway", {})
    # (meters recorded before the HTTP API counted its requests as the REST API's)
    units["api_requests"] = float(gateway.get("apigateway:http:requests", gateway.get("apigateway:rest:requests", 0.0)))
    for function, counters in snapshot.get("functions", {}).items():
        scale = fanout_scale if function in FANOUT_FUNCTIONS else 1.0
        units["lambda_gb_s_estimated"] += estimated_gb_s(counters) * scale
        for key, value in counters.items():
            amount = float(value) * scale
            if key == "lambda:invocations":
                units["lambda_invocations"] += amount
                units["log_bytes"] += amount * PLATFORM_LOG_BYTES
            elif key == "lambda:gb_ms":
                units["lambda_gb_s"] += amount / 1000
            elif (unit := _unit_of(key)) is not None:
                units[unit] += amount
    return {name: value / max(operations, 1) for name, value in units.items()}


@dataclass(frozen=True)
class Variant:
    """A deployment choice the prices depend on (`rest_api`: the REST API the HTTP API replaced, priced as before;
    `estimated_ms`: Lambda's milliseconds from `estimated_gb_s`)."""

    name: str
    arm64: bool = False
    rest_api: bool = False
    estimated_ms: bool = False


VARIANTS = (
    Variant("deployed: x86_64, HTTP API"),
    Variant("arm64 Lambdas", arm64=True),
    Variant("before: REST API", rest_api=True),
    Variant("deployed, Lambda ms est.", estimated_ms=True),
    Variant("arm64, ms est.", arm64=True, estimated_ms=True),
)


def dollars_per_unit(units: Mapping[str, float], variant: Variant, prices: Mapping[str, Price]) -> dict[str, float]:
    """One operation's dollars per component."""
    compute = prices["lambda_gb_s_arm64" if variant.arm64 else "lambda_gb_s_x86"].usd
    api = prices["api_rest" if variant.rest_api else "api_http"].usd
    return {
        "API Gateway": units["api_requests"] * api,
        "Lambda requests": units["lambda_invocations"] * prices["lambda_request"].usd,
        "Lambda compute": units["lambda_gb_s_estimated" if variant.estimated_ms else "lambda_gb_s"] * compute,
        "DynamoDB reads": units["dynamodb_rru"] * prices["dynamodb_rru"].usd,
        "DynamoDB writes": units["dynamodb_wru"] * prices["dynamodb_wru"].usd,
        "SQS": units["sqs_requests"] * prices["sqs_request"].usd,
        "SNS": units["sns_requests"] * prices["sns_request"].usd,
        "S3": units["s3_tier1"] * prices["s3_tier1"].usd + units["s3_tier2"] * prices["s3_tier2"].usd,
        "WebSocket": units["websocket_messages"] * prices["websocket_message"].usd,
        "CloudWatch Logs": units["log_bytes"] / GIB * prices["logs_gb"].usd,
        "X-Ray": units["api_requests"] * XRAY_SAMPLED_SHARE * prices["xray_trace"].usd,
    }


def monthly_cost(
    per_operation: Mapping[str, Mapping[str, float]],
    activity: Mapping[str, float],
    variant: Variant,
    prices: Mapping[str, Price] = PRICES,
    dau: float = DAU,
) -> dict[str, Any]:
    """Dollars per month for `dau` users: per component, per operation, and the fixed lines."""
    components: dict[str, float] = {}
    operations: dict[str, float] = {}
    for operation, units in per_operation.items():
        monthly_count = activity.get(operation, 0.0) * dau * DAYS_PER_MONTH
        lines = dollars_per_unit(units, variant, prices)
        operations[operation] = sum(lines.values()) * monthly_count
        for component, usd in lines.items():
            components[component] = components.get(component, 0.0) + usd * monthly_count
    fixed = {"OpenSearch (fixed)": prices["opensearch_hour"].usd * 730}
    return {
        "components": components,
        "operations": operations,
        "fixed": fixed,
        "total": sum(components.values()) + sum(fixed.values()),
    }


# ---------------------------------------------------------------------- the run
def _meter(base_url: str, reset: bool = False) -> dict[str, Any]:
    import httpx

    response = httpx.get(f"{base_url}/_local/meter", params={"reset": "1"} if reset else None, timeout=30)
    response.raise_for_status()
    snapshot: dict[str, Any] = response.json()
    return snapshot


def wait_until_drained(base_url: str, quiet_seconds: float = 4.0, timeout: float = 180.0) -> float:
    """Seconds until no function ran for `quiet_seconds` (the stream, the queues and their consumers drained)."""
    started = time.monotonic()
    last, still_since = -1.0, time.monotonic()
    while time.monotonic() - started < timeout:
        invocations = float(_meter(base_url)["totals"].get("lambda:invocations", 0.0))
        if invocations != last:
            last, still_since = invocations, time.monotonic()
        elif time.monotonic() - still_since >= quiet_seconds:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def _in_parallel(work: Callable[[int], Any], count: int, workers: int = 4) -> list[Any]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, range(count)))


WORDS = ("quokka", "harbour", "lantern", "meadow", "orbit", "pepper", "saffron", "tundra", "velvet", "zephyr")


def _text(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(8)) + f" #{rng.choice(WORDS)} {secrets.token_hex(3)}"


GATEWAY_INTERNAL_ERROR = b'{"message":"Internal Server Error"}'


def _gateway_failure(response: Any) -> bool:
    """The HTTP API's own 500 (a failed invocation; not the app's 500, which has Chirp's error body) or a 502-504."""
    return response.status_code in (502, 503, 504) or (
        response.status_code == 500 and response.content == GATEWAY_INTERNAL_ERROR
    )


class RetryingApi:
    """The API client, sending a request again when the gateway itself answers 500 (`{"message":"Internal Server
    Error"}`: the invocation failed, e.g. a sandbox timed out on a machine busy with other work) or 502-504: the
    seeding and the phases finish; the retries are counted and printed, and their units
    stay in the phase's meter (an overstatement of at most their share)."""

    def __init__(self, api: Any, attempts: int = 4) -> None:
        self._api, self._attempts = api, attempts
        self.retries = 0

    def _send(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(self._attempts):
            response = self._api.request(method, path, **kwargs)
            if not _gateway_failure(response) or attempt == self._attempts - 1:
                return response
            self.retries += 1
            time.sleep(1.0 + attempt)
        raise AssertionError("unreachable")

    def get(self, path: str, **kwargs: Any) -> Any:
        return self._send("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self._send("POST", path, **kwargs)


class Mix:
    """The seeded graph and the operations of the mix, over the API."""

    def __init__(self, api: Any, users: int, follows: int, rng: random.Random) -> None:
        from bench.engagement import headers, register

        self.api, self.rng, self._headers = api, rng, headers
        self.people = _in_parallel(lambda _: register(api), users)
        self.ids = [person["data"]["id"] for person in self.people]
        self.following: set[tuple[int, int]] = set()
        others = [[b for b in range(users) if b != a] for a in range(users)]
        pairs = [(a, b) for a in range(users) for b in rng.sample(others[a], min(follows, users - 1))]
        _in_parallel(lambda n: self._follow(*pairs[n]), len(pairs))
        _in_parallel(lambda n: self._ok(api.get("/timeline", headers=headers(self.people[n]))), users)  # warm: rebuilt
        self.tweets: list[str] = [tweet for tweet in _in_parallel(lambda n: self._post(n % users), users * 2) if tweet]

    def _ok(self, response: Any) -> Any:
        if response.status_code >= 300:
            raise SystemExit(
                f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
            )
        return response.json() if response.content else None

    def _follow(self, a: int, b: int) -> None:
        self._ok(self.api.post(f"/users/{self.ids[b]}/follow", headers=self._headers(self.people[a])))
        self.following.add((a, b))

    def _post(self, author: int) -> str:
        body = self._ok(
            self.api.post("/tweets", json={"text": _text(self.rng)}, headers=self._headers(self.people[author]))
        )
        return str(body["data"]["id"])

    def average_followers(self) -> float:
        return len(self.following) / max(len(self.people), 1)

    def run(self, operation: str, n: int) -> None:
        api, people, rng = self.api, self.people, self.rng
        auth = self._headers
        if operation == "compose":
            self.tweets += _in_parallel(lambda i: self._post(i % len(people)), n)
        elif operation == "home_timeline":
            _in_parallel(lambda i: self._ok(api.get("/timeline", headers=auth(people[i % len(people)]))), n)
        elif operation == "user_timeline":
            _in_parallel(
                lambda i: self._ok(
                    api.get(f"/users/{rng.choice(self.ids)}/tweets", headers=auth(people[i % len(people)]))
                ),
                n,
            )
        elif operation == "like":
            liked = rng.sample(self.tweets, min(n, len(self.tweets)))
            _in_parallel(
                lambda i: self._ok(api.post(f"/tweets/{liked[i]}/like", headers=auth(people[i % len(people)]))), n
            )
        elif operation == "follow":
            free = [
                (a, b)
                for a in range(len(people))
                for b in range(len(people))
                if a != b and (a, b) not in self.following
            ]
            chosen = rng.sample(free, min(n, len(free)))
            _in_parallel(lambda i: self._follow(*chosen[i]), len(chosen))
        elif operation == "notifications":
            _in_parallel(lambda i: self._ok(api.get("/notifications", headers=auth(people[i % len(people)]))), n)
        elif operation == "search":
            _in_parallel(lambda i: self._ok(api.get("/search/tweets", params={"q": rng.choice(WORDS)})), n)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    from bench.api_latency import RELAXED_LIMITS
    from bench.limits import runtime

    os.environ["CHIRP_METER"] = "1"
    rng = random.Random(args.seed)
    with runtime(RELAXED_LIMITS) as (api, endpoints):
        base_url = str(api.base_url).rstrip("/").removesuffix("/api")
        started = time.monotonic()
        retrying = RetryingApi(api)
        mix = Mix(retrying, args.users, args.follows, rng)
        wait_until_drained(base_url)
        print(f"seeded {len(mix.people)} people, {len(mix.following)} follows, {len(mix.tweets)} tweets "
              f"in {time.monotonic() - started:.0f} s", file=sys.stderr)  # fmt: skip
        _meter(base_url, reset=True)
        phases: dict[str, Any] = {}
        for operation, size in PHASE_SIZES.items():
            count = max(1, round(size * args.scale))
            begun = time.monotonic()
            mix.run(operation, count)
            drained = wait_until_drained(base_url)
            snapshot = _meter(base_url, reset=True)
            phases[operation] = {"operations": count, "snapshot": snapshot, "drain_s": round(drained, 1)}
            print(f"  {operation:14s} {count:4d} ops, {time.monotonic() - begun:5.1f} s", file=sys.stderr)
        followers = mix.average_followers()
        print(f"  requests sent again after the gateway's 500 or a 502-504: {retrying.retries}", file=sys.stderr)
    return {"phases": phases, "average_followers": followers, "endpoints_target": endpoints.get("target")}


def report(measured: Mapping[str, Any]) -> dict[str, Any]:
    """Per-operation units and the monthly dollars of every variant, from what was measured."""
    fanout_scale = MODELLED_FOLLOWERS / max(float(measured["average_followers"]), 1.0)
    per_operation = {
        operation: units_of(phase["snapshot"], phase["operations"], fanout_scale if operation == "compose" else 1.0)
        for operation, phase in measured["phases"].items()
    }
    activity = {operation: rate for operation, (rate, _source) in ACTIVITY.items()}
    costs = {variant.name: monthly_cost(per_operation, activity, variant) for variant in VARIANTS}
    return {
        "prices": {
            "region": PRICE_REGION,
            "date": PRICE_DATE,
            "table": {key: {"usd": p.usd, "per": p.per, "note": p.note} for key, p in PRICES.items()},
        },
        "activity_per_dau_per_day": {
            op: {"operations": rate, "source": source} for op, (rate, source) in ACTIVITY.items()
        },
        "measured_average_followers": measured["average_followers"],
        "modelled_followers": MODELLED_FOLLOWERS,
        "units_per_operation": per_operation,
        "monthly_usd_per_million_dau": costs,
    }


def print_report(result: Mapping[str, Any]) -> None:
    units = result["units_per_operation"]
    columns = ["api_requests", "lambda_invocations", "lambda_gb_s", "dynamodb_rru", "dynamodb_wru", "sqs_requests",
               "sns_requests", "log_bytes"]  # fmt: skip
    print(f"\nUnits per operation (compose's fan-out scaled to {MODELLED_FOLLOWERS:.0f} followers from "
          f"{result['measured_average_followers']:.1f} measured)")  # fmt: skip
    print(f"{'operation':15s}" + "".join(f"{name.replace('_', ' '):>13s}" for name in columns))
    for operation, values in units.items():
        print(f"{operation:15s}" + "".join(f"{values[name]:13.3f}" for name in columns))
    costs = result["monthly_usd_per_million_dau"]
    names = list(costs)
    components = list(next(iter(costs.values()))["components"])
    print(f"\n$ per month per 1M DAU (prices {PRICE_REGION}, {PRICE_DATE})")
    print(f"{'component':20s}" + "".join(f"{name[:22]:>24s}" for name in names))
    for component in components:
        print(f"{component:20s}" + "".join(f"{costs[name]['components'][component]:24,.0f}" for name in names))
    for fixed in next(iter(costs.values()))["fixed"]:
        print(f"{fixed:20s}" + "".join(f"{costs[name]['fixed'][fixed]:24,.0f}" for name in names))
    print(f"{'total':20s}" + "".join(f"{costs[name]['total']:24,.0f}" for name in names))
    deployed = costs[names[0]]
    top = sorted(deployed["components"].items(), key=lambda item: -item[1])[:5]
    print("\nTop lines (deployed): " + ", ".join(f"{name} ${usd:,.0f}" for name, usd in top))
    by_operation = sorted(deployed["operations"].items(), key=lambda item: -item[1])
    print("By operation (deployed): " + ", ".join(f"{name} ${usd:,.0f}" for name, usd in by_operation))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--follows", type=int, default=8, help="people each user follows")
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every phase's operations")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--output", default="cost.json")
    args = parser.parse_args()
    from bench.api_latency import RESULTS

    measured = measure(args)
    result = report(measured)
    print_report(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = {operation: phase["snapshot"] for operation, phase in measured["phases"].items()}
    (RESULTS / args.output).write_text(json.dumps({"args": vars(args), **result, "meters": raw}, indent=2) + "\n")
    print(f"\nwrote bench/results/{args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
