"""An API Gateway HTTP API (v2, Lambda proxy integrations with payload format 1.0) emulation in front of the
API functions.

Routes come from the functions' `Type: HttpApi` events. A request is matched to a route the way an HTTP API
does it: among the routes of its method (or `ANY`), the most specific path wins (literal segments before
`{param}` before `{proxy+}`); a path served only for other methods matches nothing, as there is no `$default`
route. It is turned into the payload format 1.0 event the function would receive in AWS, and the function's
proxy response is written back. Errors the HTTP API itself produces are answered as it answers them:
`{"message":"Not Found"}` (404) for no route, `{"message":"Request Entity Too Large"}` (413) over 10 MB, and
`{"message":"Internal Server Error"}` (500) when the function fails or returns no valid proxy response (a REST
API answered 502 there). The stage's throttling (429 `{"message":"Too Many Requests"}`) is not emulated.

The same HTTP server serves the template's WebSocket APIs (`infra.local.websocket`) when there are any:
their handshakes on `/<api-id>/<stage>` and their `@connections` management API, before any HTTP API route; and,
before those, the paths a CloudFront distribution serves from a bucket (`infra.local.s3.cdn`). The distribution
in front of the API (the web client's) answers, with its default behavior, a GET or HEAD nothing else serves:
no route of the HTTP API, not under its API behaviors (`/api/...`), not `/_local/...` nor a WebSocket path.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from infra.local.metering import RUNTIME_METER
from infra.local.pollers import log_line
from infra.local.sandbox import FunctionError

if TYPE_CHECKING:
    from infra.local.s3.cdn import CloudFrontStandIn
    from infra.local.websocket import WebSocketGateway

MAX_BODY_BYTES = 10 * 1024 * 1024  # an HTTP API's payload limit
DEFAULT_STAGE = "$default"  # the stage an HTTP API serves without a stage segment in the URL
# Besides text/*, the media types an HTTP API passes to the function as text rather than base64.
TEXT_MEDIA_TYPES = frozenset({"application/json", "application/xml", "application/javascript"})
_BODILESS_STATUSES = frozenset({204, 304})


@dataclass(frozen=True)
class Route:
    """One API event: a resource path template, a method and the function that serves it."""

    path: str
    method: str
    function_id: str

    @property
    def segments(self) -> list[str]:
        return [segment for segment in self.path.split("/") if segment]


@dataclass
class _Resource:
    path: str
    pattern: re.Pattern[str]
    rank: tuple[int, ...]
    methods: dict[str, Route] = field(default_factory=dict)


@dataclass(frozen=True)
class RouteMatch:
    resource_path: str
    route: Route
    path_parameters: dict[str, str]

    @property
    def route_key(self) -> str:
        """`GET /api/users/{userId}`: the HTTP API's name for the route (`resourceId` in a 1.0 event)."""
        return f"{self.route.method.upper()} {self.resource_path}"


