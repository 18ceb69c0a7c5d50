"""The media processor on moto, through the real pipeline: the template's bucket, with its notification to the
uploads queue (moto delivers S3's event notifications to SQS, its test event included), and the media table;
files made here with Pillow and with the imageio-ffmpeg binary are put where a browser's presigned POST puts
them, the queue's messages are handed to the function's `handler` in Lambda's format under its IAM policies
(`pipeline.py`), and the media items and the bucket's objects are read back."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import time
import zlib
from pathlib import Path
from typing import Any

import botocore.client
import imageio_ffmpeg
import pytest
from chirp.adapters.dynamodb.media import DynamoMediaRepository, bind_media_table
from chirp.ids import new_id
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState, upload_key
from chirp.media.pipeline import UploadNotice, rejection_class, upload_notices
from PIL import Image

from infra.local.iam import guard
from tests.integration.pipeline import Pipeline, StartPipeline

MEDIA_FUNCTION = "MediaProcessorFunction"
OWNER_ID = 4242
IMMUTABLE = "public, max-age=31536000, immutable"
UNATTACHED = [{"Key": "chirp-media", "Value": "unattached"}]

Record = dict[str, Any]


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    """The media function's pipeline, its queue as each test starts: the test event S3 sent when the bucket's
    notification was configured is delivered (and acknowledged) first, so a test sees its own uploads' only."""
    pipeline = start_pipeline(functions=(MEDIA_FUNCTION,))
    records = pipeline.receive_all(MEDIA_FUNCTION)
    assert [json.loads(record["body"]).get("Event") for record in records] == ["s3:TestEvent"]
    assert pipeline.consume(MEDIA_FUNCTION, records) == []
    return pipeline


@pytest.fixture
def bucket(pipeline: Pipeline) -> str:
    return pipeline.functions[MEDIA_FUNCTION].environment["MEDIA_BUCKET"]


@pytest.fixture
def media_items(pipeline: Pipeline) -> DynamoMediaRepository:
    bind_media_table(pipeline.functions[MEDIA_FUNCTION].environment["MEDIA_TABLE"])
    return DynamoMediaRepository()


@pytest.fixture
def s3(pipeline: Pipeline) -> Any:
    return pipeline.clients.client("s3")


