"""A CloudFront stand-in: a distribution's S3 cache behaviors, served on the runtime's API port.

For each `AWS::CloudFront::Distribution` of the template, each `CacheBehaviors` entry whose origin is a bucket
of the template (the origin's DomainName is the bucket's `RegionalDomainName` or `DomainName`) is served
locally: GET and HEAD of a path its PathPattern matches (`*` any characters, `?` one, the leading `/`
optional) answer the object whose key is the path without its leading `/`, with the object's Content-Type,
Content-Length, Cache-Control, ETag and Last-Modified, a 206 for a Range, a 304 for a matching
If-None-Match. `!GetAtt <Distribution>.DomainName` resolves to the API's `host:port`
(`infra.local.intrinsics`), so `http://<domain>/media/...` is fetched here.

What CloudFront would not serve is not served: a path no behavior matches never reaches the bucket; a method
the behavior does not allow is CloudFront's 403.

The default behavior: every distribution's domain is the API's port here, so only one distribution can own
the paths nobody else serves, the one in front of the API itself (an origin on the template's HTTP API's
execute-api domain, as the web client's is): its `DefaultCacheBehavior`, when its origin is a bucket, answers
GET and HEAD of a path the gateway does not serve otherwise (`serves_default`; the gateway also keeps its
routes, `/_local/...` and the WebSocket paths). A path under one of its behaviors whose origin is the API is
the API's. Its viewer-request function, `DefaultRootObject`, `Compress` and response headers policy apply as
CloudFront applies them (`infra.local.s3.cdn_viewer`); a behavior with a function the stand-in does not know
is not served. Another distribution's default behavior (the media one's) is not served.

The origin is private, reached through Origin Access Control, so what S3 answers CloudFront is what the
bucket's policy grants the principal `cloudfront.amazonaws.com` for this distribution (`aws:SourceArn`): an
object the policy does not let it read is S3's 403 AccessDenied, and a missing key is a 404 NoSuchKey only if
the policy lets CloudFront list the bucket, otherwise S3's 403 (S3 does not tell who cannot list a bucket
whether a key exists). CORS preflights (OPTIONS) are not served.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError
from moto.iam.access_control import IAMPolicy, PermissionResult

from infra.local.intrinsics import Resolver
from infra.local.provision import ProvisionedResource
from infra.local.s3.cdn_viewer import (
    accepts_gzip,
    compressible,
    gzipped,
    known_viewer_request_rule,
    security_headers,
    spa_uri,
    with_policy_headers,
)
from infra.local.s3.errors import S3Error, request_ids
from infra.local.template import Template

DISTRIBUTION_TYPE = "AWS::CloudFront::Distribution"
FUNCTION_TYPE = "AWS::CloudFront::Function"
RESPONSE_HEADERS_POLICY_TYPE = "AWS::CloudFront::ResponseHeadersPolicy"
HTTP_API_TYPES = ("AWS::Serverless::HttpApi", "AWS::ApiGatewayV2::Api")
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
    compress: bool = False
    viewer_request: str | None = None  # the rule of its viewer-request function (cdn_viewer), if any
    response_headers: tuple[tuple[str, str, bool], ...] = ()  # its response headers policy's
    default_root_object: str = ""  # the distribution's, for `/`

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

    def __init__(
        self,
        behaviors: list[CacheBehavior],
        access: Mapping[tuple[str, str], BucketAccess],
        s3: Any,
        default: CacheBehavior | None = None,
        api_patterns: tuple[str, ...] = (),
    ) -> None:
        self.behaviors = behaviors
        self.default = default  # the API's distribution's DefaultCacheBehavior, when its origin is a bucket
        self._api_behaviors = [CacheBehavior("", pattern, "", frozenset(), "") for pattern in api_patterns]
        self._access = access  # by (distribution id, bucket)
        self._s3 = s3

    def match(self, target: str) -> CacheBehavior | None:
        """The behavior serving `target` (path and query as requested), first in the template's order."""
        path = urlsplit(target).path
        return next((behavior for behavior in self.behaviors if behavior.matches(path)), None)

    def serves_default(self, method: str, target: str) -> bool:
        """Whether the default behavior answers a GET or HEAD of `target` that no behavior matches, outside the
        API's behaviors (the caller keeps what else the port serves)."""
        path = urlsplit(target).path
        return (
            self.default is not None
            and method.upper() in ("GET", "HEAD")
            and self.match(target) is None
            and not any(behavior.matches(path) for behavior in self._api_behaviors)
        )

    def respond(self, method: str, target: str, headers: Mapping[str, str]) -> CdnResponse:
        behavior = self.match(target) or self.default
        if behavior is None:
            raise ValueError(f"no behavior serves {target}")
        response = self._respond(behavior, method, target, headers)
        if behavior.compress and compressible(response.headers):
            if method.upper() == "GET" and response.status == 200 and accepts_gzip(headers):
                response.headers, data = gzipped(response.headers, response.body)
                response.body = iter((data,))
            elif not any(name.lower() == "vary" for name, _value in response.headers):
                response.headers.append(("Vary", "Accept-Encoding"))
        response.headers = with_policy_headers(response.headers, list(behavior.response_headers))
        return response

    def _respond(self, behavior: CacheBehavior, method: str, target: str, headers: Mapping[str, str]) -> CdnResponse:
        if method.upper() not in behavior.allowed_methods or method.upper() not in ("GET", "HEAD"):
            return CdnResponse(403, [("Content-Type", "text/plain"), ("Content-Length", str(len(_METHOD_NOT_ALLOWED)))],
                               iter((_METHOD_NOT_ALLOWED,)))  # fmt: skip
        path = urlsplit(target).path
        if behavior.viewer_request == "spa-rewrite":
            path = spa_uri(path)
        if path == "/" and behavior.default_root_object:
            path = f"/{behavior.default_root_object}"
        key = unquote(path[1:])
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
        if lowered.get(header):  # a weak ETag is one CloudFront gave a compressed answer: S3 knows the strong one
            arguments[argument] = lowered[header].replace("W/", "")
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
    default: CacheBehavior | None = None
    api_patterns: tuple[str, ...] = ()
    for resource in template.resources_of_type(DISTRIBUTION_TYPE):
        if resolver.is_included(resource.condition):
            served = distribution_behaviors(resource.logical_id, resolver, buckets_by_domain)
            behaviors += served.behaviors
            if default is None and served.default is not None:  # the first distribution in front of the API
                default, api_patterns = served.default, served.api_patterns
    if not behaviors and default is None:
        return None
    policies = bucket_policies(template, resolver)
    access = {
        (behavior.distribution_id, behavior.bucket): bucket_access(
            behavior.bucket, policies.get(behavior.bucket), behavior.source_arn, resolver.pseudo.account_id
        )
        for behavior in [*behaviors, *([default] if default is not None else [])]
    }
    return CloudFrontStandIn(behaviors, access, s3, default, api_patterns)


