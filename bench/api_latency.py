"""`make bench-api`: the API's cold start as Lambda bills it, its cold import profile, and its request latency on
the local runtime.

1. Cold start as Lambda bills it: the layer and the API function built by `sam build` (into a temporary folder;
   `--sam-build DIR` to reuse one), then N fresh interpreters of the plain python3.12 that see only those two
   folders (`-S`: no site-packages; the function's folder first, as Lambda's /var/task, then the layer's
   python/, /opt/python), with the API function's environment as the local runtime resolves it, tracing on
   (`POWERTOOLS_TRACE_DISABLED=false`, the X-Ray daemon's address, `_X_AMZN_TRACE_ID` set for each invocation,
   as Lambda sets them) and `PYTHONDONTWRITEBYTECODE=1` (Lambda's /opt and /var/task are read-only: whatever
   the artifacts do not ship compiled is compiled again at every cold start). Each times its init (the handler
   module's import and top level: Lambda's Init Duration, less the runtime's own start) and its first
   requests: `GET /api/health`, then one authenticated read (`GET /api/users/me`) against the runtime's
   DynamoDB Local. Medians, next to `import boto3` timed the same way, from the same build, in the same run
   (the machine is shared: compare figures of one run only).
2. Cold import profile: `python -X importtime` under the same conditions, for `import app` and `import boto3`.
3. Latency: times `POST /api/tweets` and `GET /api/users/{userId}/tweets` over HTTP from one client on the
   local runtime (DynamoDB Local + moto + the Chalice app behind the local API Gateway) in a temporary folder.

Prints tables and writes bench/results/api_latency.json.

    python -m bench.api_latency [--requests 500] [--cold-starts 9] [--sam-build DIR [--sam-build DIR2 ...]] [--api URL]
"""

from __future__ import annotations

import argparse
import contextlib
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
from typing import Any, cast

import httpx

from infra.local.template import load_template_text

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
COLD_STARTS = 9
# What `sam build` builds for this bench: the layer and the API function (the template's other functions left out).
BUILT = ("ChirpLayer", "ApiFunction")
SAM = ROOT / ".venv-sam" / "bin" / "sam"
TRACE_HEADER = "Root=1-6748a2c0-0123456789abcdef01234567;Parent=53995c3f42cd8ad8;Sampled=1"
# Runs in each fresh interpreter: Lambda's runtime as far as the function sees it. Init is the handler module's
# import (its top level included); each event is then handed to the handler as the runtime hands it, with
# `_X_AMZN_TRACE_ID` set for the invocation.
COLD_START_PROBE = """
import json, os, sys, time
started = time.perf_counter()
import app
handler = app.app
figures = {"init": (time.perf_counter() - started) * 1000}

class Context:
    function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:" + function_name
    aws_request_id = "00000000-0000-4000-8000-000000000000"
    log_group_name = log_stream_name = "bench"
    def get_remaining_time_in_millis(self):
        return 10000

os.environ["_X_AMZN_TRACE_ID"] = sys.argv[2]
for name, event in json.loads(sys.argv[1]):
    started = time.perf_counter()
    response = handler(event, Context())
    figures[name] = (time.perf_counter() - started) * 1000
    if response["statusCode"] >= 300:
        raise SystemExit(name + " answered " + json.dumps(response))
print("COLD " + json.dumps(figures))
"""
BOTO3_PROBE = """
import json, time
started = time.perf_counter()
import boto3
print("COLD " + json.dumps({"import boto3": (time.perf_counter() - started) * 1000}))
"""


def lambda_python() -> str:
    """The plain python3.12 under the development virtualenv (Lambda's runtime version), without its packages."""
    return str(Path(sys.base_prefix) / "bin" / "python3")


def sam_build(build_dir: Path) -> Path:
    """`sam build` of the layer and the API function alone into build_dir: the folder of their artifacts."""
    document = load_template_text((ROOT / "template.yaml").read_text(encoding="utf-8"))
    resources = cast(dict[str, Any], document["Resources"])
    for logical_id in list(resources):
        kind = resources[logical_id]["Type"]
        if kind in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion") and logical_id not in BUILT:
            del resources[logical_id]
    build_dir.mkdir(parents=True, exist_ok=True)
    template = build_dir / "template-api.json"
    template.write_text(json.dumps(document))
    python_bin = Path(lambda_python()).parent
    subprocess.run(
        [
            str(SAM),
            "build",
            "--template",
            str(template),
            "--base-dir",
            str(ROOT),
            "--build-dir",
            str(build_dir / "build"),
        ],
        env=os.environ | {"PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}", "SAM_CLI_TELEMETRY": "0"},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return build_dir / "build"


def api_sandbox_environment(runtime_pid: int) -> dict[str, str]:
    """The API function's environment as the local runtime resolved it (tables, queues, endpoints, signing key):
    read from the API sandbox the runtime started (one of its own descendants: other runtimes may be running)."""
    task_root = str(ROOT / "functions" / "api")
    children: dict[int, list[int]] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(fields["Pid"]))
    pending = list(children.get(runtime_pid, []))
    while pending:
        pid = pending.pop()
        pending.extend(children.get(pid, []))
        try:
            raw = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        environment = dict(entry.split("=", 1) for entry in raw.decode().split("\0") if "=" in entry)
        if environment.get("LAMBDA_TASK_ROOT") == task_root:
            return environment
    raise SystemExit("the local runtime has no API sandbox to read the function's environment from")


