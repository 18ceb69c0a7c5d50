"""API Gateway WebSocket APIs, served by the local runtime on the REST API's port.

The template declares them (`AWS::ApiGatewayV2::Api` with `ProtocolType: WEBSOCKET`, its routes,
integrations, stage and the `AWS::Lambda::Permission` that lets API Gateway invoke the function); the
runtime serves each stage at `ws://<host>:<port>/<api-id>/<stage>`, which is `!GetAtt Api.ApiEndpoint`
+ `/<stage>` locally (`infra.local.intrinsics`), and its `@connections` management API at the same URL
over http, so handlers and a boto3 `apigatewaymanagementapi` client work unchanged, and the function's
`execute-api:ManageConnections` policy is checked on them (`infra.local.iam.actions` reads the api id
and stage from the URL).

Faithful: the Lambda proxy events of `$connect`, messages and `$disconnect` (`events`), route selection
on `$request.body.*`, `$connect` deciding the handshake, the error frames AWS sends, the management API's
answers and errors as boto3 raises them, the size limits (frames 32 KB, messages 128 KB: close 1009),
binary frames refused (1003), the idle (10 min) and maximum (2 h) durations, `$disconnect` once per
connection, the permission API Gateway needs to invoke the function (`api`). What is not, and the
details AWS does not document (some close reasons, error bodies), are in `server` and `connection`.

- `api`: the stages, routes and functions, read from the template.
- `events`: the events, ids and route selection.
- `connection`: one connection's socket, protocol state, limits and send lock.
- `server`: handshakes, invocations, the management API.
"""

from infra.local.websocket.api import WebSocketRoute, WebSocketStage, websocket_stages
from infra.local.websocket.connection import ConnectionLimits
from infra.local.websocket.server import WebSocketGateway

__all__ = ["ConnectionLimits", "WebSocketGateway", "WebSocketRoute", "WebSocketStage", "websocket_stages"]
