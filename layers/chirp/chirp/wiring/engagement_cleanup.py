"""The engagement clean-up's composition root (functions/engagement_cleanup): a consumer of the bus
(TweetDeleted) that undoes a deleted tweet's retweets and likes, through the tweets and engagements
repositories, bound to the five tables those writes touch."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.engagements.repository import EngagementRepository
from chirp.settings import EnvironmentSettings, TableName, load
from chirp.tweets.repository import TweetRepository

# A retweet's entry in its author's own timeline expires like any entry (the delete path never writes one).
ENTRY_TTL_SECONDS = 30 * 86_400


class CleanupSettings(EnvironmentSettings):
    engagements_table: TableName
    tweets_table: TableName
    users_table: TableName
    timelines_table: TableName
    author_tweets_table: TableName


@dataclass(frozen=True)
class CleanupDependencies:
    settings: CleanupSettings
    tweets: TweetRepository
    engagements: EngagementRepository


def build(settings: CleanupSettings) -> CleanupDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.engagements import DynamoEngagementRepository
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.wire import wire

    bind_models(
        Tables(
            engagements=settings.engagements_table,
            tweets=settings.tweets_table,
            users=settings.users_table,
            timelines=settings.timelines_table,
            author_tweets=settings.author_tweets_table,
        )
    )
    wire()
    return CleanupDependencies(
        settings=settings, tweets=DynamoTweetRepository(ENTRY_TTL_SECONDS), engagements=DynamoEngagementRepository()
    )


@cache
def dependencies() -> CleanupDependencies:
    """The clean-up's dependencies, built once per process from its environment."""
    return build(load(CleanupSettings))