def lambda_environment(sandbox: dict[str, str], build: Path) -> dict[str, str]:
    """What a fresh Lambda sandbox of the API function sees: its environment, tracing on, nothing written back."""
    environment = {
        name: value
        for name, value in sandbox.items()
        if not name.startswith(("PYTHON", "CHIRP_", "VIRTUAL_ENV", "AWS_XRAY_SDK_ENABLED"))
    }
    return environment | {
        "PYTHONPATH": f"{build / 'ApiFunction'}{os.pathsep}{build / 'ChirpLayer' / 'python'}",
        "PYTHONDONTWRITEBYTECODE": "1",
        "LAMBDA_TASK_ROOT": str(build / "ApiFunction"),
        "POWERTOOLS_TRACE_DISABLED": "false",
        "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
        "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
    }


def api_event(method: str, path: str, token: str | None = None) -> dict[str, Any]:
    """An HTTP API (payload format 1.0) event of the sample health event's shape, for another route."""
    event = cast(dict[str, Any], json.loads((ROOT / "events" / "api" / "health.json").read_text()))
    event |= {"path": f"/v1{path}", "resource": path, "httpMethod": method}
    event["requestContext"] |= {
        "resourceId": f"{method} {path}",
        "resourcePath": path,
        "httpMethod": method,
        "path": f"/v1{path}",
    }
    if token is not None:
        event["headers"] = event["headers"] | {"Authorization": f"Bearer {token}"}
        event["multiValueHeaders"] = event["multiValueHeaders"] | {"Authorization": [f"Bearer {token}"]}
    return event


