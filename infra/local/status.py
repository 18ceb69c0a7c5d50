"""What the running local runtime is doing: its queues, dead-letter queues, pollers and sandboxes, and the
faults it injected. The gateway answers it as JSON at `GET /_local/status` (`RuntimeStatus`, local only: not
under the API's prefix); `make status` (`python -m infra.local.status`) finds the runtime through
`<data>/endpoints.json` and prints it as tables (`--json`: as the gateway answers it).

Queue figures are SQS's own attributes (visible, in flight, delayed): what the `ApproximateNumberOf*` metrics
show on the dashboard. SQS's API has no age of the oldest message (a CloudWatch metric only, and SQS refuses
an attribute name it does not know): `oldest` stays `-` until the local queue service can tell it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from infra.local.config import ConfigError, config_from_environ
from infra.local.pollers import BATCH_STATS

if TYPE_CHECKING:
    from infra.local.aws import AwsClients
    from infra.local.runtime import LocalRuntime

QUEUE_TYPE = "AWS::SQS::Queue"
QUEUE_ATTRIBUTES = [
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "RedrivePolicy",
]


class RuntimeStatus:
    """`GET /_local/status`'s answer, read from a running LocalRuntime each time it is asked."""

    def __init__(self, runtime: LocalRuntime) -> None:
        self._runtime = runtime
        self._clients: AwsClients | None = None
        self._lock = threading.Lock()

    def __call__(self) -> dict[str, Any]:
        runtime = self._runtime
        names = _names_by_arn(runtime)
        return {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "api": runtime.api_url,
            "data": str(runtime.data_dir),
            "queues": self._queues(_on_failure_arns(runtime)),
            "pollers": [_poller(poller, names) for poller in runtime.pollers],
            "sandboxes": {
                logical_id: pool.snapshot()
                for logical_id, pool in (runtime.invoker.pools.items() if runtime.invoker else [])
            },
            "faults": {"enabled": runtime.faults.enabled, "counts": runtime.faults.snapshot()},
        }

    def _sqs(self) -> Any:
        with self._lock:
            if self._clients is None:
                from infra.local.aws import AwsClients

                assert self._runtime.endpoints is not None, "the status is served once the services run"
                self._clients = AwsClients(self._runtime.config.region, self._runtime.endpoints)
            return self._clients.client("sqs")

    def _queues(self, on_failure_arns: set[str]) -> list[dict[str, Any]]:
        """Each queue's figures; a dead-letter queue is one another queue's RedrivePolicy names, or a stream
        mapping's on-failure destination."""
        sqs = self._sqs()
        answers: dict[str, dict[str, str] | Exception] = {}
        queues = [resource for resource in self._runtime.provisioned if resource.type == QUEUE_TYPE]
        for resource in queues:
            try:
                answers[resource.logical_id] = sqs.get_queue_attributes(
                    QueueUrl=resource.outputs.ref, AttributeNames=QUEUE_ATTRIBUTES
                )["Attributes"]
            except Exception as error:  # a status shows what it can: one queue's failure is a cell
                answers[resource.logical_id] = error
        dead_letter_arns = set(on_failure_arns)
        for answer in answers.values():
            if isinstance(answer, dict) and answer.get("RedrivePolicy"):
                dead_letter_arns.add(str(json.loads(answer["RedrivePolicy"]).get("deadLetterTargetArn", "")))
        rows = []
        for resource in queues:
            arn = str(resource.outputs.attributes.get("Arn", ""))
            row: dict[str, Any] = {"name": resource.logical_id, "dead_letter": arn in dead_letter_arns}
            answer = answers[resource.logical_id]
            if isinstance(answer, Exception):
                row["error"] = f"{type(answer).__name__}: {answer}"
            else:
                row |= {
                    "visible": int(answer.get("ApproximateNumberOfMessages", 0)),
                    "in_flight": int(answer.get("ApproximateNumberOfMessagesNotVisible", 0)),
                    "delayed": int(answer.get("ApproximateNumberOfMessagesDelayed", 0)),
                    "oldest_age_seconds": None,
                }
            rows.append(row)
        return rows


def _names_by_arn(runtime: LocalRuntime) -> dict[str, str]:
    """Each provisioned ARN's short name: a queue's logical id, a table's stream as `<Table> stream`."""
    names: dict[str, str] = {}
    for resource in runtime.provisioned:
        for attribute, value in resource.outputs.attributes.items():
            if isinstance(value, str) and value.startswith("arn:"):
                names.setdefault(
                    value, f"{resource.logical_id} stream" if attribute == "StreamArn" else resource.logical_id
                )
    return names


def _on_failure_arns(runtime: LocalRuntime) -> set[str]:
    """Every stream mapping's on-failure destination (a queue holding the records it gave up on)."""
    arns: set[str] = set()
    for function in runtime.functions:
        for event in function.events:
            on_failure = (event.properties.get("DestinationConfig") or {}).get("OnFailure") or {}
            if on_failure.get("Destination"):
                arns.add(str(on_failure["Destination"]))
    return arns


def _poller(poller: Any, names: dict[str, str]) -> dict[str, Any]:
    settings = getattr(poller, "settings", None)
    row: dict[str, Any] = {"name": poller.name, "alive": poller.is_alive()}
    if settings is None or not hasattr(settings, "source_arn"):  # a schedule
        row |= {"kind": "schedule", "source": "schedule"}
        return row
    figures = BATCH_STATS.figures(settings.name)
    row |= {
        "kind": "stream" if hasattr(poller, "checkpoints") else "queue",
        "function": settings.function_id,
        "source": names.get(settings.source_arn, settings.source_arn.rsplit(":", 1)[-1]),
        "batches": figures.batches,
        "records": figures.records,
        "failed_batches": figures.failed_batches,
        "consecutive_failures": figures.consecutive_failures,
        "last_batch_at": figures.last_batch_at,
        "last_error": figures.last_error,
    }
    if hasattr(poller, "checkpoints"):
        row["shards"] = _shards(poller)
    return row


