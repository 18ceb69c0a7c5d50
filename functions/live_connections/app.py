"""The WebSocket API's routes: `$connect` checks the access token (the `token` query parameter: its
signature, expiry and token version) and records the connection for its user, or refuses the handshake
with 401; `$disconnect` forgets it; `$default` takes whatever a client sends (a keep-alive: API Gateway
closes a connection idle for ten minutes) and answers nothing. Messages go the other way: the notifier and
the timeline writer push them.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from chirp.errors import NotAuthenticated
from chirp.notifications.connections import close_connection, open_connection
from chirp.tracing import TRACED_MODULES
from chirp.wiring import prepare_process
from chirp.wiring.live_connections import dependencies

logger = Logger()
tracer = Tracer(patch_modules=TRACED_MODULES)
metrics = Metrics(namespace="Chirp")


def _answer(status: int, message: str | None = None) -> dict[str, Any]:
    body = json.dumps({"error": {"code": "not_authenticated", "message": message}}) if message else ""
    return {"statusCode": status, "body": body}


def connect(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    store = dependencies()
    try:
        user_id = open_connection(
            store.connections,
            store.signing_key,
            context["connectionId"],
            event.get("queryStringParameters"),
            int(time.time()),
            states=store.token_states,
        )
    except NotAuthenticated as error:
        metrics.add_metric(name="ConnectionsRefused", unit=MetricUnit.Count, value=1)
        return _answer(401, error.message)
    logger.append_keys(user_id=user_id)
    metrics.add_metric(name="ConnectionsOpened", unit=MetricUnit.Count, value=1)
    return _answer(200)


def disconnect(event: dict[str, Any]) -> dict[str, Any]:
    close_connection(dependencies().connections, event["requestContext"]["connectionId"])
    return _answer(200)


def default(event: dict[str, Any]) -> dict[str, Any]:
    return _answer(200)


ROUTES = {"$connect": connect, "$disconnect": disconnect, "$default": default}


@logger.inject_lambda_context
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    route = ROUTES.get(event.get("requestContext", {}).get("routeKey", ""), default)
    return route(event)


# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
