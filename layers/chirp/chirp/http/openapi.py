"""The OpenAPI 3.1 document, generated from the API's own route table so the two cannot drift apart.

Each route is declared once, as an `Operation`: its request body (a pydantic input model), its success
status and body (a TypedDict of `chirp.http.schemas`), whether it needs a caller, whether it pages, and
the domain errors its service may raise. The error responses follow from that declaration, through the
one mapping of errors to statuses (`chirp.http.errors`); the JSON Schemas of every body, request and
response, come from pydantic, generated together into `components/schemas`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from chirp import errors
from chirp.http import cookies, schemas
from chirp.http.errors import status_of
from chirp.pages import DEFAULT_LIMIT, MAX_LIMIT

OPENAPI_VERSION = "3.1.0"
SCHEMA_REF = "#/components/schemas/{model}"
BEARER = "bearer"

# What clients read in the document for each error status (README's list, status by status).
ERROR_DESCRIPTIONS = {
    400: "the request cannot be read (malformed JSON, a bad id, limit or cursor) or cannot be done",
    401: "a missing, expired, forged or revoked token, or wrong credentials",
    403: "another user's resource",
    404: "not found",
    409: "conflicts with what exists (a taken username or email; media not ready yet, or attached already; an"
    " Idempotency-Key whose first request is still being answered: retry after Retry-After)",
    413: "the body is over the size limit (64 KiB by default)",
    415: "the body is not JSON",
    422: "a field breaks a rule; the message names the field and the rule",
    429: "the rate limit of this class of action is spent (README: Rate limits); retry after Retry-After",
    503: "storage or search stayed busy (conflicting writes or throttling) after retries; retry after Retry-After",
}
_BODY_ERRORS = (errors.MalformedRequest, errors.PayloadTooLarge, errors.UnsupportedMediaType, errors.InvalidInput)
_PATH_PARAMETER = re.compile(r"{(\w+)}")
Declared = tuple[Any, JsonSchemaMode]  # a type whose JSON Schema the document holds, and for which direction
Refs = dict[Declared, Any]
_ERROR_BODY: Declared = (schemas.ErrorResponse, "serialization")


@dataclass(frozen=True)
class QueryParameter:
    """A query parameter an operation reads: a string, one of `choices` (the first is the default), or an
    integer within `bounds` (`default` when absent)."""

    name: str
    description: str
    required: bool = False
    choices: tuple[str, ...] = ()
    max_length: int | None = None
    bounds: tuple[int, int] | None = None
    default: int | None = None

    def schema(self) -> dict[str, Any]:
        if self.bounds:
            low, high = self.bounds
            return {"type": "integer", "minimum": low, "maximum": high} | (
                {"default": self.default} if self.default is not None else {}
            )
        if self.choices:
            return {"type": "string", "enum": list(self.choices), "default": self.choices[0]}
        return {"type": "string"} | ({"maxLength": self.max_length} if self.max_length else {})


@dataclass(frozen=True)
class Operation:
    """One route as the API declares it.

    `response`: the TypedDict of `chirp.http.schemas` the success answers (None: no body, as for 204).
    `raises`: the domain errors the route's service may raise. Those the declaration implies need not
    be listed: a body's (400, 413, 415, 422), a caller's (401), an id in the path's, a page's or a query
    parameter's (400).
    Path parameters named `...Id` are ids (`chirp.ids.parse_id`).
    """

    path: str
    method: str
    name: str
    summary: str
    status: int = 200
    body: type[BaseModel] | None = None
    response: Any = None
    auth: bool = False
    # A token is optional: when one is sent, it is verified (401 if bad) and the answer carries the
    # viewer's own state (liked, retweeted) of each tweet.
    viewer: bool = False
    paginated: bool = False
    raises: tuple[type[errors.ChirpError], ...] = ()
    # Query parameters of its own (a page's limit and cursor come with `paginated`).
    query: tuple[QueryParameter, ...] = ()
    # Honours an Idempotency-Key header (functions/api/routes/idempotency.py): a malformed key is a 400, the
    # key reused with another request a 422, the key while its first attempt is answered a 409.
    idempotent: bool = False
    # Honours X-Chirp-Token-Transport (chirp.http.cookies): `cookie` puts the refresh token in the chirp_refresh
    # HttpOnly cookie (Set-Cookie on the success answer; cleared by logout and account deletion), not the body;
    # any other value but `body` is a 400.
    token_transport: bool = False
    # Reads the refresh token from the chirp_refresh cookie when the body has none (with the cookie transport).
    reads_refresh_cookie: bool = False

    @property
    def path_parameters(self) -> list[str]:
        return _PATH_PARAMETER.findall(self.path)

    def errors(self) -> list[type[errors.ChirpError]]:
        """Every domain error the operation may answer: the declared ones and those its shape implies."""
        implied: list[type[errors.ChirpError]] = []
        if self.body is not None:
            implied += _BODY_ERRORS
        if self.auth or self.viewer:
            implied.append(errors.NotAuthenticated)
        if self.paginated or self.query or any(is_id_parameter(name) for name in self.path_parameters):
            implied.append(errors.MalformedRequest)
        if self.idempotent:
            implied += [errors.MalformedRequest, errors.Conflict, errors.InvalidInput]
        if self.token_transport:
            implied.append(errors.MalformedRequest)
        return list(dict.fromkeys([*implied, *self.raises]))

    def error_statuses(self) -> list[int]:
        return sorted({status_of(kind) for kind in self.errors()})


def is_id_parameter(name: str) -> bool:
    return name.endswith("Id")


def document(
    operations: Sequence[Operation],
    title: str,
    version: str,
    rate_limited: Callable[[Operation], bool] = lambda operation: False,
) -> dict[str, Any]:
    """The OpenAPI document of these operations (a few tens of milliseconds: build it once). Those
    `rate_limited` says are limited may answer 429, and each of their answers carries the x-rate-limit-* headers."""
    declared: list[Declared] = [(op.body, "validation") for op in operations if op.body]
    declared += [(op.response, "serialization") for op in operations if op.response]
    refs, definitions = TypeAdapter.json_schemas(
        [(kind, mode, TypeAdapter(kind)) for kind, mode in dict.fromkeys([*declared, _ERROR_BODY])],
        ref_template=SCHEMA_REF,
    )
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        spec = _operation(operation, refs)
        if rate_limited(operation):
            _add_rate_limits(spec, refs)
        paths.setdefault(operation.path, {})[operation.method.lower()] = spec
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {BEARER: {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


_RETRY_AFTER = {
    "headers": {
        "Retry-After": {"description": "seconds to wait before retrying", "schema": {"type": "integer", "minimum": 0}}
    }
}


_RATE_LIMIT_HEADERS = {
    "x-rate-limit-limit": {"description": "requests of this class allowed per window", "schema": {"type": "integer"}},
    "x-rate-limit-remaining": {"description": "requests left in this window", "schema": {"type": "integer"}},
    "x-rate-limit-reset": {
        "description": "when the window ends (a login lock lifts), in epoch seconds",
        "schema": {"type": "integer"},
    },
}


def _add_rate_limits(spec: dict[str, Any], refs: Refs) -> None:
    """A 429 (with Retry-After) among the answers, and the x-rate-limit-* headers on each of them."""
    spec["responses"]["429"] = {
        "description": ERROR_DESCRIPTIONS[429],
        "content": {"application/json": {"schema": refs[_ERROR_BODY]}},
    } | _RETRY_AFTER
    spec["responses"] = dict(sorted(spec["responses"].items()))
    for response in spec["responses"].values():
        response["headers"] = {**response.get("headers", {}), **_RATE_LIMIT_HEADERS}


def _operation(operation: Operation, refs: Refs) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "operationId": operation.name,
        "summary": operation.summary,
        "parameters": _parameters(operation),
        "responses": {str(operation.status): _success(operation, refs)}
        | {
            str(status): {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {"application/json": {"schema": refs[_ERROR_BODY]}},
            }
            | (_RETRY_AFTER if status == 503 else {})
            for status in operation.error_statuses()
        },
    }
    if operation.body is not None:
        spec["requestBody"] = {
            # An empty body reads as {} (chirp.http.requests): it may be left out where {} is valid.
            "required": any(field.is_required() for field in operation.body.model_fields.values()),
            "content": {"application/json": {"schema": refs[operation.body, "validation"]}},
        }
    if operation.auth:
        spec["security"] = [{BEARER: []}]
    elif operation.viewer:
        spec["security"] = [{BEARER: []}, {}]  # optional: anonymous, or as a signed-in viewer
    return spec


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_parameter_schema(name)}
        for name in operation.path_parameters
    ]
    if operation.paginated:
        parameters += [
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
            },
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": "meta.next_cursor of the previous page, unchanged",
                "schema": {"type": "string"},
            },
        ]
    parameters += [
        {
            "name": parameter.name,
            "in": "query",
            "required": parameter.required,
            "description": parameter.description,
            "schema": parameter.schema(),
        }
        for parameter in operation.query
    ]
    if operation.idempotent:
        parameters.append(IDEMPOTENCY_KEY_PARAMETER)
    if operation.token_transport:
        parameters.append(TOKEN_TRANSPORT_PARAMETER)
    if operation.reads_refresh_cookie:
        parameters.append(REFRESH_COOKIE_PARAMETER)
    return parameters


IDEMPOTENCY_KEY_PARAMETER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "one key per request a client means once, the same on each of its retries: within 24 hours the"
    " caller's same key answers the first attempt's answer (status and body) and creates nothing again; the key"
    " with another request is a 422; while its first attempt is being answered, a 409 with Retry-After",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
}


TOKEN_TRANSPORT_PARAMETER = {
    "name": cookies.TRANSPORT_HEADER,
    "in": "header",
    "required": False,
    "description": f"`{cookies.COOKIE}` (browser apps): the refresh token travels in the `{cookies.REFRESH_COOKIE}`"
    f" cookie (HttpOnly, SameSite=Strict, Path={cookies.COOKIE_PATH}), set by the answer, never in the JSON, and a"
    " body without refresh_token spends the cookie's; logout and account deletion clear it."
    f" `{cookies.BODY}` (the default): the refresh token is in the JSON body",
    "schema": {"type": "string", "enum": list(cookies.TRANSPORTS), "default": cookies.BODY},
}
REFRESH_COOKIE_PARAMETER = {
    "name": cookies.REFRESH_COOKIE,
    "in": "cookie",
    "required": False,
    "description": f"the refresh token the cookie transport set; read only with `{cookies.TRANSPORT_HEADER}:"
    f" {cookies.COOKIE}` and when the body has no refresh_token",
    "schema": {"type": "string"},
}
_SET_COOKIE = {
    "headers": {
        "Set-Cookie": {
            "description": f"with `{cookies.TRANSPORT_HEADER}: {cookies.COOKIE}` only: the `{cookies.REFRESH_COOKIE}`"
            " cookie (HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age: the refresh token's lifetime, 0 to clear"
            " it; Secure unless the request came over plain http)",
            "schema": {"type": "string"},
        }
    }
}


def _path_parameter_schema(name: str) -> dict[str, Any]:
    if is_id_parameter(name):
        schema: dict[str, Any] = TypeAdapter(schemas.Id).json_schema()
        return schema
    return {"type": "string"}


def _success(operation: Operation, refs: Refs) -> dict[str, Any]:
    description = operation.summary
    headers = _SET_COOKIE if operation.token_transport else {}
    if operation.response is None:
        return {"description": description} | headers
    return {
        "description": description,
        "content": {"application/json": {"schema": refs[operation.response, "serialization"]}},
    } | headers
