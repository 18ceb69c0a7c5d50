"""What CloudFront does on the viewer's side of a cache behavior, for the stand-in (`infra.local.s3.cdn`): the
viewer-request function it knows (the web app's SPA rule), compression, and a response headers policy.

CloudFront Functions are JavaScript; the stand-in runs none. It knows one function by the marker in its code,
`// chirp:spa-rewrite`, and applies its rule in Python (`spa_uri`; tests/unit/test_local_cdn_viewer.py runs the
template's code under node on a table of URIs and asserts the two agree). A behavior associated with any other
function is not served locally, as serving it without the function would answer what CloudFront would not.

Compression is CloudFront's (its "Serving compressed files"): with `Compress: true`, a viewer that accepts gzip,
a 200 whose media type is one CloudFront compresses, with a Content-Length between 1,000 and 10,000,000 bytes and
no Content-Encoding of its own, is gzipped; the ETag turns weak, and Vary: Accept-Encoding tells caches the
answer depends on it. Brotli is not emulated (the standard library has no brotli): a viewer that accepts only br
gets the file as is.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator, Mapping
from typing import Any

SPA_REWRITE_MARKER = "chirp:spa-rewrite"
SPA_INDEX = "/index.html"
# CloudFront's list of compressed types (those the web client ships, and their kin).
COMPRESSED_MEDIA_TYPES = frozenset(
    {
        "application/javascript", "application/json", "application/manifest+json", "application/xml",
        "application/x-javascript", "image/svg+xml", "text/css", "text/html", "text/javascript", "text/plain",
        "text/xml",
    }
)  # fmt: skip
MIN_COMPRESSED_BYTES = 1_000
MAX_COMPRESSED_BYTES = 10_000_000


def spa_uri(uri: str) -> str:
    """The template's WebSpaFunction in Python: a path whose last segment has no "." (a route of the app, `/`
    too), outside /api/, is answered with /index.html; a file's path (`/assets/index-abc.js`) is kept."""
    if uri.startswith("/api/") or "." in uri[uri.rfind("/") + 1 :]:
        return uri
    return SPA_INDEX


def known_viewer_request_rule(function_code: str) -> str | None:
    """The name of the rule the stand-in applies for this function's code, None when it knows none."""
    return "spa-rewrite" if SPA_REWRITE_MARKER in function_code else None


def accepts_gzip(headers: Mapping[str, str]) -> bool:
    """Whether Accept-Encoding names gzip (or `*`) with a q above 0."""
    value = next((value for name, value in headers.items() if name.lower() == "accept-encoding"), "")
    for item in value.split(","):
        coding, _, parameters = item.strip().partition(";")
        quality = parameters.strip().removeprefix("q=") if parameters.strip().startswith("q=") else "1"
        if coding.strip().lower() in ("gzip", "*"):
            try:
                return float(quality) > 0
            except ValueError:
                return False
    return False


def compressible(headers: list[tuple[str, str]]) -> bool:
    """Whether CloudFront would compress an answer with these headers (for a viewer that accepts it)."""
    lowered = {name.lower(): value for name, value in headers}
    media_type = lowered.get("content-type", "").split(";")[0].strip().lower()
    length = lowered.get("content-length", "")
    return (
        media_type in COMPRESSED_MEDIA_TYPES
        and "content-encoding" not in lowered
        and length.isdigit()
        and MIN_COMPRESSED_BYTES <= int(length) <= MAX_COMPRESSED_BYTES
    )


def gzipped(headers: list[tuple[str, str]], body: Iterator[bytes]) -> tuple[list[tuple[str, str]], bytes]:
    """The answer gzipped: its new length, Content-Encoding, a weak ETag (CloudFront's), Vary."""
    data = gzip.compress(b"".join(body), compresslevel=6, mtime=0)
    kept = [(name, value) for name, value in headers if name.lower() not in ("content-length", "etag", "vary")]
    etag = next((value for name, value in headers if name.lower() == "etag"), None)
    if etag is not None:
        kept.append(("ETag", etag if etag.startswith("W/") else f"W/{etag}"))
    return [*kept, ("Content-Encoding", "gzip"), ("Content-Length", str(len(data))), ("Vary", "Accept-Encoding")], data


def security_headers(config: Mapping[str, Any]) -> list[tuple[str, str, bool]]:
    """A ResponseHeadersPolicyConfig's headers as (name, value, override): its SecurityHeadersConfig and its
    CustomHeadersConfig (CORS and server-timing settings are not emulated)."""
    found: list[tuple[str, str, bool]] = []
    security = config.get("SecurityHeadersConfig") or {}
    if "StrictTransportSecurity" in security:
        hsts = security["StrictTransportSecurity"]
        value = f"max-age={hsts['AccessControlMaxAgeSec']}"
        value += "; includeSubDomains" if _true(hsts.get("IncludeSubdomains")) else ""
        value += "; preload" if _true(hsts.get("Preload")) else ""
        found.append(("Strict-Transport-Security", value, _true(hsts.get("Override"))))
    if "ContentTypeOptions" in security:
        found.append(("X-Content-Type-Options", "nosniff", _true(security["ContentTypeOptions"].get("Override"))))
    if "FrameOptions" in security:
        frame = security["FrameOptions"]
        found.append(("X-Frame-Options", str(frame["FrameOption"]), _true(frame.get("Override"))))
    if "ReferrerPolicy" in security:
        referrer = security["ReferrerPolicy"]
        found.append(("Referrer-Policy", str(referrer["ReferrerPolicy"]), _true(referrer.get("Override"))))
    if "ContentSecurityPolicy" in security:
        csp = security["ContentSecurityPolicy"]
        found.append(("Content-Security-Policy", str(csp["ContentSecurityPolicy"]), _true(csp.get("Override"))))
    for item in (config.get("CustomHeadersConfig") or {}).get("Items") or []:
        found.append((str(item["Header"]), str(item["Value"]), _true(item.get("Override"))))
    return found


def with_policy_headers(headers: list[tuple[str, str]], policy: list[tuple[str, str, bool]]) -> list[tuple[str, str]]:
    """The answer's headers with the policy's: an overriding one replaces the origin's, another only fills in."""
    result = list(headers)
    for name, value, override in policy:
        present = any(existing.lower() == name.lower() for existing, _value in result)
        if override:
            result = [(existing, kept) for existing, kept in result if existing.lower() != name.lower()]
        if override or not present:
            result.append((name, value))
    return result


def _true(value: Any) -> bool:
    return str(value).lower() == "true"
