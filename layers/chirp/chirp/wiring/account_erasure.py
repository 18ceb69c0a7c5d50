"""The account erasure's composition root (functions/account_erasure): the repositories whose everyday writes it
replays (unfollow, delete a tweet, unlike, unblock), the erasure store, the media and export stores, and its own
queue, bound to every table an account's data lives in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from pydantic import Field

from chirp.erasure.service import ErasurePorts, ErasureQueue
from chirp.settings import ExportSettings, MediaStorageSettings, TableName, load

# A retweet's own entry, never written by a delete: the repository needs a TTL all the same.
ENTRY_TTL_SECONDS = 30 * 86_400
# The lease outlives the function's timeout (300 s in template.yaml): a worker never loses it while it runs.
LEASE_MS = 330_000


class ErasureSettings(MediaStorageSettings, ExportSettings):
    users_table: TableName
    tweets_table: TableName
    follows_table: TableName
    sessions_table: TableName
    timelines_table: TableName
    author_tweets_table: TableName
    engagements_table: TableName
    notifications_table: TableName
    live_connections_table: TableName
    relations_table: TableName
    reports_table: TableName
    erasure_queue_url: str = Field(min_length=1)
    username_grace_days: int = Field(30, ge=0)
    # How long after an erasure its settling sweep runs (SQS delays a message 15 minutes at most).
    erasure_settle_seconds: int = Field(900, ge=0, le=900)
    # How many of a chunk's writes (unfollows, tweet deletions, unlikes) run side by side. moto, which the
    # integration tests run the function on, is not thread-safe: they set 1.
    erasure_parallelism: int = Field(8, ge=1, le=32)


@dataclass(frozen=True)
class ErasureDependencies:
    settings: ErasureSettings
    ports: ErasurePorts
    queue: ErasureQueue


def build(settings: ErasureSettings) -> ErasureDependencies:
    import boto3

    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.engagements import DynamoEngagementRepository
    from chirp.adapters.dynamodb.erasure import DynamoErasureStore, ErasureTables
    from chirp.adapters.dynamodb.exports import DynamoExportRepository, bind_exports_table
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
    from chirp.adapters.dynamodb.relations import DynamoRelationRepository, bind_relations_table
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.wire import wire
    from chirp.adapters.s3_exports import S3ArchiveStorage
    from chirp.adapters.s3_media import S3MediaObjects
    from chirp.adapters.sqs import SqsErasureQueue
    from chirp.exports.service import erase_exports

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
            live_connections=settings.live_connections_table,
        )
    )
    bind_media_table(settings.media_table)
    bind_relations_table(settings.relations_table)
    bind_exports_table(settings.exports_table)
    wire()
    s3 = boto3.client("s3")
    exports, archives = DynamoExportRepository(), S3ArchiveStorage(s3, settings.exports_bucket)
    store = DynamoErasureStore(
        ErasureTables(
            users=settings.users_table,
            timelines=settings.timelines_table,
            notifications=settings.notifications_table,
            engagements=settings.engagements_table,
            author_tweets=settings.author_tweets_table,
            live_connections=settings.live_connections_table,
            sessions=settings.sessions_table,
            relations=settings.relations_table,
            media=settings.media_table,
            reports=settings.reports_table,
        )
    )
    ports = ErasurePorts(
        tweets=DynamoTweetRepository(ENTRY_TTL_SECONDS),
        follows=DynamoFollowRepository(),
        engagements=DynamoEngagementRepository(),
        relations=DynamoRelationRepository(),
        media=DynamoMediaRepository(),
        media_objects=S3MediaObjects(s3, settings.media_bucket),
        store=store,
        erase_exports=lambda user_id: erase_exports(exports, archives, user_id),
        lease_ms=LEASE_MS,
        username_grace_s=settings.username_grace_days * 86_400,
        parallelism=settings.erasure_parallelism,
    )
    return ErasureDependencies(settings=settings, ports=ports, queue=SqsErasureQueue(settings.erasure_queue_url))


@cache
def dependencies() -> ErasureDependencies:
    """The erasure's dependencies, built once per process from its environment."""
    return build(load(ErasureSettings))
