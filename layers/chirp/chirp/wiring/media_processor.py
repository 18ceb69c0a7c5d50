"""The media processor's composition root (functions/media_processor): a consumer of the uploads queue (the
media bucket's notifications of objects created under uploads/) that reads each upload, writes its variants
to the bucket and records the outcome on the media item (MediaTable).

Runs from a container image, not a zip (Pillow and a static ffmpeg are too large for a zip with the chirp
layer): the image holds the chirp package and its dependencies itself (functions/media_processor/Dockerfile).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from chirp.media.pipeline import UploadProcessor
from chirp.settings import MediaStorageSettings, load


class MediaProcessorSettings(MediaStorageSettings):
    """The media table and the media bucket, nothing else."""


@dataclass(frozen=True)
class MediaProcessorDependencies:
    settings: MediaProcessorSettings
    uploads: UploadProcessor


def build(settings: MediaProcessorSettings) -> MediaProcessorDependencies:
    import boto3

    from chirp.adapters.dynamodb.connection import shared_connection
    from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
    from chirp.adapters.s3_media import S3MediaStorage

    bind_media_table(settings.media_table)
    _ = shared_connection().client  # built at init, not in the first invocation
    storage = S3MediaStorage(boto3.client("s3"), settings.media_bucket)
    return MediaProcessorDependencies(settings=settings, uploads=UploadProcessor(DynamoMediaRepository(), storage))


@cache
def dependencies() -> MediaProcessorDependencies:
    """The media processor's dependencies, built once per process from its environment."""
    return build(load(MediaProcessorSettings))
