"""The media routes through the API on moto, each request made as ApiFunction (its IAM policies enforced):
asking to upload answers a presigned S3 POST whose policy admits exactly the file declared (its key under the
caller's prefix, its exact size, its type), with which a client uploads as a browser does; a media's state for
its owner only; its alt text. Plus what the template grants the API for it: PutObject under uploads/ only."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from chirp.adapters.dynamodb.media import DynamoMediaRepository, MediaItem
from chirp.adapters.s3_uploads import S3UploadSigner
from chirp.media.models import MediaState, ProcessingResult, StoredVariant

from infra.local.iam.evaluator import PolicyEvaluator
from infra.local.iam.principal import Decision, Principal
from tests.integration.api_client import Account, Api, Reply, assert_error

MB = 1024 * 1024
MEDIA_BASE = "https://d111111abcdef8.cloudfront.net"  # MEDIA_DOMAIN in tests/integration/conftest.py


def ask(api: Api, account: Account, media_type: object = "image/jpeg", total_bytes: object = 1000) -> Reply:
    body = {"media_type": media_type, "total_bytes": total_bytes}
    return api.post("/api/media", json_body=body, token=account.access_token)


def asked(api: Api, account: Account, media_type: str = "image/jpeg", total_bytes: int = 1000) -> dict[str, Any]:
    reply = ask(api, account, media_type, total_bytes)
    assert reply.status == 201, reply.body
    created: dict[str, Any] = reply.json()["data"]
    return created


def policy_of(upload: dict[str, Any]) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(base64.b64decode(upload["fields"]["policy"]))
    return policy


def utc(text: str, layout: str) -> datetime:
    return datetime.strptime(text, layout).replace(tzinfo=UTC)


# ---------------------------------------------------------------- asking to upload


def test_asking_to_upload_answers_201_with_the_media_and_a_presigned_post(
    api: Api, alice: Account, aws: dict[str, str]
) -> None:
    # When
    reply = ask(api, alice, "image/jpeg", 123_456)
    # Then the media, processing, forgotten in a day unless attached
    assert reply.status == 201, reply.body
    created = reply.json()["data"]
    assert set(created) == {"media_id", "media_key", "state", "expires_after_secs", "upload"}
    assert created["media_id"].isdigit()
    assert created["media_key"] == f"3_{created['media_id']}"
    assert (created["state"], created["expires_after_secs"]) == ("processing", 86_400)
    # And a POST to the bucket's regional, virtual-hosted endpoint, with the form's fields
    upload = created["upload"]
    assert set(upload) == {"url", "fields", "expires_at"}
    assert upload["url"] == f"https://{aws['MEDIA_BUCKET']}.s3.us-east-1.amazonaws.com/"
    assert set(upload["fields"]) == {
        "key",
        "Content-Type",
        "policy",
        "x-amz-algorithm",
        "x-amz-credential",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-signature",
    }
    assert upload["fields"]["key"] == f"uploads/{alice.id}/{created['media_id']}"
    assert upload["fields"]["Content-Type"] == "image/jpeg"


def test_the_policy_admits_exactly_the_declared_file_at_the_callers_key_for_15_minutes(
    api: Api, alice: Account, aws: dict[str, str]
) -> None:
    # Given the moment it is asked for
    before = datetime.now(UTC).replace(microsecond=0)
    # When
    created = asked(api, alice, "video/mp4", 40 * MB)
    # Then its policy's conditions are exactly: the type, the exact size, the bucket, the exact key, and the
    # signature's (the session token included: Lambda's role credentials carry one)
    upload = created["upload"]
    fields, policy = upload["fields"], policy_of(upload)
    assert policy["conditions"] == [
        {"Content-Type": "video/mp4"},
        ["content-length-range", 40 * MB, 40 * MB],
        {"bucket": aws["MEDIA_BUCKET"]},
        {"key": f"uploads/{alice.id}/{created['media_id']}"},
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": fields["x-amz-credential"]},
        {"x-amz-date": fields["x-amz-date"]},
        {"x-amz-security-token": aws["AWS_SESSION_TOKEN"]},
    ]
    assert fields["x-amz-security-token"] == aws["AWS_SESSION_TOKEN"]
    assert fields["x-amz-credential"].endswith("/us-east-1/s3/aws4_request")
    # And it expires 15 minutes after it was signed
    expiration = utc(policy["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    assert 15 * 60 <= (expiration - before).total_seconds() <= 15 * 60 + 5


def test_a_browser_like_multipart_post_with_it_uploads_the_file(api: Api, alice: Account, aws: dict[str, str]) -> None:
    # Given an upload asked for a 2 KB PNG
    data = b"\x89PNG\r\n\x1a\n" + bytes(2040)
    created = asked(api, alice, "image/png", len(data))
    upload = created["upload"]
    # When the client POSTs the form: every field as given, then the file, last
    response = requests.post(
        upload["url"], data=upload["fields"], files={"file": ("dog.png", data, "image/png")}, timeout=10
    )
    # Then S3 (moto) takes it, at the caller's key, with the declared type
    assert response.status_code == 204, response.text
    stored = boto3.client("s3").get_object(Bucket=aws["MEDIA_BUCKET"], Key=upload["fields"]["key"])
    assert (stored["ContentType"], stored["Body"].read()) == ("image/png", data)
    # And the media stays processing until the media function has processed it
    state = api.get(f"/api/media/{created['media_id']}", token=alice.access_token).json()["data"]["state"]
    assert state == "processing"


@pytest.mark.parametrize(
    ("media_type", "limit", "named"),
    [
        ("image/jpeg", 5 * MB, "an image may be 1 to 5,242,880 bytes (5 MB)"),
        ("image/png", 5 * MB, "an image may be 1 to 5,242,880 bytes (5 MB)"),
        ("image/webp", 5 * MB, "an image may be 1 to 5,242,880 bytes (5 MB)"),
        ("image/gif", 15 * MB, "a GIF may be 1 to 15,728,640 bytes (15 MB)"),
        ("video/mp4", 512 * MB, "a video may be 1 to 536,870,912 bytes (512 MB)"),
        ("video/quicktime", 512 * MB, "a video may be 1 to 536,870,912 bytes (512 MB)"),
    ],
)
def test_each_type_takes_up_to_its_kinds_limit_and_a_byte_more_is_a_422_saying_the_limit(
    api: Api, alice: Account, media_type: str, limit: int, named: str
) -> None:
    # When
    at_limit, over = ask(api, alice, media_type, limit), ask(api, alice, media_type, limit + 1)
    # Then
    assert at_limit.status == 201, at_limit.body
    assert at_limit.json()["data"]["upload"]["fields"]["Content-Type"] == media_type
    assert_error(over, 422, "invalid_input", "total_bytes", named)


def test_an_empty_file_is_refused(api: Api, alice: Account) -> None:
    assert_error(ask(api, alice, "image/png", 0), 422, "invalid_input", "total_bytes")


@pytest.mark.parametrize("media_type", ["image/svg+xml", "text/html", "application/pdf", "image/heic"])
def test_a_type_that_is_not_accepted_is_a_422_naming_the_accepted_types(
    api: Api, alice: Account, media_type: str
) -> None:
    # When
    reply = ask(api, alice, media_type, 1000)
    # Then 422, a field breaking a rule, not 415 (this API's 415 is for a body that is not JSON)
    assert_error(reply, 422, "invalid_input", "media_type", media_type, "image/jpeg", "video/quicktime")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"media_type": "image/png", "total_bytes": "10"}, "total_bytes"),
        ({"media_type": "image/png", "total_bytes": 10.0}, "total_bytes"),
        ({"media_type": "image/png", "total_bytes": True}, "total_bytes"),
        ({"media_type": 3, "total_bytes": 10}, "media_type"),
        ({"total_bytes": 10}, "media_type"),
        ({"media_type": "image/png", "total_bytes": 10, "media_category": "tweet_image"}, "media_category"),
    ],
)
def test_a_body_of_the_wrong_shape_is_a_422_naming_the_field(
    api: Api, alice: Account, body: dict[str, Any], field: str
) -> None:
    reply = api.post("/api/media", json_body=body, token=alice.access_token)
    assert_error(reply, 422, "invalid_input", field)


def test_malformed_json_is_a_400_and_no_token_a_401(api: Api, alice: Account) -> None:
    malformed = api.post(
        "/api/media",
        raw_body=b'{"media_type": ',
        headers={"content-type": "application/json"},
        token=alice.access_token,
    )
    assert_error(malformed, 400, "malformed_request")
    anonymous = api.post("/api/media", json_body={"media_type": "image/png", "total_bytes": 10})
    assert_error(anonymous, 401, "not_authenticated")


# ---------------------------------------------------------------- a media's state


def test_the_owner_reads_a_media_being_processed(api: Api, alice: Account) -> None:
    # Given
    created = asked(api, alice, "image/gif", 10 * MB)
    # When
    reply = api.get(f"/api/media/{created['media_id']}", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json() == {
        "data": {
            "media_id": created["media_id"],
            "media_key": f"16_{created['media_id']}",
            "type": "animated_gif",
            "state": "processing",
            "url": None,
            "preview_image_url": None,
            "width": None,
            "height": None,
            "duration_ms": None,
            "alt_text": "",
            "variants": [],
        }
    }


def test_a_ready_media_answers_its_variants_under_the_media_domain(api: Api, alice: Account) -> None:
    # Given a photo the media function has processed
    media_id = int(asked(api, alice, "image/jpeg", 3 * MB)["media_id"])
    variants = tuple(
        StoredVariant(name, f"media/{media_id}/{name}.webp", "image/webp", side, side * 3 // 4)
        for name, side in (("thumb", 150), ("small", 680), ("medium", 1200), ("large", 2048))
    )
    result = ProcessingResult(etag='"e1"', state=MediaState.READY, width=4000, height=3000, variants=variants)
    assert DynamoMediaRepository().record_processing(media_id, result)
    # When
    reply = api.get(f"/api/media/{media_id}", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    body = reply.json()["data"]
    assert (body["state"], body["width"], body["height"]) == ("ready", 4000, 3000)
    assert body["url"] == f"{MEDIA_BASE}/media/{media_id}/medium.webp"
    assert body["preview_image_url"] == f"{MEDIA_BASE}/media/{media_id}/thumb.webp"
    assert [variant["url"] for variant in body["variants"]] == [
        f"{MEDIA_BASE}/media/{media_id}/{name}.webp" for name in ("thumb", "small", "medium", "large")
    ]
    assert "reason" not in body


def test_a_failed_media_answers_the_reason(api: Api, alice: Account) -> None:
    # Given
    media_id = int(asked(api, alice, "image/png", 500)["media_id"])
    reason = "The file is an HTML document, not a PNG image."
    DynamoMediaRepository().record_processing(media_id, ProcessingResult('"e"', MediaState.FAILED, reason=reason))
    # When
    body = api.get(f"/api/media/{media_id}", token=alice.access_token).json()["data"]
    # Then
    assert (body["state"], body["reason"], body["variants"], body["url"]) == ("failed", reason, [], None)


def test_anyone_but_the_owner_gets_404_as_for_a_media_that_does_not_exist(
    api: Api, alice: Account, bob: Account
) -> None:
    # Given
    media_id = asked(api, alice)["media_id"]
    # When
    strangers = api.get(f"/api/media/{media_id}", token=bob.access_token)
    missing = api.get(f"/api/media/{int(media_id) + 1}", token=alice.access_token)
    # Then
    assert_error(strangers, 404, "not_found", media_id)
    assert_error(missing, 404, "not_found")


@pytest.mark.parametrize("bad", ["abc", "0", "-1", "99999999999999999999"])
def test_a_media_id_that_is_not_an_id_is_a_400(api: Api, alice: Account, bad: str) -> None:
    assert_error(api.get(f"/api/media/{bad}", token=alice.access_token), 400, "malformed_request", "mediaId")
    patched = api.patch(f"/api/media/{bad}", json_body={"alt_text": "x"}, token=alice.access_token)
    assert_error(patched, 400, "malformed_request", "mediaId")


# ---------------------------------------------------------------- alt text


def test_the_owner_sets_the_alt_text_and_reads_it_back(api: Api, alice: Account) -> None:
    # Given
    media_id = asked(api, alice)["media_id"]
    # When
    reply = api.patch(f"/api/media/{media_id}", json_body={"alt_text": "A dog on a beach"}, token=alice.access_token)
    # Then the answer is the media with its alt text, and so is a later read
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["alt_text"] == "A dog on a beach"
    assert reply.json()["data"]["media_id"] == media_id
    read = api.get(f"/api/media/{media_id}", token=alice.access_token).json()["data"]
    assert read == reply.json()["data"]


def test_alt_text_of_1000_characters_is_taken_1001_is_a_422_and_empty_removes_it(api: Api, alice: Account) -> None:
    # Given
    media_id = asked(api, alice)["media_id"]
    path = f"/api/media/{media_id}"
    # When
    longest = api.patch(path, json_body={"alt_text": "é" * 1000}, token=alice.access_token)
    too_long = api.patch(path, json_body={"alt_text": "é" * 1001}, token=alice.access_token)
    kept = api.get(path, token=alice.access_token).json()["data"]["alt_text"]
    removed = api.patch(path, json_body={"alt_text": ""}, token=alice.access_token)
    # Then
    assert longest.status == 200, longest.body
    assert_error(too_long, 422, "invalid_input", "alt_text", "1,000")
    assert kept == "é" * 1000
    assert removed.status == 200, removed.body
    assert removed.json()["data"]["alt_text"] == ""


def test_a_stranger_cannot_set_the_alt_text(api: Api, alice: Account, bob: Account) -> None:
    # Given
    media_id = asked(api, alice)["media_id"]
    # When
    reply = api.patch(f"/api/media/{media_id}", json_body={"alt_text": "mine"}, token=bob.access_token)
    # Then
    assert_error(reply, 404, "not_found")
    assert api.get(f"/api/media/{media_id}", token=alice.access_token).json()["data"]["alt_text"] == ""


def test_once_attached_the_alt_text_is_a_409(api: Api, alice: Account) -> None:
    # Given a media a tweet took
    media_id = asked(api, alice)["media_id"]
    MediaItem(media_id=int(media_id)).update(
        actions=[MediaItem.attached_to.set("tweet:42"), MediaItem.expires_at.remove()]
    )
    # When
    reply = api.patch(f"/api/media/{media_id}", json_body={"alt_text": "changed"}, token=alice.access_token)
    # Then
    assert_error(reply, 409, "media_attached", "a tweet")


def test_alt_text_must_be_a_string(api: Api, alice: Account) -> None:
    media_id = asked(api, alice)["media_id"]
    reply = api.patch(f"/api/media/{media_id}", json_body={"alt_text": None}, token=alice.access_token)
    assert_error(reply, 422, "invalid_input", "alt_text")


# ---------------------------------------------------------------- the signer and the API's grant


def test_with_a_configured_endpoint_the_post_is_path_style_on_it(
    monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]
) -> None:
    # Given the local runtime's kind of endpoint for S3
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://localhost:4566")
    # When
    post = S3UploadSigner(aws["MEDIA_BUCKET"]).presign_post("uploads/1/2", "image/png", 10, 900)
    # Then the bucket is in the path (`<bucket>.localhost` does not resolve everywhere)
    assert post.url == f"http://localhost:4566/{aws['MEDIA_BUCKET']}"


def test_the_template_lets_the_api_put_objects_under_uploads_and_nowhere_else(
    iam_principals: dict[str, Principal], aws: dict[str, str]
) -> None:
    # Given the API's role as the template gives it (a presigned POST is authorised by its signer's permission)
    api = PolicyEvaluator(iam_principals["ApiFunction"].policies, iam_principals["ApiFunction"].boundary)
    bucket = f"arn:aws:s3:::{aws['MEDIA_BUCKET']}"
    # Then it may put an upload, and not a variant, nor read or delete anything
    assert api.decide("s3:PutObject", f"{bucket}/uploads/123/456") is Decision.ALLOWED
    assert api.decide("s3:PutObject", f"{bucket}/media/456/medium.webp") is Decision.IMPLICIT_DENY
    assert api.decide("s3:PutObject", f"{bucket}/elsewhere") is Decision.IMPLICIT_DENY
    assert api.decide("s3:GetObject", f"{bucket}/uploads/123/456") is Decision.IMPLICIT_DENY
    assert api.decide("s3:DeleteObject", f"{bucket}/uploads/123/456") is Decision.IMPLICIT_DENY


def test_the_policys_expiration_is_the_answers_within_a_second(api: Api, alice: Account) -> None:
    # When
    upload = asked(api, alice)["upload"]
    # Then the answer's expires_at is the policy's, to the second, never later
    expiration = utc(policy_of(upload)["expiration"], "%Y-%m-%dT%H:%M:%SZ")
    told = utc(upload["expires_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert 0 <= (expiration - told).total_seconds() <= 1
    assert told.timestamp() > time.time() + 14 * 60