@dataclass(frozen=True)
class ServedBehaviors:
    """What the stand-in serves of one distribution."""

    behaviors: list[CacheBehavior]  # its CacheBehaviors on a bucket origin
    default: CacheBehavior | None = None  # its DefaultCacheBehavior, when it fronts the API and its origin is a bucket
    api_patterns: tuple[str, ...] = ()  # the PathPatterns of its behaviors on the API


def distribution_behaviors(
    logical_id: str, resolver: Resolver, buckets_by_domain: Mapping[str, str]
) -> ServedBehaviors:
    resource = resolver.template.resources[logical_id]
    config = resolver.resolve(resource.properties.get("DistributionConfig") or {})
    if not isinstance(config, dict) or str(config.get("Enabled", True)).lower() == "false":
        return ServedBehaviors([])
    origins = {
        str(origin.get("Id")): buckets_by_domain[str(origin.get("DomainName"))]
        for origin in config.get("Origins") or []
        if str(origin.get("DomainName")) in buckets_by_domain
    }
    api_domains = _http_api_domains(resolver)
    api_origins = {
        str(origin.get("Id"))
        for origin in config.get("Origins") or []
        if str(origin.get("DomainName")).startswith(api_domains)
    }
    pseudo = resolver.pseudo
    source_arn = (
        f"arn:{pseudo.partition}:cloudfront::{pseudo.account_id}:distribution/{resolver.placeholder_ref(logical_id)}"
    )
    functions = _function_rules(resolver)
    headers_policies = _response_headers_policies(resolver)

    def served(behavior: dict[str, Any], pattern: str) -> CacheBehavior | None:
        rules = [
            functions.get(str(association.get("FunctionARN")))
            for association in behavior.get("FunctionAssociations") or []
            if association.get("EventType") == "viewer-request"
        ]
        if any(rule is None for rule in rules):
            _log(f"{logical_id} {pattern}: its viewer-request function is not emulated locally; not served")
            return None
        return CacheBehavior(
            distribution_id=logical_id,
            path_pattern=pattern,
            bucket=origins[str(behavior.get("TargetOriginId"))],
            allowed_methods=frozenset(
                str(method).upper() for method in behavior.get("AllowedMethods") or ("GET", "HEAD")
            ),
            source_arn=source_arn,
            compress=str(behavior.get("Compress", False)).lower() == "true",
            viewer_request=rules[0] if rules else None,
            response_headers=headers_policies.get(str(behavior.get("ResponseHeadersPolicyId")), ()),
            default_root_object=str(config.get("DefaultRootObject") or "") if pattern == "*" else "",
        )

    behaviors = config.get("CacheBehaviors") or []
    on_buckets = [
        served(behavior, str(behavior["PathPattern"]))
        for behavior in behaviors
        if str(behavior.get("TargetOriginId")) in origins
    ]
    default_config = config.get("DefaultCacheBehavior") or {}
    default = None
    if api_origins and str(default_config.get("TargetOriginId")) in origins:
        default = served(default_config, "*")
    return ServedBehaviors(
        [behavior for behavior in on_buckets if behavior is not None],
        default,
        tuple(str(b["PathPattern"]) for b in behaviors if str(b.get("TargetOriginId")) in api_origins),
    )


