"""The trends counter's composition root (functions/trends_counter): a consumer of the bus (TweetPosted) that
counts each hashtag's distinct authors per hour in TrendsTable."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.settings import EnvironmentSettings, TableName, load
from chirp.trends.repository import TagCounter


class TrendsCounterSettings(EnvironmentSettings):
    trends_table: TableName


@dataclass(frozen=True)
class TrendsCounterDependencies:
    settings: TrendsCounterSettings
    counter: TagCounter


def build(settings: TrendsCounterSettings) -> TrendsCounterDependencies:
    from chirp.adapters.dynamodb.connection import shared_connection
    from chirp.adapters.dynamodb.trends import DynamoTrendRepository, bind_trend_models

    bind_trend_models(settings.trends_table)
    _ = shared_connection().client  # the transactions' client, built at init
    return TrendsCounterDependencies(settings=settings, counter=DynamoTrendRepository())


@cache
def dependencies() -> TrendsCounterDependencies:
    """The counter's dependencies, built once per process from its environment."""
    return build(load(TrendsCounterSettings))
