"""How a route is declared, and what every route gets from that declaration.

`ApiBlueprint.operation(...)` registers a Chalice route and records it as an `Operation` (the OpenAPI
document is generated from those: `chirp.http.openapi`). The view's return annotation is its success
body (a TypedDict of `chirp.http.schemas`; `None` for no body), so the shape is declared once, and mypy
checks the view builds it. Around the view:

- `authenticate_callers` (HTTP middleware): for an operation declared `auth=True`, the bearer token is
  verified before the view runs, and the caller put on the request (`caller_of`); a missing or bad
  token answers 401 and the view never runs. For one declared `viewer=True` the token is optional: a
  bad one answers 401, none reads anonymously (`viewer_id`). A later middleware (a rate limiter) reads
  the caller the same way.
- domain errors become JSON error responses, through the one mapping in `chirp.http.errors`.
"""

from __future__ import annotations

import functools
import typing
from collections.abc import Callable, Mapping
from types import NoneType
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from aws_lambda_powertools import Metrics, Tracer
from chalice import Blueprint, Chalice, Response
from chalice.app import Request
from chirp.auth.revocation import TokenStates
from chirp.auth.service import authenticate
from chirp.errors import ChirpError
from chirp.http.errors import error_body, status_for
from chirp.http.openapi import Operation, QueryParameter
from chirp.http.requests import page_from_query, parse_json_body, query_value
from chirp.pages import PageRequest
from chirp.tracing import TRACED_MODULES
from chirp.wiring.api import dependencies
from pydantic import BaseModel

from routes.idempotency import HEADER as IDEMPOTENCY_HEADER
from routes.idempotency import answered_once

# Powertools' Tracer and Metrics share their state between instances: these are app.py's too.
tracer = Tracer(patch_modules=TRACED_MODULES)  # what and why: chirp.tracing
metrics = Metrics(namespace="Chirp")

JSON_HEADERS: dict[str, str | list[str]] = {"Content-Type": "application/json"}
# Where `authenticate_callers` puts the verified caller's user id: the request's context, beside what
# API Gateway puts there, under a key of ours (a client cannot set it: it is not in the request it sends).
CALLER = "chirp.caller_id"
# Headers a view adds to its success answer (`ApiBlueprint.add_response_header`), kept on the request the same way.
RESPONSE_HEADERS = "chirp.response_headers"

Model = TypeVar("Model", bound=BaseModel)
View = Callable[..., Any]
Middleware = Callable[[Request, Callable[[Request], Response]], Response]

# The operations each app serves, by (path, method): filled as ApiBlueprints are registered on it.
_route_tables: WeakKeyDictionary[Chalice, dict[tuple[str, str], Operation]] = WeakKeyDictionary()