def _http_api_domains(resolver: Resolver) -> tuple[str, ...]:
    """`<api id>.execute-api.`: how a CloudFront origin names an HTTP API of the template."""
    return tuple(
        f"{resolver.resolve({'Ref': resource.logical_id})}.execute-api."
        for api_type in HTTP_API_TYPES
        for resource in resolver.template.resources_of_type(api_type)
        if resolver.is_included(resource.condition)
        and str(resource.properties.get("ProtocolType", "HTTP")).upper() == "HTTP"
    )


def _function_rules(resolver: Resolver) -> dict[str, str | None]:
    """Each CloudFront Function's rule the stand-in applies (None: unknown), by the ARNs that name it."""
    rules: dict[str, str | None] = {}
    for resource in resolver.template.resources_of_type(FUNCTION_TYPE):
        code = resolver.resolve(resource.properties.get("FunctionCode") or "")
        rule = known_viewer_request_rule(str(code))
        for attribute in ("FunctionARN", "FunctionMetadata.FunctionARN"):
            rules[str(resolver.resolve({"Fn::GetAtt": [resource.logical_id, attribute]}))] = rule
    return rules


def _response_headers_policies(resolver: Resolver) -> dict[str, tuple[tuple[str, str, bool], ...]]:
    """Each response headers policy's headers, by the id that names it (`Ref`)."""
    policies: dict[str, tuple[tuple[str, str, bool], ...]] = {}
    for resource in resolver.template.resources_of_type(RESPONSE_HEADERS_POLICY_TYPE):
        config = resolver.resolve(resource.properties.get("ResponseHeadersPolicyConfig") or {})
        if isinstance(config, dict):
            policies[str(resolver.resolve({"Ref": resource.logical_id}))] = tuple(security_headers(config))
    return policies


def _log(message: str) -> None:
    print(f"[chirp-local] {message}", file=sys.stderr, flush=True)


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