@pytest.fixture
def s3_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every S3 operation any client calls from now on (the function's included), in order."""
    calls: list[str] = []
    make_api_call = botocore.client.BaseClient._make_api_call

    def recording(client: Any, operation_name: str, api_params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "s3":
            calls.append(operation_name)
        return make_api_call(client, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recording)
    return calls


# ---------------------------------------------------------------- files and uploads


def jpeg(size: tuple[int, int] = (1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.radial_gradient("L").resize(size).convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def png(size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 120, 200)).save(out, "PNG")
    return out.getvalue()


def png_bomb() -> bytes:
    """A PNG declaring 100,000 x 100,000 pixels (30 GB decoded) that holds one tiny compressed row."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


def mp4(tmp_path: Path, seconds: float = 2.0) -> bytes:
    path = tmp_path / "clip.mp4"
    subprocess.run(
        [
            *(imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25"),
            *("-t", str(seconds), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(path)),
        ],
        check=True,
    )
    return path.read_bytes()


def asked_for(media_items: DynamoMediaRepository, kind: MediaKind, content_type: str, size: int) -> Media:
    """A media item as POST /api/media creates it: processing, waiting for its upload."""
    media = Media(
        id=new_id(),
        owner_id=OWNER_ID,
        kind=kind,
        content_type=content_type,
        size=size,
        created_at_ms=int(time.time() * 1000),
    )
    media_items.create(media, expires_at_s=int(time.time()) + 86_400)
    return media


def upload(s3: Any, bucket: str, media: Media, data: bytes) -> None:
    """The object a browser's presigned POST writes (S3 then notifies the uploads queue)."""
    s3.put_object(Bucket=bucket, Key=media.upload_key, Body=data, ContentType=media.content_type)


def process_queue(pipeline: Pipeline) -> list[Record]:
    """Hand every message on the uploads queue to the function, one per invocation (its batch size); the
    messages it processed, each acknowledged."""
    records = pipeline.receive_all(MEDIA_FUNCTION)
    for record in records:
        assert pipeline.consume(MEDIA_FUNCTION, [record]) == []
    return records


def objects_under(s3: Any, bucket: str, prefix: str) -> list[str]:
    listing = s3.list_objects_v2(Bucket=bucket, Prefix=prefix)
    return sorted(entry["Key"] for entry in listing.get("Contents", []))


def stored(media_items: DynamoMediaRepository, media: Media) -> Media:
    found = media_items.get(media.id)
    assert found is not None
    return found


# ---------------------------------------------------------------- ready


def test_a_jpeg_upload_ends_ready_with_its_variants_written(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository
) -> None:
    # Given a photo asked for as image/jpeg and uploaded
    data = jpeg()
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    upload(s3, bucket, media, data)

    # When the function processes the bucket's notification
    (record,) = process_queue(pipeline)

    # Then the item is ready, with the photo's dimensions, and the ETag of the upload it processed
    ready = stored(media_items, media)
    assert ready.state is MediaState.READY
    assert (ready.width, ready.height) == (1600, 1200)
    assert ready.processed_etag == json.loads(record["body"])["Records"][0]["s3"]["object"]["eTag"]
    # And its variants are recorded under media/<id>/<name>.webp
    assert [(v.name, v.key, v.width, v.height) for v in ready.variants] == [
        ("thumb", f"media/{media.id}/thumb.webp", 150, 150),
        ("small", f"media/{media.id}/small.webp", 680, 510),
        ("medium", f"media/{media.id}/medium.webp", 1200, 900),
        ("large", f"media/{media.id}/large.webp", 1600, 1200),
    ]
    # And each is in the bucket, a WEBP of its size, served immutable, tagged unattached
    assert objects_under(s3, bucket, f"media/{media.id}/") == sorted(v.key for v in ready.variants)
    for variant in ready.variants:
        head = s3.head_object(Bucket=bucket, Key=variant.key)
        assert (head["ContentType"], head["CacheControl"]) == ("image/webp", IMMUTABLE)
        assert s3.get_object_tagging(Bucket=bucket, Key=variant.key)["TagSet"] == UNATTACHED
        body = s3.get_object(Bucket=bucket, Key=variant.key)["Body"].read()
        with Image.open(io.BytesIO(body)) as image:
            assert (image.format, image.size) == ("WEBP", (variant.width, variant.height))


def test_a_video_upload_ends_ready_with_a_poster_and_the_video_served_as_uploaded(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository, tmp_path: Path
) -> None:
    # Given a two-second MP4 asked for as video/mp4 and uploaded
    data = mp4(tmp_path)
    media = asked_for(media_items, MediaKind.VIDEO, "video/mp4", len(data))
    upload(s3, bucket, media, data)

    # When the function processes the notification
    process_queue(pipeline)

    # Then the item is ready with the video's dimensions and duration
    ready = stored(media_items, media)
    assert ready.state is MediaState.READY
    assert (ready.width, ready.height, ready.duration_ms) == (320, 240, 2000)
    # And its poster's variants and the video itself are recorded
    assert [(v.name, v.key, v.content_type) for v in ready.variants] == [
        ("thumb", f"media/{media.id}/thumb.webp", "image/webp"),
        ("poster", f"media/{media.id}/poster.webp", "image/webp"),
        ("video", f"media/{media.id}/video.mp4", "video/mp4"),
    ]
    # And the video is the upload's bytes, with a variant's type, cache headers and tag (not the upload's)
    video_key = f"media/{media.id}/video.mp4"
    copied = s3.get_object(Bucket=bucket, Key=video_key)
    assert copied["Body"].read() == data
    assert (copied["ContentType"], copied["CacheControl"]) == ("video/mp4", IMMUTABLE)
    assert s3.get_object_tagging(Bucket=bucket, Key=video_key)["TagSet"] == UNATTACHED
    assert objects_under(s3, bucket, f"media/{media.id}/") == sorted(v.key for v in ready.variants)


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize(
    ("declared", "data", "reason"),
    [
        ("image/jpeg", png(), "The file is a PNG image, but it was uploaded as image/jpeg."),
        ("image/png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "The file is an HTML document"),
        ("image/jpeg", jpeg()[:3000], "The image is truncated or corrupt."),
        ("image/png", png_bomb(), "decompression bomb"),
    ],
    ids=["png-declared-jpeg", "html-declared-png", "truncated-jpeg", "decompression-bomb"],
)
def test_a_refused_upload_ends_failed_with_its_reason_and_nothing_served(
    pipeline: Pipeline,
    s3: Any,
    *,
    bucket: str,
    media_items: DynamoMediaRepository,
    declared: str,
    data: bytes,
    reason: str,
) -> None:
    # Given an upload that is not what it was declared to be (or cannot be decoded)
    media = asked_for(media_items, MediaKind.IMAGE, declared, len(data))
    upload(s3, bucket, media, data)

    # When the function processes the notification
    process_queue(pipeline)

    # Then the item failed, with a reason its owner can read, and no variant
    failed = stored(media_items, media)
    assert failed.state is MediaState.FAILED
    assert failed.reason is not None and reason in failed.reason
    assert failed.variants == ()
    # And nothing of it is under media/
    assert objects_under(s3, bucket, f"media/{media.id}/") == []


def test_an_upload_over_its_kinds_limit_is_refused_before_it_is_read(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository, s3_calls: list[str]
) -> None:
    # Given an "image" of 5 MB and one byte (the presigned POST would refuse it; the function checks again)
    photo = jpeg()
    data = photo + b"\0" * (5 * 1024 * 1024 + 1 - len(photo))
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    upload(s3, bucket, media, data)
    s3_calls.clear()

    # When the function processes the notification
    process_queue(pipeline)

    # Then the item failed for its size, and nothing was written
    failed = stored(media_items, media)
    assert (failed.state, failed.reason) == (MediaState.FAILED, "The file is 5.0 MB; at most 5 MB is allowed.")
    assert "PutObject" not in s3_calls
    assert objects_under(s3, bucket, "media/") == []


# ---------------------------------------------------------------- nothing to do


def test_a_redelivered_notification_changes_nothing(
    pipeline: Pipeline,
    s3: Any,
    *,
    bucket: str,
    media_items: DynamoMediaRepository,
    s3_calls: list[str],
    sent_requests: list[tuple[str, dict[str, Any]]],
) -> None:
    # Given a photo processed once, from its notification
    data = jpeg((800, 600))
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    upload(s3, bucket, media, data)
    (record,) = process_queue(pipeline)
    first = stored(media_items, media)
    assert first.state is MediaState.READY
    s3_calls.clear()
    sent_requests.clear()

    # When SQS delivers the same notification again
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url_of(MEDIA_FUNCTION), MessageBody=record["body"])
    process_queue(pipeline)

    # Then the function only read the item: no object read or written, nothing recorded
    assert [operation for operation, _ in sent_requests] == ["GetItem"]
    assert s3_calls == []
    assert stored(media_items, media) == first


def test_a_notification_for_a_deleted_item_is_acknowledged(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository, s3_calls: list[str]
) -> None:
    # Given an upload whose item is gone (expired, or deleted with its tweet)
    data = jpeg((400, 300))
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    media_items.delete(media.id)
    upload(s3, bucket, media, data)
    s3_calls.clear()

    # When the function processes its notification
    records = process_queue(pipeline)

    # Then the message was acknowledged (process_queue checks no failure was reported) without reading the upload
    assert len(records) == 1
    assert pipeline.receive_all(MEDIA_FUNCTION) == []
    assert s3_calls == []
    assert objects_under(s3, bucket, "media/") == []


def test_variants_of_an_item_deleted_while_processing_are_removed(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an upload whose item is deleted after its variants are written, before the outcome is recorded
    data = jpeg((400, 300))
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    upload(s3, bucket, media, data)
    record_processing = DynamoMediaRepository.record_processing

    def deleted_first(repository: DynamoMediaRepository, media_id: int, result: Any) -> bool:
        with guard.unchecked():  # the deletion is the media cleanup's, not this function's
            repository.delete(media_id)
        return record_processing(repository, media_id, result)

    monkeypatch.setattr(DynamoMediaRepository, "record_processing", deleted_first)

    # When the function processes the notification
    process_queue(pipeline)

    # Then nothing it wrote is left under media/, and no item was recreated
    assert objects_under(s3, bucket, f"media/{media.id}/") == []
    assert media_items.get(media.id) is None


def test_a_replaced_upload_is_processed_from_the_newer_ones_notification(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository
) -> None:
    # Given an item whose key was uploaded twice before any processing (the presigned POST was sent twice)
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", 0)
    upload(s3, bucket, media, jpeg((400, 300)))
    upload(s3, bucket, media, jpeg((640, 480)))

    # When the function processes both notifications, in order
    records = process_queue(pipeline)

    # Then the item records the second upload (the first's read was refused by its ETag: If-Match)
    assert len(records) == 2
    ready = stored(media_items, media)
    assert (ready.state, ready.width, ready.height) == (MediaState.READY, 640, 480)
    assert ready.processed_etag == json.loads(records[1]["body"])["Records"][0]["s3"]["object"]["eTag"]


def test_s3s_test_event_is_ignored(pipeline: Pipeline, s3: Any, bucket: str, s3_calls: list[str]) -> None:
    # Given the test event S3 sends to the queue when a bucket's notification is configured again
    configuration = s3.get_bucket_notification_configuration(Bucket=bucket)
    configuration.pop("ResponseMetadata")
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=configuration)
    s3_calls.clear()

    # When the function receives it
    (record,) = process_queue(pipeline)

    # Then it was acknowledged without a single S3 call, and nothing failed
    assert json.loads(record["body"])["Event"] == "s3:TestEvent"
    assert s3_calls == []


# ---------------------------------------------------------------- retried


def test_an_upload_that_cannot_be_read_is_retried_then_dead_lettered(
    pipeline: Pipeline, s3: Any, bucket: str, media_items: DynamoMediaRepository
) -> None:
    # Given an upload whose object is gone by the time it is processed (S3 answers an error)
    data = jpeg((400, 300))
    media = asked_for(media_items, MediaKind.IMAGE, "image/jpeg", len(data))
    upload(s3, bucket, media, data)
    s3.delete_object(Bucket=bucket, Key=media.upload_key)
    queue_url = pipeline.queue_url_of(MEDIA_FUNCTION)

    # When the function receives its notification three times (the queue's maxReceiveCount), each time as
    # soon as the failed message is visible again
    failures = []
    for _ in range(3):
        (record,) = pipeline.receive(MEDIA_FUNCTION)
        failures.append(pipeline.consume(MEDIA_FUNCTION, [record]))
        pipeline.sqs.change_message_visibility(
            QueueUrl=queue_url, ReceiptHandle=record["receiptHandle"], VisibilityTimeout=0
        )

    # Then each delivery was reported failed, and the message then moved to the dead-letter queue
    assert failures == [[record["messageId"]]] * 3
    assert pipeline.receive(MEDIA_FUNCTION) == []
    redrive = json.loads(
        pipeline.sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["RedrivePolicy"])["Attributes"][
            "RedrivePolicy"
        ]
    )
    dead_letters = pipeline.sqs.receive_message(
        QueueUrl=pipeline.sqs.get_queue_url(QueueName=redrive["deadLetterTargetArn"].rsplit(":", 1)[1])["QueueUrl"]
    ).get("Messages", [])
    assert [message["Body"] for message in dead_letters] == [record["body"]]
    # And the item is still processing, as its owner sees it
    assert stored(media_items, media).state is MediaState.PROCESSING


# ---------------------------------------------------------------- the notification's shape


def test_keys_are_decoded_as_s3_encodes_them_and_only_created_objects_count() -> None:
    # Given S3's notification of a key with a space and a slash escaped, and of a deletion
    body = json.dumps(
        {
            "Records": [
                {"eventName": "ObjectCreated:Post", "s3": {"object": {"key": "uploads/7/a+b%2Bc", "eTag": "e1"}}},
                {"eventName": "ObjectRemoved:Delete", "s3": {"object": {"key": "uploads/7/9", "eTag": "e2"}}},
            ]
        }
    )

    # When its notices are read
    notices = upload_notices(body)

    # Then the created object's key is decoded (`+` is a space, `%2B` a plus), and the deletion is not a notice
    assert notices == [UploadNotice(key="uploads/7/a b+c", etag="e1")]
    assert upload_key(7, 9) == "uploads/7/9"


def test_refusals_are_counted_by_class() -> None:
    # Given reasons processing gives, Then each falls in its class
    assert rejection_class("The file is a PNG image, but it was uploaded as image/jpeg.") == "type"
    assert rejection_class("The image is truncated or corrupt.") == "corrupt"
    assert rejection_class("The file is 5.0 MB; at most 5 MB is allowed.") == "size"
    assert rejection_class("The GIF has more than 350 frames.") == "frames"
    assert rejection_class("The video is 200.0 seconds long; it must be 0.5 to 140 seconds.") == "duration"
    assert rejection_class("The image is 2x2 pixels; at least 4 on each side.") == "dimensions"
    assert rejection_class("The image declares more than 67,108,864 pixels (a decompression bomb); at most") == "bomb"
