"""A CloudFront stand-in: a distribution's S3 cache behaviors, served on the runtime's API port.

For each `AWS::CloudFront::Distribution` of the template, each `CacheBehaviors` entry whose origin is a bucket
of the template (the origin's DomainName is the bucket's `RegionalDomainName` or `DomainName`) is served
locally: GET and HEAD of a path its PathPattern matches (`*` any characters, `?` one, the leading `/`
optional) answer the object whose key is the path without its leading `/`, with the object's Content-Type,
Content-Length, Cache-Control, ETag and Last-Modified, a 206 for a Range, a 304 for a matching
If-None-Match. `!GetAtt <Distribution>.DomainName` resolves to the API's `host:port`
(`infra.local.intrinsics`), so `http://<domain>/media/...` is fetched here.

What CloudFront would not serve is not served: a path no behavior matches never reaches the bucket (the
default behavior is not emulated, as the API owns every other path of the port); a method the behavior
does not allow is CloudFront's 403. The origin is private, reached through Origin Access Control, so what
S3 answers CloudFront is what the bucket's policy grants the principal `cloudfront.amazonaws.com` for this
distribution (`aws:SourceArn`): an object the policy does not let it read is S3's 403 AccessDenied, and a
missing key is a 404 NoSuchKey only if the policy lets CloudFront list the bucket, otherwise S3's 403
(S3 does not tell who cannot list a bucket whether a key exists). CORS preflights (OPTIONS) are not served.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from moto.iam.access_control import IAMPolicy, PermissionResult

from infra.local.intrinsics import Resolver
from infra.local.provision import ProvisionedResource
from infra.local.s3.errors import S3Error, request_ids
from infra.local.template import Template

DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution"
CLOUDFRONT_PRINCIPAL = "cloudfront.amazonaws.com"
_PASSED_HEADERS = (
    "Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Cache-Control", "ETag", "Last-Modified",
    "Content-Encoding", "Content-Disposition", "Content-Language", "Expires",
)  # fmt: skip
_CHUNK = 256 * 1024
_METHOD_NOT_ALLOWED = (
    b"This distribution is not configured to allow the HTTP request method that was used for this request. "
    b"The distribution supports only cachable requests."
)


@dataclass(frozen=True)
class CacheBehavior:
    """One PathPattern of a distribution, served from a bucket."""

    distribution_id: str
    path_pattern: str
    bucket: str
    allowed_methods: frozenset[str]
    source_arn: str  # the distribution's ARN, as the bucket policy's aws:SourceArn names it

    def matches(self, path: str) -> bool:
        pattern = self.path_pattern if self.path_pattern.startswith("/") else f"/{self.path_pattern}"
        expression = "".join(".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)
        return re.fullmatch(expression, path, re.DOTALL) is not None


@dataclass(frozen=True)
class BucketAccess:
    """What a bucket's policy lets CloudFront do, for one distribution."""

    bucket: str
    statements: tuple[dict[str, Any], ...]  # those naming CloudFront whose conditions hold, without them

    def allows(self, action: str, resource: str) -> bool:
        if not self.statements:
            return False
        document = {"Version": "2012-10-17", "Statement": list(self.statements)}
        return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource) is PermissionResult.PERMITTED

    def can_read(self, key: str) -> bool:
        return self.allows("s3:GetObject", f"arn:aws:s3:::{self.bucket}/{key}")

    def can_list(self) -> bool:
        return self.allows("s3:ListBucket", f"arn:aws:s3:::{self.bucket}")


@dataclass
class CdnResponse:
    status: int
    headers: list[tuple[str, str]]
    body: Iterator[bytes] = field(default_factory=lambda: iter(()))


