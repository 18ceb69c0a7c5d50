"""The local runtime's SNS (`infra.local.sqs.topics`), through boto3 as the runtime provisions it and the event
bus publishes: filtered raw delivery to SQS queues, SNS's JSON envelope when not raw, AWS's limits on Publish
and PublishBatch, subscription attributes and their validation, and topics that survive a restart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra.local.sqs.server import LocalSqsServer, serve_in_thread
from tests.integration.test_local_sqs_queues import REGION, client, error_code, queue_arn


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LocalSqsServer]:
    running = serve_in_thread(tmp_path / "sqs", REGION)
    yield running
    running.shutdown()
    running.server_close()


@pytest.fixture
def sqs(server: LocalSqsServer) -> Any:
    return client("sqs", server.url)


@pytest.fixture
def sns(server: LocalSqsServer) -> Any:
    return client("sns", server.url)


def drain(sqs: Any, url: str) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
        "Messages"
    ):
        messages += batch
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
        )
    return messages


def subscribed_queue(sqs: Any, sns: Any, topic: str, name: str, **attributes: str) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sns.subscribe(
        TopicArn=topic, Protocol="sqs", Endpoint=queue_arn(sqs, url), Attributes=attributes, ReturnSubscriptionArn=True
    )["SubscriptionArn"]
    return url, arn


def event(kind: str, body: str) -> dict[str, Any]:
    return {
        "Message": body,
        "MessageAttributes": {
            "type": {"DataType": "String", "StringValue": kind},
            "version": {"DataType": "Number", "StringValue": "1"},
        },
    }


def test_publish_batch_delivers_raw_to_each_queue_whose_filter_matches(sqs: Any, sns: Any) -> None:
    # Given a topic with two raw subscriptions filtering on the `type` attribute
    topic = sns.create_topic(Name="events")["TopicArn"]
    likes, _ = subscribed_queue(
        sqs, sns, topic, "likes", RawMessageDelivery="true", FilterPolicy=json.dumps({"type": ["TweetLiked"]})
    )
    everything, _ = subscribed_queue(
        sqs,
        sns,
        topic,
        "all",
        RawMessageDelivery="true",
        FilterPolicy=json.dumps({"type": ["TweetLiked", "TweetPosted"]}),
    )

    # When a batch of three events is published
    answer = sns.publish_batch(
        TopicArn=topic,
        PublishBatchRequestEntries=[
            {"Id": "0", **event("TweetPosted", '{"n": 0}')},
            {"Id": "1", **event("TweetLiked", '{"n": 1}')},
            {"Id": "2", **event("UserFollowed", '{"n": 2}')},
        ],
    )

    # Then each queue holds exactly what its filter admits, as published, with the attributes as SQS attributes
    assert len(answer["Successful"]) == 3 and answer["Failed"] == []
    [liked] = drain(sqs, likes)
    assert liked["Body"] == '{"n": 1}'
    assert liked["MessageAttributes"]["type"] == {"StringValue": "TweetLiked", "DataType": "String"}
    assert liked["MessageAttributes"]["version"] == {"StringValue": "1", "DataType": "Number"}
    assert sorted(message["Body"] for message in drain(sqs, everything)) == ['{"n": 0}', '{"n": 1}']


def test_a_subscription_without_raw_delivery_gets_snss_envelope(sqs: Any, sns: Any) -> None:
    # Given a subscription without raw delivery
    topic = sns.create_topic(Name="enveloped")["TopicArn"]
    url, subscription = subscribed_queue(sqs, sns, topic, "enveloped")

    # When a message with a subject and an attribute is published
    message_id = sns.publish(TopicArn=topic, Subject="Hello", **event("TweetPosted", "body"))["MessageId"]

    # Then the queue gets SNS's JSON envelope around it
    [delivered] = drain(sqs, url)
    envelope = json.loads(delivered["Body"])
    assert "MessageAttributes" not in delivered
    assert envelope["Type"] == "Notification"
    assert (envelope["MessageId"], envelope["TopicArn"], envelope["Subject"], envelope["Message"]) == (
        message_id,
        topic,
        "Hello",
        "body",
    )
    assert envelope["MessageAttributes"]["type"] == {"Type": "String", "Value": "TweetPosted"}
    assert envelope["SignatureVersion"] == "1"
    assert envelope["Timestamp"].endswith("Z")
    assert subscription in envelope["UnsubscribeURL"]
    assert {"Signature", "SigningCertURL"} <= set(envelope)


def test_message_structure_json_sends_the_sqs_entry_or_the_default(sqs: Any, sns: Any) -> None:
    # Given a raw subscription
    topic = sns.create_topic(Name="structured")["TopicArn"]
    url, _ = subscribed_queue(sqs, sns, topic, "structured", RawMessageDelivery="true")

    # When messages with a JSON structure are published, Then the queue gets the `sqs` entry, else `default`
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d", "sqs": "for sqs"}))
    sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"default": "d"}))
    assert sorted(message["Body"] for message in drain(sqs, url)) == ["d", "for sqs"]
    with pytest.raises(ClientError) as no_default:
        sns.publish(TopicArn=topic, MessageStructure="json", Message=json.dumps({"sqs": "x"}))
    assert error_code(no_default) == "InvalidParameter"


@pytest.mark.parametrize(
    ("entries", "code"),
    [
        ([{"Id": str(n), "Message": "x"} for n in range(11)], "TooManyEntriesInBatchRequest"),
        ([{"Id": "a", "Message": "x"}, {"Id": "a", "Message": "y"}], "BatchEntryIdsNotDistinct"),
        ([{"Id": "a b", "Message": "x"}], "InvalidBatchEntryId"),
        ([{"Id": str(n), "Message": "x" * 40_000} for n in range(7)], "BatchRequestTooLong"),
    ],
    ids=["eleven entries", "repeated id", "malformed id", "over 256 KiB in all"],
)
def test_a_batch_sns_refuses_is_refused_whole_and_delivers_nothing(
    sqs: Any, sns: Any, entries: list[dict[str, Any]], code: str
) -> None:
    # Given a subscribed queue
    topic = sns.create_topic(Name="strict")["TopicArn"]
    url, _ = subscribed_queue(sqs, sns, topic, "strict", RawMessageDelivery="true")

    # When a batch breaks one of SNS's rules, Then it is refused with SNS's code and nothing is delivered
    with pytest.raises(ClientError) as refused:
        sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=entries)
    assert error_code(refused) == code
    assert drain(sqs, url) == []


def test_publish_limits_and_a_missing_topic_are_awss(sns: Any) -> None:
    # Given a topic
    topic = sns.create_topic(Name="limits")["TopicArn"]

    # When a message is over 256 KiB, a Number attribute is not one, or the topic does not exist, Then SNS refuses
    with pytest.raises(ClientError) as too_long:
        sns.publish(TopicArn=topic, Message="x" * 262_145)
    with pytest.raises(ClientError) as not_a_number:
        sns.publish(TopicArn=topic, Message="x", MessageAttributes={"n": {"DataType": "Number", "StringValue": "many"}})
    with pytest.raises(ClientError) as missing:
        sns.publish(TopicArn=topic + "-missing", Message="x")
    with pytest.raises(ClientError) as fifo:
        sns.create_topic(Name="ordered.fifo", Attributes={"FifoTopic": "true"})
    assert error_code(too_long) == "InvalidParameter"
    assert error_code(not_a_number) == "ParameterValueInvalid"
    assert (error_code(missing), missing.value.response["ResponseMetadata"]["HTTPStatusCode"]) == ("NotFound", 404)
    assert error_code(fifo) == "InvalidParameter"
    sns.publish(TopicArn=topic, Message="x" * 262_144)  # exactly the limit is accepted


def test_subscription_attributes_are_read_listed_and_validated(sqs: Any, sns: Any) -> None:
    # Given a subscription made as the runtime provisions AWS::SNS::Subscription
    topic = sns.create_topic(Name="provisioned")["TopicArn"]
    url, subscription = subscribed_queue(sqs, sns, topic, "provisioned")
    sns.set_subscription_attributes(
        SubscriptionArn=subscription, AttributeName="RawMessageDelivery", AttributeValue="true"
    )
    sns.set_subscription_attributes(
        SubscriptionArn=subscription, AttributeName="FilterPolicy", AttributeValue=json.dumps({"type": ["A"]})
    )

    # When read and listed, Then they are what was set
    attributes = sns.get_subscription_attributes(SubscriptionArn=subscription)["Attributes"]
    assert (
        attributes["RawMessageDelivery"],
        json.loads(attributes["FilterPolicy"]),
        attributes["FilterPolicyScope"],
    ) == ("true", {"type": ["A"]}, "MessageAttributes")
    listed = [
        s
        for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=topic)
        for s in page["Subscriptions"]
    ]
    assert [(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in listed] == [
        (subscription, "sqs", queue_arn(sqs, url))
    ]

    # And a filter policy SNS would refuse is refused
    with pytest.raises(ClientError) as bad_policy:
        sns.set_subscription_attributes(
            SubscriptionArn=subscription, AttributeName="FilterPolicy", AttributeValue=json.dumps({"type": "A"})
        )
    assert error_code(bad_policy) == "InvalidParameter"

    # And once unsubscribed, nothing more is delivered
    sns.unsubscribe(SubscriptionArn=subscription)
    sns.publish(TopicArn=topic, **event("A", "late"))
    assert drain(sqs, url) == []


def test_topics_and_subscriptions_survive_a_restart_on_the_same_folder(tmp_path: Path) -> None:
    # Given a topic and a subscription made on a server that is then stopped
    first = serve_in_thread(tmp_path / "sqs", REGION)
    sqs, sns = client("sqs", first.url), client("sns", first.url)
    topic = sns.create_topic(Name="kept")["TopicArn"]
    url, _ = subscribed_queue(sqs, sns, topic, "kept", RawMessageDelivery="true")
    first.shutdown()
    first.server_close()

    # When another server starts on the same folder and a message is published
    second = serve_in_thread(tmp_path / "sqs", REGION)
    try:
        sqs, sns = client("sqs", second.url), client("sns", second.url)
        sns.publish(TopicArn=topic, Message="after the restart")

        # Then the subscription delivers it
        url = sqs.get_queue_url(QueueName="kept")["QueueUrl"]
        assert [message["Body"] for message in drain(sqs, url)] == ["after the restart"]
    finally:
        second.shutdown()
        second.server_close()
