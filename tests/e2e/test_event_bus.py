"""The domain-event bus over the local runtime: what clients do through the API becomes typed events
on the bus (the tables' streams -> the event publisher -> the SNS topic), and a consumer's queue,
subscribed with a filter on the `type` attribute, gets exactly the events it names, raw.

The consumer queues here are made by the test on the runtime's own SQS and SNS (moto server), the way
a consumer's template resources would be (a queue, its policy, a subscription): the template's
consumers arrive with the features that need them (notifications, search).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import httpx
import pytest
from chirp.events.schema import DomainEvent, ProfileChanged, TweetDeleted, TweetPosted, UserFollowed, UserRegistered
from chirp.events.schema import decode as decode_event

from tests.e2e.accounts import auth, register
from tests.e2e.conftest import RunningRuntime

pytestmark = pytest.mark.e2e

DEADLINE_SECONDS = 20.0


@dataclass
class ConsumerQueue:
    """A queue subscribed to the bus, and the events received on it so far."""

    sqs: Any
    url: str
    received: list[DomainEvent]

    def collect(self) -> list[DomainEvent]:
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages", []):
            self.received.extend(decode_event(message["Body"]) for message in batch)
            entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(batch)]
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
        return self.received

    def wait_for(self, wanted: list[tuple[type[DomainEvent], str]], what: str) -> list[DomainEvent]:
        """An event of each given type about each given id (`tweet_id`, `user_id` or `follower_id`), in order."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            found = [event for kind, key in wanted if (event := self._find(key, kind)) is not None]
            if len(found) == len(wanted):
                return found
            time.sleep(0.1)
        raise AssertionError(f"{what}: not all of {wanted} arrived; received {self.collect()}")

    def _find(self, key: str, kind: type[DomainEvent]) -> DomainEvent | None:
        for event in self.collect():
            ids = {str(getattr(event, name, "")) for name in ("tweet_id", "user_id", "follower_id")}
            if isinstance(event, kind) and key in ids:
                return event
        return None


@pytest.fixture
def subscribe(chirp_runtime: RunningRuntime) -> Iterator[Any]:
    """Make a consumer queue subscribed to the runtime's bus with a filter (None: every event)."""
    endpoints = chirp_runtime.endpoints()
    options = {"endpoint_url": endpoints["sqs"], "region_name": endpoints["region"]}
    options |= {"aws_access_key_id": "e2e", "aws_secret_access_key": "e2e"}
    sqs, sns = boto3.client("sqs", **options), boto3.client("sns", **options)
    topic = endpoints["resources"]["DomainEventsTopic"]["ref"]
    made: list[tuple[str, str]] = []

    def make(types: list[str] | None) -> ConsumerQueue:
        url = sqs.create_queue(QueueName=f"e2e-consumer-{secrets.token_hex(4)}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        attributes = {"RawMessageDelivery": "true"} | ({"FilterPolicy": json.dumps({"type": types})} if types else {})
        subscription = sns.subscribe(
            TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes, ReturnSubscriptionArn=True
        )["SubscriptionArn"]
        made.append((url, subscription))
        return ConsumerQueue(sqs, url, [])

    yield make
    for url, subscription in made:
        sns.unsubscribe(SubscriptionArn=subscription)
        sqs.delete_queue(QueueUrl=url)


def test_what_users_do_reaches_the_bus_as_typed_events(api: httpx.Client, subscribe: Any) -> None:
    # Given a consumer of every event
    everything = subscribe(None)
    # When two people register, one follows the other, posts, renames itself and deletes the tweet
    ada, bob = register(api), register(api)
    assert api.post(f"/users/{ada['data']['id']}/follow", headers=auth(bob)).status_code == 200
    tweet = api.post("/tweets", json={"text": "hello #bus"}, headers=auth(ada)).json()["data"]
    assert api.patch("/users/me", json={"name": "Ada Lovelace"}, headers=auth(ada)).status_code == 200
    assert api.delete(f"/tweets/{tweet['id']}", headers=auth(ada)).status_code == 204
    # Then each arrives as the event it is, with what a consumer needs to know
    registered, followed, posted, deleted = everything.wait_for(
        [
            (UserRegistered, ada["data"]["id"]),
            (UserFollowed, bob["data"]["id"]),
            (TweetPosted, tweet["id"]),
            (TweetDeleted, tweet["id"]),
        ],
        "the account, follow and tweet events",
    )
    assert isinstance(registered, UserRegistered) and registered.username == ada["data"]["username"]
    assert isinstance(posted, TweetPosted) and isinstance(deleted, TweetDeleted)
    assert (str(posted.author_id), posted.text, posted.entities["hashtags"][0]["tag"]) == (
        ada["data"]["id"],
        "hello #bus",
        "bus",
    )
    assert isinstance(followed, UserFollowed) and str(followed.followee_id) == ada["data"]["id"]
    (renamed,) = everything.wait_for([(ProfileChanged, ada["data"]["id"])], "the rename")
    assert isinstance(renamed, ProfileChanged)
    assert (renamed.name, renamed.changed) == ("Ada Lovelace", ["name"])


def test_a_consumer_gets_only_the_types_its_filter_names_once_each(api: httpx.Client, subscribe: Any) -> None:
    # Given a consumer of follows only, and a consumer of everything to know when all has arrived
    follows, everything = subscribe(["UserFollowed", "UserUnfollowed"]), subscribe(None)
    # When someone registers, follows, posts and unfollows
    ada, bob = register(api), register(api)
    assert api.post(f"/users/{ada['data']['id']}/follow", headers=auth(bob)).status_code == 200
    tweet = api.post("/tweets", json={"text": "only for the other queue"}, headers=auth(bob)).json()["data"]
    everything.wait_for([(TweetPosted, tweet["id"]), (UserFollowed, bob["data"]["id"])], "the tweet and the follow")
    # Then the follows consumer holds the one follow, nothing else: no registration, no tweet, and no event
    # for the counters the follow and the post moved on the users' items
    received = follows.collect()
    assert [type(event).__name__ for event in received] == ["UserFollowed"]
    assert not any(isinstance(event, ProfileChanged) for event in everything.collect())