class CloudFrontStandIn:
    """Answers the paths the template's distributions serve from its buckets."""

    def __init__(self, behaviors: list[CacheBehavior], access: Mapping[tuple[str, str], BucketAccess], s3: Any) -> None:
        self.behaviors = behaviors
        self._access = access  # by (distribution id, bucket)
        self._s3 = s3

    def match(self, target: str) -> CacheBehavior | None:
        """The behavior serving `target` (path and query as requested), first in the template's order."""
        path = urlsplit(target).path
        return next((behavior for behavior in self.behaviors if behavior.matches(path)), None)

    def respond(self, method: str, target: str, headers: Mapping[str, str]) -> CdnResponse:
        behavior = self.match(target)
        if behavior is None:
            raise ValueError(f"no behavior serves {target}")
        if method.upper() not in behavior.allowed_methods or method.upper() not in ("GET", "HEAD"):
            return CdnResponse(403, [("Content-Type", "text/plain"), ("Content-Length", str(len(_METHOD_NOT_ALLOWED)))],
                               iter((_METHOD_NOT_ALLOWED,)))  # fmt: skip
        key = unquote(urlsplit(target).path[1:])
        access = self._access.get((behavior.distribution_id, behavior.bucket)) or BucketAccess(behavior.bucket, ())
        try:
            if any(segment in (".", "..") for segment in key.split("/")):
                raise S3Error(400, "InvalidURI", "Couldn't parse the specified URI.")
            if not access.can_read(key):
                raise S3Error(403, "AccessDenied", "Access Denied")
            return self._fetch(method.upper(), behavior.bucket, key, headers)
        except S3Error as error:
            return _error_response(error, method)
        except ClientError as error:
            return self._origin_error(error, key, access, method)
        except BotoCoreError as error:  # the bucket's S3 unreachable: CloudFront's 502
            message = f"CloudFront could not reach the origin: {error}".encode()
            return CdnResponse(
                502, [("Content-Type", "text/plain"), ("Content-Length", str(len(message)))], iter((message,))
            )

    def _fetch(self, method: str, bucket: str, key: str, headers: Mapping[str, str]) -> CdnResponse:
        arguments = {"Bucket": bucket, "Key": key, **_conditional_arguments(headers)}
        if method == "HEAD":
            answer = self._s3.head_object(**arguments)
            return CdnResponse(_status(answer), _passed_headers(answer))
        answer = self._s3.get_object(**arguments)
        return CdnResponse(_status(answer), _passed_headers(answer), _chunks(answer["Body"]))

    def _origin_error(self, error: ClientError, key: str, access: BucketAccess, method: str) -> CdnResponse:
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500))
        if status == 304:
            return CdnResponse(304, [item for item in _passed_headers(error.response) if item[0] != "Content-Length"])
        if status == 404:
            if not access.can_list():
                return _error_response(S3Error(403, "AccessDenied", "Access Denied"), method)
            return _error_response(
                S3Error(404, "NoSuchKey", "The specified key does not exist.", [("Key", key)]), method
            )
        code = str(error.response.get("Error", {}).get("Code", "InternalError"))
        message = str(error.response.get("Error", {}).get("Message", ""))
        response = _error_response(S3Error(status, code, message), method)
        content_range = _raw_headers(error.response).get("content-range")
        if content_range:
            response.headers.append(("Content-Range", content_range))
        return response


def _status(answer: Mapping[str, Any]) -> int:
    return int(answer["ResponseMetadata"]["HTTPStatusCode"])


def _raw_headers(answer: Mapping[str, Any]) -> dict[str, str]:
    return {name.lower(): value for name, value in answer.get("ResponseMetadata", {}).get("HTTPHeaders", {}).items()}


