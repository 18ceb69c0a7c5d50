"""The local API Gateway HTTP API emulation (infra.local.gateway): route matching, the payload format 1.0
event, the proxy response, and the HTTP API's own error answers."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from infra.local.functions import EventSource, FunctionSpec
from infra.local.gateway import (
    ApiGateway,
    ApiSettings,
    GatewayHttpServer,
    GatewayResponse,
    IncomingRequest,
    InvalidProxyResponseError,
    Route,
    RouteMatch,
    RouteTable,
    build_proxy_event,
    response_from_proxy_result,
)
from infra.local.intrinsics import PseudoParameters, Resolver, parameter_values
from infra.local.runtime import api_routes, api_stage_name
from infra.local.s3.cdn import BucketAccess, CacheBehavior, CloudFrontStandIn
from infra.local.sandbox import FunctionError
from infra.local.template import Template, load_template_text

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
# The keys of an HTTP API's payload format 1.0 event, as API Gateway sends them.
V1_EVENT_KEYS = {
    "version", "resource", "path", "httpMethod", "headers", "multiValueHeaders", "queryStringParameters",
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
    match = ROUTES.match(incoming.raw_path.split("?", maxsplit=1)[0], incoming.method)
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


def test_a_path_served_only_for_other_methods_matches_nothing() -> None:
    # When a GET goes to a path that has only POST and DELETE routes
    match = ROUTES.match("/api/users/7/follow", "GET")
    # Then no route matches (an HTTP API selects a route by method and path together)
    assert match is None


def test_the_method_is_matched_before_the_most_specific_path() -> None:
    # Given a literal path served for GET only, and a parameter path served for POST
    routes = RouteTable([Route("/a/me", "GET", "Literal"), Route("/a/{id}", "POST", "Parameter")])
    # When a POST goes to the literal path
    match = routes.match("/a/me", "POST")
    # Then the POST route with the parameter serves it, as an HTTP API's routing does
    assert match is not None
    assert (match.route.function_id, match.path_parameters) == ("Parameter", {"id": "me"})
    assert match.route_key == "POST /a/{id}"


def test_two_functions_for_one_method_and_path_are_refused() -> None:
    with pytest.raises(ValueError, match="two functions"):
        RouteTable([Route("/a", "GET", "One"), Route("/a", "get", "Two")])


# ---------------------------------------------------------------------- the proxy event
def test_the_event_has_exactly_an_http_apis_payload_1_shape() -> None:
    # When
    event = event_for(request("GET", "/api/users/42"))
    # Then
    assert set(event) == V1_EVENT_KEYS
    assert set(event["requestContext"]) == V1_REQUEST_CONTEXT_KEYS
    assert event["version"] == "1.0"
    assert event["resource"] == "/api/users/{userId}"
    assert event["path"] == "/v1/api/users/42"  # an HTTP API keeps a named stage in the path
    assert event["httpMethod"] == "GET"
    assert event["pathParameters"] == {"userId": "42"}
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["stageVariables"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/api/users/{userId}"
    assert context["resourceId"] == "GET /api/users/{userId}"  # the route key
    assert context["requestId"] == context["extendedRequestId"]
    assert len(context["requestId"]) == 16 and context["requestId"].endswith("=")
    assert context["path"] == "/v1/api/users/42"
    assert context["stage"] == "v1"
    assert context["accountId"] == "123456789012"
    assert context["identity"]["sourceIp"] == "127.0.0.1"
    assert context["identity"]["userAgent"] == "test/1.0"
    assert isinstance(context["requestTimeEpoch"], int)
    json.dumps(event)


def test_on_the_default_stage_the_path_has_no_stage() -> None:
    # Given the $default stage (an HTTP API without a StageName)
    incoming = request("GET", "/api/users/42")
    match = ROUTES.match("/api/users/42", "GET")
    assert match is not None
    # When
    event = build_proxy_event(incoming, match, ApiSettings(stage="$default", account_id="123456789012"))
    # Then
    assert event["path"] == event["requestContext"]["path"] == "/api/users/42"
    assert event["requestContext"]["stage"] == "$default"


def test_repeated_query_keys_and_headers_have_last_and_all_values() -> None:
    # When
    event = event_for(request("GET", "/api/users/1?tag=a&tag=b%20c&empty=", headers=[("Accept", "x"), ("Accept", "y")]))
    # Then
    assert event["queryStringParameters"] == {"tag": "b c", "empty": ""}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b c"], "empty": [""]}
    assert event["headers"]["Accept"] == "y"
    assert event["multiValueHeaders"]["Accept"] == ["x", "y"]
    assert event["headers"]["X-Forwarded-Proto"] == "http"


def body_of(content: bytes, content_type: str | None) -> tuple[str | None, bool]:
    headers = [("Host", "127.0.0.1:8000")] + ([("Content-Type", content_type)] if content_type else [])
    event = event_for(request("POST", "/api/users/1/follow", content, headers))
    return event["body"], event["isBase64Encoded"]


def test_a_text_typed_body_is_text_and_any_other_is_base64() -> None:
    # Given a JSON body, the same without a Content-Type, a form and bytes
    json_body = '{"é": 1}'.encode()
    # Then only the text-typed ones arrive as text, as an HTTP API sends them (it has no binary media types)
    assert body_of(json_body, "application/json; charset=utf-8") == ('{"é": 1}', False)
    assert body_of(b"hello", "text/plain") == ("hello", False)
    assert body_of(json_body, None) == (base64.b64encode(json_body).decode(), True)
    assert body_of(b"a=1", "application/x-www-form-urlencoded") == (base64.b64encode(b"a=1").decode(), True)
    assert body_of(b"\xff\x00", "application/octet-stream") == (base64.b64encode(b"\xff\x00").decode(), True)


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


def test_an_unknown_path_and_another_method_are_both_the_http_apis_404() -> None:
    # Given a gateway whose function would answer 200
    api = gateway(lambda *_: {"statusCode": 200})
    # When a request goes to no path, and another to a known path with a method it has no route for
    not_found = api.handle(request("GET", "/api/nope"))
    other_method = api.handle(request("PUT", "/api/users/1/follow"))
    # Then both get the HTTP API's own 404, byte for byte, and no Allow header
    for response in (not_found, other_method):
        assert response.status == 404
        assert response.body == b'{"message":"Not Found"}'
        assert response.function_id is None
        assert not any(name.lower() == "allow" for name, _ in response.headers)


def function_error(*_: Any) -> Any:
    raise FunctionError("ValueError", "boom")


def invocation_error(*_: Any) -> Any:
    raise TimeoutError("the sandbox did not answer")


def invalid_proxy_result(*_: Any) -> Any:
    return {"body": "no status"}


@pytest.mark.parametrize("invoke", [function_error, invocation_error, invalid_proxy_result])
def test_a_failed_integration_is_the_http_apis_500(invoke: Any) -> None:
    # When the function fails, cannot be invoked, or returns no proxy response
    response = gateway(invoke).handle(request("GET", "/api/users/1"))
    # Then the client gets the HTTP API's 500 (a REST API answered 502), the cause only in the log
    assert response.status == 500
    assert response.body == b'{"message":"Internal Server Error"}'
    assert response.function_id == "Api"
    assert any(name == "apigw-requestid" for name, _ in response.headers)


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
    assert ("apigw-requestid", seen[0]["requestContext"]["requestId"]) in response.headers


def test_route_match_is_what_build_proxy_event_needs() -> None:
    match = RouteMatch("/x", Route("/x", "GET", "F"), {})
    assert build_proxy_event(request("GET", "/x"), match, SETTINGS)["pathParameters"] is None


# ---------------------------------------------------------------------- what the runtime reads from the template
def stage_of(template_text: str) -> str:
    template = Template(document=load_template_text(template_text), base_dir=Path("/app"))
    pseudo = PseudoParameters(region="us-east-1", account_id="123456789012", stack_name="chirp-local")
    return api_stage_name(template, Resolver(template, parameter_values(template, {}), pseudo))


def test_the_stage_is_the_http_apis_stage_name_else_default() -> None:
    # Given an HTTP API with a StageName parameter, one without, and a REST API (not emulated)
    named = """
