"""The domain-event bus on moto: a topic and consumer queues provisioned from template text by the
local runtime's provisioner, filter policies on the `type` attribute, raw delivery, and the check that
a queue's policy lets the topic deliver (AWS drops every message otherwise; moto does not)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from chirp.adapters.sns import SnsEventBus
from chirp.events.schema import TweetDeleted, TweetPosted, UserFollowed, decode
from moto import mock_aws

from infra.local.aws import AwsClients, ServiceEndpoints
from infra.local.intrinsics import PseudoParameters, Resolver, parameter_values
from infra.local.provision import ProvisionContext, ProvisionedResource, provision_all, skipped_resource_ids
from infra.local.subscriptions import allows_topic, check_sqs_subscriptions, subscription_properties
from infra.local.template import Template, TemplateError, load_template_text
from tests.integration.conftest import ACCOUNT_ID, REGION

QUEUE_TEXT = """
  {name}Queue:
    Type: AWS::SQS::Queue
  {name}Subscription:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Bus
      Protocol: sqs
      Endpoint: !GetAtt {name}Queue.Arn
      RawMessageDelivery: true
      FilterPolicy: {{type: {types}}}
"""
POLICY_TEXT = """
  {name}QueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref {name}Queue]
      PolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: sns.amazonaws.com}}
            Action: sqs:SendMessage
            Resource: !GetAtt {name}Queue.Arn
            Condition: {{ArnEquals: {{aws:SourceArn: !Ref Bus}}}}
"""


def bus_template(*consumers: tuple[str, list[str]], policies: bool = True) -> Template:
    """A topic and, per consumer, a queue subscribed with a filter on `type` (and the queue's policy)."""
    text = "Resources:\n  Bus:\n    Type: AWS::SNS::Topic\n"
    for name, types in consumers:
        text += QUEUE_TEXT.format(name=name, types=json.dumps(types))
        text += POLICY_TEXT.format(name=name) if policies else ""
    return Template(document=load_template_text(text), base_dir=Path("."))


@pytest.fixture
def clients(monkeypatch: pytest.MonkeyPatch) -> Iterator[AwsClients]:
    for name, value in {"AWS_DEFAULT_REGION": REGION, "AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield AwsClients(REGION, ServiceEndpoints(default=None, dynamodb=None))


def provision(template: Template, clients: AwsClients, tmp_path: Path) -> tuple[list[ProvisionedResource], Resolver]:
    resolver = Resolver(
        template,
        parameter_values(template, {}),
        PseudoParameters(region=REGION, account_id=ACCOUNT_ID, stack_name="bus-test"),
        placeholder_ids=skipped_resource_ids(template),
    )
    context = ProvisionContext(clients=clients, resolver=resolver, prefix="bus-", secrets_dir=tmp_path)
    return provision_all(template, context), resolver


def drain(clients: AwsClients, queue: str) -> list[dict[str, Any]]:
    sqs = clients.client("sqs")
    url = sqs.get_queue_url(QueueName=f"bus-{queue}Queue")["QueueUrl"]
    found: list[dict[str, Any]] = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]).get(
        "Messages", []
    ):
        found.extend(batch)
        sqs.delete_message_batch(
            QueueUrl=url, Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
        )
    return found


def test_each_consumer_queue_gets_exactly_the_event_types_its_filter_names(clients: AwsClients, tmp_path: Path) -> None:
    # Given a bus with a tweets consumer and a follows consumer
    template = bus_template(("Tweets", ["TweetPosted", "TweetDeleted"]), ("Follows", ["UserFollowed"]))
    provisioned, resolver = provision(template, clients, tmp_path)
    check_sqs_subscriptions(clients, provisioned, subscription_properties(template, resolver))
    topic = next(resource.outputs.ref for resource in provisioned if resource.type == "AWS::SNS::Topic")
    events = [
        TweetPosted(id="e1", time_ms=1, tweet_id=10, author_id=1, text="hi", entities={}),
        UserFollowed(id="e2", time_ms=2, follower_id=1, followee_id=2),
        TweetDeleted(id="e3", time_ms=3, tweet_id=10, author_id=1),
    ]
    # When the events are published in one batch
    refused = SnsEventBus(topic).publish(events)
    # Then none is refused; each queue holds its own, raw (the body is the event), with the type attribute
    assert refused == set()
    tweets, follows = drain(clients, "Tweets"), drain(clients, "Follows")
    assert sorted(decode(m["Body"]).id for m in tweets) == ["e1", "e3"]
    assert [decode(m["Body"]) for m in follows] == [events[1]]
    assert follows[0]["MessageAttributes"]["type"]["StringValue"] == "UserFollowed"


