"""Publishing a batch of stream records (chirp.events.bus) and routing events to a consumer's
handlers (chirp.events.consumers), with fakes of the bus and of SQS records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from chirp.events.bus import publish_stream_records
from chirp.events.consumers import EventRouter
from chirp.events.schema import DomainEvent, TweetDeleted, TweetPosted, UnknownEvent, UserFollowed, encode
from chirp.events.stream import Source, Sources

SOURCES = Sources({"t-Follows": Source.FOLLOWS})


class FakeBus:
    """Takes every event but those at the positions it is told to refuse."""

    def __init__(self, refuse: set[int] | None = None) -> None:
        self.refuse = refuse or set()
        self.published: list[DomainEvent] = []

    def publish(self, events: Sequence[DomainEvent]) -> set[int]:
        self.published.extend(event for position, event in enumerate(events) if position not in self.refuse)
        return {position for position in self.refuse if position < len(events)}


def follow_record(sequence: int, follower: int, name: str = "INSERT", table: str = "t-Follows") -> DynamoDBRecord:
    image = {"follower_id": {"N": str(follower)}, "followee_id": {"N": "99"}, "follow_id": {"N": str(2**40 + sequence)}}
    dynamodb: dict[str, Any] = {"SequenceNumber": str(sequence), "ApproximateCreationDateTime": 1_767_225_600}
    dynamodb["NewImage" if name == "INSERT" else "OldImage"] = image
    return DynamoDBRecord(
        {
            "eventID": f"ev-{sequence}",
            "eventName": name,
            "eventSourceARN": f"arn:aws:dynamodb:us-east-1:1:table/{table}/stream/x",
            "dynamodb": dynamodb,
        }
    )


def test_every_records_events_are_published_in_order_and_nothing_is_retried() -> None:
    # Given
    bus = FakeBus()
    # When
    outcome = publish_stream_records([follow_record(1, 10), follow_record(2, 11, "REMOVE")], SOURCES, bus)
    # Then
    assert [(type(event).__name__, event.id) for event in bus.published] == [
        ("UserFollowed", "ev-1"),
        ("UserUnfollowed", "ev-2"),
    ]
    assert (outcome.events, outcome.failed_records) == (2, [])


def test_a_record_whose_event_the_bus_refused_is_delivered_again() -> None:
    # Given a bus that refuses the second event
    bus = FakeBus(refuse={1})
    # When
    outcome = publish_stream_records([follow_record(1, 10), follow_record(2, 11), follow_record(3, 12)], SOURCES, bus)
    # Then the second record is reported failed (Lambda delivers it and those after it again)
    assert outcome.failed_records == ["2"]
    assert outcome.events == 2


def test_an_undecodable_record_is_reported_failed_with_its_reason_and_its_batch_mates_still_go_out() -> None:
    # Given a record from a table the publisher does not read, between two good ones
    bus = FakeBus()
    records = [follow_record(1, 10), follow_record(2, 11, table="t-Other"), follow_record(3, 12)]
    # When
    outcome = publish_stream_records(records, SOURCES, bus)
    # Then
    assert outcome.failed_records == ["2"]
    assert "t-Other" in outcome.undecodable["2"]
    assert [event.id for event in bus.published] == ["ev-1", "ev-3"]


def sqs_record(body: str) -> SQSRecord:
    return SQSRecord(
        {"messageId": "m-1", "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {}}
    )


def test_a_router_hands_each_event_to_the_handler_of_its_type() -> None:
    # Given
    seen: list[DomainEvent] = []
    router = EventRouter({TweetPosted: seen.append, UserFollowed: seen.append})
    followed = UserFollowed(id="ev", time_ms=0, follower_id=1, followee_id=2)
    # When
    router.handle_record(sqs_record(encode(followed)))
    # Then
    assert seen == [followed]
    assert router.event_types == ["TweetPosted", "UserFollowed"]


def test_a_router_refuses_an_event_it_has_no_handler_for() -> None:
    # Given a consumer of follows only, and a message its filter should not have let through
    router = EventRouter({UserFollowed: lambda _event: None})
    deleted = TweetDeleted(id="ev", time_ms=0, tweet_id=1, author_id=2)
    # When / Then it fails (the message is retried, then moved to the DLQ): never dropped silently
    with pytest.raises(UnknownEvent, match="no handler for TweetDeleted"):
        router.handle_record(sqs_record(encode(deleted)))