class RouteTable:
    """Route paths and their methods; `match` finds the route an HTTP API would select."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._resources: dict[str, _Resource] = {}
        for route in routes:
            self.add(route)

    def add(self, route: Route) -> None:
        resource = self._resources.get(route.path)
        if resource is None:
            pattern, rank = _compile_path(route.segments)
            resource = self._resources[route.path] = _Resource(route.path, pattern, rank)
        method = route.method.upper()
        if method in resource.methods:
            raise ValueError(f"two functions serve {method} {route.path}")
        resource.methods[method] = route

    def match(self, path: str, method: str) -> RouteMatch | None:
        """The most specific route of this method (or `ANY`) whose path matches; None when there is none, even
        if the path is served for other methods (an HTTP API has no 405: it answers 404 Not Found)."""
        candidates = []
        for resource in self._resources.values():
            route = resource.methods.get(method.upper()) or resource.methods.get("ANY")
            found = resource.pattern.fullmatch(path) if route is not None else None
            if route is not None and found is not None:
                candidates.append((resource.rank, resource, route, found))
        if not candidates:
            return None
        _rank, resource, route, found = max(candidates, key=lambda candidate: candidate[0])
        parameters = {name: unquote(value) for name, value in found.groupdict().items()}
        return RouteMatch(resource.path, route, parameters)

    @property
    def routes(self) -> list[Route]:
        return [route for resource in self._resources.values() for route in resource.methods.values()]


def _compile_path(segments: list[str]) -> tuple[re.Pattern[str], tuple[int, ...]]:
    """A regex for a resource path template and its specificity (literal 2, {param} 1, {proxy+} 0)."""
    parts, rank = [], []
    for segment in segments:
        greedy = re.fullmatch(r"\{(\w+)\+\}", segment)
        parameter = re.fullmatch(r"\{(\w+)\}", segment)
        if greedy:
            parts.append(f"(?P<{greedy.group(1)}>.+)")
            rank.append(0)
        elif parameter:
            parts.append(f"(?P<{parameter.group(1)}>[^/]+)")
            rank.append(1)
        else:
            parts.append(re.escape(segment))
            rank.append(2)
    return re.compile("/" + "/".join(parts) + "/?"), tuple(rank)


# ---------------------------------------------------------------------- proxy event
@dataclass(frozen=True)
class IncomingRequest:
    """What the HTTP server received, before the HTTP API turns it into an event."""

    method: str
    raw_path: str  # path and query string as sent
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str
    port: int


@dataclass(frozen=True)
class ApiSettings:
    stage: str
    account_id: str
    api_id: str = "local"


def build_proxy_event(request: IncomingRequest, match: RouteMatch, settings: ApiSettings) -> dict[str, Any]:
    """The event an HTTP API's Lambda proxy integration with payload format 1.0 sends for `request`.

    As AWS sends it (AWS's "Create AWS Lambda proxy integrations for HTTP APIs", payload format 1.0, and events
    captured from HTTP APIs): `version` 1.0; `resourceId` is the route key (`GET /api/users/{userId}`), not a
    REST resource id; `requestId` is the short id (`NIKr1jmIFiAEJmw=`) also in `extendedRequestId` and in the
    response's `apigw-requestid` header; `path` (and `requestContext.path`) start with the stage's name unless
    the stage is `$default`; header names as the client sent them; a body not of a text type base64-encoded.
    Chalice routes on `resourcePath` and decodes a base64 body.
    """
    split = urlsplit(request.raw_path)
    path = unquote(split.path)
    headers = gateway_headers(request)
    single_headers, multi_headers = single_and_multi(headers)
    query = parse_qsl(split.query, keep_blank_values=True)
    single_query, multi_query = single_and_multi(query)
    content_type = next((value for name, value in request.headers if name.lower() == "content-type"), None)
    body, is_base64 = _event_body(request.body, content_type)
    now = datetime.now(UTC)
    request_id = new_request_id()
    stage_path = path if settings.stage == DEFAULT_STAGE else f"/{settings.stage}{path}"
    return {
        "version": "1.0",
        "resource": match.resource_path,
        "path": stage_path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": match.route_key,
            "resourcePath": match.resource_path,
            "httpMethod": request.method,
            "extendedRequestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": stage_path,
            "accountId": settings.account_id,
            "protocol": "HTTP/1.1",
            "stage": settings.stage,
            "domainPrefix": request.host.split(".")[0],
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "requestId": request_id,
            "identity": _identity(request.source_ip, single_headers),
            "domainName": request.host,
            "apiId": settings.api_id,
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


def new_request_id() -> str:
    """An HTTP API request id: 15 URL-safe base64 characters and `=` (`WSg1ihmdliAEJXA=`)."""
    return base64.b64encode(uuid.uuid4().bytes[:11]).decode("ascii")[:15].replace("+", "A").replace("/", "B") + "="


def gateway_headers(request: IncomingRequest) -> list[tuple[str, str]]:
    """The request's headers plus those the HTTP API adds (X-Forwarded-*, a trace id)."""
    present = {name.lower() for name, _value in request.headers}
    added = [
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", str(request.port)),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
    ]
    return list(request.headers) + [(name, value) for name, value in added if name.lower() not in present]


