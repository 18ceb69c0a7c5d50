"""The media cleanup function's composition root (functions/media_cleanup): a consumer of the bus (tweets
and profiles that take or let go of media) that re-tags or deletes media objects and items."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.media.lifecycle import MediaObjects
from chirp.media.repository import MediaRepository
from chirp.settings import MediaStorageSettings, load


class MediaCleanupSettings(MediaStorageSettings):
    """The media table and bucket: nothing else."""


@dataclass(frozen=True)
class MediaCleanupDependencies:
    settings: MediaCleanupSettings
    media: MediaRepository
    objects: MediaObjects


def build(settings: MediaCleanupSettings) -> MediaCleanupDependencies:
    import boto3

    from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
    from chirp.adapters.s3_media import S3MediaObjects

    bind_media_table(settings.media_table)
    return MediaCleanupDependencies(
        settings=settings,
        media=DynamoMediaRepository(),
        objects=S3MediaObjects(boto3.client("s3"), settings.media_bucket),
    )


@cache
def dependencies() -> MediaCleanupDependencies:
    """The media cleanup function's dependencies, built once per process from its environment."""
    return build(load(MediaCleanupSettings))
