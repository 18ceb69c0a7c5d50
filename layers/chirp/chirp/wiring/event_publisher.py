"""The event publisher's composition root (functions/event_publisher): the tables whose streams it
reads (named, so their records can be told apart; it reads no table) and the bus it publishes to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.events.bus import EventBus
from chirp.events.stream import Source, Sources
from chirp.settings import Arn, EnvironmentSettings, TableName, load


class PublisherSettings(EnvironmentSettings):
    tweets_table: TableName
    follows_table: TableName
    users_table: TableName
    engagements_table: TableName
    events_topic_arn: Arn


@dataclass(frozen=True)
class PublisherDependencies:
    settings: PublisherSettings
    sources: Sources
    bus: EventBus


def build(settings: PublisherSettings) -> PublisherDependencies:
    from chirp.adapters.sns import SnsEventBus

    bus = SnsEventBus(settings.events_topic_arn)
    _ = bus.client  # built at init, not in the first invocation
    sources = Sources(
        {
            settings.tweets_table: Source.TWEETS,
            settings.follows_table: Source.FOLLOWS,
            settings.users_table: Source.USERS,
            settings.engagements_table: Source.ENGAGEMENTS,
        }
    )
    return PublisherDependencies(settings=settings, sources=sources, bus=bus)


@cache
def dependencies() -> PublisherDependencies:
    """The publisher's dependencies, built once per process from its environment."""
    return build(load(PublisherSettings))
