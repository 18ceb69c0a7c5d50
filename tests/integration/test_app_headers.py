"""Security headers and CORS on the API's answers (routes.headers), on moto.

Preflights go through the local runtime's API Gateway stand-in built from template.yaml's own events, as a
browser's OPTIONS reaches the function on AWS: chalice.test's gateway would answer OPTIONS itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from chalice import Chalice

from infra.local.gateway import ApiGateway, ApiSettings, GatewayResponse, IncomingRequest, Route, RouteTable
from infra.local.template import Template
from tests.integration.api_client import Account, Api, Reply, assert_error
from tests.integration.conftest import clear_settings_caches

WEB_CLIENT = "https://chirp.example"
DEV_CLIENT = "http://localhost:5173"
STRANGER = "https://evil.example"
SECURITY = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
POLICY = "default-src 'none'; frame-ancestors 'none'"


@pytest.fixture
def cors(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The API with two web origins allowed (the AllowedOrigins template parameter)."""
    monkeypatch.setenv("ALLOWED_ORIGINS", f"{WEB_CLIENT}, {DEV_CLIENT}")
    clear_settings_caches()
    yield
    clear_settings_caches()


def api_events(template: Template) -> list[Route]:
    function = next(r for r in template.resources_of_type("AWS::Serverless::Function") if r.logical_id == "ApiFunction")
    return [
        Route(
            path=str(event["Properties"]["Path"]), method=str(event["Properties"]["Method"]), function_id="ApiFunction"
        )
        for event in function.properties["Events"].values()
        if event["Type"] == "HttpApi"
    ]


@pytest.fixture
def gateway(template: Template, chalice_app: Chalice) -> ApiGateway:
    """The HTTP API as template.yaml declares it (the local runtime's stand-in), invoking the app in-process."""

    def invoke(function_id: str, event: dict[str, Any], request_id: str) -> Any:
        assert function_id == "ApiFunction"
        return chalice_app(event, None)

    return ApiGateway(RouteTable(api_events(template)), ApiSettings(stage="v1", account_id="123456789012"), invoke)


def through(gateway: ApiGateway, method: str, path: str, headers: dict[str, str]) -> GatewayResponse:
    request = IncomingRequest(method, path, list(headers.items()), b"", "203.0.113.9", "localhost", 3000)
    return gateway.handle(request)


def named(response: GatewayResponse) -> dict[str, str]:
    return {name.lower(): value for name, value in response.headers}


def cors_headers(reply: Reply) -> set[str]:
    return {name.lower() for name in reply.headers if name.lower().startswith("access-control-")}


# ---------------------------------------------------------------- security headers


def test_every_answer_carries_the_security_headers_errors_included(api: Api, alice: Account) -> None:
    # When a client reads the service's health, a profile without a token, a missing tweet and a bad body
    answers = [
        api.get("/api/health"),
        api.get("/api/users/me"),
        api.get("/api/tweets/999999", token=alice.access_token),
        api.post("/api/tweets", raw_body=b"{", headers={"content-type": "application/json"}, token=alice.access_token),
    ]
    # Then each, whatever its status, carries every security header and the JSON policy
    assert [reply.status for reply in answers] == [200, 401, 404, 400]
    for reply in answers:
        assert {name: reply.headers.get(name) for name in SECURITY} == SECURITY
        assert reply.headers["Content-Security-Policy"] == POLICY


def test_an_answer_without_a_json_body_has_no_content_security_policy(api: Api, alice: Account) -> None:
    # When a signed-in user does something answered 204 (no body)
    tweet = api.tweet(alice, "soon gone")
    reply = api.delete(f"/api/tweets/{tweet['id']}", token=alice.access_token)
    # Then it has the security headers, but no page policy (there is no page)
    assert reply.status == 204, reply.body
    assert reply.headers["X-Frame-Options"] == "DENY"
    assert "Content-Security-Policy" not in reply.headers


def test_answers_to_authenticated_requests_are_not_stored_and_anonymous_ones_may_be(api: Api, alice: Account) -> None:
    # When a user reads a profile with their token, and an anonymous client reads the same profile
    signed_in = api.get(f"/api/users/{alice.id}", token=alice.access_token)
    anonymous = api.get(f"/api/users/{alice.id}")
    # Then only the answer to the request carrying credentials forbids caches to keep it
    assert signed_in.status == anonymous.status == 200
    assert signed_in.headers["Cache-Control"] == "no-store"
    assert "Cache-Control" not in anonymous.headers


def test_a_refused_token_still_gets_no_store(api: Api) -> None:
    # When a request carries a token that is not valid
    reply = api.get("/api/users/me", token="not-a-token")
    # Then the 401 is not stored either
    assert_error(reply, 401, "not_authenticated")
    assert reply.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------- CORS on simple and actual requests


