"""S3's CORS, evaluated from the bucket's CorsConfiguration the way S3 evaluates it.

The local S3 front answers CORS itself rather than trust the storage's own (SeaweedFS allows every origin,
whatever the bucket says): a browser page on an origin the template does not allow is refused locally as
it would be on AWS. S3's rules: the first rule whose AllowedOrigins match the Origin (each pattern may hold
one `*`), whose AllowedMethods hold the method and, for a preflight, whose AllowedHeaders match every
requested header (case-insensitively, one `*` each) applies. A preflight no rule allows is a 403
AccessForbidden; an actual request no rule allows gets no CORS headers (the browser refuses to read it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from infra.local.s3.errors import S3Error

_VARY = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"
_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted "
    "by the resource's CORS spec."
)


@dataclass(frozen=True)
class CorsRule:
    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...]
    allowed_headers: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age_seconds: int | None = None

    @classmethod
    def from_api(cls, rule: Mapping[str, Any]) -> CorsRule:
        """A rule in PutBucketCors's shape (AllowedOrigins, AllowedMethods, ..., MaxAgeSeconds)."""
        max_age = rule.get("MaxAgeSeconds")
        return cls(
            allowed_origins=tuple(str(origin) for origin in rule.get("AllowedOrigins") or ()),
            allowed_methods=tuple(str(method).upper() for method in rule.get("AllowedMethods") or ()),
            allowed_headers=tuple(str(header) for header in rule.get("AllowedHeaders") or ()),
            expose_headers=tuple(str(header) for header in rule.get("ExposeHeaders") or ()),
            max_age_seconds=None if max_age is None else int(max_age),
        )

    def allows(self, origin: str, method: str, request_headers: Iterable[str] = ()) -> bool:
        return (
            any(_wildcard_match(pattern, origin) for pattern in self.allowed_origins)
            and method.upper() in self.allowed_methods
            and all(
                any(_wildcard_match(pattern.lower(), header.lower()) for pattern in self.allowed_headers)
                for header in request_headers
            )
        )

    def headers(self, origin: str, request_headers: Sequence[str] = ()) -> list[tuple[str, str]]:
        """What S3 answers when this rule applies (request_headers: a preflight's requested headers)."""
        any_origin = "*" in self.allowed_origins
        headers = [
            ("Access-Control-Allow-Origin", "*" if any_origin else origin),
            ("Access-Control-Allow-Methods", ", ".join(self.allowed_methods)),
        ]
        if request_headers:
            headers.append(("Access-Control-Allow-Headers", ", ".join(header.lower() for header in request_headers)))
        if self.expose_headers:
            headers.append(("Access-Control-Expose-Headers", ", ".join(self.expose_headers)))
        if self.max_age_seconds is not None:
            headers.append(("Access-Control-Max-Age", str(self.max_age_seconds)))
        if not any_origin:
            headers.append(("Access-Control-Allow-Credentials", "true"))
        headers.append(("Vary", _VARY))
        return headers


def _wildcard_match(pattern: str, value: str) -> bool:
    return re.fullmatch(re.escape(pattern).replace(r"\*", ".*"), value, re.DOTALL) is not None


def cors_rules(rules: Iterable[Mapping[str, Any]]) -> tuple[CorsRule, ...]:
    return tuple(CorsRule.from_api(rule) for rule in rules)


def requested_headers(value: str | None) -> list[str]:
    """The header names of an Access-Control-Request-Headers value."""
    return [name.strip() for name in (value or "").split(",") if name.strip()]


def preflight_headers(
    rules: Sequence[CorsRule] | None, origin: str, method: str, request_headers: Sequence[str], on_object: bool
) -> list[tuple[str, str]]:
    """The headers of S3's 200 answer to a preflight, or S3Error 403 when no rule allows it."""
    details = [("Method", method.upper()), ("ResourceType", "OBJECT" if on_object else "BUCKET")]
    if not rules:
        raise S3Error(403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", details)
    for rule in rules:
        if rule.allows(origin, method, request_headers):
            return rule.headers(origin, request_headers)
    raise S3Error(403, "AccessForbidden", _NOT_ALLOWED, details)


def response_headers(rules: Sequence[CorsRule] | None, origin: str | None, method: str) -> list[tuple[str, str]]:
    """The CORS headers S3 adds to an actual (not preflight) request's answer; none when no rule applies."""
    if not origin or not rules:
        return []
    for rule in rules:
        if rule.allows(origin, method):
            return rule.headers(origin)
    return []