def test_provisioning_again_keeps_one_subscription_per_queue(clients: AwsClients, tmp_path: Path) -> None:
    # Given a bus provisioned twice (a restart of the runtime)
    template = bus_template(("Tweets", ["TweetPosted"]))
    provision(template, clients, tmp_path)
    provisioned, _ = provision(template, clients, tmp_path)
    topic = next(resource.outputs.ref for resource in provisioned if resource.type == "AWS::SNS::Topic")
    # Then the topic has the one subscription, and a message is delivered once
    assert len(clients.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
    SnsEventBus(topic).publish([TweetPosted(id="e1", time_ms=1, tweet_id=10, author_id=1, text="hi", entities={})])
    assert len(drain(clients, "Tweets")) == 1


def test_a_subscription_whose_queue_policy_does_not_let_the_topic_in_stops_the_runtime(
    clients: AwsClients, tmp_path: Path
) -> None:
    # Given a consumer whose queue has no policy for the topic
    template = bus_template(("Tweets", ["TweetPosted"]), policies=False)
    provisioned, resolver = provision(template, clients, tmp_path)
    # When / Then
    with pytest.raises(TemplateError, match=r"TweetsSubscription: the policy of queue .* does not let .* send to it"):
        check_sqs_subscriptions(clients, provisioned, subscription_properties(template, resolver))


QUEUE = "arn:aws:sqs:us-east-1:123456789012:q"
TOPIC = "arn:aws:sns:us-east-1:123456789012:bus"


def statement(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": QUEUE,
        "Condition": {"ArnEquals": {"aws:SourceArn": TOPIC}},
    }
    return {key: value for key, value in (base | overrides).items() if value is not None}


@pytest.mark.parametrize(
    ("statements", "allowed"),
    [
        ([statement()], True),
        ([statement(Condition=None)], True),
        ([statement(Condition={"ArnLike": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:*"}})], True),
        ([statement(Condition={"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:other"}})], False),
        ([statement(Principal={"Service": "events.amazonaws.com"})], False),
        ([statement(Action="sqs:ReceiveMessage")], False),
        ([statement(Action="sqs:*")], True),
        ([statement(Resource="arn:aws:sqs:us-east-1:123456789012:other")], False),
        ([statement(), statement(Effect="Deny")], False),
        ([statement(Condition={"StringEquals": {"aws:SourceAccount": "123456789012"}})], False),
        ([], False),
    ],
)
def test_a_queue_policy_lets_the_topic_in_as_aws_evaluates_it(statements: list[dict[str, Any]], allowed: bool) -> None:
    # Then
    assert allows_topic({"Statement": statements}, QUEUE, TOPIC) is allowed


def test_the_sns_bus_sends_ten_events_per_call(clients: AwsClients, tmp_path: Path) -> None:
    # Given a topic, and 23 events
    topic = boto3.client("sns", region_name=REGION).create_topic(Name="bus")["TopicArn"]
    bus = SnsEventBus(topic)
    calls: list[int] = []
    original = bus.client.publish_batch

    def counting(**arguments: Any) -> Any:
        calls.append(len(arguments["PublishBatchRequestEntries"]))
        return original(**arguments)

    bus.client.publish_batch = counting
    # When
    refused = bus.publish([UserFollowed(id=f"e{n}", time_ms=n, follower_id=n, followee_id=1) for n in range(23)])
    # Then
    assert (refused, calls) == (set(), [10, 10, 3])