def test_without_allowed_origins_no_answer_has_cors_headers(api: Api) -> None:
    # When a browser on another origin reads the API that allows none (the default)
    reply = api.get("/api/health", headers={"origin": WEB_CLIENT})
    # Then the browser gets no permission to hand the answer to its script
    assert reply.status == 200
    assert cors_headers(reply) == set()
    assert "Vary" not in reply.headers


def test_an_allowed_origin_is_named_back_with_the_rate_headers_exposed(cors: None, api: Api, alice: Account) -> None:
    # When the web client reads the signed-in user's profile
    reply = api.get("/api/users/me", headers={"origin": DEV_CLIENT}, token=alice.access_token)
    # Then its origin, not *, is allowed, and its script may read the rate-limit headers
    assert reply.status == 200
    assert reply.headers["Access-Control-Allow-Origin"] == DEV_CLIENT
    assert reply.headers["Vary"] == "Origin"
    exposed = {name.strip().lower() for name in reply.headers["Access-Control-Expose-Headers"].split(",")}
    assert exposed == {"x-rate-limit-limit", "x-rate-limit-remaining", "x-rate-limit-reset", "retry-after"}


def test_an_allowed_origins_errors_are_readable_by_its_script(cors: None, api: Api) -> None:
    # When the web client calls a route without its token
    reply = api.get("/api/users/me", headers={"origin": WEB_CLIENT})
    # Then the 401 carries the CORS headers too (else the script sees a network error, not the 401)
    assert_error(reply, 401, "not_authenticated")
    assert reply.headers["Access-Control-Allow-Origin"] == WEB_CLIENT


def test_another_origin_gets_no_cors_headers(cors: None, api: Api) -> None:
    # When a page on an origin not in the list reads the API
    reply = api.get("/api/health", headers={"origin": STRANGER})
    # Then nothing allows its script to read the answer (the cache is still told the answer varies)
    assert reply.status == 200
    assert cors_headers(reply) == set()
    assert reply.headers["Vary"] == "Origin"


def test_allowed_origins_are_validated_at_init(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given an entry with a path, which no browser ever sends as an Origin
    from chirp.settings import HttpSettings, SettingsError

    # Then the settings refuse it, naming the variable and the entry
    with pytest.raises(SettingsError, match=r"ALLOWED_ORIGINS: 'https://chirp.example/app'"):
        HttpSettings.from_environ({"ALLOWED_ORIGINS": f"{DEV_CLIENT},https://chirp.example/app"})


# ---------------------------------------------------------------- preflights, through API Gateway as declared


def test_a_preflight_from_an_allowed_origin_reaches_the_function_and_is_answered(
    cors: None, gateway: ApiGateway
) -> None:
    # When the web client's browser asks whether it may POST JSON with a token to /api/tweets/{id}/like
    response = through(
        gateway,
        "OPTIONS",
        "/api/tweets/42/like",
        {
            "Origin": WEB_CLIENT,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    # Then the function answers 204 with the path's methods, the headers it may send and how long to trust it
    headers = named(response)
    assert response.status == 204, response.body
    assert headers["access-control-allow-origin"] == WEB_CLIENT
    assert set(headers["access-control-allow-methods"].split(", ")) == {"POST", "DELETE"}
    assert {h.strip().lower() for h in headers["access-control-allow-headers"].split(",")} >= {
        "authorization",
        "content-type",
    }
    assert int(headers["access-control-max-age"]) > 0
    assert headers["x-frame-options"] == "DENY"


def test_a_preflight_from_another_origin_is_not_allowed(cors: None, gateway: ApiGateway) -> None:
    # When a page on an origin not in the list sends a preflight
    response = through(gateway, "OPTIONS", "/api/tweets", {"Origin": STRANGER, "Access-Control-Request-Method": "POST"})
    # Then the answer allows nothing (the browser will not send the request): a 405 in the API's error shape
    assert response.status == 405
    assert json.loads(response.body)["error"]["code"] == "method_not_allowed"
    assert named(response)["allow"] == "POST"
    assert not {name for name in named(response) if name.startswith("access-control-")}


def test_a_preflight_is_neither_authenticated_nor_counted(cors: None, gateway: ApiGateway, api: Api) -> None:
    # When a browser sends a preflight for an authenticated route (a preflight carries no token)
    response = through(
        gateway, "OPTIONS", "/api/users/me", {"Origin": WEB_CLIENT, "Access-Control-Request-Method": "PATCH"}
    )
    # Then it is answered, without a 401 and without the rate headers of a counted request
    assert response.status == 204
    assert "x-rate-limit-limit" not in named(response)


def test_every_path_the_app_serves_has_an_options_event_on_the_api_function(
    template: Template, chalice_app: Chalice
) -> None:
    # Given the ApiFunction's API events
    declared = {(route.path, route.method.upper()) for route in api_events(template)}
    # Then each path the app serves also declares OPTIONS (the HTTP API would otherwise answer preflights 404 itself)
    missing = sorted(path for path in chalice_app.routes if (path, "OPTIONS") not in declared)
    assert missing == []
