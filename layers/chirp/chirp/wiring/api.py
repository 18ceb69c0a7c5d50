"""The API function's composition root (functions/api): its settings and every repository it uses."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from chirp.auth.repository import SessionRepository
from chirp.auth.revocation import TokenStates
from chirp.engagements.repository import EngagementRepository
from chirp.erasure.service import ErasureQueue
from chirp.errors import NotFound
from chirp.exports.repository import ArchiveStorage, ExportRepository
from chirp.follows.repository import FollowRepository
from chirp.limits.policy import RateLimitSettings
from chirp.limits.repository import CounterStore
from chirp.media.repository import MediaRepository
from chirp.media.uploads import UploadSigner
from chirp.notifications.repository import NotificationRepository
from chirp.notifications.service import NotificationReader
from chirp.relations.repository import RelationRepository
from chirp.reports.repository import ReportRepository
from chirp.search.index import TweetIndex, UserIndex
from chirp.search.service import SearchStores
from chirp.settings import (
    AuthSettings,
    ExportSettings,
    HttpSettings,
    MediaServingSettings,
    MediaStorageSettings,
    SearchSettings,
    SigningKeySettings,
    TableName,
    load,
)
from chirp.suggestions.repository import SuggestionRepository
from chirp.timelines.repository import TimelineRepository
from chirp.timelines.settings import TimelineSettings
from chirp.trends.repository import TrendRepository
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository
from chirp.wiring import secret_signing_key

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency.persistence.base import BasePersistenceLayer


class ApiSettings(
    AuthSettings,
    HttpSettings,
    TimelineSettings,
    SigningKeySettings,
    SearchSettings,
    MediaStorageSettings,
    MediaServingSettings,
    RateLimitSettings,
    ExportSettings,
):
    users_table: TableName
    tweets_table: TableName
    follows_table: TableName
    sessions_table: TableName
    timelines_table: TableName
    author_tweets_table: TableName
    engagements_table: TableName
    notifications_table: TableName
    trends_table: TableName
    suggestions_table: TableName
    reports_table: TableName
    relations_table: TableName
    rate_limits_table: TableName
    # Idempotency-Key records (routes.idempotency).
    idempotency_table: TableName
    # The VAPID key's secret (Web Push): a Secrets Manager secret, or given directly (tests).
    vapid_secret_arn: str = ""
    vapid_secret: str = ""
    # The push services browsers may subscribe with (origins, `https://*.host` for a host's subdomains),
    # comma-separated; empty: the browsers' own (chirp.notifications.push).
    push_service_origins: str = ""
    # Where DELETE /api/users/me queues the account's erasure (functions/account_erasure).
    erasure_queue_url: str = Field(min_length=1)

    @model_validator(mode="after")
    def _push_services_are_origins(self) -> ApiSettings:
        from chirp.notifications.push import check_push_services

        check_push_services(self.allowed_push_services)  # PUSH_SERVICE_ORIGINS: a ValueError names the entry
        return self

    @property
    def allowed_push_services(self) -> list[str]:
        from chirp.notifications.push import DEFAULT_PUSH_SERVICES

        listed = [origin.strip() for origin in self.push_service_origins.split(",") if origin.strip()]
        return listed or list(DEFAULT_PUSH_SERVICES)


@dataclass(frozen=True)
class ApiDependencies:
    settings: ApiSettings
    users: UserRepository
    tweets: TweetRepository
    follows: FollowRepository
    sessions: SessionRepository
    timelines: TimelineRepository
    engagements: EngagementRepository
    notifications: NotificationRepository
    trends: TrendRepository
    suggestions: SuggestionRepository
    media: MediaRepository
    reports: ReportRepository
    # Users' token versions, each trusted for TOKEN_VERSION_CACHE_SECONDS in this sandbox (chirp.auth.revocation).
    token_states: TokenStates
    relations: RelationRepository
    rate_counters: CounterStore
    exports: ExportRepository

    def signing_key(self) -> str:
        return secret_signing_key(self.settings.jwt_secret, self.settings.jwt_secret_arn)

    def search(self) -> SearchStores:
        """The search backend's indexes with the tables results are read from: opened on the first search,
        not at init (OpenSearch's client is ~0.1 s of imports no other route should pay at a cold start), and
        behind this sandbox's circuit breaker (chirp.adapters.search.guarded: a backend down is a quick 503)."""
        tweet_index, user_index = _guarded_search(self.settings.search_endpoint)
        return SearchStores(tweet_index, user_index, self.tweets, self.users, self.engagements, self.relations)

    def notification_reader(self) -> NotificationReader:
        """What reading notifications needs (the list and its unread count filter alike)."""
        return NotificationReader(self.notifications, self.users, self.tweets, self.engagements, self.relations)

    def upload_signer(self) -> UploadSigner:
        """The presigner of uploads to the media bucket: built by the first upload asked for, not at init. Its S3
        client (boto3's import, S3's service model and endpoint rules) takes 170-195 ms on the development machine,
        which no other route should pay at a cold start; each presign after it takes half a millisecond."""
        return _upload_signer(self.settings.media_bucket)

    def archive_storage(self) -> ArchiveStorage:
        """The exports bucket (download links, presigned): built by the first export status asked for, not at init,
        for the same reason as `upload_signer`."""
        return _archive_storage(self.settings.exports_bucket)

    def erasure_queue(self) -> ErasureQueue:
        """The queue account erasures start from: built by the first deletion, not at init (an SQS client)."""
        return _erasure_queue(self.settings.erasure_queue_url)

    def idempotency_store(self) -> BasePersistenceLayer:
        """Where Idempotency-Key records are kept (Powertools' DynamoDB persistence layer): built by the first
        request that sends a key, not at init (its import and its boto3 client)."""
        return _idempotency_store(self.settings.idempotency_table)

    def vapid_public_key(self) -> str:
        """The VAPID public key browsers subscribe with (read from the secret once per sandbox)."""
        return _vapid_public_key(self.settings.vapid_secret, self.settings.vapid_secret_arn)


def build(settings: ApiSettings) -> ApiDependencies:
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.engagements import DynamoEngagementRepository
    from chirp.adapters.dynamodb.exports import DynamoExportRepository, bind_exports_table
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.limits import DynamoCounterStore
    from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
    from chirp.adapters.dynamodb.notifications import DynamoNotificationRepository
    from chirp.adapters.dynamodb.relations import DynamoRelationRepository, bind_relations_table
    from chirp.adapters.dynamodb.reports import DynamoReportRepository, bind_reports_table
    from chirp.adapters.dynamodb.sessions import DynamoSessionRepository
    from chirp.adapters.dynamodb.suggestions import DynamoSuggestionRepository, bind_suggestions_table
    from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
    from chirp.adapters.dynamodb.trends import DynamoTrendRepository, bind_trend_models
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository, bind_post_claims_table
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
            notifications=settings.notifications_table,
        )
    )
    bind_suggestions_table(settings.suggestions_table)
    bind_trend_models(settings.trends_table)
    bind_media_table(settings.media_table)
    bind_reports_table(settings.reports_table)
    bind_relations_table(settings.relations_table)
    bind_exports_table(settings.exports_table)
    bind_post_claims_table(settings.idempotency_table)
    wire()  # the home-timeline read's client, and the shared connection's botocore client under it
    users = DynamoUserRepository()
    return ApiDependencies(
        settings=settings,
        users=users,
        tweets=DynamoTweetRepository(settings.timeline_entry_ttl_days * 86400, settings.recent_tweets_kept),
        follows=DynamoFollowRepository(),
        sessions=DynamoSessionRepository(),
        timelines=DynamoTimelineRepository(settings.profile_cache_seconds),
        engagements=DynamoEngagementRepository(),
        notifications=DynamoNotificationRepository(),
        trends=DynamoTrendRepository(),
        suggestions=DynamoSuggestionRepository(),
        media=DynamoMediaRepository(),
        reports=DynamoReportRepository(),
        token_states=TokenStates(users.token_state, settings.token_version_cache_seconds),
        relations=DynamoRelationRepository(),
        rate_counters=DynamoCounterStore(settings.rate_limits_table),
        exports=DynamoExportRepository(),
    )


