"""Publishing domain events: what the event publisher does with a batch of stream records."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

from chirp.events.schema import DomainEvent
from chirp.events.stream import Sources, UndecodableRecord, decode_record


class EventBus(Protocol):
    def publish(self, events: Sequence[DomainEvent]) -> set[int]:
        """Send every event; return the positions (in `events`) of those the bus did not take."""


@dataclass(frozen=True)
class Published:
    """What came of a batch: how many events went out, and the records to deliver again."""

    events: int
    failed_records: list[str]  # their sequence numbers, as Lambda's partial batch response names them
    undecodable: dict[str, str]  # sequence number -> why


def publish_stream_records(records: Sequence[DynamoDBRecord], sources: Sources, bus: EventBus) -> Published:
    """Decode every record and publish all their events in as few calls as the bus allows.

    A record whose events were not all taken (or that could not be decoded) is reported failed, so
    Lambda delivers it again, with every record after it on its shard: consumers see those events
    twice, which is why every consumer is idempotent (the event's `id` is the same each time)."""
    events: list[DomainEvent] = []
    owner: list[str] = []  # events[i] came from the record with sequence number owner[i]
    undecodable: dict[str, str] = {}
    for record in records:
        sequence_number = str(record.dynamodb.sequence_number if record.dynamodb else "")
        try:
            decoded = decode_record(record, sources)
        except (UndecodableRecord, ValueError) as error:
            undecodable[sequence_number] = str(error)
            continue
        events.extend(decoded)
        owner.extend([sequence_number] * len(decoded))
    refused = bus.publish(events) if events else set()
    failed = {owner[position] for position in refused} | set(undecodable)
    in_order = [str(record.dynamodb.sequence_number) for record in records if record.dynamodb]
    return Published(
        events=len(events) - len(refused),
        failed_records=[number for number in in_order if number in failed],
        undecodable=undecodable,
    )
