"""The OpenAPI 3 document, generated from the API's own route table so the two
cannot drift apart."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

_ID = {"type": "string", "pattern": "^[0-9]{1,19}$", "description": "a 64-bit id as a decimal string"}
_METRICS_USER = {
    "type": "object",
    "properties": {name: {"type": "integer"} for name in ("followers_count", "following_count", "tweet_count")},
}
_ENTITY = {
    "type": "object",
    "properties": {"start": {"type": "integer"}, "end": {"type": "integer"}},
    "additionalProperties": True,
}
SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                "required": ["code", "message"],
            }
        },
        "required": ["error"],
    },
    "User": {
        "type": "object",
        "properties": {
            "id": _ID,
            "username": {"type": "string"},
            "name": {"type": "string"},
            "description": {"type": "string"},
            "location": {"type": "string"},
            "url": {"type": "string"},
            "created_at": {"type": "string", "format": "date-time"},
            "public_metrics": _METRICS_USER,
        },
    },
    "Tweet": {
        "type": "object",
        "properties": {
            "id": _ID,
            "text": {"type": "string"},
            "author_id": _ID,
            "created_at": {"type": "string", "format": "date-time"},
            "entities": {
                "type": "object",
                "properties": {
                    kind: {"type": "array", "items": _ENTITY} for kind in ("hashtags", "mentions", "urls", "cashtags")
                },
            },
            "public_metrics": {"type": "object", "additionalProperties": {"type": "integer"}},
        },
    },
    "TimelineTweet": {
        "allOf": [
            {"$ref": "#/components/schemas/Tweet"},
            {
                "type": "object",
                "properties": {
                    "author": {
                        "type": "object",
                        "properties": {"id": _ID, "username": {"type": "string"}, "name": {"type": "string"}},
                    }
                },
            },
        ]
    },
    "TokenResponse": {
        "type": "object",
        "properties": {
            "access_token": {"type": "string"},
            "refresh_token": {"type": "string"},
            "token_type": {"type": "string", "enum": ["Bearer"]},
            "expires_in": {"type": "integer"},
        },
    },
    "Registered": {
        "type": "object",
        "properties": {
            "data": {"$ref": "#/components/schemas/User"},
            "token": {"$ref": "#/components/schemas/TokenResponse"},
        },
    },
}
_ERROR_STATUSES = {
    "400": "malformed request",
    "401": "missing, expired or forged token",
    "403": "another user's resource",
    "404": "not found",
    "409": "conflict",
    "413": "body too large",
    "415": "body is not JSON",
    "422": "a field breaks a rule",
}


@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    name: str
    summary: str
    status: int = 200
    body: type[BaseModel] | None = None
    response: str | None = None  # a schema name; "User[]" for a paginated list of users
    auth: bool = False
    paginated: bool = False


def document(operations: list[Operation], title: str, version: str) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(operation)
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
        },
    }


def _operation(operation: Operation) -> dict[str, Any]:
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", operation.path)
    ]
    if operation.paginated:
        parameters += [
            {
                "name": "limit",
                "in": "query",
                "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
            },
            {"name": "cursor", "in": "query", "schema": {"type": "string"}},
        ]
    spec: dict[str, Any] = {
        "operationId": operation.name,
        "summary": operation.summary,
        "parameters": parameters,
        "responses": {str(operation.status): _success(operation)}
        | {code: _error(text) for code, text in _ERROR_STATUSES.items()},
    }
    if operation.body is not None:
        spec["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": operation.body.model_json_schema()}},
        }
    if operation.auth:
        spec["security"] = [{"bearer": []}]
    return spec


def _success(operation: Operation) -> dict[str, Any]:
    if operation.response is None:
        return {"description": "done"}
    if operation.response.endswith("[]"):
        item = {"$ref": f"#/components/schemas/{operation.response[:-2]}"}
        schema: dict[str, Any] = {
            "type": "object",
            "properties": {
                "data": {"type": "array", "items": item},
                "meta": {"type": "object", "properties": {"next_cursor": {"type": "string", "nullable": True}}},
            },
        }
    elif operation.response in ("TokenResponse", "Registered"):
        schema = {"$ref": f"#/components/schemas/{operation.response}"}
    else:
        schema = {"type": "object", "properties": {"data": {"$ref": f"#/components/schemas/{operation.response}"}}}
    return {"description": "success", "content": {"application/json": {"schema": schema}}}


def _error(text: str) -> dict[str, Any]:
    return {"description": text, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
