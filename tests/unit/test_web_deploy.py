"""infra/web_deploy.py: what goes into the web bucket (types, cache headers, config.json, index.html last), and
`make deploy-web`'s use of the stack's outputs and its invalidation. S3, CloudFormation and CloudFront are stubs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.web_deploy import (
    IMMUTABLE,
    INVALIDATED_PATHS,
    REVALIDATE,
    WebDeployError,
    deploy_to_aws,
    upload_web_client,
)


class Recorder:
    """Any AWS client: records each call, answers what `answers` holds for its operation."""

    def __init__(self, answers: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.answers = answers or {}

    def __getattr__(self, operation: str) -> Any:
        def call(**arguments: Any) -> Any:
            self.calls.append((operation, arguments))
            return self.answers.get(operation, {})

        return call


class Session:
    def __init__(self, clients: dict[str, Recorder]) -> None:
        self.clients = clients

    def client(self, service: str) -> Recorder:
        return self.clients[service]


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "assets" / "index-abc.js").write_text("export {};")
    (tmp_path / "assets" / "index-abc.css").write_text("body{}")
    (tmp_path / "sw.js").write_text("self.addEventListener('fetch', () => {});")
    (tmp_path / "manifest.webmanifest").write_text("{}")
    (tmp_path / "icon.svg").write_text("<svg/>")
    return tmp_path


def test_the_app_is_uploaded_with_its_types_and_cache_headers_index_last(dist: Path) -> None:
    # Given a built app, and a bucket
    s3 = Recorder()
    # When it is uploaded
    keys = upload_web_client(s3, "web-bucket", dist, "ws://127.0.0.1:8000/abc/v1")
    # Then every file and config.json, the hashed assets first and index.html last
    puts = {arguments["Key"]: arguments for _operation, arguments in s3.calls}
    assert keys[-1] == "index.html" and set(keys[:2]) == {"assets/index-abc.js", "assets/index-abc.css"}
    assert set(keys) == {
        "index.html", "assets/index-abc.js", "assets/index-abc.css", "sw.js", "manifest.webmanifest", "icon.svg",
        "config.json",
    }  # fmt: skip
    # And each with its type and Cache-Control: the hashed assets for good, the rest revalidated
    assert puts["assets/index-abc.js"]["ContentType"] == "text/javascript; charset=utf-8"
    assert puts["assets/index-abc.js"]["CacheControl"] == IMMUTABLE == "public, max-age=31536000, immutable"
    assert puts["manifest.webmanifest"]["ContentType"] == "application/manifest+json"
    assert puts["icon.svg"]["ContentType"] == "image/svg+xml"
    for key in ("index.html", "sw.js", "manifest.webmanifest", "config.json"):
        assert puts[key]["CacheControl"] == REVALIDATE == "no-cache", key
    # And config.json names the WebSocket URL
    assert json.loads(puts["config.json"]["Body"]) == {"websocket_url": "ws://127.0.0.1:8000/abc/v1"}
    assert all(arguments["Bucket"] == "web-bucket" for _operation, arguments in s3.calls)


def test_an_app_not_built_is_refused_before_any_upload(tmp_path: Path) -> None:
    s3 = Recorder()
    with pytest.raises(WebDeployError, match="make web"):
        upload_web_client(s3, "web-bucket", tmp_path, "ws://x")
    assert s3.calls == []


def test_deploy_web_uploads_to_the_stacks_bucket_and_invalidates_the_names_that_do_not_change(dist: Path) -> None:
    # Given a stack with the outputs
    outputs = {"WebBucketName": "chirp-webbucket-1", "WebDistributionId": "E123", "LiveUpdatesUrl": "wss://w.x/v1"}
    stack = {"Stacks": [{"Outputs": [{"OutputKey": key, "OutputValue": value} for key, value in outputs.items()]}]}
    clients = {
        "cloudformation": Recorder({"describe_stacks": stack}),
        "s3": Recorder(),
        "cloudfront": Recorder({"create_invalidation": {"Invalidation": {"Id": "I1"}}}),
    }
    # When the web client is deployed
    invalidation = deploy_to_aws("chirp", dist, Session(clients))
    # Then it went to the stack's bucket with its WebSocket URL, and the distribution was invalidated
    assert invalidation == "I1"
    puts = {arguments["Key"]: arguments for _operation, arguments in clients["s3"].calls}
    assert {arguments["Bucket"] for arguments in puts.values()} == {"chirp-webbucket-1"}
    assert json.loads(puts["config.json"]["Body"]) == {"websocket_url": "wss://w.x/v1"}
    [(operation, arguments)] = clients["cloudfront"].calls
    assert operation == "create_invalidation" and arguments["DistributionId"] == "E123"
    assert arguments["InvalidationBatch"]["Paths"]["Items"] == list(INVALIDATED_PATHS)


def test_a_stack_without_the_web_outputs_is_a_clear_error(dist: Path) -> None:
    stack = {"Stacks": [{"Outputs": [{"OutputKey": "ApiUrl", "OutputValue": "https://x"}]}]}
    clients = {"cloudformation": Recorder({"describe_stacks": stack}), "s3": Recorder(), "cloudfront": Recorder()}
    with pytest.raises(WebDeployError, match="WebBucketName"):
        deploy_to_aws("chirp", dist, Session(clients))
    assert clients["s3"].calls == []
