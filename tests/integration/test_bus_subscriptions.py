"""Each consumer of the domain-event bus is subscribed to exactly the event types its code handles: a type the
filter lets through and the code has no handler for fails its messages into the DLQ (chirp.events.consumers),
and a type the code handles but the filter keeps out is silently never delivered. The template's filters are
compared with the handler modules as the pipeline loads them (each function's own environment, on moto)."""

from __future__ import annotations

from typing import Any

from chirp.search.indexing import HANDLED

from infra.local.template import Template
from tests.integration.pipeline import StartPipeline, handler_module


def subscribed_consumers(template: Template) -> dict[str, list[str]]:
    """Function logical id -> the `type` values of the bus subscription of the queue it consumes."""
    filters: dict[str, list[str]] = {}
    for subscription in template.resources_of_type("AWS::SNS::Subscription"):
        endpoint = subscription.properties["Endpoint"]
        policy: dict[str, Any] = subscription.properties.get("FilterPolicy") or {}
        for function in template.resources_of_type("AWS::Serverless::Function"):
            for event in (function.properties.get("Events") or {}).values():
                if event.get("Type") == "SQS" and event["Properties"]["Queue"] == endpoint:
                    filters[function.logical_id] = sorted(policy["type"])
    return filters


def test_every_bus_consumer_is_subscribed_to_exactly_the_types_it_handles(
    template: Template, start_pipeline: StartPipeline
) -> None:
    # Given every function whose queue is subscribed to the bus, loaded as Lambda would load it
    consumers = subscribed_consumers(template)
    assert len(consumers) >= 6, consumers
    pipeline = start_pipeline(functions=tuple(consumers))
    for function_id, filtered in consumers.items():
        module = handler_module(pipeline.functions[function_id])
        # When its code says what it handles (its router; the search indexer folds a batch itself: HANDLED)
        router = getattr(module, "router", None)
        handled = router.event_types if router is not None else sorted(model.TYPE for model in HANDLED)
        # Then its subscription lets through exactly those types
        assert filtered == handled, function_id