Parameters: {StageName: {Type: String, Default: v1}}
Resources: {Api: {Type: AWS::Serverless::HttpApi, Properties: {StageName: !Ref StageName}}}
"""
    unnamed = "Resources: {Api: {Type: AWS::Serverless::HttpApi}}"
    rest = "Resources: {Api: {Type: AWS::Serverless::Api, Properties: {StageName: prod}}}"
    # Then the first serves its stage, the others SAM's $default stage of an HTTP API
    assert [stage_of(text) for text in (named, unnamed, rest)] == ["v1", "$default", "$default"]


def test_only_http_api_events_become_routes() -> None:
    # Given a function with an HttpApi event, a REST Api event and a queue event
    events = [
        EventSource("Get", "HttpApi", {"ApiId": "ChirpApi", "Path": "/a/{id}", "Method": "get"}),
        EventSource("Rest", "Api", {"RestApiId": "Other", "Path": "/b", "Method": "get"}),
        EventSource("Work", "SQS", {"Queue": "arn"}),
    ]
    function = FunctionSpec("Fn", "fn", "arn", Path("/"), "m", "h", 3, 128, {}, events)
    # Then the HTTP API event alone is served (a REST API answers differently: emulating it would lie)
    assert api_routes([function]) == [Route("/a/{id}", "get", "Fn")]


# ---------------------------------------------------------------------- the web client's distribution on the port
class _AppBucket:
    """The web bucket as boto3 answers: index.html only."""

    def get_object(self, **arguments: Any) -> dict[str, Any]:
        if arguments["Key"] != "index.html":
            raise ClientError({"Error": {"Code": "NoSuchKey"}, "ResponseMetadata": {"HTTPStatusCode": 404}}, "Get")
        headers = {"content-type": "text/html", "content-length": "3"}
        body = type("Body", (), {"iter_chunks": lambda self, size: iter((b"app",)), "close": lambda self: None})()
        return {"ResponseMetadata": {"HTTPStatusCode": 200, "HTTPHeaders": headers}, "Body": body}


class _WebSockets:
    """A WebSocket API stage at /ws1/v1 whose `@connections` answers 410."""

    def serves_handshake(self, raw_path: str) -> bool:
        return raw_path.split("?", maxsplit=1)[0] == "/ws1/v1"

    def serves_path(self, raw_path: str) -> bool:
        return raw_path.split("?", maxsplit=1)[0].startswith("/ws1/v1")

    def handle_management(self, request: IncomingRequest) -> Any:
        return GatewayResponse(410, [], b"gone") if request.raw_path.startswith("/ws1/v1/@connections") else None


@pytest.fixture
def port_with_the_app() -> Iterator[str]:
    """The gateway's HTTP server with a route outside /api, a WebSocket stage, and the web distribution's default."""
    routes = RouteTable([Route("/api/health", "GET", "Api"), Route("/hooks/{id}", "GET", "Api")])
    invoke = lambda *_: {"statusCode": 200, "body": "api"}  # noqa: E731
    server = GatewayHttpServer(("127.0.0.1", 0), ApiGateway(routes, SETTINGS, invoke))
    default = CacheBehavior("Web", "*", "web", frozenset({"GET", "HEAD"}), "arn", viewer_request="spa-rewrite")
    read = ({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::web/*"},)
    server.cdn = CloudFrontStandIn([], {("Web", "web"): BucketAccess("web", read)}, _AppBucket(), default, ("api/*",))
    server.websockets = _WebSockets()  # type: ignore[assignment]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/u/ada", 200, b"app"),  # a route of the app: the distribution's index
        ("GET", "/", 200, b"app"),
        ("GET", "/api/health", 200, b"api"),  # the API's route
        ("GET", "/api/nope", 404, b'{"message":"Not Found"}'),  # under api/*: the API's 404, not the app
        ("GET", "/hooks/1", 200, b"api"),  # a route of the API outside api/*: still the API's
        ("GET", "/ws1/v1/@connections/abc", 410, b"gone"),  # the WebSocket API's management path
        ("POST", "/u/ada", 404, b'{"message":"Not Found"}'),  # the default behavior serves GET and HEAD only
        ("GET", "/_local/nothing", 404, b'{"message":"Not Found"}'),
    ],
)
def test_the_port_serves_the_app_only_where_nothing_else_does(
    port_with_the_app: str, method: str, path: str, status: int, body: bytes
) -> None:
    # When the path is asked for on the API's port
    response = httpx.request(method, f"{port_with_the_app}{path}", timeout=10)
    # Then the app, the API or the WebSocket API answers it, as the table says
    assert (response.status_code, response.content) == (status, body)
