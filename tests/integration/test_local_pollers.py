"""The local runtime's pollers against DynamoDB Local (streams) and moto server (SQS), driving the
test-only template and handlers in `local_runtime_app/`: partial batch failures, retries that end in
the on-failure destination or the dead-letter queue, bisection, and checkpoints across a restart."""

from __future__ import annotations

import importlib.util
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from infra.local.aws import ServiceEndpoints
from infra.local.config import config_from_environ
from infra.local.emulators import free_port
from infra.local.runtime import LocalRuntime

APP_DIR = Path(__file__).with_name("local_runtime_app")
REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def running_runtime(services: ServiceEndpoints, data_dir: Path, prefix: str) -> Iterator[LocalRuntime]:
    """The local runtime, in this process, on the test template; the process environment is restored.

    The handlers (in sandbox processes) and the test meet in `<data_dir>/../probe` (LOCAL_PROBE_DIR).
    """
    saved_environ = dict(os.environ)
    probe_dir = data_dir.parent / "probe"
    probe_dir.mkdir(parents=True, exist_ok=True)
    environ = {
        **CREDENTIALS,
        "AWS_DEFAULT_REGION": REGION,
        "CHIRP_TEMPLATE": str(APP_DIR / "template.yaml"),
        "CHIRP_DATA_DIR": str(data_dir),
        "CHIRP_RESOURCE_PREFIX": prefix,
        "PORT": str(free_port()),
    }
    os.environ.update({**CREDENTIALS, "LOCAL_PROBE_DIR": str(probe_dir)})
    runtime = LocalRuntime(config_from_environ(environ), given_services=services)
    try:
        runtime.start()
        yield runtime
    finally:
        runtime.stop()
        os.environ.clear()
        os.environ.update(saved_environ)


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


@pytest.fixture
def runtime(services: ServiceEndpoints, tmp_path: Path, prefix: str) -> Iterator[LocalRuntime]:
    with running_runtime(services, tmp_path / "data", prefix) as running:
        yield running


