"""The media cleanup consumer on moto, through the real pipeline: the API posts and deletes tweets with media
and changes avatars; the event publisher puts what happened on the bus; MediaCleanupFunction (under its own
IAM policy, in Lambda's event format) re-tags what was taken and erases what was let go, objects and items."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
from chirp.ids import new_id
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState, StoredVariant

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import PUBLISHER_FUNCTION, Pipeline, StartPipeline

CLEANUP_FUNCTION = "MediaCleanupFunction"
DAY_S = 86_400


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, CLEANUP_FUNCTION))


@pytest.fixture
def bucket(aws: dict[str, str]) -> Any:
    return boto3.resource("s3").Bucket(aws["MEDIA_BUCKET"])


Maker = Callable[[Account], Media]


@pytest.fixture
def processed(aws: dict[str, str], bucket: Any) -> Maker:
    """A ready photo of `owner`, as the media function leaves it: the item, and its variants in the bucket
    tagged unattached (and the upload, still there)."""
    bind_media_table(aws["MEDIA_TABLE"])
    media = DynamoMediaRepository()

    def make(owner: Account) -> Media:
        media_id = new_id()
        variants = tuple(
            StoredVariant(name, f"media/{media_id}/{name}.webp", "image/webp", 10, 10) for name in ("thumb", "small")
        )
        item = Media(
            id=media_id,
            owner_id=int(owner.id),
            kind=MediaKind.IMAGE,
            content_type="image/jpeg",
            size=3,
            created_at_ms=int(time.time() * 1000),
            state=MediaState.READY,
            width=10,
            height=10,
            variants=variants,
        )
        media.create(item, int(time.time()) + DAY_S)
        bucket.put_object(Key=item.upload_key, Body=b"jpg")
        for variant in variants:
            bucket.put_object(Key=variant.key, Body=b"webp", Tagging="chirp-media=unattached")
        return item

    return make


def tags(bucket: Any, item: Media) -> set[str]:
    s3 = bucket.meta.client
    return {
        tag["Value"]
        for variant in item.variants
        for tag in s3.get_object_tagging(Bucket=bucket.name, Key=variant.key)["TagSet"]
        if tag["Key"] == "chirp-media"
    }


def keys(bucket: Any) -> set[str]:
    return {summary.key for summary in bucket.objects.all()}


def media_exists(item: Media) -> bool:
    return DynamoMediaRepository().get(item.id) is not None


def test_a_posted_photo_is_kept_and_deleting_its_tweet_erases_it(
    api: Api, alice: Account, pipeline: Pipeline, processed: Maker, bucket: Any
) -> None:
    # Given a processed photo, and another one nobody posts
    photo, unposted = processed(alice), processed(alice)
    # When alice tweets the first one
    reply = api.post(
        "/api/tweets", json_body={"text": "", "media": {"media_ids": [str(photo.id)]}}, token=alice.access_token
    )
    assert reply.status == 201, reply.body
    pipeline.run_until_quiet()
    # Then its variants are tagged attached (the unattached-expiry rule spares them); the other's are not
    assert tags(bucket, photo) == {"attached"}
    assert tags(bucket, unposted) == {"unattached"}
    # When she deletes the tweet
    assert api.delete(f"/api/tweets/{reply.json()['data']['id']}", token=alice.access_token).status == 204
    pipeline.run_until_quiet()
    # Then the photo's variants, its upload and its item are gone; the other photo is untouched
    remaining = keys(bucket)
    assert not {variant.key for variant in photo.variants} & remaining
    assert photo.upload_key not in remaining
    assert not media_exists(photo)
    assert {variant.key for variant in unposted.variants} <= remaining and media_exists(unposted)


def test_a_replaced_avatar_is_erased_and_the_new_one_kept(
    api: Api, alice: Account, pipeline: Pipeline, processed: Maker, bucket: Any
) -> None:
    # Given an avatar alice set
    first, second = processed(alice), processed(alice)
    assert (
        api.patch("/api/users/me", json_body={"avatar_media_id": str(first.id)}, token=alice.access_token).status == 200
    )
    pipeline.run_until_quiet()
    assert tags(bucket, first) == {"attached"}
    # When she replaces it
    assert (
        api.patch("/api/users/me", json_body={"avatar_media_id": str(second.id)}, token=alice.access_token).status
        == 200
    )
    pipeline.run_until_quiet()
    # Then the new one is kept and the old one erased, objects and item
    assert tags(bucket, second) == {"attached"}
    assert not {variant.key for variant in first.variants} & keys(bucket)
    assert not media_exists(first) and media_exists(second)
