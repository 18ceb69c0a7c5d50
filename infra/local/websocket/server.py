"""The WebSocket API gateway: handshakes, route invocations and the `@connections` management API.

A handshake on `/<api-id>/<stage>` runs `$connect` before it is answered: a 2xx `statusCode` completes
it (the function's headers, `Sec-WebSocket-Protocol` say, join the 101 answer); another status refuses it
with that status and the function's body; a function that fails or answers no proxy response refuses it
with 502, as AWS does (502 measured; AWS's body for these refusals is not known, so it is the function's
body, or empty). No `$connect` route: the handshake completes. Each text message then goes, through
route selection, to its route's function, one message after the other per connection (API Gateway
gives no order; this is one order it may take); a function failure sends the client AWS's "Internal
server error" frame, no matching route its "Forbidden" one, and only a two-way route (one with a
`RouteResponseSelectionExpression`) sends the function's body back. Once a connection is closed, by the
client, by `DeleteConnection` or by a limit, `$disconnect` runs once, after the messages before it.

The management API answers `POST`/`GET`/`DELETE /<api-id>/<stage>/@connections/<id>` as API Gateway
does: 200 (data sent, as one text frame when it is UTF-8, else binary), 200 with the connection's
`connectedAt`, `identity` and `lastActiveAt`, 204 (closed); 410 `GoneException` for a connection that
is not open (during its `$connect`, too, as on AWS), 413 `PayloadTooLargeException` over 128 KB, 403
`ForbiddenException` for an unknown api or stage. boto3 reads the error's code from `x-amzn-ErrorType`
(restJson); the bodies' wording is not AWS's own, which is not documented.

Not emulated: authorizers, API keys, request validation and mapping templates, integrations other than
Lambda proxy, the 29-second integration timeout, `LimitExceededException` (a client that stops reading
has its connection dropped instead). When the runtime stops it drops every connection without
`$disconnect` (the functions stop with it).
"""

from __future__ import annotations

import contextlib
import http
import json
import re
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response
from websockets.server import ServerProtocol

from infra.local.gateway import (
    GatewayResponse,
    IncomingRequest,
    InvalidProxyResponseError,
    gateway_headers,
    response_from_proxy_result,
)
from infra.local.sandbox import FunctionError
from infra.local.websocket.api import WebSocketRoute, WebSocketStage
from infra.local.websocket.connection import (
    DELETED,
    GOING_AWAY,
    MAX_MESSAGE_BYTES,
    Connection,
    ConnectionGone,
    ConnectionLimits,
    server_protocol,
)
from infra.local.websocket.events import (
    CONNECT_ROUTE,
    DISCONNECT_ROUTE,
    ConnectionContext,
    connect_event,
    disconnect_event,
    error_frame,
    message_event,
    new_event_id,
    select_route,
)

Invoke = Callable[[str, dict[str, Any], str], Any]
"""(function logical id, event, request id) -> the function's result."""

_MANAGEMENT_PATH = re.compile(r"/(?P<api_id>[^/]+)/(?P<stage>[^/]+)/@connections/(?P<connection_id>[^/]+)/?")
# Headers of the function's $connect answer that the handshake itself decides.
_HANDSHAKE_HEADERS = frozenset(
    {"connection", "upgrade", "content-length", "transfer-encoding", "sec-websocket-accept", "date"}
)
NO_ROUTE = "Forbidden"
INTEGRATION_FAILED = "Internal server error"


class IntegrationError(Exception):
    """The route's function could not be invoked (`status` 500), or failed (502): an integration error."""

    def __init__(self, where: str, status: int) -> None:
        super().__init__(where)
        self.status = status


@dataclass
class _Live:
    """An open connection and what its events share."""

    stage: WebSocketStage
    context: ConnectionContext
    connection: Connection


