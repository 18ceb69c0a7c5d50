"""How a route is declared (functions/api/routes/routing.py): on a small Chalice app of its own, a
blueprint's operations are recorded, their callers authenticated before the view runs, their domain
errors answered as JSON error bodies, and their success body taken from the view's annotation."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from chalice import Chalice
from chalice.app import Request
from chalice.test import Client
from chirp.auth.tokens import issue_access_token
from chirp.errors import NotFound
from chirp.http import schemas
from routes.routing import (
    ApiBlueprint,
    authenticate_callers,
    caller_of,
    declared_response,
    operation_for,
    operations_of,
)

SIGNING_KEY = "unit-routing-signing-key-0123456789abcdef"


class Probe:
    """A blueprint of a few routes, and what their views saw."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.blueprint = blueprint = ApiBlueprint(__name__)

        @blueprint.operation("/api/open", "GET", "Open")
        def open_route() -> schemas.Health:
            self.calls.append("open")
            return {"status": "ok"}

        @blueprint.operation("/api/mine", "GET", "Needs a caller", auth=True)
        def mine() -> schemas.FollowResponse:
            self.calls.append(f"mine by {blueprint.caller_id()}")
            return {"data": {"following": True}}

        @blueprint.operation("/api/things/{thingId}", "DELETE", "Delete", status=204, auth=True, raises=(NotFound,))
        def delete_thing(thingId: str) -> None:  # noqa: N803
            self.calls.append(f"delete {thingId}")
            if thingId == "404":
                raise NotFound(f"thing {thingId} does not exist")

        @blueprint.operation("/api/who", "GET", "Reads a caller without declaring auth")
        def who() -> schemas.Health:
            blueprint.caller_id()
            return {"status": "ok"}


@pytest.fixture
def probe() -> Probe:
    return Probe()


@pytest.fixture
def app(probe: Probe) -> Chalice:
    app = Chalice(app_name="routing-test", configure_logs=False)
    app.register_middleware(authenticate_callers(app, lambda: SIGNING_KEY), "http")
    app.register_blueprint(probe.blueprint)
    return app


@pytest.fixture
def client(app: Chalice) -> Client:
    return Client(app)


def bearer(user_id: int, *, key: str = SIGNING_KEY, issued_ago: int = 0) -> dict[str, str]:
    token = issue_access_token(key, user_id, int(time.time()) - issued_ago, ttl_seconds=900)
    return {"authorization": f"Bearer {token}"}


def error_of(response: Any) -> dict[str, str]:
    body = json.loads(response.body)
    assert set(body) == {"error"}, body
    error: dict[str, str] = body["error"]
    return error


def test_the_apps_operations_are_its_blueprints_in_declaration_order(app: Chalice) -> None:
    # When
    operations = operations_of(app)
    # Then
    assert [(op.method, op.path) for op in operations] == [
        ("GET", "/api/open"),
        ("GET", "/api/mine"),
        ("DELETE", "/api/things/{thingId}"),
        ("GET", "/api/who"),
    ]
    assert {(path, method) for path, methods in app.routes.items() for method in methods} == {
        (op.path, op.method) for op in operations
    }
    assert operation_for(app, "/api/mine", "GET") is operations[1]
    assert operation_for(app, "/api/mine", "POST") is None


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"authorization": "Bearer not-a-jwt"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        bearer(7, key="another-signing-key-0123456789abcdef"),
        bearer(7, issued_ago=3600),
    ],
    ids=["missing", "malformed", "other scheme", "forged", "expired"],
)
def test_an_authenticated_route_refuses_a_bad_token_before_its_view_runs(
    client: Client, probe: Probe, headers: dict[str, str]
) -> None:
    # When
    response = client.http.get("/api/mine", headers=headers)
    # Then
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert probe.calls == []


def test_an_authenticated_routes_view_reads_the_verified_caller(client: Client, probe: Probe) -> None:
    # When
    response = client.http.get("/api/mine", headers=bearer(42))
    # Then
    assert response.status_code == 200
    assert json.loads(response.body) == {"data": {"following": True}}
    assert probe.calls == ["mine by 42"]


def test_an_open_route_needs_no_token(client: Client, probe: Probe) -> None:
    # When
    response = client.http.get("/api/open")
    # Then
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert probe.calls == ["open"]


def test_a_view_that_reads_a_caller_it_did_not_declare_fails_loudly(client: Client) -> None:
    # When (even with a valid token: the route never asked for it to be verified)
    response = client.http.get("/api/who", headers=bearer(42))
    # Then
    assert response.status_code == 500


def test_caller_of_a_request_nobody_authenticated_is_a_lookup_error() -> None:
    # Given a request that went through no authentication
    request = Request(
        {
            "multiValueQueryStringParameters": None,
            "headers": {"authorization": "Bearer forged"},
            "pathParameters": None,
            "requestContext": {"httpMethod": "GET", "resourcePath": "/api/who"},
            "body": None,
            "stageVariables": None,
        }
    )
    # Then
    with pytest.raises(LookupError, match="auth=True"):
        caller_of(request)


def test_a_204_answers_no_body_and_a_domain_error_its_error_body(client: Client, probe: Probe) -> None:
    # When
    done = client.http.delete("/api/things/1", headers=bearer(7))
    missing = client.http.delete("/api/things/404", headers=bearer(7))
    # Then
    assert (done.status_code, done.body) == (204, b"")
    assert missing.status_code == 404
    assert error_of(missing) == {"code": "not_found", "message": "thing 404 does not exist"}
    assert probe.calls == ["delete 1", "delete 404"]


def test_the_success_body_is_the_views_return_annotation(app: Chalice) -> None:
    # When
    responses = {op.name: op.response for op in operations_of(app)}
    # Then
    assert responses == {
        "open_route": schemas.Health,
        "mine": schemas.FollowResponse,
        "delete_thing": None,
        "who": schemas.Health,
    }


def test_a_204_route_that_declares_a_body_is_refused() -> None:
    # Given
    def answers_a_body() -> schemas.Health:
        return {"status": "ok"}

    # Then
    with pytest.raises(TypeError, match="-> None"):
        declared_response(answers_a_body, 204)


def test_a_blueprint_registered_under_a_prefix_is_refused(probe: Probe) -> None:
    # Given
    app = Chalice(app_name="prefixed", configure_logs=False)
    # Then
    with pytest.raises(ValueError, match="prefix"):
        app.register_blueprint(probe.blueprint, url_prefix="/v2")
