"""The local API Gateway emulation (infra.local.gateway): resource matching, the REST (v1) proxy
event, the proxy response, and the gateway's own error answers."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from infra.local.gateway import (
    ApiGateway,
    ApiSettings,
    IncomingRequest,
    InvalidProxyResponseError,
    Route,
    RouteMatch,
    RouteTable,
    build_proxy_event,
    response_from_proxy_result,
)
from infra.local.sandbox import FunctionError

SETTINGS = ApiSettings(stage="v1", account_id="123456789012")
ROUTES = RouteTable(
    [
        Route("/api/users/me", "GET", "Api"),
        Route("/api/users/{userId}", "GET", "Api"),
        Route("/api/users/{userId}/follow", "POST", "Api"),
        Route("/api/users/{userId}/follow", "DELETE", "Api"),
        Route("/api/files/{path+}", "ANY", "Files"),
    ]
)
# The keys of a REST API proxy event, as API Gateway sends them.
V1_EVENT_KEYS = {
    "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
    "multiValueQueryStringParameters", "pathParameters", "stageVariables", "requestContext", "body",
    "isBase64Encoded",
}  # fmt: skip
V1_REQUEST_CONTEXT_KEYS = {
    "resourceId", "resourcePath", "httpMethod", "extendedRequestId", "requestTime", "path", "accountId",
    "protocol", "stage", "domainPrefix", "requestTimeEpoch", "requestId", "identity", "domainName", "apiId",
}  # fmt: skip


def request(
    method: str, raw_path: str, body: bytes = b"", headers: list[tuple[str, str]] | None = None
) -> IncomingRequest:
    return IncomingRequest(
        method=method,
        raw_path=raw_path,
        headers=headers if headers is not None else [("Host", "127.0.0.1:8000"), ("User-Agent", "test/1.0")],
        body=body,
        source_ip="127.0.0.1",
        host="127.0.0.1",
        port=8000,
    )


def event_for(incoming: IncomingRequest) -> dict[str, Any]:
    match = ROUTES.match(incoming.raw_path.split("?")[0], incoming.method)
    assert match is not None
    return build_proxy_event(incoming, match, SETTINGS)


# ---------------------------------------------------------------------- matching
def test_a_literal_segment_wins_over_a_path_parameter() -> None:
    match = ROUTES.match("/api/users/me", "GET")
    assert match is not None
    assert match.resource_path == "/api/users/me"
    assert match.path_parameters == {}


def test_path_parameters_are_url_decoded() -> None:
    match = ROUTES.match("/api/users/a%20b/follow", "POST")
    assert match is not None
    assert match.resource_path == "/api/users/{userId}/follow"
    assert match.path_parameters == {"userId": "a b"}


def test_greedy_parameter_and_any_method() -> None:
    match = ROUTES.match("/api/files/a/b/c.txt", "PUT")
    assert match is not None and match.route is not None
    assert match.route.function_id == "Files"
    assert match.path_parameters == {"path": "a/b/c.txt"}


def test_unknown_path_matches_nothing() -> None:
    assert ROUTES.match("/api/nothing/here", "GET") is None


def test_known_resource_with_other_method_lists_the_allowed_ones() -> None:
    match = ROUTES.match("/api/users/7/follow", "GET")
    assert match is not None
    assert match.route is None
    assert match.allowed_methods == ["DELETE", "POST"]


def test_two_functions_for_one_method_and_path_are_refused() -> None:
    with pytest.raises(ValueError, match="two functions"):
        RouteTable([Route("/a", "GET", "One"), Route("/a", "get", "Two")])


# ---------------------------------------------------------------------- the proxy event
def test_the_event_has_exactly_api_gateways_v1_shape() -> None:
    # When
    event = event_for(request("GET", "/api/users/42"))
    # Then
    assert set(event) == V1_EVENT_KEYS
    assert set(event["requestContext"]) == V1_REQUEST_CONTEXT_KEYS
    assert event["resource"] == "/api/users/{userId}"
    assert event["path"] == "/api/users/42"
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"userId": "42"}
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/api/users/{userId}"
    assert context["path"] == "/v1/api/users/42"
    assert context["stage"] == "v1"
    assert context["accountId"] == "123456789012"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "test/1.0"
    assert isinstance(context["requestTimeEpoch"], int)
    json.dumps(event)


def test_repeated_query_keys_and_headers_have_last_and_all_values() -> None:
    # When
    event = event_for(request("GET", "/api/users/1?tag=a&tag=b%20c&empty=", headers=[("Accept", "x"), ("Accept", "y")]))
    # Then
    assert event["queryStringParameters"] == {"tag": "b c", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b c"], "empty": [""]}
    assert event["headers"]["Accept"] == "y"
    assert event["multiValueHeaders"]["Accept"] == ["x", "y"]
    assert event["headers"]["X-Forwarded-Proto"] == "http"


def test_a_utf8_body_is_text_and_a_binary_body_is_base64() -> None:
    text = event_for(request("POST", "/api/users/1/follow", '{"é": 1}'.encode()))
    binary = event_for(request("POST", "/api/users/1/follow", b"\xff\x00"))
    assert (text["body"], text["isBase64Encoded"]) == ('{"é": 1}', False)
    assert (binary["body"], binary["isBase64Encoded"]) == (base64.b64encode(b"\xff\x00").decode(), True)


# ---------------------------------------------------------------------- the proxy response
def test_the_proxy_response_merges_headers_and_decodes_base64() -> None:
    # When
    response = response_from_proxy_result(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "image/png", "Set-Cookie": "ignored"},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"]},
            "body": base64.b64encode(b"\x89PNG").decode(),
            "isBase64Encoded": True,
        }
    )
    # Then
    assert response.status == 201
    assert response.body == b"\x89PNG"
    assert ("Set-Cookie", "a=1") in response.headers and ("Set-Cookie", "b=2") in response.headers
    assert ("Content-Type", "image/png") in response.headers
    assert ("Set-Cookie", "ignored") not in response.headers


def test_something_that_is_not_a_proxy_response_is_refused() -> None:
    with pytest.raises(InvalidProxyResponseError):
        response_from_proxy_result({"body": "no status"})


# ---------------------------------------------------------------------- the gateway's own answers
def gateway(invoke: Any) -> ApiGateway:
    return ApiGateway(ROUTES, SETTINGS, invoke)


def error_of(body: bytes) -> dict[str, str]:
    error: dict[str, str] = json.loads(body)["error"]
    return error


def test_unknown_path_is_404_and_other_method_is_405_with_allow() -> None:
    api = gateway(lambda *_: {"statusCode": 200})
    not_found = api.handle(request("GET", "/api/nope"))
    not_allowed = api.handle(request("PUT", "/api/users/1/follow"))
    assert not_found.status == 404 and error_of(not_found.body)["code"] == "not_found"
    assert not_allowed.status == 405 and error_of(not_allowed.body)["code"] == "method_not_allowed"
    assert ("Allow", "DELETE, POST") in not_allowed.headers


def test_a_function_that_fails_is_a_502_internal_error() -> None:
    def failing(*_: Any) -> Any:
        raise FunctionError("ValueError", "boom")

    response = gateway(failing).handle(request("GET", "/api/users/1"))
    assert response.status == 502
    assert error_of(response.body)["code"] == "internal_error"
    assert "boom" in error_of(response.body)["message"]


def test_the_function_gets_the_event_and_the_response_carries_a_request_id() -> None:
    # Given
    seen: list[dict[str, Any]] = []

    def echo(function_id: str, event: dict[str, Any], request_id: str) -> dict[str, Any]:
        seen.append(event)
        return {"statusCode": 200, "headers": {"Content-Type": "text/plain"}, "body": function_id}

    # When
    response = gateway(echo).handle(request("GET", "/api/users/me"))
    # Then
    assert response.body == b"Api"
    assert ("x-amzn-RequestId", seen[0]["requestContext"]["requestId"]) in response.headers


def test_route_match_is_what_build_proxy_event_needs() -> None:
    match = RouteMatch("/x", Route("/x", "GET", "F"), {}, ["GET"])
    assert build_proxy_event(request("GET", "/x"), match, SETTINGS)["pathParameters"] is None