def single_and_multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """Payload format 1.0's two views of repeated keys: the last value, and every value in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _event_body(body: bytes, content_type: str | None) -> tuple[str | None, bool]:
    """The body as text for a text content type, else base64: an HTTP API has no binary media types, and sends
    as text only `text/*`, JSON, XML and JavaScript (no Content-Type, or a form, arrives base64-encoded)."""
    if not body:
        return None, False
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type.startswith("text/") or media_type in TEXT_MEDIA_TYPES:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(body).decode("ascii"), True


def _identity(source_ip: str, headers: Mapping[str, str]) -> dict[str, Any]:
    user_agent = next((value for name, value in headers.items() if name.lower() == "user-agent"), None)
    blank = (
        "accessKey", "accountId", "caller", "cognitoAmr", "cognitoAuthenticationProvider", "cognitoAuthenticationType",
        "cognitoIdentityId", "cognitoIdentityPoolId", "principalOrgId", "user", "userArn",
    )  # fmt: skip
    return {**dict.fromkeys(blank), "sourceIp": source_ip, "userAgent": user_agent}


# ---------------------------------------------------------------------- proxy response
@dataclass(frozen=True)
class GatewayResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    function_id: str | None = None  # the function that answered (the terminal's request line)


class InvalidProxyResponseError(ValueError):
    """The function returned something that is not a proxy integration response."""


def response_from_proxy_result(result: Any) -> GatewayResponse:
    """Turn a function's `{statusCode, headers, multiValueHeaders, body, isBase64Encoded}` into HTTP."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int | str):
        raise InvalidProxyResponseError(f"the function returned {type(result).__name__}, not a proxy response")
    headers: list[tuple[str, str]] = []
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        headers.extend((name, str(value)) for value in values)
    covered = {name.lower() for name in multi}
    for name, value in (result.get("headers") or {}).items():
        if name.lower() not in covered:
            headers.append((name, str(value)))
    body = result.get("body") or ""
    if not isinstance(body, str):
        raise InvalidProxyResponseError("the proxy response's body must be a string")
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    return GatewayResponse(int(result["statusCode"]), headers, payload)


def error_response(
    status: int, code: str, message: str, extra_headers: Iterable[tuple[str, str]] = ()
) -> GatewayResponse:
    """The local runtime's own endpoints' errors (/_local/*, still starting), in Chirp's error shape."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [("Content-Type", "application/json"), *extra_headers]
    return GatewayResponse(status, headers, body)


HTTP_API_MESSAGES = {
    404: "Not Found",
    413: "Request Entity Too Large",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


def http_api_error(status: int, request_id: str | None = None) -> GatewayResponse:
    """An answer the HTTP API gives itself, before or instead of the function's: `{"message":"Not Found"}`."""
    body = json.dumps({"message": HTTP_API_MESSAGES[status]}, separators=(",", ":")).encode()
    headers = [("Content-Type", "application/json"), ("apigw-requestid", request_id or new_request_id())]
    return GatewayResponse(status, headers, body)


def meter_response(method: str, raw_path: str) -> GatewayResponse:
    """`GET /_local/meter` (`?reset=1`: and empty it), `DELETE /_local/meter`: the runtime's metered units."""
    if not RUNTIME_METER.enabled:
        return error_response(404, "metering_off", "metering is off: start the runtime with CHIRP_METER=1")
    if method not in ("GET", "DELETE"):
        return error_response(405, "method_not_allowed", "GET or DELETE /_local/meter", [("Allow", "DELETE, GET")])
    reset = method == "DELETE" or dict(parse_qsl(urlsplit(raw_path).query)).get("reset") == "1"
    body = json.dumps(RUNTIME_METER.snapshot(reset=reset)).encode()
    return GatewayResponse(200, [("Content-Type", "application/json")], body)


