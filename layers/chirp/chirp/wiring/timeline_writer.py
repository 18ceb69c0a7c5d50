"""The timeline writer's composition root (functions/timeline_writer): its settings, the two
repositories it writes and checks through (timelines, and the follow edges an entry depends on), and
what tells an owner with an open WebSocket that its home timeline has news (the connections table,
the WebSocket API's management endpoint)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.follows.repository import FollowRepository
from chirp.notifications.repository import LiveConnections, LivePusher
from chirp.settings import TableName, load
from chirp.timelines.repository import TimelineRepository
from chirp.timelines.settings import TimelineSettings


class WriterSettings(TimelineSettings):
    timelines_table: TableName
    follows_table: TableName
    live_connections_table: TableName
    live_connections_endpoint: str


@dataclass(frozen=True)
class WriterDependencies:
    settings: WriterSettings
    timelines: TimelineRepository
    follows: FollowRepository
    connections: LiveConnections
    pusher: LivePusher


def build(settings: WriterSettings) -> WriterDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.live_connections import DynamoLiveConnections
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.wire import wire
    from chirp.adapters.live_push import ApiGatewayPusher

    bind_models(
        Tables(
            timelines=settings.timelines_table,
            follows=settings.follows_table,
            live_connections=settings.live_connections_table,
        )
    )
    wire()
    return WriterDependencies(
        settings=settings,
        timelines=DynamoTimelineRepository(),
        follows=DynamoFollowRepository(),
        connections=DynamoLiveConnections(),
        pusher=ApiGatewayPusher(settings.live_connections_endpoint),
    )


@cache
def dependencies() -> WriterDependencies:
    """The writer's dependencies, built once per process from its environment."""
    return build(load(WriterSettings))
