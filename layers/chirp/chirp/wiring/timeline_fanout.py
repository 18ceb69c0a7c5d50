"""The timeline fan-out's composition root (functions/timeline_fanout): its settings, the four
repositories it reads and writes through, the streams it reads and the timeline queue it publishes
changes to."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.events.stream import Source, Sources
from chirp.follows.repository import FollowRepository
from chirp.settings import QueueUrl, TableName, load
from chirp.timelines.changes import ChangePublisher
from chirp.timelines.repository import TimelineRepository
from chirp.timelines.settings import TimelineSettings
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository


class FanoutSettings(TimelineSettings):
    users_table: TableName
    tweets_table: TableName
    follows_table: TableName
    timelines_table: TableName
    author_tweets_table: TableName
    timeline_queue_url: QueueUrl


@dataclass(frozen=True)
class FanoutDependencies:
    settings: FanoutSettings
    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    timelines: TimelineRepository
    publisher: ChangePublisher
    sources: Sources


def build(settings: FanoutSettings) -> FanoutDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.users import DynamoUserRepository
    from chirp.adapters.dynamodb.wire import wire
    from chirp.adapters.sqs import SqsChangePublisher

    bind_models(
        Tables(
            users=settings.users_table,
            tweets=settings.tweets_table,
            follows=settings.follows_table,
            timelines=settings.timelines_table,
            author_tweets=settings.author_tweets_table,
        )
    )
    wire()
    publisher = SqsChangePublisher(settings.timeline_queue_url)
    _ = publisher.client  # built at init, not in the first invocation
    return FanoutDependencies(
        settings=settings,
        users=DynamoUserRepository(),
        tweets=DynamoTweetRepository(settings.timeline_entry_ttl_days * 86400, settings.recent_tweets_kept),
        follows=DynamoFollowRepository(),
        timelines=DynamoTimelineRepository(),
        publisher=publisher,
        sources=Sources({settings.tweets_table: Source.TWEETS, settings.follows_table: Source.FOLLOWS}),
    )


@cache
def dependencies() -> FanoutDependencies:
    """The fan-out's dependencies, built once per process from its environment."""
    return build(load(FanoutSettings))
