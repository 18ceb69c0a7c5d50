"""`make redrive` (infra.redrive) on moto's SQS: a dead-letter queue's messages go back to the queue whose
RedrivePolicy names it, body and attributes kept, with a progress bar; Lambda's on-failure records of a stream
are refused with what to do instead."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from infra.redrive import main

REGION = "us-east-1"

FAILURE_RECORD = {
    "requestContext": {
        "requestId": "7d3c9a4e-0000-4000-8000-000000000000",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:chirp-TimelineFanoutFunction",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 3,
    },
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2026-11-28T04:00:00.000Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001",
        "startSequenceNumber": "100",
        "endSequenceNumber": "104",
        "batchSize": 5,
        "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tweets/stream/2026-11-28T00:00:00.000",
    },
}


@pytest.fixture
def sqs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_DEFAULT_REGION": REGION}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


def queue_with_dead_letters(sqs: Any, name: str) -> tuple[str, str]:
    """A source queue and its DLQ (RedrivePolicy), as the template declares them: their URLs."""
    dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    policy = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 5})
    source = sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})["QueueUrl"]
    return source, dlq


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], WaitTimeSeconds=0
    ).get("Messages", []):
        messages += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def depth(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])


def test_a_dlqs_messages_go_back_to_their_source_with_body_and_attributes(
    sqs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given three messages that ended in the timeline queue's DLQ, one with attributes
    source, dlq = queue_with_dead_letters(sqs, "timeline")
    attributes = {
        "kind": {"DataType": "String", "StringValue": "fanout"},
        "n": {"DataType": "Number", "StringValue": "7"},
    }
    sqs.send_message(QueueUrl=dlq, MessageBody='{"change": 1}', MessageAttributes=attributes)
    sqs.send_message(QueueUrl=dlq, MessageBody='{"change": 2}')
    sqs.send_message(QueueUrl=dlq, MessageBody='{"change": 3}')
    # When every non-empty DLQ of the account is redriven
    status = main(["--aws"], sqs=sqs)
    # Then they are in the source, as they were, and the DLQ is empty
    assert status == 0
    moved = drain(sqs, source)
    assert sorted(message["Body"] for message in moved) == ['{"change": 1}', '{"change": 2}', '{"change": 3}']
    assert next(m for m in moved if m["Body"] == '{"change": 1}')["MessageAttributes"] == attributes
    assert depth(sqs, dlq) == 0
    output = capsys.readouterr()
    assert "timeline-dlq -> timeline" in output.err and "3/3" in output.err  # the progress bar
    assert "timeline-dlq: 3 message(s) moved back to timeline" in output.out


def test_one_named_queue_is_redriven_and_the_others_left(sqs: Any) -> None:
    # Given two DLQs holding a message each
    first_source, first_dlq = queue_with_dead_letters(sqs, "first")
    _, second_dlq = queue_with_dead_letters(sqs, "second")
    sqs.send_message(QueueUrl=first_dlq, MessageBody="one")
    sqs.send_message(QueueUrl=second_dlq, MessageBody="two")
    # When
    assert main(["--aws", "--queue", "first-dlq"], sqs=sqs) == 0
    # Then
    assert [message["Body"] for message in drain(sqs, first_source)] == ["one"]
    assert depth(sqs, second_dlq) == 1


def test_stream_failure_records_are_refused_with_what_to_do(sqs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a stream consumer's on-failure destination holding Lambda's failure record
    failures = sqs.create_queue(QueueName="fanout-failures")["QueueUrl"]
    timeline = sqs.create_queue(QueueName="timeline")["QueueUrl"]
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps(FAILURE_RECORD))
    # When it is named for a redrive to a queue
    status = main(["--aws", "--queue", "fanout-failures", "--to", "timeline"], sqs=sqs)
    # Then nothing is sent anywhere, the record stays, and the operator is told why and what to do
    assert status == 1
    assert depth(sqs, failures) == 1
    assert depth(sqs, timeline) == 0
    error = capsys.readouterr().err
    assert "on-failure records of a stream" in error
    assert "shard shardId-00000001, records 100..104" in error
    assert "make reindex" in error


def test_failure_records_in_a_dlq_stay_while_its_messages_move(sqs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a DLQ holding a message and, by mistake, a stream failure record
    source, dlq = queue_with_dead_letters(sqs, "mixed")
    sqs.send_message(QueueUrl=dlq, MessageBody="a message")
    sqs.send_message(QueueUrl=dlq, MessageBody=json.dumps(FAILURE_RECORD))
    # When
    status = main(["--aws", "--queue", "mixed-dlq"], sqs=sqs)
    # Then the message moved, the record did not
    assert status == 1
    assert [message["Body"] for message in drain(sqs, source)] == ["a message"]
    assert [json.loads(message["Body"]) for message in drain(sqs, dlq)] == [FAILURE_RECORD]
    assert "make reindex" in capsys.readouterr().err


def test_the_local_systems_queues_come_from_its_endpoints_file(
    sqs: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the local system's endpoints file naming the template's timeline queue, its DLQ and an on-failure queue
    source, dlq = queue_with_dead_letters(sqs, "chirp-local-TimelineQueue")
    failures = sqs.create_queue(QueueName="chirp-local-FanoutFailuresQueue")["QueueUrl"]
    resources = {
        "TimelineQueue": {"type": "AWS::SQS::Queue", "ref": source, "attributes": {}},
        "TimelineDeadLetterQueue": {"type": "AWS::SQS::Queue", "ref": dlq, "attributes": {}},
        "FanoutFailuresQueue": {"type": "AWS::SQS::Queue", "ref": failures, "attributes": {}},
    }
    document = {"region": REGION, "environment": {}, "resources": resources}
    (tmp_path / "endpoints.json").write_text(json.dumps(document))
    sqs.send_message(QueueUrl=dlq, MessageBody="change")
    sqs.send_message(QueueUrl=failures, MessageBody=json.dumps(FAILURE_RECORD))
    # When every non-empty DLQ is redriven
    status = main(["--data-dir", str(tmp_path)], sqs=sqs)
    # Then the DLQ's message went back; the fan-out's failure record (an OnFailure destination in the template) stayed
    assert status == 1
    assert [message["Body"] for message in drain(sqs, source)] == ["change"]
    assert depth(sqs, failures) == 1
    assert "chirp-local-FanoutFailuresQueue: 1 message(s) are Lambda's on-failure records" in capsys.readouterr().err