def status_response(method: str, status: Callable[[], dict[str, Any]]) -> GatewayResponse:
    """`GET /_local/status`: the running runtime's queues, pollers, sandboxes and faults (infra.local.status)."""
    if method != "GET":
        return error_response(405, "method_not_allowed", "GET /_local/status", [("Allow", "GET")])
    body = json.dumps(status(), default=str).encode()
    return GatewayResponse(200, [("Content-Type", "application/json")], body)


def request_line(method: str, raw_path: str, status: int, elapsed_ms: float, function_id: str) -> str:
    """`[api]   GET    200    12.3 ms  ApiFunction              /api/timeline?limit=20`: aligned, the path
    last (its length varies); the function `-` when none answered (no route, a local endpoint)."""
    return f"[api]   {method:<7} {status:<4} {elapsed_ms:>8.1f} ms  {function_id:<28} {raw_path}"


# ---------------------------------------------------------------------- the gateway
Invoke = Callable[[str, dict[str, Any], str], Any]
"""(function logical id, event, Lambda request id) -> the function's result."""


class ApiGateway:
    """Routes an incoming request to a function and shapes the HTTP response, as an HTTP API does."""

    def __init__(self, routes: RouteTable, settings: ApiSettings, invoke: Invoke) -> None:
        self.routes = routes
        self.settings = settings
        self._invoke = invoke

    def handle(self, request: IncomingRequest) -> GatewayResponse:
        path = unquote(urlsplit(request.raw_path).path)
        match = self.routes.match(path, request.method)
        if match is None:  # no route of this method: the HTTP API's 404, whatever other methods the path has
            return http_api_error(404)
        event = build_proxy_event(request, match, self.settings)
        request_id = event["requestContext"]["requestId"]
        if RUNTIME_METER.enabled:
            RUNTIME_METER.record_api_request(match.route_key)
        try:  # Lambda's own request id is a UUID of its own, not the HTTP API's
            response = response_from_proxy_result(self._invoke(match.route.function_id, event, str(uuid.uuid4())))
        except FunctionError as error:  # the sandbox printed the handler's traceback
            print(
                f"[chirp-local] {match.route.function_id} failed on {request.method} {path}: {error}", file=sys.stderr
            )
            return self._integration_failed(match, request_id)
        except Exception:  # any failure of the integration is the HTTP API's 500 (a REST API's was 502)
            print(f"[chirp-local] {match.route.function_id} failed on {request.method} {path}:", file=sys.stderr)
            traceback.print_exc()
            return self._integration_failed(match, request_id)
        headers = [*response.headers, ("apigw-requestid", request_id)]
        return GatewayResponse(response.status, headers, response.body, match.route.function_id)

    @staticmethod
    def _integration_failed(match: RouteMatch, request_id: str) -> GatewayResponse:
        """`{"message":"Internal Server Error"}`: what the client of an HTTP API sees (the cause is in the log)."""
        return replace(http_api_error(500, request_id), function_id=match.route.function_id)