class WebSocketGateway:
    """Serves the stages of the template's WebSocket APIs on the API gateway's HTTP server."""

    def __init__(
        self, stages: Iterable[WebSocketStage], invoke: Invoke, limits: ConnectionLimits | None = None
    ) -> None:
        self.stages = {stage.path: stage for stage in stages}
        self.limits = limits or ConnectionLimits()
        self._invoke = invoke
        self._connections: dict[str, _Live] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # set when the runtime stops: no more invocations

    def serves_handshake(self, raw_path: str) -> bool:
        return urlsplit(raw_path).path.rstrip("/") in self.stages

    def serves_path(self, raw_path: str) -> bool:
        """A stage's handshake path or an `@connections` path (the web client's default behavior leaves them)."""
        path = urlsplit(raw_path).path
        return self.serves_handshake(raw_path) or _MANAGEMENT_PATH.fullmatch(unquote(path)) is not None

    # ------------------------------------------------------------------ handshake, messages, disconnect
    def serve(self, request: IncomingRequest, sock: Any) -> None:
        """Answer the handshake `request` on `sock`; if it opens, read its messages until it closes."""
        stage = self.stages[urlsplit(request.raw_path).path.rstrip("/")]
        protocol = server_protocol()
        # The HTTP server has read the request already: the protocol is given it again, as it starts by
        # parsing a handshake request before any frame.
        protocol.receive_data(_handshake_request(request).serialize())
        parsed = [event for event in protocol.events_received() if isinstance(event, Request)]
        if not parsed:  # a request it cannot parse: its answer (414, 431), or none, is what it has to send
            _send_all(sock, protocol)
            return
        handshake = protocol.accept(parsed[0])
        if handshake.status_code != http.HTTPStatus.SWITCHING_PROTOCOLS:
            _refuse(sock, protocol, handshake)
            return
        context = _connection_context(stage, request)
        started = time.perf_counter()
        verdict = self._run_connect(stage, context, request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        _log(f"WS CONNECT {stage.path} {verdict.status} {elapsed_ms:.1f}ms {context.connection_id}")
        if not 200 <= verdict.status < 300:
            _refuse(sock, protocol, _refusal(verdict))
            return
        for name, value in verdict.headers:
            if name.lower() not in _HANDSHAKE_HEADERS:
                handshake.headers[name] = value
        live = _Live(stage, context, Connection(sock, protocol, self.limits, handshake))
        self._read_until_closed(live)

    def _read_until_closed(self, live: _Live) -> None:
        connection_id = live.context.connection_id
        with self._lock:
            self._connections[connection_id] = live
        invocations = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"ws-{connection_id}")
        try:
            for message in live.connection.messages():
                invocations.submit(self._on_message, live, message)
        finally:
            with self._lock:
                self._connections.pop(connection_id, None)
            live.connection.abort()
            code, reason = live.connection.disconnect_status()
            invocations.submit(self._on_disconnect, live, code, reason)
            invocations.shutdown(wait=False)

    def _run_connect(
        self, stage: WebSocketStage, context: ConnectionContext, request: IncomingRequest
    ) -> GatewayResponse:
        route = stage.routes.get(CONNECT_ROUTE)
        if route is None:
            return GatewayResponse(200, [], b"")
        request_id = new_event_id()
        event = connect_event(
            context, gateway_headers(request), urlsplit(request.raw_path).query, datetime.now(UTC), request_id
        )
        try:
            return response_from_proxy_result(self._invoke_route(stage, route, event, request_id))
        except IntegrationError as error:
            return GatewayResponse(error.status, [], b"")
        except InvalidProxyResponseError as error:
            _log(f"{route.function_id} answered $connect with no proxy response: {error}")
            return GatewayResponse(502, [], b"")

    def _on_message(self, live: _Live, message: str) -> None:
        if self._stopping.is_set():
            return
        route_key = select_route(live.stage.route_selection_expression, message, live.stage.routes)
        request_id = new_event_id()
        if route_key is None:
            self._send_quietly(live, error_frame(NO_ROUTE, live.context.connection_id, request_id))
            return
        route = live.stage.routes[route_key]
        event = message_event(
            live.context, route_key, message, now=datetime.now(UTC), request_id=request_id, message_id=new_event_id()
        )
        started = time.perf_counter()
        try:
            result = self._invoke_route(live.stage, route, event, request_id)
        except IntegrationError:
            self._send_quietly(live, error_frame(INTEGRATION_FAILED, live.context.connection_id, request_id))
            return
        finally:
            _log(f"WS {route_key} {live.context.connection_id} {(time.perf_counter() - started) * 1000:.1f}ms")
        body = result.get("body") if isinstance(result, dict) else None
        if route.returns_response and isinstance(body, str) and body:
            self._send_quietly(live, body)

    def _on_disconnect(self, live: _Live, code: int, reason: str) -> None:
        _log(f"WS DISCONNECT {live.stage.path} {code} {live.context.connection_id}")
        route = live.stage.routes.get(DISCONNECT_ROUTE)
        if route is None or self._stopping.is_set():
            return
        request_id = new_event_id()
        event = disconnect_event(live.context, code, reason, datetime.now(UTC), request_id)
        with contextlib.suppress(IntegrationError):  # logged; API Gateway's $disconnect is best effort
            self._invoke_route(live.stage, route, event, request_id)

    def _invoke_route(
        self, stage: WebSocketStage, route: WebSocketRoute, event: dict[str, Any], request_id: str
    ) -> Any:
        where = f"{stage.path} {route.route_key}"
        if route.function_id is None:
            _log(f"{where}: its integration is not a Lambda proxy integration, which is all this runtime runs")
            raise IntegrationError(where, 500)
        if not route.invoke_allowed:
            _log(
                f"{where}: no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke {route.function_id} "
                "(AWS: 'Invalid permissions on Lambda function')"
            )
            raise IntegrationError(where, 500)
        try:
            return self._invoke(route.function_id, event, request_id)
        except FunctionError as error:  # the sandbox printed the handler's traceback
            _log(f"{route.function_id} failed on {where}: {error}")
            raise IntegrationError(where, 502) from error
        except Exception as error:
            _log(f"{route.function_id} failed on {where}:")
            traceback.print_exc()
            raise IntegrationError(where, 502) from error

    @staticmethod
    def _send_quietly(live: _Live, text: str) -> None:
        """Send to the client unless it has gone meanwhile (then there is no one to tell)."""
        with contextlib.suppress(ConnectionGone):
            live.connection.send(text.encode("utf-8"))

    def close_all(self) -> None:
        """Drop every connection, without `$disconnect`: the runtime is stopping, its functions too."""
        self._stopping.set()
        with self._lock:
            connections = [live.connection for live in self._connections.values()]
        for connection in connections:
            connection.close(*GOING_AWAY)
            connection.abort()

    # ------------------------------------------------------------------ the management API
    def handle_management(self, request: IncomingRequest) -> GatewayResponse | None:
        """Answer an `@connections` request; None when `request` is not one."""
        found = _MANAGEMENT_PATH.fullmatch(unquote(urlsplit(request.raw_path).path))
        if found is None:
            return None
        stage = self.stages.get(f"/{found['api_id']}/{found['stage']}")
        if stage is None:
            return _management_error(403, "ForbiddenException", "Forbidden")
        with self._lock:
            live = self._connections.get(found["connection_id"])
        if live is None or live.stage is not stage or not live.connection.is_open:
            return _management_error(410, "GoneException", "Gone")
        return self._manage(live, request)

    def _manage(self, live: _Live, request: IncomingRequest) -> GatewayResponse:
        if request.method == "POST":
            return self._post(live, request.body)
        if request.method == "GET":
            return _json_response(200, _connection_description(live))
        if request.method == "DELETE":
            live.connection.close(*DELETED)
            return GatewayResponse(204, [("x-amzn-RequestId", str(uuid.uuid4()))], b"")
        return _management_error(403, "ForbiddenException", "Forbidden")

    @staticmethod
    def _post(live: _Live, data: bytes) -> GatewayResponse:
        if len(data) > MAX_MESSAGE_BYTES:
            return _management_error(413, "PayloadTooLargeException", "Message too long")
        try:
            live.connection.send(data)
        except ConnectionGone:
            return _management_error(410, "GoneException", "Gone")
        return GatewayResponse(200, [("x-amzn-RequestId", str(uuid.uuid4()))], b"")


