"""The API function's per-route latency and status class (RouteLatency, Http2xx..., dimension `route`), the
figures behind the operations dashboard's per-route p50/p99 and the timeline budget's alarm: one EMF line per
request, in Powertools' format, naming the route's template (a bounded set of metrics) rather than its path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.api_client import Api


def emf_lines(output: str) -> list[dict[str, Any]]:
    """The embedded-metric-format documents among the lines printed (Powertools prints each as a line)."""
    documents = []
    for line in output.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            documents.append(json.loads(line))
    return documents


def test_each_request_emits_its_routes_latency(api: Api, capsys: pytest.CaptureFixture[str]) -> None:
    # Given a signed-in user
    alice = api.register("alice")
    capsys.readouterr()
    # When she reads a user's profile (a route with a path parameter)
    assert api.get("/api/users/by/username/alice", token=alice.access_token).status == 200
    # Then one EMF document holds RouteLatency in milliseconds, for the route's template, in the Chirp namespace
    routes = [doc for doc in emf_lines(capsys.readouterr().out) if "RouteLatency" in doc]
    assert len(routes) == 1
    document = routes[0]
    assert document["route"] == "GET /api/users/by/username/{username}"
    directive = document["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "Chirp"
    # (`service`, the template's POWERTOOLS_SERVICE_NAME, joins it when the app was imported with it set)
    assert "route" in directive["Dimensions"][0]
    assert directive["Metrics"] == [
        {"Name": "Http2xx", "Unit": "Count"},
        {"Name": "RouteLatency", "Unit": "Milliseconds"},
    ]
    values = document["RouteLatency"]
    assert isinstance(values, list) and len(values) == 1 and values[0] > 0  # Powertools writes a list of values
