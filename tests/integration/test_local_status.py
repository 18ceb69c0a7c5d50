"""The running local runtime's status (`GET /_local/status`, `make status`): its queues with their depths and
dead-letter queues flagged, its pollers' positions and failures, its sandboxes, its faults; on the test-only
template of `local_runtime_app/`, against DynamoDB Local and moto server."""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from infra.local.aws import ServiceEndpoints
from infra.local.runtime import LocalRuntime
from infra.local.status import fetch_status, format_status
from tests.integration.test_local_pollers import (
    client,
    outputs,
    probe,
    put_items,
    receive_all,
    running_runtime,
    wait_until,
)


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


def local_status(runtime: LocalRuntime) -> dict[str, Any]:
    assert runtime.server is not None
    host, port = runtime.server.server_address[:2]
    with urllib.request.urlopen(f"http://{host!s}:{port}/_local/status", timeout=10) as response:
        assert response.status == 200
        answer: dict[str, Any] = json.loads(response.read())
    return answer


def test_the_status_shows_queues_dead_letters_pollers_and_sandboxes(
    services: ServiceEndpoints, tmp_path: Path, prefix: str
) -> None:
    with running_runtime(services, tmp_path / "data", prefix) as runtime:
        # Given a stream record handled, and a queue message that always fails until its dead-letter queue
        probe().set_failing_keys({"s-poison"})
        put_items(services, f"{prefix}EventsTable", ["s-ok"])
        wait_until(lambda: probe().succeeded()["s-ok"] == 1, what="the stream record")
        client(services, "sqs").send_message(QueueUrl=outputs(runtime, "WorkQueue").ref, MessageBody="s-poison")
        wait_until(lambda: queue(local_status(runtime), "WorkDeadLetters")["visible"] == 1, timeout=30, what="the DLQ")
        # When the status is asked for
        status = local_status(runtime)
        # Then every queue is listed, the dead-letter and on-failure queues flagged, the poison message seen
        assert {row["name"] for row in status["queues"]} == {"StreamFailures", "WorkDeadLetters", "WorkQueue"}
        assert queue(status, "WorkDeadLetters")["dead_letter"] is True
        assert queue(status, "StreamFailures")["dead_letter"] is True
        assert queue(status, "WorkQueue")["dead_letter"] is False
        # And the stream poller's position is its checkpoint, the queue poller's failures counted
        stream = poller(status, "PartialStreamConsumer.Events")
        assert stream["kind"] == "stream" and stream["source"] == "EventsTable stream"
        assert stream["batches"] >= 1 and stream["last_batch_at"] is not None
        assert any(shard["checkpoint"] for shard in stream["shards"])
        work = poller(status, "QueueConsumer.Work")
        assert (work["kind"], work["source"]) == ("queue", "WorkQueue")
        assert work["failed_batches"] >= 2
        # And each function's sandboxes, and no faults
        assert set(status["sandboxes"]) == {"PartialStreamConsumer", "BisectingStreamConsumer", "QueueConsumer"}
        assert all(pool["alive"] >= 1 and pool["started"] >= 1 for pool in status["sandboxes"].values())
        assert status["faults"]["enabled"] is False
        # And the table flags the dead-letter queue that is not empty, and only it
        table = format_status(status)
        flagged = [line for line in table.splitlines() if "DLQ NOT EMPTY" in line]
        assert len(flagged) == 1 and flagged[0].startswith("WorkDeadLetters")
        assert "PartialStreamConsumer.Events" in table and "QueueConsumer" in table
        receive_all(services, outputs(runtime, "WorkDeadLetters").ref, wanted=1)


def test_make_status_finds_the_runtime_through_its_endpoints_file(
    services: ServiceEndpoints, tmp_path: Path, prefix: str
) -> None:
    data_dir = tmp_path / "data"
    with running_runtime(services, data_dir, prefix):
        # When `make status` looks for the runtime of CHIRP_DATA_DIR
        status = fetch_status({"CHIRP_DATA_DIR": str(data_dir)})
        # Then it finds it, and its sandboxes' own output went to a log file per function
        assert {row["name"] for row in status["queues"]} >= {"WorkQueue"}
        assert (data_dir / "logs" / "functions" / "QueueConsumer.log").exists()
    # And once the runtime stopped, it says so
    with pytest.raises(SystemExit, match="no local runtime is running"):
        fetch_status({"CHIRP_DATA_DIR": str(data_dir)})


def queue(status: dict[str, Any], name: str) -> dict[str, Any]:
    return next(row for row in status["queues"] if row["name"] == name)


def poller(status: dict[str, Any], name: str) -> dict[str, Any]:
    return next(row for row in status["pollers"] if row["name"] == name)