def _shards(poller: Any) -> list[dict[str, Any]]:
    """Each shard the stream poller reads: its checkpoint (the last sequence number handled) and what it holds."""
    for _ in range(3):  # the poller's thread may change its shards meanwhile: read again
        try:
            states = list(poller.shards.values())
            break
        except RuntimeError:
            continue
    else:
        return []
    return [
        {
            "shard": state.shard_id,
            "checkpoint": poller.checkpoints.sequence_number(state.shard_id),
            "pending": len(state.pending),
            "attempts": state.attempts,
            "closed": state.exhausted,
        }
        for state in states
    ]


# ---------------------------------------------------------------------- make status


def format_status(status: dict[str, Any], now: float | None = None) -> str:
    """The status as compact tables: queues, pollers, sandboxes, faults."""
    now = time.time() if now is None else now
    lines = [
        f"Chirp local runtime  {status.get('api', '')}  (data {status.get('data', '')}, at {status.get('at', '')})"
    ]
    lines += ["", f"{'QUEUE':<38} {'visible':>8} {'in flight':>10} {'delayed':>8} {'oldest':>8}"]
    for queue in status.get("queues", []):
        flag = "  DLQ NOT EMPTY" if queue.get("dead_letter") and queue.get("visible") else ""
        name = queue["name"] + ("  (DLQ)" if queue.get("dead_letter") else "")
        if "error" in queue:
            lines.append(f"{name:<38} {queue['error']}")
            continue
        oldest = "-" if queue.get("oldest_age_seconds") is None else f"{queue['oldest_age_seconds']}s"
        lines.append(
            f"{name:<38} {queue['visible']:>8} {queue['in_flight']:>10} {queue['delayed']:>8} {oldest:>8}{flag}"
        )
    lines += [
        "",
        f"{'POLLER':<46} {'source':<26} {'batches':>7} {'failed':>6} {'streak':>6} {'last batch':>10}  position",
    ]
    for poller in status.get("pollers", []):
        if poller.get("kind") == "schedule":
            continue
        last = poller.get("last_batch_at")
        ago = "-" if last is None else _ago(now - float(last))
        alive = "" if poller.get("alive", True) else " (stopped)"
        lines.append(
            f"{poller['name'] + alive:<46} {poller.get('source', ''):<26} {poller.get('batches', 0):>7} "
            f"{poller.get('failed_batches', 0):>6} {poller.get('consecutive_failures', 0):>6} {ago:>10}  "
            f"{_position(poller)}"
        )
    lines += ["", f"{'FUNCTION':<32} {'alive':>5} {'busy':>5} {'started':>8} {'replaced':>9}"]
    for function, pool in status.get("sandboxes", {}).items():
        lines.append(f"{function:<32} {pool['alive']:>5} {pool['busy']:>5} {pool['started']:>8} {pool['replaced']:>9}")
    faults = status.get("faults", {})
    counts = ", ".join(f"{kind} {count}" for kind, count in sorted(faults.get("counts", {}).items()) if count)
    lines += ["", f"FAULTS  {'on' if faults.get('enabled') else 'off'}" + (f": {counts}" if counts else "")]
    return "\n".join(line.rstrip() for line in lines)


def _position(poller: dict[str, Any]) -> str:
    shards = poller.get("shards")
    if shards is None:
        return ""
    open_shards = [shard for shard in shards if not shard.get("closed")] or shards
    if not open_shards:
        return "no shard read yet"
    newest = open_shards[-1]
    checkpoint = newest.get("checkpoint") or "start"
    pending = sum(int(shard.get("pending", 0)) for shard in shards)
    return f"{len(open_shards)} shard(s), …{str(newest['shard'])[-8:]} @ {checkpoint}, {pending} pending"


def _ago(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f}s ago"
    if seconds < 3600:
        return f"{seconds / 60:.0f}m ago"
    return f"{seconds / 3600:.1f}h ago"


def fetch_status(environ: dict[str, str] | None = None, timeout: float = 10.0) -> dict[str, Any]:
    """The running runtime's status, found through its `<data>/endpoints.json`; SystemExit when none runs."""
    config = config_from_environ(dict(os.environ) if environ is None else environ)
    endpoints_file = config.data_dir / "endpoints.json"
    if not endpoints_file.exists():
        raise SystemExit(f"no local runtime is running ({endpoints_file} is missing): start one with `make run`")
    api = urlsplit(json.loads(endpoints_file.read_text(encoding="utf-8"))["api"])
    url = f"{api.scheme}://{api.netloc}/_local/status"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            answer: dict[str, Any] = json.loads(response.read())
    except (urllib.error.URLError, OSError) as error:
        raise SystemExit(f"the local runtime at {url} does not answer: {error}") from None
    return answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make status", description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--json", action="store_true", help="print the status as the gateway answers it")
    arguments = parser.parse_args(argv)
    try:
        status = fetch_status()
    except ConfigError as error:
        print(f"make status: {error}", file=sys.stderr)
        return 2
    print(json.dumps(status, indent=2) if arguments.json else format_status(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
