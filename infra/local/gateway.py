"""An API Gateway (REST API, Lambda proxy integration) emulation in front of the API functions.

Routes come from the functions' `Type: Api` events. A request is matched to a resource the way API
Gateway does it (the most specific resource wins: literal segments before `{param}` before
`{proxy+}`; then the method, or `ANY`), turned into the v1 proxy event the function would receive in
AWS, and the function's proxy response is written back. Errors that API Gateway itself produces
(unknown path or method, oversized body, failed integration) are answered in Chirp's JSON error shape.

The same HTTP server serves the template's WebSocket APIs (`infra.local.websocket`) when there are any:
their handshakes on `/<api-id>/<stage>` and their `@connections` management API, before any REST route; and,
before those, the paths a CloudFront distribution serves from a bucket (`infra.local.s3.cdn`).
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

MAX_BODY_BYTES = 10 * 1024 * 1024  # API Gateway's payload limit
_BODILESS_STATUSES = frozenset({204, 304})
_ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


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
    route: Route | None  # None: the resource exists but not for this method
    path_parameters: dict[str, str]
    allowed_methods: list[str]


class RouteTable:
    """Resources and their methods; `match` finds the resource API Gateway would select."""

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
        candidates = []
        for resource in self._resources.values():
            found = resource.pattern.fullmatch(path)
            if found is not None:
                candidates.append((resource.rank, resource, found))
        if not candidates:
            return None
        _rank, resource, found = max(candidates, key=lambda candidate: candidate[0])
        route = resource.methods.get(method.upper()) or resource.methods.get("ANY")
        parameters = {name: unquote(value) for name, value in found.groupdict().items()}
        allowed = list(_ALL_METHODS) if "ANY" in resource.methods else sorted(resource.methods)
        return RouteMatch(resource.path, route, parameters, allowed)

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
    """What the HTTP server received, before API Gateway turns it into an event."""

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
    """The API Gateway REST (v1) proxy integration event for `request`."""
    split = urlsplit(request.raw_path)
    path = unquote(split.path)
    headers = gateway_headers(request)
    single_headers, multi_headers = single_and_multi(headers)
    query = parse_qsl(split.query, keep_blank_values=True)
    single_query, multi_query = single_and_multi(query)
    body, is_base64 = _event_body(request.body)
    now = datetime.now(UTC)
    request_id = str(uuid.uuid4())
    return {
        "resource": match.resource_path,
        "path": path,
        "httpMethod": request.method,
        "headers": single_headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": match.path_parameters or None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": _resource_id(match.resource_path),
            "resourcePath": match.resource_path,
            "httpMethod": request.method,
            "extendedRequestId": request_id.replace("-", "")[:16] + "=",
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "path": f"/{settings.stage}{path}",
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


def gateway_headers(request: IncomingRequest) -> list[tuple[str, str]]:
    """The request's headers plus those API Gateway adds (X-Forwarded-*, a trace id)."""
    present = {name.lower() for name, _value in request.headers}
    added = [
        ("X-Forwarded-For", request.source_ip),
        ("X-Forwarded-Port", str(request.port)),
        ("X-Forwarded-Proto", "http"),
        ("X-Amzn-Trace-Id", f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]}"),
    ]
    return list(request.headers) + [(name, value) for name, value in added if name.lower() not in present]


def single_and_multi(pairs: Iterable[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's two views of repeated keys: the last value, and every value in order."""
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        single[name] = value
        multi.setdefault(name, []).append(value)
    return single, multi


def _event_body(body: bytes) -> tuple[str | None, bool]:
    if not body:
        return None, False
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(body).decode("ascii"), True


def _identity(source_ip: str, headers: Mapping[str, str]) -> dict[str, Any]:
    user_agent = next((value for name, value in headers.items() if name.lower() == "user-agent"), None)
    blank = (
        "cognitoIdentityPoolId", "accountId", "cognitoIdentityId", "caller", "principalOrgId", "accessKey",
        "cognitoAuthenticationType", "cognitoAuthenticationProvider", "userArn", "user",
    )  # fmt: skip
    return {**dict.fromkeys(blank), "sourceIp": source_ip, "userAgent": user_agent}


def _resource_id(resource_path: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, resource_path).hex[:6]


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
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [("Content-Type", "application/json"), *extra_headers]
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
"""(function logical id, event, request id) -> the function's result."""


class ApiGateway:
    """Routes an incoming request to a function and shapes the HTTP response."""

    def __init__(self, routes: RouteTable, settings: ApiSettings, invoke: Invoke) -> None:
        self.routes = routes
        self.settings = settings
        self._invoke = invoke

    def handle(self, request: IncomingRequest) -> GatewayResponse:
        path = unquote(urlsplit(request.raw_path).path)
        match = self.routes.match(path, request.method)
        if match is None:
            return error_response(404, "not_found", f"no route matches {path}")
        if match.route is None:
            allowed = ", ".join(match.allowed_methods)
            message = f"{request.method} is not allowed on {match.resource_path}; allowed: {allowed}"
            return error_response(405, "method_not_allowed", message, [("Allow", allowed)])
        event = build_proxy_event(request, match, self.settings)
        request_id = event["requestContext"]["requestId"]
        if RUNTIME_METER.enabled:
            RUNTIME_METER.record_api_request(f"{match.route.method.upper()} {match.resource_path}")
        try:
            response = response_from_proxy_result(self._invoke(match.route.function_id, event, request_id))
        except FunctionError as error:  # the sandbox printed the handler's traceback
            print(
                f"[chirp-local] {match.route.function_id} failed on {request.method} {path}: {error}", file=sys.stderr
            )
            failed = error_response(502, "internal_error", f"the function failed: {error}")
            return replace(failed, function_id=match.route.function_id)
        except Exception as error:  # any failure of the integration is a 502, like API Gateway's
            print(f"[chirp-local] {match.route.function_id} failed on {request.method} {path}:", file=sys.stderr)
            traceback.print_exc()
            failed = error_response(502, "internal_error", f"the function failed: {type(error).__name__}: {error}")
            return replace(failed, function_id=match.route.function_id)
        headers = [*response.headers, ("x-amzn-RequestId", request_id)]
        return GatewayResponse(response.status, headers, response.body, match.route.function_id)


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
        body = self._read_body()
        if body is None:
            response = error_response(413, "payload_too_large", f"request bodies are limited to {MAX_BODY_BYTES} bytes")
            self.close_connection = True
        else:
            response = self._respond(self._incoming(body))
        self._write(response)
        elapsed_ms = (time.perf_counter() - started) * 1000
        log_line(request_line(self.command, self.path, response.status, elapsed_ms, response.function_id or "-"))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_request  # noqa: N815

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
        """A WebSocket API's `@connections` answer, else the REST API's."""
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