class _GatewayRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body leave in two writes: no 40 ms delayed-ACK stall
    server: GatewayHttpServer

    def do_request(self) -> None:
        started = time.perf_counter()
        cdn = self.server.cdn
        if cdn is not None and cdn.match(self.path) is not None:
            status = self._serve_cdn(cdn)
            log_line(request_line(self.command, self.path, status, (time.perf_counter() - started) * 1000, "cdn"))
            return
        if urlsplit(self.path).path == "/_local/status" and self.server.status is not None:
            self._read_body()  # the runtime's queues, pollers and sandboxes (`make status`, infra.local.status)
            self._write(status_response(self.command, self.server.status))
            return
        if urlsplit(self.path).path == "/_local/meter":  # the local runtime's billed units (infra.local.metering)
            self._read_body()
            self._write(meter_response(self.command, self.path))
            return
        websockets = self.server.websockets
        if websockets is not None and self.command == "GET" and websockets.serves_handshake(self.path):
            self.close_connection = True  # the socket is the WebSocket's until it closes
            websockets.serve(self._incoming(b""), self.connection)  # logs its own lines
            return
        if cdn is not None and self._serves_default(cdn):  # the web client, /u/ada, /assets/...
            status = self._serve_cdn(cdn)
            log_line(request_line(self.command, self.path, status, (time.perf_counter() - started) * 1000, "cdn"))
            return
        body = self._read_body()
        if body is None:
            response = http_api_error(413)  # over MAX_BODY_BYTES
            self.close_connection = True
        else:
            response = self._respond(self._incoming(body))
        self._write(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log_line(request_line(self.command, self.path, response.status, elapsed_ms, response.function_id or "-"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_request  # noqa: N815

    def _serves_default(self, cdn: CloudFrontStandIn) -> bool:
        """Whether the distribution's default behavior answers this request: nothing else on the port serves it."""
        path = unquote(urlsplit(self.path).path)
        gateway, websockets = self.server.gateway, self.server.websockets
        return (
            cdn.serves_default(self.command, self.path)
            and gateway is not None  # still starting: the 503 of every path
            and not path.startswith("/_local/")
            and not (websockets is not None and websockets.serves_path(self.path))
            and gateway.routes.match(path, self.command) is None
        )

    def _serve_cdn(self, cdn: CloudFrontStandIn) -> int:
        """A CloudFront distribution's path: the object, streamed (a video is not read whole)."""
        if self._read_body() is None:
            self.close_connection = True  # a body this large on a GET or HEAD is not read: the connection ends
        response = cdn.respond(self.command, self.path, dict(self.headers.items()))
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        for chunk in response.body:
            if self.command != "HEAD" and response.status not in _BODILESS_STATUSES:
                self.wfile.write(chunk)
        return response.status

    def _respond(self, request: IncomingRequest) -> GatewayResponse:
        """A WebSocket API's `@connections` answer, else the HTTP API's."""
        websockets = self.server.websockets
        management = websockets.handle_management(request) if websockets is not None else None
        if management is not None:
            return management
        if self.server.gateway is None:
            return error_response(503, "starting", "the local runtime is still starting")
        return self.server.gateway.handle(request)

    def _read_body(self) -> bytes | None:
        """The request body, or None when it exceeds the limit (then it is not read)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked_body(self) -> bytes | None:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                return None
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _incoming(self, body: bytes) -> IncomingRequest:
        host, port = self.server.server_address[:2]
        return IncomingRequest(
            method=self.command,
            raw_path=self.path,
            headers=_header_pairs(self.headers),
            body=body,
            source_ip=self.client_address[0],
            host=self.headers.get("Host", f"{host!s}:{port}").split(":")[0],
            port=int(port),
        )

    def _write(self, response: GatewayResponse) -> None:
        bodiless = response.status in _BODILESS_STATUSES  # HTTP forbids a body there, whatever the function said
        self.send_response(response.status)
        skipped = {"content-length", "connection", "transfer-encoding"}
        for name, value in response.headers:
            if name.lower() not in skipped:
                self.send_header(name, value)
        if not bodiless:
            self.send_header("Content-Length", str(len(response.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and not bodiless:
            self.wfile.write(response.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log: do_request prints a shorter one."""


def _header_pairs(headers: Message) -> list[tuple[str, str]]:
    return [(name, value) for name, value in headers.items()]


class GatewayHttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], gateway: ApiGateway | None) -> None:
        self.gateway = gateway
        self.websockets: WebSocketGateway | None = None  # set when the template declares WebSocket APIs
        self.cdn: CloudFrontStandIn | None = None  # set when a CloudFront distribution serves a bucket
        self.status: Callable[[], dict[str, Any]] | None = None  # the runtime's, once it serves (/_local/status)
        super().__init__(address, _GatewayRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up is no error of the server's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
