"""Test handler for the local runtime's WebSocket API (tests/integration/test_local_websocket.py).

Records every event it gets (the test layer's `local_probe`), then does what the event asks:
- `$connect`: `?status=<code>` answers that status, `?fail=1` raises, `?protocol=<name>` selects that
  subprotocol; otherwise 200.
- a message `{"push": <text>, "to": <connection id, default its own>}`: posts the text to that connection
  through the management API at LIVE_CONNECTIONS_ENDPOINT, as the app's functions do; `{"delete": true}`
  asks to close its own connection, which its policy does not grant; `{"fail": true}` raises. Its response
  body (its connection id, the message, and what the push did or the error's code) goes back to the client
  on a two-way route only.
"""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
from botocore.exceptions import ClientError
from local_probe import record_invocation


def _management_client() -> Any:
    endpoint = os.environ["LIVE_CONNECTIONS_ENDPOINT"]
    return boto3.client("apigatewaymanagementapi", endpoint_url=endpoint.replace("ws://", "http://", 1))


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    record_invocation(context.function_name, [], [], event)
    route_key = event["requestContext"]["routeKey"]
    if route_key == "$connect":
        return _connect(event.get("queryStringParameters") or {})
    if route_key == "$disconnect":
        return {"statusCode": 200}
    return {"statusCode": 200, "body": json.dumps(_message(event))}


def _connect(query: dict[str, str]) -> dict[str, Any]:
    if query.get("fail"):
        raise RuntimeError("asked to fail the connection")
    headers = {"Sec-WebSocket-Protocol": query["protocol"]} if "protocol" in query else {}
    status = int(query.get("status", "200"))
    return {"statusCode": status, "headers": headers, "body": "refused" if status >= 300 else ""}


def _message(event: dict[str, Any]) -> dict[str, Any]:
    request = json.loads(event["body"]) if event["body"].startswith("{") else {}
    own_id = event["requestContext"]["connectionId"]
    if request.get("fail"):
        raise RuntimeError("asked to fail the message")
    answer: dict[str, Any] = {"connectionId": own_id, "received": event["body"]}
    try:
        if "push" in request:
            _management_client().post_to_connection(ConnectionId=request.get("to", own_id), Data=request["push"])
            answer["pushed"] = True
        if request.get("delete"):
            _management_client().delete_connection(ConnectionId=own_id)
            answer["deleted"] = True
    except ClientError as error:
        answer["error"] = error.response["Error"]["Code"]
    return answer
