"""The events API Gateway sends a WebSocket API's Lambda proxy integration, its ids and its route selection.

Shapes as API Gateway sends them (compared with events captured on AWS: the `apiGatewayWebSocketApi*.json`
samples of aws-lambda-powertools' tests and the `apigw-websocket-request-*.json` ones of aws-lambda-go):

- every event: `requestContext` with `routeKey`, `eventType` (CONNECT, MESSAGE or DISCONNECT),
  `extendedRequestId` and `requestId` (the same id), `requestTime`, `messageDirection: "IN"`, `stage`,
  `connectedAt`, `requestTimeEpoch`, `identity` (`sourceIp`; `userAgent` when the client sent one),
  `domainName`, `connectionId`, `apiId`; and `isBase64Encoded: false`.
- CONNECT: the handshake's `headers` and `multiValueHeaders` (without its hop-by-hop `Connection` and
  `Upgrade`, with API Gateway's `X-Forwarded-*` and `X-Amzn-Trace-Id`); `queryStringParameters` and
  `multiValueQueryStringParameters` only when the URL has a query string (AWS leaves both keys out
  otherwise). No body.
- MESSAGE: `requestContext.messageId`, and the message as `body`; no headers at all.
- DISCONNECT: `disconnectStatusCode` and `disconnectReason` in `requestContext`; the fixed headers AWS
  sends (`Host`, and `x-api-key`, `X-Forwarded-For`, `x-restapi` all empty). No body.

Ids (connection, request, message) are 16 characters ending in `=`, as AWS's (`L0SM9cOFvHcCIhw=`):
URL-safe base64 of 11 random bytes. AWS's carry a time and host part; these are random.

Not as on AWS: `domainName` is the host the client connected to (`127.0.0.1`), and the api id is a path
segment locally, so `https://{domainName}/{stage}` is not the management endpoint here: a function takes
it from its environment (the template's `${Api.ApiEndpoint}/${Stage}`), which is right on both.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from infra.local.gateway import single_and_multi

CONNECT_ROUTE = "$connect"
DISCONNECT_ROUTE = "$disconnect"
DEFAULT_ROUTE = "$default"
_HOP_BY_HOP_HEADERS = frozenset({"connection", "upgrade"})


def new_event_id() -> str:
    """A connection, request or message id in AWS's format: 16 characters, the last one `=`."""
    return base64.urlsafe_b64encode(secrets.token_bytes(11)).decode("ascii")


@dataclass(frozen=True)
class ConnectionContext:
    """What every event of one connection shares."""

    connection_id: str
    api_id: str
    stage: str
    domain_name: str
    source_ip: str
    user_agent: str | None
    connected_at: datetime


def _request_context(
    connection: ConnectionContext, route_key: str, event_type: str, now: datetime, request_id: str
) -> dict[str, Any]:
    identity: dict[str, str] = {"sourceIp": connection.source_ip}
    if connection.user_agent is not None:
        identity = {"userAgent": connection.user_agent, **identity}
    return {
        "routeKey": route_key,
        "eventType": event_type,
        "extendedRequestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "messageDirection": "IN",
        "stage": connection.stage,
        "connectedAt": _epoch_ms(connection.connected_at),
        "requestTimeEpoch": _epoch_ms(now),
        "identity": identity,
        "requestId": request_id,
        "domainName": connection.domain_name,
        "connectionId": connection.connection_id,
        "apiId": connection.api_id,
    }


def connect_event(
    connection: ConnectionContext,
    headers: Iterable[tuple[str, str]],
    query: str,
    now: datetime,
    request_id: str,
) -> dict[str, Any]:
    """The `$connect` event, from the handshake's headers (API Gateway's own added) and query string."""
    kept = [(name, value) for name, value in headers if name.lower() not in _HOP_BY_HOP_HEADERS]
    single_headers, multi_headers = single_and_multi(kept)
    event: dict[str, Any] = {"headers": single_headers, "multiValueHeaders": multi_headers}
    if query:
        single_query, multi_query = single_and_multi(parse_qsl(query, keep_blank_values=True))
        event["queryStringParameters"] = single_query
        event["multiValueQueryStringParameters"] = multi_query
    event["requestContext"] = _request_context(connection, CONNECT_ROUTE, "CONNECT", now, request_id)
    event["isBase64Encoded"] = False
    return event


def message_event(
    connection: ConnectionContext, route_key: str, body: str, *, now: datetime, request_id: str, message_id: str
) -> dict[str, Any]:
    """A message's event, for the route it selected."""
    context = _request_context(connection, route_key, "MESSAGE", now, request_id)
    with_message_id = {"routeKey": route_key, "messageId": message_id, **context}
    return {"requestContext": with_message_id, "body": body, "isBase64Encoded": False}


def disconnect_event(
    connection: ConnectionContext, status_code: int, reason: str, now: datetime, request_id: str
) -> dict[str, Any]:
    """The `$disconnect` event: the close code and reason API Gateway recorded for the connection."""
    host = connection.domain_name
    headers = {"Host": host, "x-api-key": "", "X-Forwarded-For": "", "x-restapi": ""}
    context = _request_context(connection, DISCONNECT_ROUTE, "DISCONNECT", now, request_id)
    ordered = {
        "routeKey": DISCONNECT_ROUTE,
        "disconnectStatusCode": status_code,
        **{key: context[key] for key in ("eventType", "extendedRequestId", "requestTime", "messageDirection")},
        "disconnectReason": reason,
        **context,
    }
    return {
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "requestContext": ordered,
        "isBase64Encoded": False,
    }


def error_frame(message: str, connection_id: str, request_id: str) -> str:
    """The text frame API Gateway sends a client when its message found no route ("Forbidden") or its
    integration failed ("Internal server error"), spaced exactly as AWS's."""
    return f'{{"message": "{message}", "connectionId":"{connection_id}", "requestId":"{request_id}"}}'


# ---------------------------------------------------------------------- route selection
def select_route(expression: str, body: str, route_keys: Collection[str]) -> str | None:
    """The route a message takes: the key `expression` selects from a JSON `body`, when a route has that
    key; else `$default`, when there is one; else None (API Gateway then answers "Forbidden").

    `expression` is `$request.body.<path>` or a template of `${request.body.<path>}` parts; a body that is
    not a JSON object, or lacks the path, selects nothing.
    """
    selected = _selection_key(expression, body)
    if selected is not None and selected in route_keys and selected not in (CONNECT_ROUTE, DISCONNECT_ROUTE):
        return selected
    return DEFAULT_ROUTE if DEFAULT_ROUTE in route_keys else None


def _selection_key(expression: str, body: str) -> str | None:
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if expression.startswith("$request.body."):
        return _body_value(document, expression.removeprefix("$request.body."))
    pieces: list[str] = []
    rest = expression
    while (start := rest.find("${request.body.")) != -1:
        end = rest.find("}", start)
        if end == -1:
            return None
        value = _body_value(document, rest[start + len("${request.body.") : end])
        if value is None:
            return None
        pieces.append(rest[:start] + value)
        rest = rest[end + 1 :]
    return "".join(pieces) + rest if pieces else None


def _body_value(document: dict[str, Any], path: str) -> str | None:
    value: Any = document
    for key in path.split("."):
        if not isinstance(value, dict) or key not in value:
            return None
        value = value[key]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
