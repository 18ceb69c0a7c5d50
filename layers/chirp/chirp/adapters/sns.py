"""EventBus on an SNS topic: PublishBatch, ten events per call (SNS's limit), each with the message
attributes subscriptions filter on."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import boto3

from chirp.events.schema import DomainEvent, attributes, encode

MAX_ENTRIES_PER_CALL = 10
MAX_BYTES_PER_CALL = 256 * 1024  # one message, and the whole batch, at most 256 KiB (SNS's limit)


class SnsEventBus:
    def __init__(self, topic_arn: str) -> None:
        self._topic_arn = topic_arn

    @cached_property
    def client(self) -> Any:
        return boto3.client("sns")

    def publish(self, events: Sequence[DomainEvent]) -> set[int]:
        refused: set[int] = set()
        for chunk in _chunks([(position, encode(event), event) for position, event in enumerate(events)]):
            response = self.client.publish_batch(
                TopicArn=self._topic_arn,
                PublishBatchRequestEntries=[
                    {
                        "Id": str(position),
                        "Message": body,
                        "MessageAttributes": {
                            name: {"DataType": "Number" if name == "version" else "String", "StringValue": value}
                            for name, value in attributes(event).items()
                        },
                    }
                    for position, body, event in chunk
                ],
            )
            refused |= {int(failure["Id"]) for failure in response.get("Failed", [])}
        return refused


def _chunks(entries: list[tuple[int, str, DomainEvent]]) -> Iterator[list[tuple[int, str, DomainEvent]]]:
    """Batches of at most ten entries and 256 KiB of messages (an event never comes near it alone)."""
    chunk: list[tuple[int, str, DomainEvent]] = []
    size = 0
    for entry in entries:
        entry_size = len(entry[1].encode())
        if chunk and (len(chunk) == MAX_ENTRIES_PER_CALL or size + entry_size > MAX_BYTES_PER_CALL):
            yield chunk
            chunk, size = [], 0
        chunk.append(entry)
        size += entry_size
    if chunk:
        yield chunk
