"""The trends scorer's composition root (functions/trends_scorer): a scheduled function that reads the hourly
counts of TrendsTable and writes the current list there; its rules come from the template's parameters
(TrendsMinAuthors, TrendsHalfLifeMinutes)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import Field

from chirp.settings import EnvironmentSettings, TableName, load
from chirp.trends.repository import TrendRepository
from chirp.trends.scoring import ScoringRules


class TrendsScorerSettings(EnvironmentSettings):
    trends_table: TableName
    # At least 3: one account alone reaches an observed count of 2 at most (chirp.trends.scoring).
    trends_min_authors: int = Field(5, ge=3)
    trends_half_life_minutes: float = Field(60.0, gt=0)

    @property
    def rules(self) -> ScoringRules:
        return ScoringRules(min_authors=self.trends_min_authors, half_life_minutes=self.trends_half_life_minutes)


@dataclass(frozen=True)
class TrendsScorerDependencies:
    settings: TrendsScorerSettings
    trends: TrendRepository


def build(settings: TrendsScorerSettings) -> TrendsScorerDependencies:
    from chirp.adapters.dynamodb.trends import DynamoTrendRepository, bind_trend_models
    from chirp.adapters.dynamodb.wire import wire

    bind_trend_models(settings.trends_table)
    wire()  # BatchGetItem's client, and the shared connection's botocore client under it
    return TrendsScorerDependencies(settings=settings, trends=DynamoTrendRepository())


@cache
def dependencies() -> TrendsScorerDependencies:
    """The scorer's dependencies, built once per process from its environment."""
    return build(load(TrendsScorerSettings))
