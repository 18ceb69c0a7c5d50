"""The OpenAPI document, generated from the route table: each operation with its parameters, body,
security and responses (the success one declared by the view, the errors the declaration implies or
lists), and the JSON Schemas of every body, generated from their declarations."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest
from chirp import errors
from chirp.http import schemas
from chirp.http.openapi import SCHEMA_REF, Operation, document
from chirp.tweets.inputs import TweetDraft
from chirp.users.inputs import ProfileUpdate, Registration
from openapi_spec_validator import validate
from pydantic import TypeAdapter

BODY_STATUSES = {"400", "413", "415", "422"}

OPERATIONS = [
    Operation(path="/api/health", method="GET", name="health", summary="Liveness", response=schemas.Health),
    Operation(
        path="/api/users/register",
        method="POST",
        name="register_user",
        summary="Create an account",
        status=201,
        body=Registration,
        response=schemas.Registered,
        raises=(errors.Conflict, errors.Retryable),
    ),
    Operation(
        path="/api/users/{userId}",
        method="GET",
        name="get_user",
        summary="A user",
        response=schemas.UserResponse,
        raises=(errors.NotFound,),
    ),
    Operation(
        path="/api/users/by/username/{username}",
        method="GET",
        name="get_user_by_username",
        summary="A user by username",
        response=schemas.UserResponse,
        raises=(errors.NotFound,),
    ),
    Operation(
        path="/api/users/{userId}/followers",
        method="GET",
        name="list_followers",
        summary="Followers",
        paginated=True,
        response=schemas.UserPage,
    ),
    Operation(
        path="/api/tweets/{tweetId}",
        method="DELETE",
        name="delete_tweet",
        summary="Delete",
        status=204,
        auth=True,
        raises=(errors.Forbidden, errors.NotFound, errors.Retryable),
    ),
    Operation(
        path="/api/tweets/{tweetId}",
        method="GET",
        name="get_tweet",
        summary="A tweet",
        viewer=True,
        response=schemas.ShownTweetResponse,
        raises=(errors.NotFound,),
    ),
    Operation(
        path="/api/tweets",
        method="POST",
        name="post_tweet",
        summary="Post",
        status=201,
        auth=True,
        body=TweetDraft,
        response=schemas.TweetResponse,
        raises=(errors.Retryable,),
    ),
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return document(OPERATIONS, title="Chirp API", version="1.0.0")


def operation(spec: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec["paths"][path][method]
    return found


def ref(name: str) -> dict[str, str]:
    return {"$ref": SCHEMA_REF.format(model=name)}


def component(spec: dict[str, Any], reference: dict[str, str]) -> dict[str, Any]:
    found: dict[str, Any] = spec["components"]["schemas"][reference["$ref"].rpartition("/")[2]]
    return found


def success_schema(spec: dict[str, Any], path: str, method: str, status: str = "200") -> dict[str, Any]:
    schema: dict[str, Any] = operation(spec, path, method)["responses"][status]["content"]["application/json"]["schema"]
    return schema


def test_the_document_is_valid_openapi_3_1_with_its_title_and_version(spec: dict[str, Any]) -> None:
    # When
    validate(spec)
    # Then
    assert spec["openapi"] == "3.1.0"
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


def test_path_parameters_are_required_and_ids_carry_the_id_pattern(spec: dict[str, Any]) -> None:
    # When
    by_id = operation(spec, "/api/users/{userId}", "get")["parameters"]
    by_name = operation(spec, "/api/users/by/username/{username}", "get")["parameters"]
    # Then
    assert by_id == [
        {"name": "userId", "in": "path", "required": True, "schema": TypeAdapter(schemas.Id).json_schema()}
    ]
    assert by_id[0]["schema"]["pattern"] == "^[0-9]{1,19}$"
    assert by_name == [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}]
    assert operation(spec, "/api/health", "get")["parameters"] == []


def test_paginated_operations_declare_limit_1_to_100_and_cursor(spec: dict[str, Any]) -> None:
    # When
    parameters = {p["name"]: p for p in operation(spec, "/api/users/{userId}/followers", "get")["parameters"]}
    # Then
    assert set(parameters) == {"userId", "limit", "cursor"}
    assert parameters["limit"]["in"] == "query"
    assert parameters["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}
    assert parameters["cursor"]["schema"] == {"type": "string"}


def test_a_paginated_response_is_data_and_meta_with_a_nullable_next_cursor(spec: dict[str, Any]) -> None:
    # When
    page = component(spec, success_schema(spec, "/api/users/{userId}/followers", "get"))
    # Then
    assert page["properties"]["data"] == {"type": "array", "items": ref("User"), "title": "Data"}
    meta = component(spec, page["properties"]["meta"])
    assert meta["properties"]["next_cursor"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert meta["required"] == ["next_cursor"]


def test_a_response_is_the_component_of_the_declared_typeddict(spec: dict[str, Any]) -> None:
    # When
    single = success_schema(spec, "/api/users/{userId}", "get")
    registered = success_schema(spec, "/api/users/register", "post", "201")
    # Then
    assert single == ref("UserResponse")
    assert component(spec, single)["properties"] == {"data": ref("User")}
    assert registered == ref("Registered")


def test_components_are_the_declarations_json_schemas(spec: dict[str, Any]) -> None:
    # Then each component is what pydantic makes of its declaration, with references into the document
    for declared in (schemas.User, schemas.Tweet, schemas.TokenResponse, schemas.ErrorResponse):
        generated = TypeAdapter(declared).json_schema(ref_template=SCHEMA_REF, mode="serialization")
        generated.pop("$defs", None)
        assert spec["components"]["schemas"][declared.__name__] == generated


def test_response_objects_refuse_properties_they_do_not_declare(spec: dict[str, Any]) -> None:
    # Given every object a response is made of (every component but the request bodies)
    bodies = {op.body.__name__ for op in OPERATIONS if op.body}
    bodies |= {nested for op in OPERATIONS if op.body for nested in op.body.model_json_schema().get("$defs", {})}
    objects = {
        name: schema
        for name, schema in spec["components"]["schemas"].items()
        if name not in bodies and schema.get("type") == "object"
    }
    # Then each lists all of its properties, and no other; those its TypedDict requires are required
    assert objects
    for name, schema in objects.items():
        assert schema["additionalProperties"] is False, name
        assert set(schema["required"]) == set(getattr(schemas, name).__required_keys__), name
        assert set(schema["properties"]) == set(getattr(schemas, name).__annotations__), name


def test_the_success_status_is_the_operations_own_and_204_has_no_content(spec: dict[str, Any]) -> None:
    # Then
    assert "201" in operation(spec, "/api/tweets", "post")["responses"]
    assert operation(spec, "/api/tweets/{tweetId}", "delete")["responses"]["204"] == {"description": "Delete"}


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/health", "get", set()),
        ("/api/users/register", "post", BODY_STATUSES | {"409", "503"}),
        ("/api/users/{userId}", "get", {"400", "404"}),
        ("/api/users/by/username/{username}", "get", {"404"}),
        ("/api/users/{userId}/followers", "get", {"400"}),
        ("/api/tweets/{tweetId}", "delete", {"400", "401", "403", "404", "503"}),
        ("/api/tweets/{tweetId}", "get", {"400", "401", "404"}),
        ("/api/tweets", "post", BODY_STATUSES | {"401", "503"}),
    ],
)
def test_error_responses_are_those_the_declaration_implies_or_lists(
    spec: dict[str, Any], path: str, method: str, statuses: set[str]
) -> None:
    # When
    responses = operation(spec, path, method)["responses"]
    # Then: a body's 400/413/415/422, a caller's 401, an id's or a page's 400, and what the route raises
    errors_documented = {status for status in responses if not status.startswith("2")}
    assert errors_documented == statuses
    for status in statuses:
        assert responses[status]["content"] == {"application/json": {"schema": ref("ErrorResponse")}}
        assert responses[status]["description"]


def test_a_503_is_documented_with_the_error_body_and_its_retry_after_header(spec: dict[str, Any]) -> None:
    # When
    unavailable = operation(spec, "/api/tweets", "post")["responses"]["503"]
    # Then
    assert unavailable["content"]["application/json"]["schema"] == ref("ErrorResponse")
    assert unavailable["headers"]["Retry-After"]["schema"] == {"type": "integer", "minimum": 0}
    assert "retry" in unavailable["description"]


def test_the_error_schema_is_code_and_message_under_error(spec: dict[str, Any]) -> None:
    # When
    body = spec["components"]["schemas"]["ErrorResponse"]
    detail = component(spec, body["properties"]["error"])
    # Then
    assert body["required"] == ["error"]
    assert set(detail["properties"]) == {"code", "message"}
    assert set(detail["required"]) == {"code", "message"}


def test_request_bodies_refer_to_the_input_models_json_schema(spec: dict[str, Any]) -> None:
    # When
    body = operation(spec, "/api/users/register", "post")["requestBody"]
    # Then
    assert body["required"] is True
    assert body["content"]["application/json"]["schema"] == ref("Registration")
    schema = spec["components"]["schemas"]["Registration"]
    assert schema == Registration.model_json_schema()
    assert set(schema["properties"]) == {"username", "email", "password", "name"}
    assert "requestBody" not in operation(spec, "/api/users/{userId}", "get")


def test_a_body_may_be_left_out_exactly_where_an_empty_object_is_valid() -> None:
    # Given an operation whose body has no required field (an empty body reads as {})
    patch = Operation(path="/api/users/me", method="PATCH", name="update_me", summary="Change", body=ProfileUpdate)
    # When
    body = document([patch], title="t", version="1")["paths"]["/api/users/me"]["patch"]["requestBody"]
    # Then
    assert body["required"] is False


def test_only_authenticated_operations_demand_a_bearer_token(spec: dict[str, Any]) -> None:
    # When
    secured = {
        (path, method)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if op.get("security") == [{"bearer": []}]
    }
    # Then
    assert secured == {("/api/tweets/{tweetId}", "delete"), ("/api/tweets", "post")}
    assert spec["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }


def test_a_viewer_operation_takes_a_bearer_token_or_none(spec: dict[str, Any]) -> None:
    # When
    read = operation(spec, "/api/tweets/{tweetId}", "get")
    # Then a token is one alternative and no security the other; a bad token answers 401
    assert read["security"] == [{"bearer": []}, {}]
    assert "401" in read["responses"]


def test_every_referenced_schema_is_defined(spec: dict[str, Any]) -> None:
    # Given
    references: set[str] = set()

    def collect(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("$ref"), str):
                references.add(value["$ref"])
            for item in value.values():
                collect(item)
        elif isinstance(value, list):
            for item in value:
                collect(item)

    # When
    collect(spec)
    # Then
    assert references
    assert {reference.rpartition("/")[0] for reference in references} == {"#/components/schemas"}
    assert {reference.rpartition("/")[2] for reference in references} <= set(spec["components"]["schemas"])


# ---------------------------------------------------------------- the app's own document


@pytest.fixture
def apps_spec(api_module: ModuleType) -> dict[str, Any]:
    """The document the app serves at /api/openapi.json (built once per process)."""
    from routes.service import api_document

    return api_document(api_module.app)


def test_the_apps_document_is_valid_openapi_3_1(apps_spec: dict[str, Any]) -> None:
    # Then
    validate(apps_spec)


def test_the_apps_document_describes_exactly_the_routes_it_serves(
    api_module: ModuleType, apps_spec: dict[str, Any]
) -> None:
    # Given the API's own route table
    served = {(path, method.lower()) for path, methods in api_module.app.routes.items() for method in methods}
    # Then
    assert {(path, method) for path, item in apps_spec["paths"].items() for method in item} == served


def test_the_apps_writes_and_tweet_reads_document_a_503(apps_spec: dict[str, Any]) -> None:
    # When
    unavailable = {
        (path, method.upper())
        for path, item in apps_spec["paths"].items()
        for method, op in item.items()
        if "503" in op["responses"]
    }
    # Then: the routes whose storage calls retry, then give up (transactions, batch reads and writes), and search
    assert unavailable == {
        ("/api/users/register", "POST"),
        ("/api/users/login", "POST"),
        ("/api/auth/refresh", "POST"),
        ("/api/users/me", "PATCH"),  # a new avatar or banner: a transaction
        ("/api/users/{userId}/follow", "POST"),
        ("/api/users/{userId}/follow", "DELETE"),
        ("/api/users/{userId}/block", "POST"),  # blocks, mutes and muted words: transactions
        ("/api/users/{userId}/block", "DELETE"),
        ("/api/users/{userId}/mute", "POST"),
        ("/api/users/{userId}/mute", "DELETE"),
        ("/api/users/me/muted_words", "POST"),
        ("/api/users/me/muted_words", "DELETE"),
        ("/api/users/me/password", "POST"),  # the new tokens: a refresh-token family written in a transaction
        ("/api/reports", "POST"),  # a report and its open claim: a transaction
        ("/api/moderation/reports/{reportId}/resolve", "POST"),
        ("/api/media", "POST"),  # an id found taken again and again (chirp.ids), an Idempotency-Key's record unread
        ("/api/tweets", "POST"),
        ("/api/tweets/{tweetId}", "GET"),
        ("/api/tweets/{tweetId}", "DELETE"),
        ("/api/users/{userId}/tweets", "GET"),
        ("/api/tweets/{tweetId}/like", "POST"),
        ("/api/tweets/{tweetId}/like", "DELETE"),
        ("/api/tweets/{tweetId}/retweet", "POST"),
        ("/api/tweets/{tweetId}/retweet", "DELETE"),
        ("/api/users/{userId}/liked_tweets", "GET"),
        ("/api/tweets/{tweetId}/conversation", "GET"),
        ("/api/timeline", "GET"),
        ("/api/users/{userId}/timeline", "GET"),
        # a search backend that is busy or unreachable (a tantivy writer, OpenSearch's 429/5xx)
        ("/api/search", "GET"),
        ("/api/search/tweets", "GET"),
        ("/api/search/users", "GET"),
        ("/api/users/search", "GET"),
        # the reader's blocks and mutes, read to filter notifications and their unread count (a batch read)
        ("/api/notifications", "GET"),
        ("/api/users/{userId}/notifications", "GET"),
        ("/api/notifications/unread_count", "GET"),
        ("/api/notifications/read", "POST"),
    }


def test_the_apps_creating_posts_document_the_idempotency_key_header(apps_spec: dict[str, Any]) -> None:
    # When
    honouring = {
        (path, method.upper())
        for path, item in apps_spec["paths"].items()
        for method, op in item.items()
        if any(parameter["in"] == "header" and parameter["name"] == "Idempotency-Key" for parameter in op["parameters"])
    }
    # Then: posting and asking for an upload, with the answers a key may give (400, 409, 422)
    assert honouring == {("/api/tweets", "POST"), ("/api/media", "POST")}
    for path in ("/api/tweets", "/api/media"):
        assert {"400", "409", "422"} <= set(apps_spec["paths"][path]["post"]["responses"])


def test_the_apps_token_routes_document_the_cookie_transport(apps_spec: dict[str, Any]) -> None:
    # When
    honouring = {
        (path, method.upper())
        for path, item in apps_spec["paths"].items()
        for method, op in item.items()
        if any(parameter["name"] == "X-Chirp-Token-Transport" for parameter in op["parameters"])
    }
    # Then: every route that answers or spends tokens, or ends the account, takes the header, a 400 for a bad value,
    # and documents the Set-Cookie of its success answer
    assert honouring == {
        ("/api/users/register", "POST"),
        ("/api/users/login", "POST"),
        ("/api/auth/refresh", "POST"),
        ("/api/auth/logout", "POST"),
        ("/api/users/me/password", "POST"),
        ("/api/users/me", "DELETE"),
    }
    for path, method in honouring:
        op = apps_spec["paths"][path][method.lower()]
        header = next(parameter for parameter in op["parameters"] if parameter["name"] == "X-Chirp-Token-Transport")
        assert (header["in"], header["required"], header["schema"]["enum"]) == ("header", False, ["body", "cookie"])
        assert "400" in op["responses"]
        success = next(status for status in op["responses"] if status.startswith("2"))
        assert "Set-Cookie" in op["responses"][success]["headers"], (path, method)


@pytest.mark.parametrize("path", ["/api/auth/refresh", "/api/auth/logout"])
def test_refresh_and_logout_take_the_token_from_the_body_or_the_cookie(apps_spec: dict[str, Any], path: str) -> None:
    # When
    op = apps_spec["paths"][path]["post"]
    # Then the body may be left out, and the cookie is a documented parameter
    assert op["requestBody"]["required"] is False
    body = component(apps_spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert body.get("required", []) == []
    cookie = next(parameter for parameter in op["parameters"] if parameter["in"] == "cookie")
    assert (cookie["name"], cookie["required"]) == ("chirp_refresh", False)


def test_a_token_response_may_leave_the_refresh_token_out(apps_spec: dict[str, Any]) -> None:
    # When
    tokens = apps_spec["components"]["schemas"]["TokenResponse"]
    # Then (it is in the chirp_refresh cookie with the cookie transport)
    assert set(tokens["required"]) == {"access_token", "token_type", "expires_in"}
    assert "refresh_token" in tokens["properties"]
