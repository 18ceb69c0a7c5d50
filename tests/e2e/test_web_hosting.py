"""The local runtime hosts the web client as CloudFront does on AWS: the built app (web/dist, uploaded to the web
bucket at start by infra/web_deploy.py) at `/`, a route of the app (`/u/ada`) answered with the same index.html,
hashed assets cached for good and gzipped when asked, a config.json naming the WebSocket URL, and `/api/...`
still the API's, its 404 JSON rather than the app. Needs web/dist: `make web` (the `test` target builds it)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import REPO, RunningRuntime

DIST = REPO / "web" / "dist"


@pytest.fixture(scope="module")
def dist() -> Path:
    if not (DIST / "index.html").is_file():
        pytest.fail("web/dist is not built: run make web")
    return DIST


@pytest.fixture
def site(chirp_runtime: RunningRuntime) -> httpx.Client:
    return httpx.Client(base_url=chirp_runtime.root_url, timeout=30)


def largest_script(dist: Path) -> Path:
    scripts = sorted((dist / "assets").glob("*.js"), key=lambda path: path.stat().st_size)
    assert scripts, "web/dist/assets has no .js"
    return scripts[-1]


def test_the_root_and_a_route_of_the_app_answer_its_index(site: httpx.Client, dist: Path) -> None:
    # Given the built app's index
    index = (dist / "index.html").read_bytes()
    # When the root and a deep link are loaded
    root = site.get("/")
    profile = site.get("/u/ada")
    # Then both are the index, as HTML, revalidated on each load
    for response in (root, profile):
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["cache-control"] == "no-cache"
        assert response.content == index
    assert root.headers["x-content-type-options"] == "nosniff"  # the distribution's security headers policy


def test_a_hashed_asset_is_cached_for_good_and_gzipped_when_asked(site: httpx.Client, dist: Path) -> None:
    # Given the app's largest script (over CloudFront's 1,000-byte floor for compression)
    script = largest_script(dist)
    path = f"/assets/{script.name}"
    # When it is loaded with and without gzip
    zipped = site.get(path, headers={"Accept-Encoding": "gzip"})
    plain = site.get(path, headers={"Accept-Encoding": "identity"})
    # Then it is the file (httpx decodes the gzip), immutable, gzipped only when asked
    assert zipped.status_code == plain.status_code == 200
    assert zipped.content == plain.content == script.read_bytes()
    assert zipped.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert zipped.headers["content-type"].startswith("text/javascript")
    assert zipped.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert zipped.headers["vary"] == "Accept-Encoding"
    # And a file that is not there is S3's 404, not the app
    missing = site.get("/assets/gone-0000.js")
    assert missing.status_code == 404 and b"NoSuchKey" in missing.content


def test_config_json_names_the_websocket_url(site: httpx.Client, chirp_runtime: RunningRuntime) -> None:
    # When the app's config is loaded
    response = site.get("/config.json")
    # Then it names the runtime's WebSocket stage
    assert response.status_code == 200 and response.headers["cache-control"] == "no-cache"
    websocket_url = response.json()["websocket_url"]
    stages = [stage["url"] for stage in chirp_runtime.endpoints()["websockets"].values()]
    assert websocket_url.startswith("ws://") and websocket_url in stages


def test_api_paths_stay_the_apis(site: httpx.Client) -> None:
    # When the API's health and a path it does not have are asked for
    health = site.get("/api/health")
    missing = site.get("/api/nope")
    # Then both are the API's JSON, never the app's HTML
    assert health.status_code == 200 and health.headers["content-type"].startswith("application/json")
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/json")
    assert json.loads(missing.content) == {"message": "Not Found"}
