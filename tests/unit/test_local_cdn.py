"""The CloudFront stand-in (`infra.local.s3.cdn`): which paths a distribution serves from which bucket, what the
bucket's policy lets CloudFront read, and the answers for each case (the object's headers, S3's 403 and 404,
CloudFront's 403 for a method). The bucket is a stub of boto3's S3 client: no request is sent."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from infra.local.intrinsics import PseudoParameters, Resolver, ResourceOutputs, parameter_values
from infra.local.provision import skipped_resource_ids
from infra.local.s3.cdn import (
    BucketAccess,
    CacheBehavior,
    CloudFrontStandIn,
    bucket_access,
    cloudfront_stand_in,
)
from infra.local.template import Template, load_template_text

PSEUDO = PseudoParameters(region="us-east-1", account_id="123456789012", stack_name="cdn")
BUCKET = "cdn-mediabucket"
DISTRIBUTION_ARN = "arn:aws:cloudfront::123456789012:distribution/cdn-MediaDistribution"
OAC_POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/media/*",
            "Condition": {"StringEquals": {"AWS:SourceArn": DISTRIBUTION_ARN}},
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
    ]
}
TEMPLATE = """
Resources:
  MediaBucket:
    Type: AWS::S3::Bucket
  MediaBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref MediaBucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudfront.amazonaws.com}
            Action: s3:GetObject
            Resource: !Sub "${MediaBucket.Arn}/media/*"
            Condition:
              StringEquals:
                AWS:SourceArn:
                  !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${MediaDistribution}"
  MediaDistribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - {Id: bucket, DomainName: !GetAtt MediaBucket.RegionalDomainName}
          - {Id: site, DomainName: example.com}
        CacheBehaviors:
          - {PathPattern: media/*, TargetOriginId: bucket}
          - {PathPattern: /site/*, TargetOriginId: site}
        DefaultCacheBehavior: {TargetOriginId: bucket}
  OffDistribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: false
        Origins: [{Id: bucket, DomainName: !GetAtt MediaBucket.RegionalDomainName}]
        CacheBehaviors: [{PathPattern: off/*, TargetOriginId: bucket}]
        DefaultCacheBehavior: {TargetOriginId: bucket}
"""


class StubBody:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.closed = False

    def iter_chunks(self, size: int) -> Any:
        yield from (self.data[start : start + size] for start in range(0, len(self.data), size))

    def close(self) -> None:
        self.closed = True


class StubS3:
    """get_object / head_object over a dict of keys, answering as boto3 does (a ClientError for a missing key)."""

    def __init__(self, objects: dict[str, bytes]) -> None:
        self.objects = objects
        self.calls: list[dict[str, Any]] = []

    def _answer(self, key: str, status: int = 200) -> dict[str, Any]:
        if key not in self.objects:
            raise ClientError(
                {"Error": {"Code": "NoSuchKey", "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": 404}},
                "GetObject",
            )
        headers = {
            "content-type": "image/webp",
            "content-length": str(len(self.objects[key])),
            "etag": '"abc"',
            "last-modified": "Wed, 01 Jan 2026 00:00:00 GMT",
            "cache-control": "public, max-age=31536000, immutable",
            "x-amz-meta-secret": "not passed",
        }
        return {"ResponseMetadata": {"HTTPStatusCode": status, "HTTPHeaders": headers}}

    def get_object(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return {**self._answer(arguments["Key"]), "Body": StubBody(self.objects[arguments["Key"]])}

    def head_object(self, **arguments: Any) -> dict[str, Any]:
        self.calls.append(arguments)
        return self._answer(arguments["Key"])


def behavior(pattern: str = "media/*") -> CacheBehavior:
    return CacheBehavior("MediaDistribution", pattern, BUCKET, frozenset({"GET", "HEAD"}), DISTRIBUTION_ARN)


def stand_in(objects: dict[str, bytes], policy: dict[str, Any] = OAC_POLICY) -> tuple[CloudFrontStandIn, StubS3]:
    s3 = StubS3(objects)
    access = {("MediaDistribution", BUCKET): bucket_access(BUCKET, policy, DISTRIBUTION_ARN, PSEUDO.account_id)}
    return CloudFrontStandIn([behavior()], access, s3), s3


def body_of(response: Any) -> bytes:
    return b"".join(response.body)


# ---------------------------------------------------------------------- which paths
@pytest.mark.parametrize(
    ("pattern", "path", "served"),
    [
        ("media/*", "/media/1/thumb.webp", True),
        ("/media/*", "/media/1/thumb.webp", True),
        ("media/*", "/uploads/1/2", False),
        ("media/*", "/mediaX/1", False),
        ("media/*", "/Media/1", False),
        ("media/?.webp", "/media/1.webp", True),
        ("media/?.webp", "/media/12.webp", False),
        ("*.mp4", "/media/1/video.mp4", True),
    ],
)
def test_a_path_pattern_matches_as_cloudfronts_do(pattern: str, path: str, served: bool) -> None:
    # When / Then: `*` any characters, `?` one, case-sensitive, the leading slash optional
    assert behavior(pattern).matches(path) is served


def test_only_enabled_distributions_and_their_bucket_origins_are_served() -> None:
    # Given the template's bucket provisioned, and a distribution with a bucket origin and a web origin
    template = Template(load_template_text(TEMPLATE), base_dir=Path("."))
    placeholders = skipped_resource_ids(template)
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, placeholder_ids=placeholders)
    domain = f"{BUCKET}.s3.us-east-1.amazonaws.com"
    attributes = {"Arn": f"arn:aws:s3:::{BUCKET}", "RegionalDomainName": domain}
    resolver.outputs["MediaBucket"] = ResourceOutputs(BUCKET, attributes)
    # When the stand-in is built
    cdn = cloudfront_stand_in(template, resolver, {domain: BUCKET}, StubS3({}))
    # Then only media/* of the enabled distribution is served, from the bucket, with its ARN as the policy names it
    assert cdn is not None
    assert [(b.path_pattern, b.bucket, b.source_arn) for b in cdn.behaviors] == [("media/*", BUCKET, DISTRIBUTION_ARN)]
    assert cdn.match("/site/index.html") is None and cdn.match("/off/1") is None


# ---------------------------------------------------------------------- what the bucket policy grants
def test_the_oac_policy_lets_cloudfront_read_media_only_and_not_list() -> None:
    # Given the bucket policy the media design gives (OAC for this distribution, plus a TLS-only deny)
    access = bucket_access(BUCKET, OAC_POLICY, DISTRIBUTION_ARN, PSEUDO.account_id)
    # When / Then
    assert access.can_read("media/1/thumb.webp")
    assert not access.can_read("uploads/1/2")
    assert not access.can_list()


def test_a_policy_for_another_distribution_or_no_policy_grants_nothing() -> None:
    # When the policy names another distribution, or there is none
    other = bucket_access(BUCKET, OAC_POLICY, DISTRIBUTION_ARN.replace("MediaDistribution", "Other"), "123456789012")
    none = bucket_access(BUCKET, None, DISTRIBUTION_ARN, "123456789012")
    # Then CloudFront reads nothing (S3 would refuse it)
    assert not other.can_read("media/1/thumb.webp")
    assert not none.can_read("media/1/thumb.webp")
    assert BucketAccess(BUCKET, ()).can_read("media/x") is False


# ---------------------------------------------------------------------- the answers
def test_an_object_is_answered_with_its_headers_and_body_and_the_request_range_is_forwarded() -> None:
    # Given a variant in the bucket
    cdn, s3 = stand_in({"media/1/thumb.webp": b"RIFFwebp"})
    # When it is asked for with a Range and a condition
    response = cdn.respond("GET", "/media/1/thumb.webp?v=2", {"Range": "bytes=0-3", "If-None-Match": '"old"'})
    # Then its headers (not its metadata), its body, and S3 asked with the same Range and condition
    headers = dict(response.headers)
    assert response.status == 200 and body_of(response) == b"RIFFwebp"
    assert headers["Content-Type"] == "image/webp" and headers["Cache-Control"].endswith("immutable")
    assert headers["ETag"] == '"abc"' and headers["Content-Length"] == "8"
    assert "x-amz-meta-secret" not in {name.lower() for name in headers}
    assert s3.calls[-1] == {"Bucket": BUCKET, "Key": "media/1/thumb.webp", "Range": "bytes=0-3", "IfNoneMatch": '"old"'}


def test_a_key_the_policy_does_not_grant_is_s3s_403_without_asking_the_bucket() -> None:
    # Given a behavior whose pattern is wider than the policy (everything), and an upload in the bucket
    s3 = StubS3({"uploads/1/2": b"raw"})
    access = {("MediaDistribution", BUCKET): bucket_access(BUCKET, OAC_POLICY, DISTRIBUTION_ARN, "123456789012")}
    cdn = CloudFrontStandIn([behavior("*")], access, s3)
    # When the upload is asked for
    response = cdn.respond("GET", "/uploads/1/2", {})
    # Then S3's AccessDenied, and the object was never read
    assert response.status == 403 and b"<Code>AccessDenied</Code>" in body_of(response)
    assert s3.calls == []


def test_a_missing_key_is_403_unless_the_policy_lets_cloudfront_list_the_bucket() -> None:
    # Given the OAC policy, then one that also grants ListBucket
    listing = {
        "Statement": [
            *OAC_POLICY["Statement"],
            {
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:ListBucket",
                "Resource": f"arn:aws:s3:::{BUCKET}",
            },
        ]
    }
    without, _ = stand_in({})
    with_list, _ = stand_in({}, listing)
    # When a missing key is asked for
    hidden = without.respond("GET", "/media/9/gone.webp", {})
    told = with_list.respond("GET", "/media/9/gone.webp", {})
    # Then S3 hides it from who cannot list, and tells who can
    assert hidden.status == 403 and b"AccessDenied" in body_of(hidden)
    assert told.status == 404 and b"<Code>NoSuchKey</Code>" in body_of(told)


def test_dot_segments_are_refused_before_any_read() -> None:
    # Given a path that climbs out of media/ (encoded, as a raw client could send it)
    cdn, s3 = stand_in({"uploads/1/2": b"raw"})
    # When / Then
    response = cdn.respond("GET", "/media/%2e%2e/uploads/1/2", {})
    assert response.status == 400 and s3.calls == []


def test_a_method_the_behavior_does_not_allow_is_cloudfronts_403() -> None:
    # Given GET and HEAD only
    cdn, s3 = stand_in({"media/1/a": b"x"})
    # When a PUT comes
    response = cdn.respond("PUT", "/media/1/a", {})
    # Then
    assert response.status == 403 and b"not configured to allow the HTTP request method" in body_of(response)
    assert s3.calls == []


def test_head_answers_the_headers_without_a_body() -> None:
    # Given a variant
    cdn, _ = stand_in({"media/1/a": b"12345"})
    # When
    response = cdn.respond("HEAD", "/media/1/a", {})
    # Then
    assert response.status == 200 and dict(response.headers)["Content-Length"] == "5"
    assert body_of(response) == b""


def test_an_unreachable_bucket_is_cloudfronts_502() -> None:
    # Given a bucket whose S3 does not answer
    class Unreachable(StubS3):
        def get_object(self, **arguments: Any) -> dict[str, Any]:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    access = {("MediaDistribution", BUCKET): bucket_access(BUCKET, OAC_POLICY, DISTRIBUTION_ARN, "123456789012")}
    cdn = CloudFrontStandIn([behavior()], access, Unreachable({}))
    # When a variant is asked for
    response = cdn.respond("GET", "/media/1/a", {})
    # Then the origin's failure is CloudFront's 502
    assert response.status == 502


# ---------------------------------------------------------------------- the default behavior (the web client)
WEB_BUCKET = "cdn-webbucket"
WEB_TEMPLATE = """
Resources:
  ChirpApi:
    Type: AWS::Serverless::HttpApi
  MediaBucket:
    Type: AWS::S3::Bucket
  WebBucket:
    Type: AWS::S3::Bucket
  WebBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref WebBucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudfront.amazonaws.com}
            Action: [s3:GetObject, s3:ListBucket]
            Resource: [!GetAtt WebBucket.Arn, !Sub "${WebBucket.Arn}/*"]
            Condition:
              StringEquals:
                AWS:SourceArn:
                  !Sub "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${WebDistribution}"
  SpaFunction:
    Type: AWS::CloudFront::Function
    Properties:
      FunctionCode: "// chirp:spa-rewrite\\nfunction handler(event) { return event.request; }"
  OtherFunction:
    Type: AWS::CloudFront::Function
    Properties:
      FunctionCode: "function handler(event) { return event.request; }"
  Headers:
    Type: AWS::CloudFront::ResponseHeadersPolicy
    Properties:
      ResponseHeadersPolicyConfig:
        SecurityHeadersConfig:
          ContentTypeOptions: {Override: true}
  MediaDistribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Origins: [{Id: media, DomainName: !GetAtt MediaBucket.RegionalDomainName}]
        CacheBehaviors: [{PathPattern: media/*, TargetOriginId: media}]
        DefaultCacheBehavior: {TargetOriginId: media}
  WebDistribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        DefaultRootObject: index.html
        Origins:
          - {Id: web, DomainName: !GetAtt WebBucket.RegionalDomainName}
          - {Id: api, DomainName: !Sub "${ChirpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
        CacheBehaviors: [{PathPattern: api/*, TargetOriginId: api, AllowedMethods: [GET, HEAD, POST]}]
        DefaultCacheBehavior:
          TargetOriginId: web
          Compress: true
          ResponseHeadersPolicyId: !Ref Headers
          FunctionAssociations: [{EventType: viewer-request, FunctionARN: !GetAtt SpaFunction.FunctionARN}]
"""
APP_JS = b"import {h} from './preact.js';\n" * 100


class WebS3(StubS3):
    """The web bucket's files with their types (the stub's answers are otherwise a media variant's)."""

    def _answer(self, key: str, status: int = 200) -> dict[str, Any]:
        answer = super()._answer(key, status)
        kind = "text/html; charset=utf-8" if key.endswith(".html") else "text/javascript; charset=utf-8"
        answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] = kind
        return answer


def web_stand_in(objects: dict[str, bytes], template_text: str = WEB_TEMPLATE) -> tuple[CloudFrontStandIn, WebS3]:
    template = Template(load_template_text(template_text), base_dir=Path("."))
    resolver = Resolver(
        template, parameter_values(template, {}), PSEUDO, placeholder_ids=skipped_resource_ids(template)
    )
    domains = {}
    for logical_id, bucket in (("MediaBucket", BUCKET), ("WebBucket", WEB_BUCKET)):
        domain = f"{bucket}.s3.us-east-1.amazonaws.com"
        attributes = {"Arn": f"arn:aws:s3:::{bucket}", "RegionalDomainName": domain}
        resolver.outputs[logical_id] = ResourceOutputs(bucket, attributes)
        domains[domain] = bucket
    s3 = WebS3(objects)
    cdn = cloudfront_stand_in(template, resolver, domains, s3)
    assert cdn is not None
    return cdn, s3


def test_the_default_behavior_served_is_the_one_of_the_distribution_in_front_of_the_api() -> None:
    # Given a media distribution and a web one (its default on a bucket, api/* on the HTTP API)
    cdn, _ = web_stand_in({})
    # Then the web distribution's default serves GET and HEAD of any path but the API's
    assert cdn.default is not None and cdn.default.bucket == WEB_BUCKET
    assert cdn.default.compress and cdn.default.viewer_request == "spa-rewrite"
    assert cdn.serves_default("GET", "/u/ada") and cdn.serves_default("HEAD", "/assets/app.js?v=1")
    assert not cdn.serves_default("GET", "/api/health") and not cdn.serves_default("GET", "/api/nope")
    assert not cdn.serves_default("POST", "/u/ada")
    # And media/* stays the media distribution's
    assert cdn.match("/media/1/a.webp") is not None and not cdn.serves_default("GET", "/media/1/a.webp")


def test_a_route_of_the_app_is_answered_with_the_index_and_a_file_with_itself() -> None:
    # Given the built app in the web bucket
    cdn, s3 = web_stand_in({"index.html": b"<!doctype html><title>Chirp</title>", "assets/app.js": APP_JS})
    # When a deep link, the root and a file are asked for
    deep = cdn.respond("GET", "/u/ada?tab=likes", {})
    root = cdn.respond("GET", "/", {})
    script = cdn.respond("GET", "/assets/app.js", {})
    # Then the two routes are index.html, the file itself, with the policy's header
    assert deep.status == root.status == script.status == 200
    assert body_of(deep) == body_of(root) == b"<!doctype html><title>Chirp</title>"
    assert body_of(script) == APP_JS and dict(script.headers)["X-Content-Type-Options"] == "nosniff"
    assert [call["Key"] for call in s3.calls] == ["index.html", "index.html", "assets/app.js"]


def test_a_missing_file_is_s3s_404_as_the_policy_lets_cloudfront_list() -> None:
    # Given an app without this file
    cdn, _ = web_stand_in({"index.html": b"<!doctype html>"})
    # When / Then
    response = cdn.respond("GET", "/assets/gone-123.js", {})
    assert response.status == 404 and b"NoSuchKey" in body_of(response)


def test_the_default_behavior_compresses_for_a_viewer_that_accepts_gzip() -> None:
    # Given a script of more than 1,000 bytes
    cdn, _ = web_stand_in({"assets/app.js": APP_JS})
    # When it is asked for with and without gzip, and with HEAD
    zipped = cdn.respond("GET", "/assets/app.js", {"Accept-Encoding": "gzip, br"})
    plain = cdn.respond("GET", "/assets/app.js", {})
    head = cdn.respond("HEAD", "/assets/app.js", {"Accept-Encoding": "gzip"})
    # Then the first is gzipped, each says it varies by Accept-Encoding
    assert gzip.decompress(body_of(zipped)) == APP_JS and dict(zipped.headers)["Content-Encoding"] == "gzip"
    assert body_of(plain) == APP_JS and "Content-Encoding" not in dict(plain.headers)
    assert (
        dict(plain.headers)["Vary"] == dict(zipped.headers)["Vary"] == dict(head.headers)["Vary"] == "Accept-Encoding"
    )


def test_a_default_behavior_with_a_function_the_stand_in_does_not_know_is_not_served() -> None:
    # Given the web distribution's function replaced by one the stand-in cannot run
    template_text = WEB_TEMPLATE.replace("!GetAtt SpaFunction.FunctionARN", "!GetAtt OtherFunction.FunctionARN")
    # When the stand-in is built
    cdn, _ = web_stand_in({}, template_text)
    # Then only media/* is served: answering without the function would answer what CloudFront would not
    assert cdn.default is None and not cdn.serves_default("GET", "/u/ada")