def probe(script: str, arguments: list[str], environment: dict[str, str], cwd: Path) -> dict[str, float]:
    """What one fresh interpreter running `script` prints after "COLD ": its timings in milliseconds."""
    result = subprocess.run(
        [lambda_python(), "-S", "-c", script, *arguments],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0 or "COLD " not in result.stdout:
        raise SystemExit(f"the cold-start probe failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return cast(dict[str, float], json.loads(result.stdout.split("COLD ", 1)[1]))


def cold_starts(builds: list[Path], sandbox: dict[str, str], token: str, runs: int) -> dict[str, dict[str, float]]:
    """Per build, medians over `runs` fresh interpreters: init, each first request, init + the first, and
    `import boto3`. The builds' interpreters interleaved, so a busy spell of the shared machine weighs on all alike."""
    events = json.dumps(
        [
            ["GET /api/health", api_event("GET", "/api/health")],
            ["GET /api/users/me", api_event("GET", "/api/users/me", token)],
        ]
    )
    samples: dict[Path, dict[str, list[float]]] = {build: {} for build in builds}
    for _ in range(runs):
        for build in builds:
            environment = lambda_environment(sandbox, build)
            for script, arguments in ((COLD_START_PROBE, [events, TRACE_HEADER]), (BOTO3_PROBE, [])):
                for name, ms in probe(script, arguments, environment, build / "ApiFunction").items():
                    samples[build].setdefault(name, []).append(ms)
    medians: dict[str, dict[str, float]] = {}
    for build, figures in samples.items():
        figures["init + GET /api/health"] = [
            init + first for init, first in zip(figures["init"], figures["GET /api/health"], strict=True)
        ]
        medians[str(build)] = {name: statistics.median(values) for name, values in figures.items()}
    return medians


def cumulative_import_us(statement: str, environment: dict[str, str], cwd: Path) -> int:
    """Total microseconds `python -X importtime -c statement` spends importing (sum of top-level imports)."""
    result = subprocess.run(
        [lambda_python(), "-S", "-X", "importtime", "-c", statement],
        env=environment,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    total = 0
    for line in result.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| (\S.*)$", line)
        if match and not match.group(2).startswith(" "):
            total += int(match.group(1))
    return total


def import_times(build: Path, sandbox: dict[str, str], runs: int) -> dict[str, float]:
    """`-X importtime`'s cumulative figures, medians over `runs` fresh interpreters, in the cold starts' conditions."""
    environment = lambda_environment(sandbox, build)
    statements = {"import app (API handler module)": "import app", "import boto3": "import boto3"}
    return {
        label: statistics.median(
            cumulative_import_us(statement, environment, build / "ApiFunction") for _ in range(runs)
        )
        / 1000
        for label, statement in statements.items()
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Every rate limit out of a benchmark's reach (template.yaml's RateLimit* parameters): a benchmark signs up and acts
# for hundreds of accounts from one address, which the production limits rightly refuse. The limiter still runs (a
# counter update per request, as deployed); `make bench-limits` measures what it adds.
RELAXED_LIMITS = " ".join(
    f"{name}=1000000/3600"
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


@contextmanager
def local_runtime(overrides: str = RELAXED_LIMITS) -> Iterator[tuple[str, Path]]:
    """A local runtime in a temporary data folder, with these parameter overrides: its API's base URL and the
    folder."""
    with local_runtime_process(overrides) as (base_url, data_dir, _):
        yield base_url, data_dir


@contextmanager
def local_runtime_process(overrides: str = RELAXED_LIMITS) -> Iterator[tuple[str, Path, int]]:
    """A local runtime in a temporary data folder, with these parameter overrides: its API's base URL, the folder
    and the runtime's process id."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-") as data_dir:
        env = os.environ | {"PORT": str(port), "CHIRP_DATA_DIR": data_dir, "CHIRP_PARAMETER_OVERRIDES": overrides}
        process = subprocess.Popen(
            [sys.executable, "-m", "infra.local"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base_url = f"http://127.0.0.1:{port}/api"
        try:
            # 240 s: two runtimes may start side by side (bench/limits.py) on two cores
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.5)
            else:
                raise SystemExit("the local runtime did not answer /api/health within 240 s")
            yield base_url, Path(data_dir), process.pid
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


def register(client: httpx.Client) -> tuple[str, int]:
    """A new user's access token and id."""
    suffix = str(time.time_ns())[-8:]
    registered = client.post(
        "/users/register",
        json={"username": f"bench{suffix}", "email": f"bench{suffix}@example.com", "password": "bench-password"},
    ).json()
    return str(registered["token"]["access_token"]), int(registered["data"]["id"])


def request_latencies(base_url: str, requests: int) -> dict[str, dict[str, float]]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        token, user_id = register(client)
        headers = {"authorization": f"Bearer {token}"}
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
    parser.add_argument("--cold-starts", type=int, default=COLD_STARTS, help="fresh interpreters per figure")
    parser.add_argument("--api", help="base URL of an already running runtime: request latency only")
    parser.add_argument(
        "--sam-build",
        type=Path,
        action="append",
        help="a `sam build --build-dir` output to measure (default: build one); given twice or more, side by side",
    )
    args = parser.parse_args()

    report: dict[str, Any] = {"python": sys.version}
    if args.api:
        report["latency"] = request_latencies(args.api, args.requests)
    else:
        with contextlib.ExitStack() as stack:
            builds = args.sam_build
            if not builds:
                print("sam build of the layer and the API function ...", flush=True)
                builds = [sam_build(Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chirp-sam-"))))]
            base_url, _, runtime_pid = stack.enter_context(local_runtime_process())
            with httpx.Client(base_url=base_url, timeout=30) as client:
                token, _ = register(client)
            sandbox = api_sandbox_environment(runtime_pid)
            report["cold_start_ms"] = cold_starts(builds, sandbox, token, args.cold_starts)
            report["import_ms"] = {str(build): import_times(build, sandbox, args.cold_starts) for build in builds}
            report["latency"] = request_latencies(base_url, args.requests)
        runs = args.cold_starts
        columns = "".join(f"{f'build {n + 1}':>10}" for n in range(len(builds)))
        print(f"\nCold start as Lambda bills it, ms (median of {runs} fresh python3.12 -S each: the built layer and")
        print("function alone on the path, tracing on, nothing compiled at run time written back)")
        print(f"  {'':<45}{columns}")
        for label in report["cold_start_ms"][str(builds[0])]:
            print(f"  {label:<45}" + "".join(f"{report['cold_start_ms'][str(b)][label]:10.1f}" for b in builds))
        print(f"\nCold import, ms (median of {runs} fresh interpreters, python -X importtime, same conditions)")
        for label in report["import_ms"][str(builds[0])]:
            print(f"  {label:<45}" + "".join(f"{report['import_ms'][str(b)][label]:10.1f}" for b in builds))
        for n, build in enumerate(builds):
            print(f"  build {n + 1}: {build}")
    print("\nRequest latency over HTTP on the local runtime (one client, sequential)")
    print(f"  {'route':<45} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for route, figures in report["latency"].items():
        print(f"  {route:<45} {figures['n']:>5.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "api_latency.json"
    output.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
