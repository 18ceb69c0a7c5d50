"""Chirp's HTTP API: the Chalice app, deployed by template.yaml as an ordinary Lambda
function (`Handler: app.app`) behind API Gateway.

A table of contents: the routes live in one blueprint per aggregate (`routes/`), each route
declared once (`routes.routing.ApiBlueprint.operation`: its body, its answers, whether it needs
a caller), which is what the OpenAPI document is generated from. Here: the app, the middleware
every request goes through, and the blueprints it serves.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import MetricUnit
from chalice import Chalice, Response
from chalice.app import Request
from chirp.http.openapi import Operation
from chirp.wiring import prepare_process
from chirp.wiring.api import dependencies
from routes import (
    accounts,
    engagements,
    exports,
    follows,
    media,
    moderation,
    notifications,
    profiles,
    relations,
    reports,
    search,
    service,
    suggestions,
    timelines,
    trends,
    tweets,
)
from routes.headers import answer_headers
from routes.limiting import limit_rates, limit_refused_callers
from routes.routing import authenticate_callers, metrics, operations_of

# configure_logs=False: Powertools' Logger owns logging (Chalice's own handler would print every line twice).
app = Chalice(app_name="chirp", configure_logs=False)
logger = Logger()


# ---------------------------------------------------------------- middleware, outermost first


@app.middleware("http")
def observe(request: Request, get_response: Callable[[Request], Response]) -> Response:
    """Correlation id, one structured log line per request, and one EMF line: its status class and its
    latency (RouteLatency: the operations dashboard's per-route p50/p99 and the timeline budget's alarm; API
    Gateway's own metrics are per stage only), both per route (dimension `route`, "GET /api/timeline": the
    route's template, not its path, so a bounded set of metrics)."""
    logger.set_correlation_id(request.context.get("requestId"))
    started = time.perf_counter()
    response = get_response(request)
    elapsed_ms = (time.perf_counter() - started) * 1000
    logger.info("request", extra={"method": request.method, "path": request.path, "status": response.status_code})
    metrics.add_dimension(name="route", value=f"{request.method} {request.context.get('resourcePath', 'unmatched')}")
    metrics.add_metric(name=f"Http{response.status_code // 100}xx", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="RouteLatency", unit=MetricUnit.Milliseconds, value=round(elapsed_ms, 3))
    metrics.flush_metrics()
    return response


# Security headers on every answer, errors included, and CORS for ALLOWED_ORIGINS (its preflight answered
# before authentication and limits): routes.headers.
app.register_middleware(answer_headers(app, lambda: dependencies().settings.allowed_origin_set), "http")
# A request the next middleware refuses (401: a bad, expired or revoked token, or none) counted per client
# IP, as an anonymous one: routes.limiting.
app.register_middleware(limit_refused_callers(app, dependencies), "http")
# The caller of a route declared auth=True, verified before its view runs (401 otherwise).
# A revoked token (a password changed, an account suspended) is refused within TOKEN_VERSION_CACHE_SECONDS.
app.register_middleware(
    authenticate_callers(app, lambda: dependencies().signing_key(), lambda: dependencies().token_states), "http"
)
# Then each request of a limited route counted against its class's limit (429 past it): routes.limiting.
app.register_middleware(limit_rates(app, dependencies), "http")


# ---------------------------------------------------------------- routes, one blueprint per aggregate

for blueprint in (
    service.blueprint,
    accounts.blueprint,
    profiles.blueprint,
    follows.blueprint,
    relations.blueprint,
    tweets.blueprint,
    media.blueprint,
    engagements.blueprint,
    timelines.blueprint,
    notifications.blueprint,
    search.blueprint,
    suggestions.blueprint,
    trends.blueprint,
    reports.blueprint,
    moderation.blueprint,
    exports.blueprint,
):
    app.register_blueprint(blueprint)

OPERATIONS: list[Operation] = operations_of(app)

# Last, at init: the clients built and everything above frozen out of the garbage collector's walks.
prepare_process(dependencies)