class ApiBlueprint(Blueprint):
    """A Chalice blueprint whose routes are declared as operations (see the module's docstring)."""

    def __init__(self, import_name: str) -> None:
        super().__init__(import_name)
        self.operations: list[Operation] = []

    def operation(
        self,
        path: str,
        method: str,
        summary: str,
        *,
        status: int = 200,
        body: type[BaseModel] | None = None,
        auth: bool = False,
        viewer: bool = False,
        paginated: bool = False,
        raises: tuple[type[ChirpError], ...] = (),
        query: tuple[QueryParameter, ...] = (),
        idempotent: bool = False,
        token_transport: bool = False,
        reads_refresh_cookie: bool = False,
    ) -> Callable[[View], View]:
        """Declare a route: see `chirp.http.openapi.Operation` for what each argument means."""
        if idempotent and not auth:
            raise TypeError(f"{method} {path}: an Idempotency-Key is the caller's: declare it auth=True too")

        def register(view: View) -> View:
            operation = Operation(
                path=path,
                method=method,
                name=view.__name__,
                summary=summary,
                status=status,
                body=body,
                response=declared_response(view, status),
                auth=auth,
                viewer=viewer,
                paginated=paginated,
                raises=raises,
                query=query,
                idempotent=idempotent,
                token_transport=token_transport,
                reads_refresh_cookie=reads_refresh_cookie,
            )
            self.operations.append(operation)

            @functools.wraps(view)
            def endpoint(**params: str) -> Response:
                try:
                    result = self._answer_once(operation, view, params) if idempotent else view(**params)
                except ChirpError as error:
                    return error_response(error)
                added = self.current_request.context.pop(RESPONSE_HEADERS, {})
                if operation.response is None:
                    return Response(body="", status_code=operation.status, headers=added)
                return Response(body=result, status_code=operation.status, headers=JSON_HEADERS | added)

            # content_types=*/*: the body's media type is checked by chirp.http, so the error has our shape.
            self.route(path, methods=[method], content_types=["*/*"])(
                tracer.capture_method(capture_response=False)(endpoint)
            )
            return view

        return register

    def register(self, app: Chalice, options: dict[str, Any]) -> None:
        if options.get("url_prefix") or options.get("name_prefix"):
            raise ValueError("an ApiBlueprint declares full paths and names: register it without prefixes")
        super().register(app, options)
        table = _route_tables.setdefault(app, {})
        for operation in self.operations:
            table[operation.path, operation.method] = operation

    def _answer_once(self, operation: Operation, view: View, params: dict[str, str]) -> Any:
        """The view's answer, or the first answer to the request's Idempotency-Key (routes.idempotency)."""
        request = self.current_request
        return answered_once(
            request,
            route=operation.name,
            caller_id=caller_of(request),
            params=params,
            max_body_bytes=dependencies().settings.max_body_bytes,
            lambda_context=self.current_app.lambda_context,
            answer=lambda: view(**params),
        )

    # ------------------------------------------------------------ what views read from the request

    def body(self, model: type[Model]) -> Model:
        """The request's JSON body, validated by `model` (a 4xx naming what is wrong, otherwise)."""
        request = self.current_request
        max_bytes = dependencies().settings.max_body_bytes
        return parse_json_body(request.raw_body, request.headers.get("content-type"), max_bytes, model)

    def add_response_header(self, name: str, value: str) -> None:
        """A header for the view's success answer (a Set-Cookie: routes.session_cookie); an error answers without."""
        self.current_request.context.setdefault(RESPONSE_HEADERS, {})[name] = value

    def caller_id(self) -> int:
        """The authenticated caller of an operation declared `auth=True`."""
        return caller_of(self.current_request)

    def idempotency_key(self) -> str | None:
        """The request's Idempotency-Key, for an operation declared `idempotent=True` (checked before the view
        runs: routes.idempotency); None when the client sent none."""
        key = self.current_request.headers.get(IDEMPOTENCY_HEADER.lower())
        return key if isinstance(key, str) else None

    def viewer_id(self) -> int | None:
        """The signed-in viewer of an operation declared `viewer=True` (None: anonymous)."""
        caller = self.current_request.context.get(CALLER)
        return caller if isinstance(caller, int) else None

    def page(self) -> PageRequest:
        return page_from_query(self.current_request.query_params)

    def query(self, parameter: QueryParameter) -> str | None:
        """A declared query parameter's value: one of its choices (its first when absent), or the text
        sent (None when absent); a value outside its choices, or a required one missing, is a 400."""
        sent: Mapping[str, str] = self.current_request.query_params or {}
        return query_value(parameter, sent.get(parameter.name))

    def query_int(self, parameter: QueryParameter) -> int:
        """A declared integer query parameter (with `bounds` and a `default`)."""
        value = self.query(parameter)
        if value is None:
            raise TypeError(f"{parameter.name} is declared with neither bounds and a default nor required")
        return int(value)


def declared_response(view: View, status: int) -> Any:
    """The body a view answers: its return annotation (a TypedDict of chirp.http.schemas), or None."""
    declared = typing.get_type_hints(view).get("return", NoneType)
    if declared is NoneType:
        return None
    if status == 204:
        raise TypeError(f"{view.__name__} answers 204 No Content: annotate it `-> None`")
    return declared


def operations_of(app: Chalice) -> list[Operation]:
    """Every operation the app serves, in the order its blueprints declared them."""
    return list(_route_tables.get(app, {}).values())


def operation_for(app: Chalice, path: str, method: str) -> Operation | None:
    """The operation of a route of the app's route table (`path` as declared: `/api/users/{userId}`)."""
    return _route_tables.get(app, {}).get((path, method))


def authenticate_callers(
    app: Chalice, signing_key: Callable[[], str], token_states: Callable[[], TokenStates] | None = None
) -> Middleware:
    """HTTP middleware: callers of `auth=True` operations authenticated before their view runs. With
    `token_states` (the API's), a revoked token is refused too (chirp.auth.revocation); without, only the
    token's signature and expiry are checked (an app without a user table: the routing unit tests)."""

    def authenticate_caller(request: Request, get_response: Callable[[Request], Response]) -> Response:
        operation = operation_for(app, request.path, request.method)
        signed_in = operation is not None and operation.viewer and request.headers.get("authorization")
        if operation is not None and (operation.auth or signed_in):
            try:
                states = token_states() if token_states is not None else None
                request.context[CALLER] = authenticate(signing_key(), request.headers.get("authorization"), states)
            except ChirpError as error:
                return error_response(error)
        return get_response(request)

    return authenticate_caller


def caller_of(request: Request) -> int:
    """The caller `authenticate_callers` verified for this request."""
    caller = request.context.get(CALLER)
    if not isinstance(caller, int):
        raise LookupError(f"{request.method} {request.path} has no authenticated caller: declare it auth=True")
    return caller


# How long a client should wait before trying a 503 again: the storage or search backend was busy for the
# length of the request's own retries, and such bursts pass in about a second (an error that knows better,
# a circuit breaker's open state, says its own: `retry_after_s`).
RETRY_AFTER_SECONDS = 1


def error_response(error: ChirpError) -> Response:
    status = status_for(error)
    retry_after = getattr(error, "retry_after_s", None) or (RETRY_AFTER_SECONDS if status == 503 else None)
    headers = JSON_HEADERS | ({"Retry-After": str(retry_after)} if retry_after else {})
    return Response(body=error_body(error.code, error.message), status_code=status, headers=headers)
