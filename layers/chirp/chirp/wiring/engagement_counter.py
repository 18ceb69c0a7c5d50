"""The engagement counter's composition root (functions/engagement_counter): the engagements table (named,
so that its stream's records can be told apart; the counter reads no item of it), and the three tables it
writes: the tweets' counts, their copies beside each author's recent tweets, and the counted records."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.engagements.counting import CounterStore
from chirp.events.stream import Source, Sources
from chirp.settings import EnvironmentSettings, TableName, load


class CounterSettings(EnvironmentSettings):
    engagements_table: TableName
    tweets_table: TableName
    author_tweets_table: TableName
    counted_records_table: TableName


@dataclass(frozen=True)
class CounterDependencies:
    settings: CounterSettings
    sources: Sources
    counters: CounterStore


def build(settings: CounterSettings) -> CounterDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.counters import DynamoCounterStore

    bind_models(
        Tables(
            tweets=settings.tweets_table,
            author_tweets=settings.author_tweets_table,
            counted_records=settings.counted_records_table,
        )
    )
    _ = shared_connection().client  # built at init, not in the first invocation
    return CounterDependencies(
        settings=settings,
        sources=Sources({settings.engagements_table: Source.ENGAGEMENTS}),
        counters=DynamoCounterStore(),
    )


@cache
def dependencies() -> CounterDependencies:
    """The counter's dependencies, built once per process from its environment."""
    return build(load(CounterSettings))
