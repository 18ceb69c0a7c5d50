"""Metering in the local runtime's sandboxes (infra.local.metering, CHIRP_METER=1): a sandbox counts the write
units DynamoDB Local reports for its PutItem, its SQS sends by 64 KiB chunk, its billed milliseconds and its log
bytes, and the runtime sums them per function."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.local import metering
from infra.local.aws import ServiceEndpoints
from infra.local.functions import FunctionSpec
from infra.local.sandbox import Invoker, SandboxPool, SandboxSettings

REGION = "us-east-1"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}

HANDLER_CODE = """
import os, boto3

dynamodb = boto3.client("dynamodb")
sqs = boto3.client("sqs")

def handler(event, context):
    print("a line of log")
    dynamodb.put_item(TableName=event["table"], Item={"pk": {"S": "a"}, "v": {"S": "x" * event["item_bytes"]}})
    sqs.send_message(QueueUrl=event["queue"], MessageBody="y" * event["message_bytes"])
    return {"ok": True}
"""


def client(services: ServiceEndpoints, service: str) -> Any:
    endpoint = services.dynamodb if service == "dynamodb" else services.default
    return boto3.client(
        service, region_name=REGION, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def resources(services: ServiceEndpoints) -> Iterator[tuple[str, str]]:
    table, queue = f"metered-{uuid.uuid4().hex[:8]}", f"metered-{uuid.uuid4().hex[:8]}"
    dynamodb = client(services, "dynamodb")
    dynamodb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    queue_url = client(services, "sqs").create_queue(QueueName=queue)["QueueUrl"]
    yield table, queue_url
    dynamodb.delete_table(TableName=table)


@pytest.fixture
def metered_invoker(
    services: ServiceEndpoints, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Invoker, metering.RuntimeMeter]]:
    meter = metering.RuntimeMeter(on=True)
    monkeypatch.setattr("infra.local.sandbox.RUNTIME_METER", meter)
    code = tmp_path / "metered"
    code.mkdir()
    (code / "handler.py").write_text(HANDLER_CODE)
    function = FunctionSpec(
        logical_id="Metered",
        name="chirp-local-Metered",
        arn="arn:aws:lambda:us-east-1:123456789012:function:chirp-local-Metered",
        code_dir=code,
        handler_module="handler",
        handler_attribute="handler",
        timeout_seconds=30,
        memory_mb=512,
        environment={},
    )
    environment = {**os.environ, **CREDENTIALS, **services.environment()}
    pool = SandboxPool(function, size=1, settings=SandboxSettings(base_environment=environment, layer_paths=[]))
    invoker = Invoker({"Metered": pool})
    yield invoker, meter
    invoker.close()


def test_a_metered_sandbox_counts_write_units_sqs_requests_time_and_logs(
    metered_invoker: tuple[Invoker, metering.RuntimeMeter], resources: tuple[str, str]
) -> None:
    # Given a sandbox with metering on, and a handler that writes a 2.5 KB item and sends a 100 KiB message
    invoker, meter = metered_invoker
    table, queue_url = resources
    event = {"table": table, "queue": queue_url, "item_bytes": 2500, "message_bytes": 100 * 1024}
    # When it is invoked twice
    invoker.invoke("Metered", event)
    invoker.invoke("Metered", event)
    # Then the runtime's meter holds, for that function, what AWS would bill
    counters = meter.snapshot()["functions"]["Metered"]
    assert counters["lambda:invocations"] == 2
    assert counters[f"dynamodb:PutItem:{table}:write_units"] == 2 * 3.0  # 2.5 KB rounds up to 3 write units
    assert counters["dynamodb:PutItem:requests"] == 2
    assert counters["sqs:SendMessage:requests"] == 2 * 2  # 100 KiB is two 64 KiB chunks
    assert counters["lambda:billed_ms"] >= 2
    assert counters["lambda:gb_ms"] == counters["lambda:billed_ms"] * 512 / 1024
    assert counters["logs:bytes"] >= 2 * len("a line of log\n")


def test_the_runtime_meter_counts_an_sqs_batch_s_mapping_requests_and_resets(
    metered_invoker: tuple[Invoker, metering.RuntimeMeter],
) -> None:
    # Given a runtime meter
    _invoker, meter = metered_invoker
    # When an SQS batch's invocation is recorded
    meter.record_invocation("Consumer", 1024, {"Records": [{"eventSource": "aws:sqs"}]}, {"lambda:duration_ms": 2.2})
    # Then the event-source mapping's receive and delete are counted, and the duration is billed rounded up
    snapshot = meter.snapshot(reset=True)
    assert snapshot["functions"]["Consumer"]["sqs:EventSourceMapping:requests"] == 2
    assert snapshot["functions"]["Consumer"]["lambda:billed_ms"] == 3
    # And a reset empties it
    assert meter.snapshot()["functions"] == {}
