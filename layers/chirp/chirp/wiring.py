"""The composition root: builds each adapter once per process (a cached factory)
and hands the services what they need. Handlers call these, never the adapters."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.auth.repository import SessionRepository
from chirp.follows.repository import FollowRepository
from chirp.settings import Settings, SettingsError, get_settings
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository


@dataclass(frozen=True)
class Repositories:
    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    sessions: SessionRepository


@cache
def repositories() -> Repositories:
    from chirp.adapters.dynamodb.connection import bind_models
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.sessions import DynamoSessionRepository
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.users import DynamoUserRepository

    settings = get_settings()
    missing = [
        name
        for name in ("users_table", "tweets_table", "follows_table", "sessions_table")
        if not getattr(settings, name)
    ]
    if missing:
        raise SettingsError(f"set {', '.join(name.upper() for name in missing)} to the tables' names")
    bind_models(settings)
    return Repositories(
        users=DynamoUserRepository(),
        tweets=DynamoTweetRepository(),
        follows=DynamoFollowRepository(),
        sessions=DynamoSessionRepository(),
    )


def signing_key() -> str:
    """The JWT signing key: JWT_SECRET directly, or the secret JWT_SECRET_ARN names."""
    settings: Settings = get_settings()
    if settings.jwt_secret:
        return settings.jwt_secret
    if settings.jwt_secret_arn:
        from chirp.adapters.secrets import secret_string

        return secret_string(settings.jwt_secret_arn)
    raise SettingsError("set JWT_SECRET_ARN (or JWT_SECRET) to configure token signing")