@cache
def _guarded_search(endpoint: str) -> tuple[TweetIndex, UserIndex]:
    from chirp.adapters.search.guarded import guarded_indexes

    return guarded_indexes(lambda: _open_search(endpoint))


@cache
def _open_search(endpoint: str) -> tuple[TweetIndex, UserIndex]:
    from chirp.adapters.search import open_indexes

    return open_indexes(endpoint)


@cache
def _idempotency_store(table: str) -> BasePersistenceLayer:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    # `expires_at`: the TTL attribute of every expiring table here (Powertools' default is `expiration`).
    return DynamoDBPersistenceLayer(table_name=table, expiry_attr="expires_at")


@cache
def _erasure_queue(queue_url: str) -> ErasureQueue:
    from chirp.adapters.sqs import SqsErasureQueue

    return SqsErasureQueue(queue_url)


@cache
def _upload_signer(bucket: str) -> UploadSigner:
    from chirp.adapters.s3_uploads import S3UploadSigner

    return S3UploadSigner(bucket)


@cache
def _archive_storage(bucket: str) -> ArchiveStorage:
    import boto3

    from chirp.adapters.s3_exports import S3ArchiveStorage

    return S3ArchiveStorage(boto3.client("s3"), bucket)


@cache
def _vapid_public_key(vapid_secret: str, vapid_secret_arn: str) -> str:
    if not (vapid_secret or vapid_secret_arn):
        raise NotFound("Web Push is not configured on this deployment")
    from chirp.adapters.webpush import vapid_key_from_secret

    return vapid_key_from_secret(secret_signing_key(vapid_secret, vapid_secret_arn)).application_server_key


@cache
def dependencies() -> ApiDependencies:
    """The API's dependencies, built once per process from its environment."""
    return build(load(ApiSettings))
