"""What the CloudFront stand-in does on the viewer's side (`infra.local.s3.cdn_viewer`): the web app's SPA rule
(the same answers as the template's own CloudFront Function, run under node), CloudFront's compression, and a
response headers policy's headers."""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cfnlint.decode.cfn_yaml import load as load_cfn_yaml

from infra.local.s3.cdn_viewer import (
    SPA_REWRITE_MARKER,
    accepts_gzip,
    compressible,
    gzipped,
    known_viewer_request_rule,
    security_headers,
    spa_uri,
    with_policy_headers,
)

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"
URIS = [
    "/", "/u/ada", "/u/ada/likes", "/t/123", "/search", "/assets/index-abc.js", "/sw.js", "/manifest.webmanifest",
    "/config.json", "/u/a.b", "/index.html", "/api/health", "/assets/", "/icons/icon-192.png",
]  # fmt: skip


def template_function_code() -> str:
    code = load_cfn_yaml(str(TEMPLATE))["Resources"]["WebSpaFunction"]["Properties"]["FunctionCode"]
    assert isinstance(code, str)
    return code


@pytest.mark.skipif(shutil.which("node") is None, reason="node runs the CloudFront Function's JavaScript")
def test_the_python_rule_answers_as_the_templates_cloudfront_function() -> None:
    # Given the template's function, run under node as CloudFront runs it (handler(event) -> request)
    script = template_function_code() + (
        "\nconst uris = JSON.parse(process.argv[1]);"
        "\nconsole.log(JSON.stringify(uris.map((uri) => handler({version: '1.0', context: {eventType: "
        "'viewer-request'}, viewer: {ip: '127.0.0.1'}, request: {method: 'GET', uri, querystring: {}, headers: {}, "
        "cookies: {}}}).uri)));"
    )
    command = ["node", "-e", script, json.dumps(URIS)]
    ran = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    assert ran.returncode == 0, ran.stderr
    # When / Then: the Python rule rewrites each URI to the same one
    from_node = json.loads(ran.stdout)
    assert [spa_uri(uri) for uri in URIS] == from_node
    # And the table shows the rule: routes are the index, files are themselves
    assert dict(zip(URIS, from_node, strict=True))["/u/ada"] == "/index.html"
    assert dict(zip(URIS, from_node, strict=True))["/assets/index-abc.js"] == "/assets/index-abc.js"


def test_the_stand_in_knows_the_templates_function_by_its_marker_and_no_other() -> None:
    # Given the template's function code, and another function
    code = template_function_code()
    other = "function handler(event) { event.request.uri = '/x'; return event.request; }"
    # When / Then
    assert SPA_REWRITE_MARKER in code and known_viewer_request_rule(code) == "spa-rewrite"
    assert known_viewer_request_rule(other) is None


@pytest.mark.parametrize(
    ("accept_encoding", "accepted"),
    [("gzip, deflate, br", True), ("br", False), ("gzip;q=0", False), ("*", True), ("", False), ("GZIP", True)],
)
def test_gzip_is_accepted_as_accept_encoding_says(accept_encoding: str, accepted: bool) -> None:
    assert accepts_gzip({"Accept-Encoding": accept_encoding}) is accepted


@pytest.mark.parametrize(
    ("content_type", "length", "encoding", "compressed"),
    [
        ("text/javascript; charset=utf-8", 5000, None, True),
        ("text/css; charset=utf-8", 5000, None, True),
        ("application/manifest+json", 5000, None, True),
        ("image/svg+xml", 5000, None, True),
        ("image/png", 5000, None, False),  # not a type CloudFront compresses
        ("text/html; charset=utf-8", 999, None, False),  # under 1,000 bytes
        ("text/html; charset=utf-8", 5000, "br", False),  # the origin's own encoding
    ],
)
def test_cloudfront_compresses_its_types_within_its_sizes(
    content_type: str, length: int, encoding: str | None, compressed: bool
) -> None:
    headers = [("Content-Type", content_type), ("Content-Length", str(length))]
    headers += [("Content-Encoding", encoding)] if encoding else []
    assert compressible(headers) is compressed


def test_a_gzipped_answer_has_its_length_encoding_a_weak_etag_and_vary() -> None:
    # Given a JavaScript file's answer
    data = b"export const x = 1;\n" * 200
    headers = [("Content-Type", "text/javascript"), ("Content-Length", str(len(data))), ("ETag", '"abc"')]
    # When it is gzipped
    new_headers, body = gzipped(headers, iter((data[:100], data[100:])))
    # Then the body is the file, gzipped, and the headers say so
    as_dict = dict(new_headers)
    assert gzip.decompress(body) == data and len(body) < len(data)
    assert as_dict["Content-Encoding"] == "gzip" and as_dict["Content-Length"] == str(len(body))
    assert as_dict["ETag"] == 'W/"abc"' and as_dict["Vary"] == "Accept-Encoding"


def test_a_response_headers_policy_overrides_or_fills_in_as_configured() -> None:
    # Given a policy with overriding HSTS and a non-overriding frame option
    policy = security_headers(
        {
            "SecurityHeadersConfig": {
                "StrictTransportSecurity": {"AccessControlMaxAgeSec": 600, "IncludeSubdomains": True, "Override": True},
                "FrameOptions": {"FrameOption": "DENY", "Override": False},
                "ContentTypeOptions": {"Override": True},
            }
        }
    )
    origin = [("Strict-Transport-Security", "max-age=1"), ("X-Frame-Options", "SAMEORIGIN")]
    # When applied to an answer
    headers = dict(with_policy_headers(origin, policy))
    # Then the overriding header replaced the origin's, the other kept it, and the missing one was added
    assert headers["Strict-Transport-Security"] == "max-age=600; includeSubDomains"
    assert headers["X-Frame-Options"] == "SAMEORIGIN"
    assert headers["X-Content-Type-Options"] == "nosniff"
