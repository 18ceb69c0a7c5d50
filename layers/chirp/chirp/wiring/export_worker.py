"""The export worker's composition root (functions/export_worker): a consumer of the exports table's stream that
builds each pending export's archive from the user's data (users, tweets, follows, engagements, relations) and
writes it to the exports bucket."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.exports.archive import ArchiveSources
from chirp.exports.repository import ArchiveStorage, ExportRepository
from chirp.settings import ExportSettings, MediaServingSettings, TableName, load


class ExportWorkerSettings(ExportSettings, MediaServingSettings):
    """The exports table and bucket, the tables an archive is read from, and the media domain (its links)."""

    users_table: TableName
    tweets_table: TableName
    follows_table: TableName
    engagements_table: TableName
    relations_table: TableName


@dataclass(frozen=True)
class ExportWorkerDependencies:
    settings: ExportWorkerSettings
    exports: ExportRepository
    storage: ArchiveStorage
    sources: ArchiveSources


def build(settings: ExportWorkerSettings) -> ExportWorkerDependencies:
    import boto3

    from chirp.adapters.dynamodb.connection import Tables, bind_models, shared_connection
    from chirp.adapters.dynamodb.engagements import DynamoEngagementRepository
    from chirp.adapters.dynamodb.exports import DynamoExportRepository, bind_exports_table
    from chirp.adapters.dynamodb.follows import DynamoFollowRepository
    from chirp.adapters.dynamodb.relations import DynamoRelationRepository, bind_relations_table
    from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
    from chirp.adapters.dynamodb.users import DynamoUserRepository
    from chirp.adapters.s3_exports import S3ArchiveStorage

    bind_models(
        Tables(
            users=settings.users_table,
            tweets=settings.tweets_table,
            follows=settings.follows_table,
            engagements=settings.engagements_table,
        )
    )
    bind_relations_table(settings.relations_table)
    bind_exports_table(settings.exports_table)
    _ = shared_connection().client  # built at init, not in the first invocation
    return ExportWorkerDependencies(
        settings=settings,
        exports=DynamoExportRepository(),
        storage=S3ArchiveStorage(boto3.client("s3"), settings.exports_bucket),
        sources=ArchiveSources(
            users=DynamoUserRepository(),
            # Read only: the timeline entries' TTL it is given is for writes.
            tweets=DynamoTweetRepository(timeline_entry_ttl_seconds=0),
            follows=DynamoFollowRepository(),
            engagements=DynamoEngagementRepository(),
            relations=DynamoRelationRepository(),
        ),
    )


@cache
def dependencies() -> ExportWorkerDependencies:
    """The export worker's dependencies, built once per process from its environment."""
    return build(load(ExportWorkerSettings))
