"""Pushing to open WebSocket connections through API Gateway's management API (`PostToConnection`).

The endpoint is the WebSocket API's own (`wss://<api-id>.execute-api.<region>.amazonaws.com/<stage>` on
AWS, the local runtime's `ws://` one locally), read with the scheme the management API is called on
(`https://`, `http://`). A connection the gateway no longer has answers GoneException (410).
"""

from __future__ import annotations

from typing import Any

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from chirp.notifications.repository import PushFailed

_SCHEMES = {"wss://": "https://", "ws://": "http://"}


def management_endpoint(websocket_endpoint: str) -> str:
    """The management API's URL for a WebSocket API's stage URL."""
    for websocket_scheme, http_scheme in _SCHEMES.items():
        if websocket_endpoint.startswith(websocket_scheme):
            return http_scheme + websocket_endpoint[len(websocket_scheme) :]
    return websocket_endpoint


class ApiGatewayPusher:
    def __init__(self, websocket_endpoint: str) -> None:
        import boto3

        self._client: Any = boto3.client(
            "apigatewaymanagementapi",
            endpoint_url=management_endpoint(websocket_endpoint),
            # A push is worth a second, not a stuck batch: short timeouts, two attempts.
            config=Config(connect_timeout=1, read_timeout=2, retries={"max_attempts": 2, "mode": "standard"}),
        )

    def post(self, connection_id: str, message: bytes) -> bool:
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=message)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == "GoneException":
                return False
            raise PushFailed(f"the push to {connection_id} failed: {error}") from error
        except BotoCoreError as error:
            raise PushFailed(f"the push to {connection_id} failed: {error}") from error
        return True
