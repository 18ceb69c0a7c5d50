"""The composition root: builds each adapter once per process (a cached factory)
and hands the services what they need. Handlers call these, never the adapters."""

from __future__ import annotations

import gc
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


def prepare_process() -> None:
    """What a function does once, at init (Lambda's INIT phase, before its first event).

    1. Build the repositories and the DynamoDB clients every invocation uses (botocore loads its
       service model into ~120k objects on the first client), as Lambda advises: at init, not in
       the first request. Without the tables' settings or a region (a test importing a handler
       module), this is skipped, and the first invocation that needs them reports what is missing.
    2. Freeze every object allocated so far (`gc.freeze`): the imports and the clients, ~200k objects
       that live as long as the process. The cyclic garbage collector no longer walks them; before,
       its occasional full collection did, for ~160-260 ms of CPU inside whichever request happened
       to trigger it (`bench/README.md`).
    """
    from botocore.exceptions import NoRegionError

    try:
        repositories()
        from chirp.adapters.dynamodb.wire import wire

        wire()  # builds the shared connection's botocore client too
    except (SettingsError, NoRegionError):
        pass  # an incomplete environment: the first invocation that needs it says what is missing
    gc.freeze()


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