def _passed_headers(answer: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The object's headers CloudFront passes on, with its own mark of a cache miss."""
    raw = _raw_headers(answer)
    headers = [(name, raw[name.lower()]) for name in _PASSED_HEADERS if name.lower() in raw]
    return [*headers, ("X-Cache", "Miss from cloudfront")]


def _conditional_arguments(headers: Mapping[str, str]) -> dict[str, Any]:
    """The request's Range and conditions, as boto3 takes them (what CloudFront forwards to S3)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    arguments: dict[str, Any] = {}
    for header, argument in (("range", "Range"), ("if-none-match", "IfNoneMatch"), ("if-match", "IfMatch")):
        if lowered.get(header):
            arguments[argument] = lowered[header]
    for header, argument in (("if-modified-since", "IfModifiedSince"), ("if-unmodified-since", "IfUnmodifiedSince")):
        if lowered.get(header):
            with contextlib.suppress(TypeError, ValueError):  # a date S3 cannot read is ignored, as S3 ignores it
                arguments[argument] = parsedate_to_datetime(lowered[header])
    return arguments


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        yield from body.iter_chunks(_CHUNK)
    finally:
        body.close()


def _error_response(error: S3Error, method: str) -> CdnResponse:
    request_id, host_id = request_ids()
    document = b"" if method.upper() == "HEAD" else error.document(request_id, host_id)
    headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(document))),
               ("X-Cache", "Error from cloudfront")]  # fmt: skip
    return CdnResponse(error.status, headers, iter((document,)))


# ---------------------------------------------------------------------- from the template
def bucket_domains(provisioned: Iterable[ProvisionedResource]) -> dict[str, str]:
    """Each provisioned bucket's name by its domain names (what a CloudFront origin names it by)."""
    return {
        resource.outputs.attributes[attribute]: resource.outputs.ref
        for resource in provisioned
        if resource.type == "AWS::S3::Bucket"
        for attribute in ("DomainName", "RegionalDomainName")
        if attribute in resource.outputs.attributes
    }


def cloudfront_stand_in(
    template: Template, resolver: Resolver, buckets_by_domain: Mapping[str, str], s3: Any
) -> CloudFrontStandIn | None:
    """The stand-in for the template's distributions (None when none serves a bucket of the template).

    `buckets_by_domain`: each provisioned bucket's name by its DomainName and RegionalDomainName."""
    behaviors: list[CacheBehavior] = []
    for resource in template.resources_of_type(DISTRIBUTION_TYPE):
        if resolver.is_included(resource.condition):
            behaviors += distribution_behaviors(resource.logical_id, resolver, buckets_by_domain)
    if not behaviors:
        return None
    policies = bucket_policies(template, resolver)
    access = {
        (behavior.distribution_id, behavior.bucket): bucket_access(
            behavior.bucket, policies.get(behavior.bucket), behavior.source_arn, resolver.pseudo.account_id
        )
        for behavior in behaviors
    }
    return CloudFrontStandIn(behaviors, access, s3)


def distribution_behaviors(
    logical_id: str, resolver: Resolver, buckets_by_domain: Mapping[str, str]
) -> list[CacheBehavior]:
    resource = resolver.template.resources[logical_id]
    config = resolver.resolve(resource.properties.get("DistributionConfig") or {})
    if not isinstance(config, dict) or str(config.get("Enabled", True)).lower() == "false":
        return []
    origins = {
        str(origin.get("Id")): buckets_by_domain[str(origin.get("DomainName"))]
        for origin in config.get("Origins") or []
        if str(origin.get("DomainName")) in buckets_by_domain
    }
    pseudo = resolver.pseudo
    source_arn = (
        f"arn:{pseudo.partition}:cloudfront::{pseudo.account_id}:distribution/{resolver.placeholder_ref(logical_id)}"
    )
    return [
        CacheBehavior(
            distribution_id=logical_id,
            path_pattern=str(behavior["PathPattern"]),
            bucket=origins[str(behavior.get("TargetOriginId"))],
            allowed_methods=frozenset(
                str(method).upper() for method in behavior.get("AllowedMethods") or ("GET", "HEAD")
            ),
            source_arn=source_arn,
        )
        for behavior in config.get("CacheBehaviors") or []
        if str(behavior.get("TargetOriginId")) in origins
    ]


def bucket_policies(template: Template, resolver: Resolver) -> dict[str, dict[str, Any]]:
    """Each AWS::S3::BucketPolicy's document by bucket name."""
    policies: dict[str, dict[str, Any]] = {}
    for resource in template.resources_of_type("AWS::S3::BucketPolicy"):
        if resolver.is_included(resource.condition):
            properties = resolver.resolve(resource.properties)
            policies[str(properties["Bucket"])] = dict(properties.get("PolicyDocument") or {})
    return policies


def bucket_access(bucket: str, policy: dict[str, Any] | None, source_arn: str, account_id: str) -> BucketAccess:
    """The statements of the bucket's policy that apply to CloudFront reading for this distribution."""
    statements = (policy or {}).get("Statement") or []
    statements = statements if isinstance(statements, list) else [statements]
    context = {"aws:sourcearn": source_arn, "aws:sourceaccount": account_id, "aws:securetransport": "true"}
    applying = tuple(
        {key: value for key, value in statement.items() if key not in ("Principal", "Condition", "Sid")}
        for statement in statements
        if _names_cloudfront(statement.get("Principal")) and _conditions_hold(statement.get("Condition"), context)
    )
    return BucketAccess(bucket, applying)


def _names_cloudfront(principal: Any) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, dict):
        return False
    services = principal.get("Service")
    identities = principal.get("AWS")
    identities = [identities] if isinstance(identities, str) else list(identities or [])
    return (
        CLOUDFRONT_PRINCIPAL in ([services] if isinstance(services, str) else services or [])
        or "*" in identities
        or any("CloudFront Origin Access Identity" in str(identity) for identity in identities)
        or "CanonicalUser" in principal
    )


def _conditions_hold(condition: Any, context: Mapping[str, str]) -> bool:
    """Whether a statement's conditions hold for CloudFront's request (on aws:SourceArn, aws:SourceAccount and
    aws:SecureTransport; a condition on anything else is not known to hold: the statement does not count)."""
    for operator, tests in (condition or {}).items():
        base = operator.removesuffix("IfExists")
        for key, expected in tests.items():
            actual = context.get(key.lower())
            values = [str(value).lower() if base == "Bool" else str(value) for value in
                      ([expected] if not isinstance(expected, list) else expected)]  # fmt: skip
            if actual is None or not _operator_holds(base, actual, values):
                return False
    return True


def _operator_holds(operator: str, actual: str, values: list[str]) -> bool:
    if operator in ("StringEquals", "ArnEquals", "Bool"):
        return actual in values
    if operator in ("StringLike", "ArnLike"):
        return any(fnmatch.fnmatchcase(actual, value) for value in values)
    if operator in ("StringNotEquals", "ArnNotEquals"):
        return actual not in values
    if operator in ("StringNotLike", "ArnNotLike"):
        return not any(fnmatch.fnmatchcase(actual, value) for value in values)
    return False
