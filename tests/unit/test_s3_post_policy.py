"""The local S3's checks of a browser upload (`infra.local.s3.post_policy`, `infra.local.s3.post_form`): every
condition kind, field coverage, expiry, the size range and both signature versions, each refusal with S3's own
status, code and message. Forms come from boto3's `generate_presigned_post` (no request is sent) or are made
here; multipart bodies are encoded by `requests`, as a browser's FormData would be."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.config import Config

from infra.local.s3.errors import S3Error
from infra.local.s3.post_form import form_boundary, read_post_form
from infra.local.s3.post_policy import (
    MAX_POST_OBJECT_BYTES,
    PostForm,
    SizeRange,
    check_post,
    check_post_fields,
    parse_policy,
)

BUCKET = "media-bucket"
CREDENTIALS = {"chirplocal": "chirplocal-secret"}
NOW = datetime.now(UTC)


def presigned(signature_version: str = "s3v4", secret: str = "chirplocal-secret", **arguments: Any) -> dict[str, str]:
    """The fields of a presigned POST, signed as boto3 signs them (nothing is sent)."""
    client = boto3.client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        region_name="us-east-1",
        aws_access_key_id="chirplocal",
        aws_secret_access_key=secret,
        config=Config(signature_version=signature_version),
    )
    post = client.generate_presigned_post(Bucket=BUCKET, **arguments)
    return dict(post["fields"])


def image_post(**fields: str) -> dict[str, str]:
    """A presigned POST of exactly 5 bytes of image/png at uploads/1/2, as the media API makes them."""
    signed = presigned(
        Key="uploads/1/2",
        Fields={"Content-Type": "image/png"},
        Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 5, 5]],
    )
    return {**signed, **fields}


def form(fields: dict[str, str], size: int = 5, file_name: str | None = "photo.png") -> PostForm:
    return PostForm(tuple(fields.items()), file_name, size)


def refusal(
    fields: dict[str, str],
    size: int = 5,
    bucket: str = BUCKET,
    file_name: str | None = "photo.png",
    now: datetime = NOW,
) -> S3Error:
    with pytest.raises(S3Error) as raised:
        check_post(form(fields, size, file_name), bucket, CREDENTIALS, now)
    return raised.value


def signed_v4(policy: dict[str, Any], **fields: str) -> dict[str, str]:
    """Fields signed with SigV4 over a policy made here (the credential's date and region do not matter)."""
    encoded = base64.b64encode(json.dumps(policy).encode()).decode()
    key = b"AWS4chirplocal-secret"
    for part in ("20260101", "us-east-1", "s3", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    signature = hmac.new(key, encoded.encode(), hashlib.sha256).hexdigest()
    return {
        **fields,
        "x-amz-algorithm": "AWS4-HMAC-SHA256",
        "x-amz-credential": "chirplocal/20260101/us-east-1/s3/aws4_request",
        "x-amz-date": "20260101T000000Z",
        "policy": encoded,
        "x-amz-signature": signature,
    }


def signature_conditions() -> list[dict[str, str]]:
    return [
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": "chirplocal/20260101/us-east-1/s3/aws4_request"},
        {"x-amz-date": "20260101T000000Z"},
    ]


def in_an_hour() -> str:
    return (NOW + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------------- what S3 accepts
def test_a_boto3_sigv4_presigned_post_is_accepted_with_its_key_signer_and_size_range() -> None:
    # Given the fields boto3 signs (SigV4) for an exact key, a Content-Type and a size range
    fields = image_post()
    # When S3's checks run on them with a file of the allowed size
    accepted = check_post(form(fields), BUCKET, CREDENTIALS, NOW)
    # Then the upload is accepted for that key, signed by that key pair, within that range
    assert accepted.key == "uploads/1/2"
    assert accepted.access_key == "chirplocal"
    assert accepted.size_range == SizeRange(5, 5)


def test_a_boto3_sigv2_presigned_post_is_accepted() -> None:
    # Given a POST boto3 signs with Signature Version 2 (AWSAccessKeyId, signature)
    fields = presigned("s3", Key="uploads/1/2")
    assert "signature" in fields and "AWSAccessKeyId" in fields
    # When / Then its fields pass, AWSAccessKeyId and signature needing no condition
    assert check_post(form(fields), BUCKET, CREDENTIALS, NOW).key == "uploads/1/2"


def test_filename_variable_is_the_uploaded_files_name_and_starts_with_admits_it() -> None:
    # Given a key ending in ${filename} and a starts-with condition on the key
    fields = presigned(Key="uploads/1/${filename}", Conditions=[["starts-with", "$key", "uploads/1/"]])
    # When a file named cat.gif is posted
    accepted = check_post(form(fields, file_name="cat.gif"), BUCKET, CREDENTIALS, NOW)
    # Then the object key is the file's name under the prefix
    assert accepted.key == "uploads/1/cat.gif"


def test_field_names_match_conditions_case_insensitively() -> None:
    # Given a policy naming $Content-Type, and a form that sends the field as content-type
    fields = image_post()
    fields["content-type"] = fields.pop("Content-Type")
    # When / Then S3 matches the names regardless of case
    assert check_post(form(fields), BUCKET, CREDENTIALS, NOW).key == "uploads/1/2"


def test_starts_with_on_content_type_checks_each_comma_separated_type() -> None:
    # Given starts-with image/ on the Content-Type
    policy = {
        "expiration": in_an_hour(),
        "conditions": [{"key": "k"}, ["starts-with", "$Content-Type", "image/"], *signature_conditions()],
    }
    # When the form sends two image types, then one that is not
    both_images = signed_v4(policy, key="k", **{"Content-Type": "image/png, image/webp"})
    one_not = signed_v4(policy, key="k", **{"Content-Type": "image/png, text/html"})
    # Then the first passes and the second fails naming the condition
    assert check_post(form(both_images), BUCKET, CREDENTIALS, NOW).key == "k"
    assert refusal(one_not).message.endswith('["starts-with", "$Content-Type", "image/"]')


def test_x_ignore_fields_need_no_condition() -> None:
    # Given a form with an x-ignore- field the policy does not name
    fields = image_post(**{"x-ignore-tracking": "42"})
    # When / Then S3 ignores it
    assert check_post(form(fields), BUCKET, CREDENTIALS, NOW).key == "uploads/1/2"


def test_a_file_at_either_bound_of_the_range_is_accepted() -> None:
    # Given a range of 2 to 4 bytes
    fields = presigned(Key="k", Conditions=[["content-length-range", 2, 4]])
    # When / Then both bounds are inside it
    for size in (2, 4):
        assert check_post(form(fields, size=size), BUCKET, CREDENTIALS, NOW).key == "k"


# ---------------------------------------------------------------------- what S3 refuses
def test_a_different_content_type_fails_its_eq_condition_with_s3s_message() -> None:
    # Given the image POST, sent with another Content-Type
    error = refusal(image_post(**{"Content-Type": "text/html"}))
    # Then S3's 403 names the condition as the policy has it
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'


def test_a_different_key_fails_the_exact_key_condition() -> None:
    # When the form names another key than the one signed
    error = refusal(image_post(key="uploads/1/3"))
    # Then
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == 'Invalid according to Policy: Policy Condition failed: ["eq", "$key", "uploads/1/2"]'


def test_a_key_outside_the_prefix_fails_starts_with() -> None:
    # Given a starts-with condition on the key
    fields = presigned(Key="uploads/1/${filename}", Conditions=[["starts-with", "$key", "uploads/1/"]])
    # When the form's key leaves the prefix
    error = refusal({**fields, "key": "media/evil"})
    # Then
    assert (
        error.message == 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$key", "uploads/1/"]'
    )


def test_a_condition_on_a_field_the_form_lacks_fails_even_with_an_empty_prefix() -> None:
    # Given starts-with "" on Content-Type (anything) and a form without Content-Type
    policy = {
        "expiration": in_an_hour(),
        "conditions": [{"key": "k"}, ["starts-with", "$Content-Type", ""], *signature_conditions()],
    }
    # When / Then S3 requires the field itself
    error = refusal(signed_v4(policy, key="k"))
    assert error.message == 'Invalid according to Policy: Policy Condition failed: ["starts-with", "$Content-Type", ""]'


def test_the_bucket_condition_is_checked_against_the_requests_bucket() -> None:
    # Given a POST signed for media-bucket
    fields = image_post()
    # When it is posted to another bucket
    error = refusal(fields, bucket="other-bucket")
    # Then
    assert error.message == 'Invalid according to Policy: Policy Condition failed: ["eq", "$bucket", "media-bucket"]'


def test_a_field_no_condition_names_is_an_extra_input_field() -> None:
    # Given the image POST with an acl the policy does not allow for
    error = refusal(image_post(acl="public-read"))
    # Then S3 names the field, in lower case
    assert (error.status, error.code) == (403, "AccessDenied")
    assert error.message == "Invalid according to Policy: Extra input fields: acl"


def test_success_action_status_must_be_covered_too() -> None:
    # When the form asks for a 201 its policy does not name
    error = refusal(image_post(success_action_status="201"))
    # Then
    assert error.message == "Invalid according to Policy: Extra input fields: success_action_status"


def test_an_expired_policy_is_refused() -> None:
    # Given a POST that expired a second ago
    fields = presigned(Key="k", ExpiresIn=-1)
    # When it arrives (now, not when this module was imported: boto3 dates the policy from the clock)
    error = refusal(fields, now=datetime.now(UTC))
    # Then
    assert (error.status, error.code, error.message) == (
        403,
        "AccessDenied",
        "Invalid according to Policy: Policy expired.",
    )


def test_a_file_over_the_range_is_entity_too_large_with_the_sizes() -> None:
    # When 6 bytes are posted where 5 are allowed
    error = refusal(image_post(), size=6)
    # Then S3's 400 tells the proposed and the allowed size
    assert (error.status, error.code) == (400, "EntityTooLarge")
    assert error.message == "Your proposed upload exceeds the maximum allowed size"
    assert error.details == [("ProposedSize", "6"), ("MaxSizeAllowed", "5")]


def test_a_file_under_the_range_is_entity_too_small_with_the_sizes() -> None:
    # When 4 bytes are posted where 5 are required
    error = refusal(image_post(), size=4)
    # Then
    assert (error.status, error.code) == (400, "EntityTooSmall")
    assert error.message == "Your proposed upload is smaller than the minimum allowed size"
    assert error.details == [("ProposedSize", "4"), ("MinSizeAllowed", "5")]


def test_without_a_range_s3s_5_gb_post_limit_applies() -> None:
    # Given a POST with no content-length-range
    fields = presigned(Key="k")
    # When / Then 5 GB passes and a byte more does not
    assert check_post(form(fields, size=MAX_POST_OBJECT_BYTES), BUCKET, CREDENTIALS, NOW).key == "k"
    assert refusal(fields, size=MAX_POST_OBJECT_BYTES + 1).code == "EntityTooLarge"


def test_a_policy_signed_with_another_secret_does_not_match() -> None:
    # Given a POST signed with a secret this S3 does not have for the key
    fields = presigned(secret="not-the-secret", Key="k")
    # When / Then
    error = refusal(fields)
    assert (error.status, error.code) == (403, "SignatureDoesNotMatch")


def test_a_policy_changed_after_signing_does_not_match() -> None:
    # Given the image POST whose policy is rewritten to allow any size
    fields = image_post()
    policy = json.loads(base64.b64decode(fields["policy"]))
    policy["conditions"] = [c for c in policy["conditions"] if not isinstance(c, list)]
    fields["policy"] = base64.b64encode(json.dumps(policy).encode()).decode()
    # When / Then the signature no longer matches it
    assert refusal(fields, size=10**6).code == "SignatureDoesNotMatch"


def test_an_unknown_access_key_is_refused() -> None:
    # Given a POST signed by a key pair this S3 does not know
    fields = image_post(**{"x-amz-credential": "someoneelse/20260101/us-east-1/s3/aws4_request"})
    # When / Then
    error = refusal(fields)
    assert (error.status, error.code) == (403, "InvalidAccessKeyId")
    assert ("AWSAccessKeyId", "someoneelse") in error.details


def test_a_form_without_a_file_or_without_a_key_is_an_invalid_argument() -> None:
    # When the file, then the key, is missing
    no_file = refusal(image_post(), file_name=None)
    fields = image_post()
    del fields["key"]
    no_key = refusal(fields)
    # Then S3's 400s
    assert (no_file.status, no_file.code, no_file.message) == (
        400,
        "InvalidArgument",
        "POST requires exactly one file upload per request.",
    )
    assert (no_key.status, no_key.code) == (400, "InvalidArgument")
    assert no_key.message.startswith("Bucket POST must contain a field named 'key'.")


def test_a_policy_that_is_not_base64_json_is_an_invalid_policy_document() -> None:
    # Given a policy field that is not base64 JSON
    # When it is parsed
    with pytest.raises(S3Error) as raised:
        parse_policy("not a policy")
    # Then
    assert (raised.value.status, raised.value.code, raised.value.message) == (
        400,
        "InvalidPolicyDocument",
        "Invalid Policy: Invalid JSON.",
    )


def test_a_simple_condition_whose_value_is_not_a_string_is_invalid() -> None:
    # Given {"success_action_status": 201}: a number where S3 wants a string
    policy = {"expiration": in_an_hour(), "conditions": [{"success_action_status": 201}]}
    # When / Then
    with pytest.raises(S3Error) as raised:
        parse_policy(base64.b64encode(json.dumps(policy).encode()).decode())
    assert raised.value.message == "Invalid Policy: Invalid Simple-Condition: value must be a string."


def test_the_error_document_has_s3s_shape() -> None:
    # Given a size refusal
    error = refusal(image_post(), size=6)
    # When rendered
    root = ElementTree.fromstring(error.document("4442587FB7D0A2F9", "host-id"))
    # Then its elements are S3's, in S3's order
    assert root.tag == "Error"
    assert [child.tag for child in root] == ["Code", "Message", "ProposedSize", "MaxSizeAllowed", "RequestId", "HostId"]
    assert root.findtext("Code") == "EntityTooLarge"


# ---------------------------------------------------------------------- reading the multipart form
def multipart(fields: dict[str, str], file_bytes: bytes, after: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A browser's FormData body: the fields, then the file, then `after` (which S3 ignores)."""
    parts: list[tuple[str, Any]] = [(name, (None, value)) for name, value in fields.items()]
    parts.append(("file", ("photo.png", file_bytes, "image/png")))
    parts += [(name, (None, value)) for name, value in (after or {}).items()]
    prepared = requests.Request("POST", "http://127.0.0.1/", files=parts).prepare()
    assert isinstance(prepared.body, bytes)
    return prepared.body, str(prepared.headers["Content-Type"])


def read(body: bytes, content_type: str, on_file: Any = lambda _form: 10**9) -> tuple[PostForm, bytes]:
    boundary = form_boundary(content_type)
    assert boundary is not None
    stream, spool = io.BytesIO(body), io.BytesIO()
    return read_post_form(stream.read, boundary, spool, on_file), spool.getvalue()


def test_the_form_reader_yields_the_fields_the_file_size_and_spools_the_body_unchanged() -> None:
    # Given a browser's body: two fields, a 300 KiB file, then a field after it
    body, content_type = multipart({"key": "k", "Content-Type": "image/png"}, b"x" * 300_000, after={"acl": "x"})
    # When it is read
    form_read, spooled = read(body, content_type)
    # Then the fields before the file, the file's name and size; the field after it is ignored as S3 ignores it
    assert form_read.fields == (("key", "k"), ("Content-Type", "image/png"))
    assert (form_read.file_name, form_read.file_size) == ("photo.png", 300_000)
    assert spooled == body


def test_the_form_reader_tells_the_fields_when_the_file_starts_and_stops_spooling_a_refused_one() -> None:
    # Given a body whose file is larger than what the caller will spool
    body, content_type = multipart({"key": "k"}, b"y" * 1_000_000)
    seen: list[PostForm] = []

    def refuse(form_so_far: PostForm) -> int:
        seen.append(form_so_far)
        return -1

    # When the caller refuses at the file's start
    form_read, spooled = read(body, content_type, refuse)
    # Then it saw the fields then, the whole body was still read (size counted), and little of it kept
    assert seen[0].fields == (("key", "k"),) and seen[0].file_size == 0
    assert form_read.file_size == 1_000_000
    assert len(spooled) < 300_000


def test_a_truncated_body_is_a_malformed_post_request() -> None:
    # Given a body cut before its closing boundary
    body, content_type = multipart({"key": "k"}, b"z" * 1000)
    # When / Then
    with pytest.raises(S3Error) as raised:
        read(body[:-20], content_type)
    assert (raised.value.status, raised.value.code) == (400, "MalformedPOSTRequest")


def test_the_fields_a_check_needs_are_all_known_before_the_file() -> None:
    # Given the image POST's fields, checked as the file starts (its size unknown yet)
    fields = image_post()
    # When / Then the field checks pass without the size, and the range comes back for the size check
    accepted = check_post_fields(form(fields, size=0), BUCKET, CREDENTIALS, NOW)
    assert accepted.size_range == SizeRange(5, 5)
