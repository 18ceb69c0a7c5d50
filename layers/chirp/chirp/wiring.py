"""The composition root: builds each adapter once per process (a cached factory)
and hands the services what they need. Handlers call these, never the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.auth.repository import SessionRepository
from chirp.follows.repository import FollowRepository
from chirp.settings import Settings, SettingsError, get_settings
from chirp.timelines.changes import ChangePublisher
from chirp.timelines.repository import TimelineRepository
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository


@dataclass(frozen=True)
class Repositories:
    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    sessions: SessionRepository
    timelines: TimelineRepository


@cache
def repositories() -> Repositories:
    """The process's repositories, built once from its settings."""
    return build_repositories(get_settings())


def build_repositories(settings: Settings) -> Repositories:
    """DynamoDB repositories bound to the tables `settings` names (the models are bound per process)."""
    from chirp.adapters.dynamodb.connection import bind_models
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.sessions import DynamoSessionRepository
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.users import DynamoUserRepository

    tables = (
        "users_table",
        "tweets_table",
        "follows_table",
        "sessions_table",
        "timelines_table",
        "author_tweets_table",
    )
    missing = [name for name in tables if not getattr(settings, name)]
    if missing:
        raise SettingsError(f"set {', '.join(name.upper() for name in missing)} to the tables' names")
    bind_models(settings)
    return Repositories(
        users=DynamoUserRepository(),
        tweets=DynamoTweetRepository(settings.timeline_entry_ttl_days * 86400, settings.recent_tweets_kept),
        follows=DynamoFollowRepository(),
        sessions=DynamoSessionRepository(),
        timelines=DynamoTimelineRepository(settings.profile_cache_seconds),
    )


@cache
def change_publisher() -> ChangePublisher:
    """Where the fan-out function sends timeline changes (the queue TIMELINE_QUEUE_URL names)."""
    from chirp.adapters.sqs import SqsChangePublisher

    settings = get_settings()
    if not settings.timeline_queue_url:
        raise SettingsError("set TIMELINE_QUEUE_URL to the timeline queue's URL")
    return SqsChangePublisher(settings.timeline_queue_url)


def signing_key() -> str:
    """The JWT signing key: JWT_SECRET directly, or the secret JWT_SECRET_ARN names."""
    settings: Settings = get_settings()
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.jwt_secret_arn:
        from chirp.adapters.secrets import secret_string

        return secret_string(settings.jwt_secret_arn)
    raise SettingsError("set JWT_SECRET_ARN (or JWT_SECRET) to configure token signing")