def load_probe() -> ModuleType:
    """The test layer's probe module (the handlers import it from the layer)."""
    spec = importlib.util.spec_from_file_location("local_probe", APP_DIR / "layer" / "local_probe.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_PROBE = load_probe()


def probe() -> Any:
    """The probe, reading the folder of the runtime that runs now (LOCAL_PROBE_DIR)."""
    return _PROBE


def client(services: ServiceEndpoints, service: str) -> Any:
    endpoint = services.dynamodb if service == "dynamodb" else services.default
    return boto3.client(
        service,
        region_name=REGION,
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def outputs(runtime: LocalRuntime, logical_id: str) -> Any:
    return next(resource.outputs for resource in runtime.provisioned if resource.logical_id == logical_id)


def put_items(services: ServiceEndpoints, table: str, keys: list[str]) -> None:
    dynamodb = client(services, "dynamodb")
    for key in keys:
        dynamodb.put_item(TableName=table, Item={"pk": {"S": key}, "payload": {"B": b"\x00\x01"}})


def wait_until(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def receive_all(services: ServiceEndpoints, queue_url: str, wanted: int, timeout: float = 20.0) -> list[Any]:
    sqs = client(services, "sqs")
    messages: list[Any] = []
    deadline = time.monotonic() + timeout
    while len(messages) < wanted and time.monotonic() < deadline:
        response = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        messages.extend(response.get("Messages", []))
    return messages


# ---------------------------------------------------------------------- streams
def test_stream_partial_failure_retries_from_the_failed_record_only(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given a record that fails once, after two that succeed, in one batch
    probe().set_failing_keys({"b-flaky"})
    put_items(services, f"{prefix}EventsTable", ["b-ok-1", "b-ok-2", "b-flaky"])
    wait_until(lambda: len(probe().batches_of(f"{prefix}PartialStreamConsumer")) >= 1, what="the first batch")
    probe().set_failing_keys(set())
    # When the poller retries
    wait_until(lambda: probe().succeeded()["b-flaky"] == 1, what="the retry")
    # Then only the failed record was delivered again, and each record succeeded exactly once
    batches = probe().batches_of(f"{prefix}PartialStreamConsumer")
    assert batches[0] == ["b-ok-1", "b-ok-2", "b-flaky"]
    assert batches[1:] == [["b-flaky"]]
    assert dict(probe().succeeded()) == {"b-ok-1": 1, "b-ok-2": 1, "b-flaky": 1}


def test_stream_record_reaches_the_handler_in_lambdas_format(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given
    probe().set_failing_keys(set())
    # When
    put_items(services, f"{prefix}EventsTable", ["shape-1"])
    wait_until(lambda: bool(probe().events()), what="the record")
    # Then
    event = probe().events()[0]
    record = event["Records"][0]
    assert set(record) == {"eventID", "eventName", "eventVersion", "eventSource", "awsRegion", "dynamodb",
                           "eventSourceARN"}  # fmt: skip
    assert record["eventName"] == "INSERT"
    assert record["eventSource"] == "aws:dynamodb"
    assert record["eventSourceARN"] == outputs(runtime, "EventsTable").attributes["StreamArn"]
    assert record["awsRegion"] == REGION
    assert record["dynamodb"]["Keys"] == {"pk": {"S": "shape-1"}}
    assert record["dynamodb"]["NewImage"]["payload"] == {"B": "AAE="}
    assert isinstance(record["dynamodb"]["ApproximateCreationDateTime"], int | float)
    assert record["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert isinstance(record["dynamodb"]["SizeBytes"], int)
    assert json.loads(json.dumps(event)) == event  # plain JSON, as Lambda sends it


def test_stream_poison_record_goes_to_on_failure_destination_while_batch_mates_succeed(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given a record that always fails, between two that succeed
    probe().set_failing_keys({"p-poison"})
    put_items(services, f"{prefix}EventsTable", ["p-ok-1", "p-poison", "p-ok-2"])
    # When the retries (MaximumRetryAttempts: 2) are exhausted
    failures = receive_all(services, outputs(runtime, "StreamFailures").ref, wanted=1)
    # Then the destination describes the failed records, from the poison one on
    assert len(failures) == 1
    info = json.loads(failures[0]["Body"])
    assert info["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert info["requestContext"]["approximateInvokeCount"] == 3
    batch_info = info["DDBStreamBatchInfo"]
    assert batch_info["streamArn"] == outputs(runtime, "EventsTable").attributes["StreamArn"]
    assert batch_info["batchSize"] == 2
    batches = probe().batches_of(f"{prefix}PartialStreamConsumer")
    assert batches == [["p-ok-1", "p-poison", "p-ok-2"], ["p-poison", "p-ok-2"], ["p-poison", "p-ok-2"]]
    assert probe().succeeded()["p-ok-1"] == 1
    assert probe().succeeded()["p-poison"] == 0
    # And the shard is not blocked: a later record is delivered
    put_items(services, f"{prefix}EventsTable", ["p-later"])
    wait_until(lambda: probe().succeeded()["p-later"] == 1, what="the later record")


def test_stream_bisects_a_failing_batch_down_to_the_poison_record(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given a handler that fails a whole batch when any record in it is poison
    probe().set_failing_keys({"x-poison"})
    keys = ["x-1", "x-2", "x-poison", "x-3"]
    # When
    put_items(services, f"{prefix}BisectTable", keys)
    failures = receive_all(services, outputs(runtime, "StreamFailures").ref, wanted=1)
    # Then only the poison record is sent to the destination; every other one succeeded
    assert len(failures) == 1
    assert json.loads(failures[0]["Body"])["DDBStreamBatchInfo"]["batchSize"] == 1
    wait_until(lambda: all(probe().succeeded()[key] >= 1 for key in ["x-1", "x-2", "x-3"]), what="batch-mates")
    assert probe().succeeded()["x-poison"] == 0


def test_stream_checkpoints_survive_a_restart(services: ServiceEndpoints, tmp_path: Path, prefix: str) -> None:
    # Given a record handled before a restart
    with running_runtime(services, tmp_path / "data", prefix):
        put_items(services, f"{prefix}EventsTable", ["r-before"])
        wait_until(lambda: probe().succeeded()["r-before"] == 1, what="the first record")
    # When a record is written while the runtime is down, and it starts again
    put_items(services, f"{prefix}EventsTable", ["r-while-down"])
    with running_runtime(services, tmp_path / "data", prefix):
        wait_until(lambda: probe().succeeded()["r-while-down"] == 1, what="the record written while down")
        time.sleep(1.5)
        # Then the record handled before the restart is not delivered again
        assert probe().succeeded()["r-before"] == 1
        checkpoint_files = list((tmp_path / "data" / "pollers").glob("*.json"))
    assert {path.name for path in checkpoint_files} == {
        "PartialStreamConsumer.Events.json",
        "BisectingStreamConsumer.Bisect.json",
    }


# ---------------------------------------------------------------------- SQS
def test_sqs_partial_failure_redelivers_only_the_failed_message_until_the_dead_letter_queue(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given two good messages and one that always fails
    probe().set_failing_keys({"q-poison"})
    sqs = client(services, "sqs")
    queue_url = outputs(runtime, "WorkQueue").ref
    sqs.send_message_batch(
        QueueUrl=queue_url,
        Entries=[{"Id": str(index), "MessageBody": body} for index, body in enumerate(["q-1", "q-poison", "q-2"])],
    )
    # When the queue's redrive policy (maxReceiveCount: 2) gives up on it
    dead = receive_all(services, outputs(runtime, "WorkDeadLetters").ref, wanted=1, timeout=30)
    # Then the poison message is in the dead-letter queue, and the good ones succeeded exactly once
    assert [message["Body"] for message in dead] == ["q-poison"]
    assert dict(probe().succeeded()) == {"q-1": 1, "q-2": 1}
    redeliveries = [keys for keys in probe().batches_of(f"{prefix}QueueConsumer") if "q-1" not in keys]
    assert redeliveries == [["q-poison"]]


def test_sqs_record_reaches_the_handler_in_lambdas_format(
    runtime: LocalRuntime, services: ServiceEndpoints, prefix: str
) -> None:
    # Given
    probe().set_failing_keys(set())
    # When
    client(services, "sqs").send_message(
        QueueUrl=outputs(runtime, "WorkQueue").ref,
        MessageBody="shape",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}},
    )
    wait_until(lambda: bool(probe().events()), what="the message")
    # Then
    record = probe().events()[0]["Records"][0]
    assert record["eventSource"] == "aws:sqs"
    assert record["eventSourceARN"] == outputs(runtime, "WorkQueue").attributes["Arn"]
    assert record["awsRegion"] == REGION
    assert record["body"] == "shape"
    assert record["attributes"]["ApproximateReceiveCount"] == "1"
    assert "SentTimestamp" in record["attributes"]
    assert record["messageAttributes"]["kind"] == {
        "stringValue": "test",
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    assert record["md5OfBody"]
    assert {"messageId", "receiptHandle"} <= set(record)
