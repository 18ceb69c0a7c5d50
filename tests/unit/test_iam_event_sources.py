"""infra.local.iam.event_sources: what Lambda needs from a function's role, checked before anything runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.local.functions import EventSource, FunctionSpec
from infra.local.iam.authority import Authority
from infra.local.iam.errors import PolicyError
from infra.local.iam.event_sources import check_event_sources
from infra.local.iam.principal import Identity, NamedPolicy, Principal

REGION, ACCOUNT = "us-east-1", "123456789012"
LOCAL_STREAM = "arn:aws:dynamodb:ddblocal:000000000000:table/events/stream/2026-01-01T00:00:00.000"
STREAM = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/events/stream/2026-01-01T00:00:00.000"
QUEUE = f"arn:aws:sqs:{REGION}:{ACCOUNT}:work"
FAILURES = f"arn:aws:sqs:{REGION}:{ACCOUNT}:failures"
STREAM_READS = ["dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:ListStreams"]


def function(logical_id: str, *events: EventSource) -> FunctionSpec:
    return FunctionSpec(
        logical_id=logical_id,
        name=f"chirp-test-{logical_id}",
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:chirp-test-{logical_id}",
        code_dir=Path("/nonexistent"),
        handler_module="app",
        handler_attribute="handler",
        timeout_seconds=3,
        memory_mb=128,
        environment={},
        events=list(events),
    )


def stream_event(name: str = "Stream", destination: str | None = None, **extra: Any) -> EventSource:
    properties: dict[str, Any] = {"Stream": LOCAL_STREAM, "StartingPosition": "TRIM_HORIZON", **extra}
    if destination:
        properties["DestinationConfig"] = {"OnFailure": {"Destination": destination}}
    return EventSource(name=name, type="DynamoDB", properties=properties)


def principal(function_id: str, statements: list[dict[str, Any]]) -> Principal:
    name = f"chirp-test-{function_id}"
    return Principal(
        identity=Identity(function_id, name, f"{name}Role", ACCOUNT, REGION),
        policies=(NamedPolicy(f"{function_id}RolePolicy0", {"Statement": statements}, "test"),),
    )


def authority(grants: dict[str, list[dict[str, Any]]]) -> Authority:
    return Authority({function_id: principal(function_id, statements) for function_id, statements in grants.items()})


def allow(actions: list[str], resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def test_a_role_that_may_read_its_stream_and_send_to_its_destination_passes() -> None:
    consumer = function("Consumer", stream_event(destination=FAILURES))
    grants = [allow(STREAM_READS, "*"), allow(["sqs:SendMessage"], FAILURES)]
    check_event_sources([consumer], authority({"Consumer": grants}))


def test_a_stream_the_role_may_not_read_is_refused_naming_what_is_missing() -> None:
    consumer = function("Consumer", stream_event())
    grants = [allow(["dynamodb:DescribeStream", "dynamodb:GetShardIterator"], STREAM), allow(STREAM_READS[3:], "*")]
    with pytest.raises(PolicyError) as raised:
        check_event_sources([consumer], authority({"Consumer": grants}))
    message = str(raised.value)
    assert (
        "Consumer.Stream: the function's role chirp-test-ConsumerRole does not allow dynamodb:GetRecords on" in message
    )
    assert STREAM in message  # DynamoDB Local's ARN, in the runtime's region and account
    assert "DescribeStream" not in message


def test_an_on_failure_destination_the_role_may_not_send_to_is_refused() -> None:
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:failures"
    consumer = function("Consumer", stream_event("ToQueue", FAILURES), stream_event("ToTopic", topic))
    with pytest.raises(PolicyError) as raised:
        check_event_sources([consumer], authority({"Consumer": [allow(STREAM_READS, "*")]}))
    assert (
        f"Consumer.ToQueue: the function's role chirp-test-ConsumerRole does not allow sqs:SendMessage on {FAILURES}"
        in (str(raised.value))
    )
    assert f"Consumer.ToTopic: the function's role chirp-test-ConsumerRole does not allow sns:Publish on {topic}" in (
        str(raised.value)
    )


def test_a_queue_the_role_may_not_consume_is_refused() -> None:
    worker = function("Worker", EventSource(name="Work", type="SQS", properties={"Queue": QUEUE}))
    grants = [allow(["sqs:ReceiveMessage", "sqs:GetQueueAttributes"], QUEUE)]
    with pytest.raises(PolicyError, match=f"Worker.Work: .* does not allow sqs:DeleteMessage on {QUEUE}"):
        check_event_sources([worker], authority({"Worker": grants}))


def test_at_most_two_mappings_read_one_stream() -> None:
    readers = [function(f"Reader{index}", stream_event()) for index in range(3)]
    disabled = function("Paused", stream_event(Enabled=False))
    grants = {reader.logical_id: [allow(STREAM_READS, "*")] for reader in [*readers, disabled]}
    check_event_sources([*readers[:2], disabled], authority(grants))
    with pytest.raises(PolicyError, match=r"3 event source mappings read .*Reader0.Stream, Reader1.Stream, Reader2"):
        check_event_sources(readers, authority(grants))
