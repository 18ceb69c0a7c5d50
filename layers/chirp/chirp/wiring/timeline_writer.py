"""The timeline writer's composition root (functions/timeline_writer): its settings and the two
repositories it writes and checks through (timelines, and the follow edges an entry depends on)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.follows.repository import FollowRepository
from chirp.settings import TableName, load
from chirp.timelines.repository import TimelineRepository
from chirp.timelines.settings import TimelineSettings


class WriterSettings(TimelineSettings):
    timelines_table: TableName
    follows_table: TableName


@dataclass(frozen=True)
class WriterDependencies:
    settings: WriterSettings
    timelines: TimelineRepository
    follows: FollowRepository


def build(settings: WriterSettings) -> WriterDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.wire import wire

    bind_models(Tables(timelines=settings.timelines_table, follows=settings.follows_table))
    wire()
    return WriterDependencies(settings=settings, timelines=DynamoTimelineRepository(), follows=DynamoFollowRepository())


@cache
def dependencies() -> WriterDependencies:
    """The writer's dependencies, built once per process from its environment."""
    return build(load(WriterSettings))
