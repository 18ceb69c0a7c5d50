"""Consuming domain events from a queue subscribed to the bus: one router per consumer.

A consumer's subscription filters the bus by event type, so its queue holds only the events it
handles; a message it has no handler for (a filter wider than the code) or cannot decode is a failed
record, retried and then moved to the queue's DLQ, never dropped silently."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from chirp.events.schema import DomainEvent, UnknownEvent, decode

Handler = Callable[[Any], None]


class EventRouter:
    """Hands each event to the handler of its type."""

    def __init__(self, handlers: Mapping[type[DomainEvent], Handler]) -> None:
        self._handlers = dict(handlers)

    @property
    def event_types(self) -> list[str]:
        """The types this consumer handles: exactly what its subscription's filter should let through."""
        return sorted(model.TYPE for model in self._handlers)

    def route(self, event: DomainEvent) -> None:
        handler = self._handlers.get(type(event))
        if handler is None:
            raise UnknownEvent(f"this consumer has no handler for {event.TYPE}: its subscription lets through too much")
        handler(event)

    def handle_record(self, record: SQSRecord) -> None:
        self.route(decode(record.body))


def consume(event: dict[str, Any], context: LambdaContext, router: EventRouter) -> PartialItemFailureResponse:
    """A consumer's whole handler: each message routed, failures reported one by one."""
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(
        event=event, record_handler=router.handle_record, processor=processor, context=context
    )
