"""The OpenAPI document, generated from the route table: each operation with its parameters,
body, responses and security."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.http.openapi import SCHEMAS, Operation, document
from chirp.tweets.inputs import TweetDraft
from chirp.users.inputs import Registration

ERROR_STATUSES = {"400", "401", "403", "404", "409", "413", "415", "422"}

OPERATIONS = [
    Operation(path="/api/health", method="GET", name="health", summary="Liveness"),
    Operation(
        path="/api/users/register",
        method="POST",
        name="register_user",
        summary="Create an account",
        status=201,
        body=Registration,
        response="Registered",
    ),
    Operation(path="/api/users/{userId}", method="GET", name="get_user", summary="A user", response="User"),
    Operation(
        path="/api/users/{userId}/followers",
        method="GET",
        name="list_followers",
        summary="Followers",
        paginated=True,
        response="User[]",
    ),
    Operation(
        path="/api/tweets/{tweetId}", method="DELETE", name="delete_tweet", summary="Delete", status=204, auth=True
    ),
    Operation(
        path="/api/tweets",
        method="POST",
        name="post_tweet",
        summary="Post",
        status=201,
        auth=True,
        body=TweetDraft,
        response="Tweet",
    ),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return document(OPERATIONS, title="Chirp API", version="1.0.0")


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def test_the_document_is_openapi_3_with_its_title_and_version(spec: dict[str, Any]) -> None:
    # Then
    assert spec["openapi"] == "3.0.3"
    assert spec["info"] == {"title": "Chirp API", "version": "1.0.0"}


def test_every_operation_appears_under_its_path_and_lower_case_method(spec: dict[str, Any]) -> None:
    # When
    listed = {(path, method) for path, item in spec["paths"].items() for method in item}
    # Then
    assert listed == {(op.path, op.method.lower()) for op in OPERATIONS}


def test_operations_of_one_path_share_its_entry() -> None:
    # Given
    get = Operation(path="/api/tweets/{tweetId}", method="GET", name="get_tweet", summary="A tweet")
    delete = Operation(path="/api/tweets/{tweetId}", method="DELETE", name="delete_tweet", summary="Delete")
    # When
    spec = document([get, delete], title="t", version="1")
    # Then
    assert set(spec["paths"]) == {"/api/tweets/{tweetId}"}
    assert set(spec["paths"]["/api/tweets/{tweetId}"]) == {"get", "delete"}


def test_each_operation_is_named_and_summarised(spec: dict[str, Any]) -> None:
    # Then
    for op in OPERATIONS:
        described = operation(spec, op.path, op.method.lower())
        assert (described["operationId"], described["summary"]) == (op.name, op.summary)


def test_path_parameters_are_declared_required(spec: dict[str, Any]) -> None:
    # Then
    assert operation(spec, "/api/users/{userId}", "get")["parameters"] == [
        {"name": "userId", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert operation(spec, "/api/health", "get")["parameters"] == []


def test_paginated_operations_declare_limit_1_to_100_and_cursor(spec: dict[str, Any]) -> None:
    # When
    parameters = {p["name"]: p for p in operation(spec, "/api/users/{userId}/followers", "get")["parameters"]}
    # Then
    assert set(parameters) == {"userId", "limit", "cursor"}
    assert parameters["limit"]["in"] == "query"
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert parameters["cursor"]["schema"] == {"type": "string"}


def test_a_paginated_response_is_data_and_meta_with_the_next_cursor(spec: dict[str, Any]) -> None:
    # When
    schema = operation(spec, "/api/users/{userId}/followers", "get")["responses"]["200"]["content"]["application/json"][
        "schema"
    ]
    # Then
    assert schema["properties"]["data"] == {"type": "array", "items": {"$ref": "#/components/schemas/User"}}
    assert schema["properties"]["meta"]["properties"]["next_cursor"] == {"type": "string", "nullable": True}


def test_a_single_object_response_is_wrapped_in_data(spec: dict[str, Any]) -> None:
    # When
    schema = operation(spec, "/api/users/{userId}", "get")["responses"]["200"]["content"]["application/json"]["schema"]
    # Then
    assert schema == {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/User"}}}


def test_a_registration_response_is_the_registered_schema(spec: dict[str, Any]) -> None:
    # When
    responses = operation(spec, "/api/users/register", "post")["responses"]
    # Then
    assert responses["201"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Registered"}


def test_the_success_status_is_the_operations_own(spec: dict[str, Any]) -> None:
    # Then
    assert "201" in operation(spec, "/api/tweets", "post")["responses"]
    assert "204" in operation(spec, "/api/tweets/{tweetId}", "delete")["responses"]
    assert "content" not in operation(spec, "/api/tweets/{tweetId}", "delete")["responses"]["204"]


def test_every_operation_documents_the_error_statuses_with_the_error_schema(spec: dict[str, Any]) -> None:
    # Then
    for op in OPERATIONS:
        responses = operation(spec, op.path, op.method.lower())["responses"]
        assert set(responses) >= ERROR_STATUSES
        for status in ERROR_STATUSES:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}


def test_the_error_schema_is_code_and_message_under_error() -> None:
    # Then
    error = SCHEMAS["Error"]["properties"]["error"]
    assert set(error["properties"]) == {"code", "message"}
    assert set(error["required"]) == {"code", "message"}


def test_request_bodies_carry_the_input_models_json_schema(spec: dict[str, Any]) -> None:
    # When
    body = operation(spec, "/api/users/register", "post")["requestBody"]
    # Then
    assert body["required"] is True
    schema = body["content"]["application/json"]["schema"]
    assert schema == Registration.model_json_schema()
    assert set(schema["properties"]) == {"username", "email", "password", "name"}
    assert "requestBody" not in operation(spec, "/api/users/{userId}", "get")


def test_only_authenticated_operations_demand_a_bearer_token(spec: dict[str, Any]) -> None:
    # When
    secured = {
        (path, method) for path, item in spec["paths"].items() for method, op in item.items() if op.get("security")
    }
    # Then
    assert secured == {("/api/tweets/{tweetId}", "delete"), ("/api/tweets", "post")}
    assert operation(spec, "/api/tweets", "post")["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_every_referenced_schema_is_defined(spec: dict[str, Any]) -> None:
    # Given
    references: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str) and value["$ref"].startswith("#/components/schemas/"):
                references.add(value["$ref"].removeprefix("#/components/schemas/"))
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    # When
    collect(spec)
    # Then
    assert references
    assert references <= set(spec["components"]["schemas"])


def test_the_apps_document_describes_exactly_the_routes_it_serves() -> None:
    # Given the API's own route table
    from app import OPERATIONS, app

    served = {(path, method.lower()) for path, methods in app.routes.items() for method in methods}
    # When
    spec = document(OPERATIONS, title="Chirp API", version="1.0.0")
    # Then
    assert {(path, method) for path, item in spec["paths"].items() for method in item} == served
