"""The API function's composition root (functions/api): its settings and every repository it uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import model_validator

from chirp.auth.repository import SessionRepository
from chirp.engagements.repository import EngagementRepository
from chirp.follows.repository import FollowRepository
from chirp.settings import AuthSettings, HttpSettings, TableName, load
from chirp.timelines.repository import TimelineRepository
from chirp.timelines.settings import TimelineSettings
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository
from chirp.wiring import secret_signing_key


class ApiSettings(AuthSettings, HttpSettings, TimelineSettings):
    users_table: TableName
    tweets_table: TableName
    follows_table: TableName
    sessions_table: TableName
    timelines_table: TableName
    author_tweets_table: TableName
    engagements_table: TableName
    # The JWT signing key: a Secrets Manager secret (AWS, the local runtime), or given directly (tests).
    jwt_secret_arn: str = ""
    jwt_secret: str = ""

    @model_validator(mode="after")
    def _a_signing_key_is_configured(self) -> ApiSettings:
        if not (self.jwt_secret_arn or self.jwt_secret):
            raise ValueError("set JWT_SECRET_ARN (or JWT_SECRET) to configure token signing")
        return self


@dataclass(frozen=True)
class ApiDependencies:
    settings: ApiSettings
    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    sessions: SessionRepository
    timelines: TimelineRepository
    engagements: EngagementRepository

    def signing_key(self) -> str:
        return secret_signing_key(self.settings.jwt_secret, self.settings.jwt_secret_arn)


def build(settings: ApiSettings) -> ApiDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.engagements import DynamoEngagementRepository
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.sessions import DynamoSessionRepository
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.users import DynamoUserRepository
    from chirp.adapters.dynamodb.wire import wire

    bind_models(
        Tables(
            users=settings.users_table,
            tweets=settings.tweets_table,
            follows=settings.follows_table,
            sessions=settings.sessions_table,
            timelines=settings.timelines_table,
            author_tweets=settings.author_tweets_table,
            engagements=settings.engagements_table,
        )
    )
    wire()  # the home-timeline read's client, and the shared connection's botocore client under it
    return ApiDependencies(
        settings=settings,
        users=DynamoUserRepository(),
        tweets=DynamoTweetRepository(settings.timeline_entry_ttl_days * 86400, settings.recent_tweets_kept),
        follows=DynamoFollowRepository(),
        sessions=DynamoSessionRepository(),
        timelines=DynamoTimelineRepository(settings.profile_cache_seconds),
        engagements=DynamoEngagementRepository(),
    )


@cache
def dependencies() -> ApiDependencies:
    """The API's dependencies, built once per process from its environment."""
    return build(load(ApiSettings))
