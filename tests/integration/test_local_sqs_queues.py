"""The local runtime's SQS (`infra.local.sqs`), through boto3 as functions and the runtime call it: messages
sent, received and deleted with AWS's MD5s; AWS's limits and error codes; delays, visibility timeouts and
redelivery; the redrive to a dead-letter queue; long polls that wake on a send; and durability: a kill -9 of the
server loses no acknowledged message and duplicates none."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.sqs.models import Message as MotoMessage

from infra.local.emulators import ChildProcess, free_port
from infra.local.sqs.server import LocalSqsServer, serve_in_thread

REGION = "us-east-1"
REPO = Path(__file__).resolve().parents[2]


def client(service: str, url: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="local",
        aws_secret_access_key="local",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalSqsServer]:
    running = serve_in_thread(tmp_path / "sqs", REGION)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def sqs(server: LocalSqsServer) -> Any:
    return client("sqs", server.url)


def error_code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def queue_arn(sqs: Any, url: str) -> str:
    return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


# ---------------------------------------------------------------------- send, receive, delete
def test_a_message_is_received_with_its_attributes_and_awss_md5s_then_deleted(sqs: Any) -> None:
    # Given a queue and a message with string, number and binary attributes
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    attributes = {
        "type": {"DataType": "String", "StringValue": "TweetPosted"},
        "version": {"DataType": "Number", "StringValue": "2"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
    }
    body = "héllo ✓ 𝄞"

    # When it is sent and received
    sent = sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
    received = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])

    # Then both answers carry the MD5s AWS computes (moto's implementation of the algorithm is the oracle)
    oracle = MotoMessage("id", body)
    oracle.message_attributes = attributes
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == oracle.attribute_md5
    [message] = received["Messages"]
    assert message["MessageId"] == sent["MessageId"]
    assert message["Body"] == body
    assert message["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert message["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    assert message["MessageAttributes"]["blob"]["BinaryValue"] == b"\x00\x01\xff"
    assert message["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(message["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 5000
    assert "ApproximateFirstReceiveTimestamp" in message["Attributes"]

    # And when it is deleted, the queue is empty
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (counts["ApproximateNumberOfMessages"], counts["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


def test_receive_returns_only_the_message_attributes_asked_for(sqs: Any) -> None:
    # Given a message with two attributes
    url = sqs.create_queue(QueueName="selective")["QueueUrl"]
    attributes = {name: {"DataType": "String", "StringValue": name} for name in ("type.a", "other")}
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes=attributes)

    # When a receive asks for the `type.*` ones
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["type.*"])["Messages"]

    # Then it gets that one, with the MD5 of what it got
    oracle = MotoMessage("id", "x")
    oracle.message_attributes = {"type.a": attributes["type.a"]}
    assert list(message["MessageAttributes"]) == ["type.a"]
    assert message["MD5OfMessageAttributes"] == oracle.attribute_md5


def test_batches_are_sent_and_deleted_entry_by_entry(sqs: Any) -> None:
    # Given a queue
    url = sqs.create_queue(QueueName="batches")["QueueUrl"]

    # When ten messages go in one batch, one of them with characters SQS refuses
    entries = [{"Id": f"m{n}", "MessageBody": f"message {n}"} for n in range(9)] + [
        {"Id": "bad", "MessageBody": "\x00"}
    ]
    answer = sqs.send_message_batch(QueueUrl=url, Entries=entries)

    # Then nine are accepted and the bad one fails alone, with AWS's code
    assert sorted(entry["Id"] for entry in answer["Successful"]) == sorted(f"m{n}" for n in range(9))
    assert [(failure["Id"], failure["Code"], failure["SenderFault"]) for failure in answer["Failed"]] == [
        ("bad", "InvalidMessageContents", True)
    ]
    received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(received)]
    )
    assert len(deleted["Successful"]) == len(received) == 9


# ---------------------------------------------------------------------- limits and error codes, as AWS
SQS_ = "AWS.SimpleQueueService."  # the prefix of most of SQS's query-protocol error codes
ONE = {"Id": "same", "MessageBody": "x"}


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([{"Id": str(n), "MessageBody": "x"} for n in range(11)], SQS_ + "TooManyEntriesInBatchRequest"),
        ([ONE, {**ONE, "MessageBody": "y"}], SQS_ + "BatchEntryIdsNotDistinct"),
        ([{"Id": "not valid!", "MessageBody": "x"}], SQS_ + "InvalidBatchEntryId"),
        ([], SQS_ + "EmptyBatchRequest"),
        ([{"Id": str(n), "MessageBody": "x" * 30_000} for n in range(9)], SQS_ + "BatchRequestTooLong"),
    ],
    ids=["eleven entries", "repeated id", "malformed id", "no entry", "over 256 KiB in all"],
)
def test_a_batch_aws_refuses_is_refused_whole_with_awss_code(
    sqs: Any, entries: list[dict[str, Any]], code: str
) -> None:
    # Given a queue
    url = sqs.create_queue(QueueName="strict")["QueueUrl"]

    # When a batch breaks one of SQS's batch rules
    with pytest.raises(ClientError) as refused:
        sqs.send_message_batch(QueueUrl=url, Entries=entries)

    # Then it is refused with AWS's code and nothing is queued
    assert error_code(refused) == code
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"] == {
        "ApproximateNumberOfMessages": "0"
    }


def string(value: str, data_type: str = "String") -> dict[str, str]:
    return {"DataType": data_type, "StringValue": value}


@pytest.mark.parametrize(
    ("request_arguments", "code"),
    [
        ({"MessageBody": "x" * 262_145}, "InvalidParameterValue"),
        ({"MessageBody": "x" * 262_000, "MessageAttributes": {"a": string("y" * 200)}}, "InvalidParameterValue"),
        ({"MessageBody": "bell \x07"}, "InvalidMessageContents"),
        ({"MessageBody": "x", "DelaySeconds": 901}, "InvalidParameterValue"),
        ({"MessageBody": "x", "MessageAttributes": {"n": string("many", "Number")}}, "InvalidParameterValue"),
        ({"MessageBody": "x", "MessageAttributes": {f"a{n}": string("v") for n in range(11)}}, "InvalidParameterValue"),
    ],
    ids=[
        "body over 256 KiB",
        "body and attributes over 256 KiB",
        "control character",
        "delay over 900 s",
        "number that is not one",
        "eleven attributes",
    ],
)
def test_a_message_aws_refuses_is_refused(sqs: Any, request_arguments: dict[str, Any], code: str) -> None:
    # Given a queue
    url = sqs.create_queue(QueueName="strict")["QueueUrl"]

    # When a message breaks one of SQS's rules, Then it is refused with AWS's code
    with pytest.raises(ClientError) as refused:
        sqs.send_message(QueueUrl=url, **request_arguments)
    assert error_code(refused) == code


def test_a_message_of_exactly_256_kib_is_accepted(sqs: Any) -> None:
    # Given a queue, When a message of 262,144 bytes is sent, Then it is accepted and received whole
    url = sqs.create_queue(QueueName="big")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="é" * 131_072)
    assert len(sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"].encode()) == 262_144


def test_receive_and_visibility_limits_are_awss(sqs: Any) -> None:
    # Given a queue holding a received message
    url = sqs.create_queue(QueueName="limits")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]

    # When limits are exceeded, Then each call is refused as AWS refuses it
    with pytest.raises(ClientError) as too_many:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    with pytest.raises(ClientError) as too_long:
        sqs.receive_message(QueueUrl=url, WaitTimeSeconds=21)
    with pytest.raises(ClientError) as too_invisible:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=43_201)
    with pytest.raises(ClientError) as no_queue:
        sqs.get_queue_url(QueueName="missing")
    with pytest.raises(ClientError) as bad_handle:
        sqs.delete_message(QueueUrl=url, ReceiptHandle="garbage")
    with pytest.raises(ClientError) as fifo:
        sqs.create_queue(QueueName="ordered.fifo", Attributes={"FifoQueue": "true"})
    with pytest.raises(ClientError) as bad_attribute:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "43201"})
    assert [error_code(error) for error in (too_many, too_long, too_invisible)] == ["InvalidParameterValue"] * 3
    assert error_code(no_queue) == "AWS.SimpleQueueService.NonExistentQueue"
    assert error_code(bad_handle) == "ReceiptHandleIsInvalid"
    assert error_code(fifo) == "AWS.SimpleQueueService.UnsupportedOperation"
    assert error_code(bad_attribute) == "InvalidAttributeValue"


def test_purge_is_allowed_once_a_minute_and_a_deleted_name_is_not_reused_within_one(sqs: Any) -> None:
    # Given a queue purged once
    url = sqs.create_queue(QueueName="purged")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)

    # When it is purged again, or deleted and created again at once, Then SQS's minute rules refuse it
    with pytest.raises(ClientError) as purge:
        sqs.purge_queue(QueueUrl=url)
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as recreate:
        sqs.create_queue(QueueName="purged")
    assert error_code(purge) == "AWS.SimpleQueueService.PurgeQueueInProgress"
    assert error_code(recreate) == "AWS.SimpleQueueService.QueueDeletedRecently"


# ---------------------------------------------------------------------- delay, visibility, redrive
def test_a_delayed_message_is_received_only_after_its_delay(sqs: Any) -> None:
    # Given a message sent with a one-second delay
    url = sqs.create_queue(QueueName="delayed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)

    # When received at once, Then nothing comes (it counts as delayed)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    delayed = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert delayed["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "1"

    # And a long poll gets it when the delay ends
    started = time.monotonic()
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)["Messages"]
    assert message["Body"] == "later"
    assert time.monotonic() - started < 2


def test_an_undeleted_message_comes_back_after_its_visibility_timeout_with_a_new_handle(sqs: Any) -> None:
    # Given a message received with a one-second visibility timeout
    url = sqs.create_queue(QueueName="visible")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    [first] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=1)["Messages"]

    # When received at once, Then it is in flight
    assert "Messages" not in sqs.receive_message(QueueUrl=url)

    # When its timeout ends, Then it comes back, counted twice, with another receipt handle
    [second] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3, MessageSystemAttributeNames=["All"])["Messages"]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"]["ApproximateReceiveCount"] == "2"
    assert second["ReceiptHandle"] != first["ReceiptHandle"]

    # And the stale handle deletes nothing (and succeeds, as on AWS); the fresh one deletes it
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    in_flight = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert in_flight["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"])
    in_flight = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert in_flight["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "0"


def test_a_receive_with_visibility_0_returns_each_message_once(sqs: Any) -> None:
    # Given two messages
    url = sqs.create_queue(QueueName="zero")["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "a", "MessageBody": "a"}, {"Id": "b", "MessageBody": "b"}])

    # When a receive of up to ten makes them visible again at once, Then it still returns each once
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert sorted(message["Body"] for message in messages) == ["a", "b"]


def test_change_visibility_to_zero_makes_a_message_receivable_at_once(sqs: Any) -> None:
    # Given a message in flight for 30 s
    url = sqs.create_queue(QueueName="released")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]

    # When its visibility is set to 0, Then it is received again at once
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["MessageId"] == message["MessageId"]

    # And the old handle can no longer change it (AWS: it is not the latest receive's)
    with pytest.raises(ClientError) as stale:
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=5)
    assert error_code(stale) == "InvalidParameterValue"


def test_a_message_received_max_receive_count_times_moves_to_the_dead_letter_queue(sqs: Any) -> None:
    # Given a queue whose redrive policy allows two receives
    dead_letters = sqs.create_queue(QueueName="failures")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": queue_arn(sqs, dead_letters), "maxReceiveCount": 2})
    url = sqs.create_queue(QueueName="work", Attributes={"RedrivePolicy": policy})["QueueUrl"]
    sent = sqs.send_message(QueueUrl=url, MessageBody="poison")

    # When it is received twice without being deleted
    for _ in range(2):
        assert sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"][0]["Body"] == "poison"

    # Then the third receive finds nothing: it moved to the dead-letter queue, which says where it came from
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    [dead] = sqs.receive_message(QueueUrl=dead_letters, MessageSystemAttributeNames=["All"])["Messages"]
    assert (dead["MessageId"], dead["Body"]) == (sent["MessageId"], "poison")
    assert dead["Attributes"]["DeadLetterQueueSourceArn"] == queue_arn(sqs, url)
    assert sqs.list_dead_letter_source_queues(QueueUrl=dead_letters)["queueUrls"] == [url]


def test_a_redrive_policy_to_a_missing_queue_is_refused(sqs: Any) -> None:
    # When a queue names a dead-letter queue that does not exist, Then SQS refuses it
    policy = json.dumps({"deadLetterTargetArn": f"arn:aws:sqs:{REGION}:123456789012:nowhere", "maxReceiveCount": 3})
    with pytest.raises(ClientError) as refused:
        sqs.create_queue(QueueName="orphan", Attributes={"RedrivePolicy": policy})
    assert error_code(refused) == "InvalidParameterValue"


def test_a_long_poll_answers_as_soon_as_a_message_is_sent(sqs: Any, server: LocalSqsServer) -> None:
    # Given a receive waiting up to 10 s on an empty queue
    url = sqs.create_queue(QueueName="waiting")["QueueUrl"]
    answers: list[dict[str, Any]] = []
    waiter = threading.Thread(
        target=lambda: answers.append(client("sqs", server.url).receive_message(QueueUrl=url, WaitTimeSeconds=10))
    )
    started = time.monotonic()
    waiter.start()
    time.sleep(0.3)

    # When a message is sent
    sqs.send_message(QueueUrl=url, MessageBody="now")
    waiter.join(10)

    # Then the waiting receive gets it at once, not at the end of its wait
    assert answers[0]["Messages"][0]["Body"] == "now"
    assert time.monotonic() - started < 2


def test_queue_attributes_and_policy_are_kept(sqs: Any) -> None:
    # Given a queue created with attributes, then given a policy (as AWS::SQS::QueuePolicy does)
    url = sqs.create_queue(
        QueueName="kept", Attributes={"VisibilityTimeout": "180", "MessageRetentionPeriod": "1209600"}
    )["QueueUrl"]
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "sns.amazonaws.com"},
                    "Action": "sqs:SendMessage",
                    "Resource": queue_arn(sqs, url),
                }
            ],
        }
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})

    # When read back, Then all of them are there; creating it again with the same attributes answers its URL
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (attributes["VisibilityTimeout"], attributes["MessageRetentionPeriod"], attributes["Policy"]) == (
        "180",
        "1209600",
        policy,
    )
    assert sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "180"})["QueueUrl"] == url
    with pytest.raises(ClientError) as different:
        sqs.create_queue(QueueName="kept", Attributes={"VisibilityTimeout": "30"})
    assert error_code(different) == "QueueAlreadyExists"


# ---------------------------------------------------------------------- durability across kill -9
def start_server_process(data_dir: Path, log_dir: Path) -> ChildProcess:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "infra.local.sqs",
        "--data",
        str(data_dir),
        "--port",
        str(port),
        "--region",
        REGION,
    ]
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = (log_dir / f"sqs-{port}.log").open("ab")
    process = subprocess.Popen(command, cwd=REPO, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT)
    child = ChildProcess("SQS/SNS", process, f"http://127.0.0.1:{port}/", log_file)
    child.wait_until_serving(30)
    return child


def test_a_kill_9_loses_no_acknowledged_message_and_duplicates_none(tmp_path: Path) -> None:
    # Given a server process holding 60 acknowledged messages, 10 of them received (in flight for 6 s)
    child = start_server_process(tmp_path / "sqs", tmp_path / "logs")
    try:
        sqs = client("sqs", child.url)
        url = sqs.create_queue(QueueName="durable")["QueueUrl"]
        sent = {sqs.send_message(QueueUrl=url, MessageBody=f"message {n}")["MessageId"] for n in range(50)}
        for start in range(0, 10, 10):
            answer = sqs.send_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "MessageBody": f"batch {start + n}"} for n in range(10)]
            )
            sent |= {entry["MessageId"] for entry in answer["Successful"]}
        in_flight = {
            m["MessageId"]
            for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=6)["Messages"]
        }
        in_flight_until = time.monotonic() + 6

        # When the server is killed outright and started again on the same folder
        os.kill(child.pid, signal.SIGKILL)
        child.process.wait(10)
    finally:
        child.stop()
    restarted = start_server_process(tmp_path / "sqs", tmp_path / "logs")
    try:
        sqs = client("sqs", restarted.url)
        url = sqs.get_queue_url(QueueName="durable")["QueueUrl"]

        # Then every message not in flight is there at once, and the in-flight ones only after their timeout
        received: list[str] = []
        while time.monotonic() < in_flight_until - 0.5 and (
            batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages")
        ):
            received += [m["MessageId"] for m in batch]
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            )
        assert time.monotonic() < in_flight_until, "the restart took longer than the visibility timeout"
        assert set(received) == sent - in_flight
        while len(received) < len(sent) and (
            batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=10).get("Messages")
        ):
            received += [m["MessageId"] for m in batch]
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            )
        assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)  # and nothing more
        assert len(received) == len(set(received)) == len(sent) == 60
        assert set(received) == sent
    finally:
        restarted.stop()


def test_binary_attributes_round_trip_through_the_store(sqs: Any) -> None:
    # Given a binary attribute (JSON carries it base64-encoded), When it is sent and received
    url = sqs.create_queue(QueueName="binary")["QueueUrl"]
    payload = bytes(range(256))
    sqs.send_message(
        QueueUrl=url, MessageBody="b", MessageAttributes={"raw": {"DataType": "Binary.gz", "BinaryValue": payload}}
    )
    [message] = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["raw"])["Messages"]

    # Then the bytes and the custom type come back as sent
    assert message["MessageAttributes"]["raw"] == {"BinaryValue": payload, "DataType": "Binary.gz"}