# ---------------------------------------------------------------------- helpers
def _handshake_request(request: IncomingRequest) -> Request:
    return Request(path=request.raw_path, headers=Headers(request.headers), method=request.method)


def _connection_context(stage: WebSocketStage, request: IncomingRequest) -> ConnectionContext:
    user_agent = next((value for name, value in request.headers if name.lower() == "user-agent"), None)
    return ConnectionContext(
        connection_id=new_event_id(),
        api_id=stage.api_id,
        stage=stage.stage,
        domain_name=request.host,
        source_ip=request.source_ip,
        user_agent=user_agent,
        connected_at=datetime.now(UTC),
    )


def _refusal(verdict: GatewayResponse) -> Response:
    """The handshake's answer when `$connect` refused the connection."""
    try:
        phrase = http.HTTPStatus(verdict.status).phrase
    except ValueError:
        phrase = "Unknown"
    content_type = next((value for name, value in verdict.headers if name.lower() == "content-type"), None)
    headers = Headers([("Content-Length", str(len(verdict.body))), ("Connection", "close")])
    if content_type and verdict.body:
        headers["Content-Type"] = content_type
    return Response(verdict.status, phrase, headers, verdict.body)


def _refuse(sock: Any, protocol: ServerProtocol, response: Response) -> None:
    protocol.send_response(response)
    _send_all(sock, protocol)


def _send_all(sock: Any, protocol: ServerProtocol) -> None:
    """Write what the protocol has to send (the HTTP server closes the socket afterwards)."""
    for chunk in protocol.data_to_send():
        if chunk:
            sock.sendall(chunk)


def _connection_description(live: _Live) -> dict[str, Any]:
    """GetConnection's answer (its wire names: the SDKs present them as ConnectedAt, Identity, ...)."""
    return {
        "connectedAt": _iso8601(live.context.connected_at),
        "identity": {"sourceIp": live.context.source_ip, "userAgent": live.context.user_agent or ""},
        "lastActiveAt": _iso8601(live.connection.last_active_at),
    }


def _iso8601(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _json_response(status: int, document: dict[str, Any]) -> GatewayResponse:
    headers = [("Content-Type", "application/json"), ("x-amzn-RequestId", str(uuid.uuid4()))]
    return GatewayResponse(status, headers, json.dumps(document).encode())


def _management_error(status: int, code: str, message: str) -> GatewayResponse:
    """An error botocore maps to `client.exceptions.<code>` (restJson: the code is in x-amzn-ErrorType)."""
    headers = [
        ("Content-Type", "application/json"),
        ("x-amzn-ErrorType", code),
        ("x-amzn-RequestId", str(uuid.uuid4())),
    ]
    return GatewayResponse(status, headers, json.dumps({"message": message}).encode())


def _log(message: str) -> None:
    print(f"[chirp-local] {message}", file=sys.stderr, flush=True)
