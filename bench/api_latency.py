"""`make bench`: the API's cold import time and its request latency on the local runtime.

1. Cold import: `python -X importtime` in fresh interpreters, for the API handler
   module (`app`), for the handler plus everything its first DynamoDB call
   imports (PynamoDB, botocore), and for `import boto3` as the yardstick. By default
   in the development virtualenv; with `--sam-build DIR` (the output of `sam build
   --build-dir DIR`) on the plain python3.12 with only what Lambda would have: the
   built layer and function, and Tracing on, as `template.yaml` deploys it.
2. Latency: starts the local runtime (DynamoDB Local + moto + the Chalice app
   behind the local API Gateway) in a temporary data folder, then times
   `POST /api/tweets` and `GET /api/users/{userId}/tweets` over HTTP from one client.

Prints a table and writes bench/results/api_latency.json.

    python -m bench.api_latency [--requests 500] [--api URL-of-a-running-runtime]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
IMPORT_RUNS = 7
HANDLER_ENV = {
    "USERS_TABLE": "bench",
    "TWEETS_TABLE": "bench",
    "FOLLOWS_TABLE": "bench",
    "SESSIONS_TABLE": "bench",
    "TIMELINES_TABLE": "bench",
    "AUTHOR_TWEETS_TABLE": "bench",
    "ENGAGEMENTS_TABLE": "bench",
    "NOTIFICATIONS_TABLE": "bench",
    "TRENDS_TABLE": "bench",
    "SUGGESTIONS_TABLE": "bench",
    "SEARCH_ENDPOINT": "embedded:/tmp/chirp-bench-search",
    "MEDIA_TABLE": "bench",
    "MEDIA_BUCKET": "bench",
    "MEDIA_DOMAIN": "d111111abcdef8.cloudfront.net",
    "JWT_SECRET": "bench-signing-key",
    "AWS_DEFAULT_REGION": "us-east-1",
    "POWERTOOLS_TRACE_DISABLED": "true",
}


def cumulative_import_us(statement: str, sam_build: Path | None) -> int:
    """Total microseconds `python -X importtime -c statement` spends importing (sum of top-level imports)."""
    if sam_build is None:
        python, path, tracing = sys.executable, f"{ROOT / 'layers' / 'chirp'}:{ROOT / 'functions' / 'api'}", "true"
    else:
        python = str(Path(sys.base_prefix) / "bin" / "python3")
        path, tracing = f"{sam_build / 'ChirpLayer' / 'python'}:{sam_build / 'ApiFunction'}", "false"
    env = os.environ | HANDLER_ENV | {"PYTHONPATH": path, "POWERTOOLS_TRACE_DISABLED": tracing}
    result = subprocess.run(
        [python, "-X", "importtime", "-c", statement], env=env, capture_output=True, text=True, check=True
    )
    total = 0
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            total += int(match.group(1))
    return total


def import_times(sam_build: Path | None) -> dict[str, float]:
    statements = {
        "import app (API handler module)": "import app",
        "import app + first DynamoDB call's imports": (
            "import app; from chirp.wiring.api import dependencies; dependencies()"
        ),
        "import boto3": "import boto3",
    }
    return {
        label: statistics.median(cumulative_import_us(statement, sam_build) for _ in range(IMPORT_RUNS)) / 1000
        for label, statement in statements.items()
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def local_runtime() -> Iterator[tuple[str, Path]]:
    """A local runtime in a temporary data folder: its API's base URL and the folder."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-") as data_dir:
        env = os.environ | {"PORT": str(port), "CHIRP_DATA_DIR": data_dir}
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}/api"
        try:
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            else:
                raise SystemExit("the local runtime did not answer /api/health within 180 s")
            yield base_url, Path(data_dir)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def timed(call: object) -> float:
    start = time.perf_counter()
    response = call()  # type: ignore[operator]
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 300:
        raise SystemExit(f"benchmark request failed: {response.status_code} {response.text}")
    return elapsed


def request_latencies(base_url: str, requests: int) -> dict[str, dict[str, float]]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        suffix = str(time.time_ns())[-8:]
        registered = client.post(
            "/users/register",
            json={"username": f"bench{suffix}", "email": f"bench{suffix}@example.com", "password": "bench-password"},
        ).json()
        headers = {"authorization": f"Bearer {registered['token']['access_token']}"}
        user_id = registered["data"]["id"]
        for _ in range(20):  # warm every sandbox's imports and connections
            client.post("/tweets", json={"text": "warm-up #bench"}, headers=headers)
        posts = [
            timed(lambda n=n: client.post("/tweets", json={"text": f"tweet {n} #bench @someone"}, headers=headers))
            for n in range(requests)
        ]
        reads = [timed(lambda: client.get(f"/users/{user_id}/tweets?limit=20")) for _ in range(requests)]
    return {
        "POST /api/tweets": summary(posts),
        "GET /api/users/{userId}/tweets (20 per page)": summary(reads),
    }


def summary(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50_ms": percentile(samples, 0.50), "p99_ms": percentile(samples, 0.99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--api", help="base URL of an already running runtime (default: start one)")
    parser.add_argument("--sam-build", type=Path, help="measure imports in this `sam build --build-dir` output")
    args = parser.parse_args()

    imports = import_times(args.sam_build)
    if args.api:
        latencies = request_latencies(args.api, args.requests)
    else:
        with local_runtime() as (base_url, _):
            latencies = request_latencies(base_url, args.requests)

    where = f"built layer in {args.sam_build}, tracing on" if args.sam_build else "development virtualenv"
    print(f"\nCold import (median of {IMPORT_RUNS} fresh interpreters, python -X importtime; {where})")
    for label, ms in imports.items():
        print(f"  {label:<45} {ms:8.1f} ms")
    print("\nRequest latency over HTTP on the local runtime (one client, sequential)")
    print(f"  {'route':<45} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for route, figures in latencies.items():
        print(f"  {route:<45} {figures['n']:>5.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "api_latency.json"
    output.write_text(
        json.dumps({"import_ms": imports, "imports_from": where, "latency": latencies, "python": sys.version}, indent=2)
    )
    print(f"\nwrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
