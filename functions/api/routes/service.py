"""The service's own routes: the health check and this API's OpenAPI document."""

from __future__ import annotations

from functools import cache

from chalice import Chalice
from chirp.http import schemas
from chirp.http.openapi import document

from routes.limiting import is_rate_limited
from routes.routing import ApiBlueprint, operations_of

blueprint = ApiBlueprint(__name__)

TITLE = "Chirp API"
VERSION = "1.0.0"


@blueprint.operation("/api/health", "GET", "Liveness check")
def health() -> schemas.Health:
    return {"status": "ok"}


@blueprint.operation("/api/openapi.json", "GET", "This API's OpenAPI 3.1 document")
def openapi() -> schemas.OpenApiDocument:
    return api_document(blueprint.current_app)


@cache
def api_document(app: Chalice) -> schemas.OpenApiDocument:
    """The document of every operation the app serves, built on its first request (not at init)."""
    return document(operations_of(app), title=TITLE, version=VERSION, rate_limited=is_rate_limited)
