"""The service routes: the health check and the OpenAPI document, which must describe exactly
the routes the app serves."""

from __future__ import annotations

import re
from typing import Any

import pytest
from chalice import Chalice

from tests.integration.api_client import Api

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
def document(api: Api) -> dict[str, Any]:
    reply = api.get("/api/openapi.json")
    assert reply.status == 200, reply.body
    openapi: dict[str, Any] = reply.json()
    return openapi


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (path, method.upper()): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_health_answers_ok(api: Api) -> None:
    # When
    reply = api.get("/api/health")
    # Then
    assert reply.status == 200
    assert reply.json() == {"status": "ok"}
    assert reply.headers["Content-Type"] == "application/json"


def test_openapi_document_is_openapi_3(document: dict[str, Any]) -> None:
    # Then
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"]
    assert document["info"]["version"]


def test_openapi_describes_every_route_of_the_app_and_nothing_else(
    document: dict[str, Any], chalice_app: Chalice
) -> None:
    # Given
    served = {(path, method) for path, methods in chalice_app.routes.items() for method in methods}
    # When
    described = set(operations(document))
    # Then
    assert described == served


def test_openapi_operation_ids_are_unique(document: dict[str, Any]) -> None:
    # When
    ids = [operation["operationId"] for operation in operations(document).values()]
    # Then
    assert len(ids) == len(set(ids))


def demands_a_token(operation: dict[str, Any]) -> bool:
    """Security requirements without the empty one (which lets an anonymous caller in)."""
    security = operation.get("security") or []
    return bool(security) and {} not in security


@pytest.mark.parametrize("marked", [True, False], ids=["secured", "open"])
def test_openapi_marks_exactly_the_operations_that_demand_a_token(
    api: Api, document: dict[str, Any], marked: bool
) -> None:
    # Given the operations the document marks (or does not mark) as needing a bearer token
    chosen = [key for key, operation in operations(document).items() if demands_a_token(operation) == marked]
    assert chosen
    # When each is called without a token (path parameters filled with a well-formed id)
    refused = {key: api.request(key[1], re.sub(r"{\w+}", "1", key[0]), json_body={}).status == 401 for key in chosen}
    # Then exactly the marked ones refuse
    assert refused == dict.fromkeys(chosen, marked)


def test_openapi_marks_the_operations_a_token_is_optional_on_and_each_refuses_a_bad_one(
    api: Api, document: dict[str, Any]
) -> None:
    # Given the operations whose token is optional (a signed-in viewer sees its own state of each tweet)
    optional = [key for key, operation in operations(document).items() if {} in operation.get("security", [])]
    # When each is called with a forged token
    replies = {key: api.request(key[1], re.sub(r"{\w+}", "1", key[0]), token="forged.token.here") for key in optional}
    # Then each refuses it, and they are the lists and reads that show tweets, and user search (which leaves out
    # whom a signed-in viewer blocks or is blocked by)
    assert {key: reply.status for key, reply in replies.items()} == dict.fromkeys(optional, 401)
    assert set(optional) == {
        ("/api/tweets/{tweetId}", "GET"),
        ("/api/users/{userId}/tweets", "GET"),
        ("/api/users/{userId}/liked_tweets", "GET"),
        ("/api/tweets/{tweetId}/conversation", "GET"),
        ("/api/search", "GET"),
        ("/api/search/tweets", "GET"),
        ("/api/search/users", "GET"),
        ("/api/users/search", "GET"),
    }


def test_openapi_pagination_is_documented_on_the_lists_and_each_reads_limit(api: Api, document: dict[str, Any]) -> None:
    # Given the operations documented with `limit` and `cursor`, and a caller who may read them all
    paginated = [
        key
        for key, operation in operations(document).items()
        if {"limit", "cursor"} <= {parameter["name"] for parameter in operation["parameters"]}
    ]
    account = api.register("reader")
    # When each is called with a limit out of range
    replies = {
        key: api.get(re.sub(r"{\w+}", account.id, key[0]), query={"limit": "0"}, token=account.access_token)
        for key in paginated
    }
    # Then every one of them reads the limit, and they include every list of the API
    assert {key: reply.status for key, reply in replies.items()} == dict.fromkeys(paginated, 400)
    assert {
        ("/api/users/{userId}/tweets", "GET"),
        ("/api/users/{userId}/followers", "GET"),
        ("/api/users/{userId}/following", "GET"),
        ("/api/users/{userId}/liked_tweets", "GET"),
        ("/api/tweets/{tweetId}/liking_users", "GET"),
        ("/api/tweets/{tweetId}/retweeted_by", "GET"),
        ("/api/tweets/{tweetId}/conversation", "GET"),
    } <= set(paginated)


def test_openapi_names_every_path_parameter(document: dict[str, Any]) -> None:
    # Then
    for (path, _method), operation in operations(document).items():
        in_path = {parameter["name"] for parameter in operation["parameters"] if parameter["in"] == "path"}
        assert {part[1:-1] for part in path.split("/") if part.startswith("{")} == in_path, path


def resolved(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """A schema, or the component its `$ref` names."""
    if "$ref" not in schema:
        return schema
    found: dict[str, Any] = document["components"]["schemas"][schema["$ref"].removeprefix("#/components/schemas/")]
    return found


def test_openapi_request_bodies_describe_the_fields_the_api_accepts(document: dict[str, Any]) -> None:
    # When
    bodies = {
        key: resolved(document, operation["requestBody"]["content"]["application/json"]["schema"])
        for key, operation in operations(document).items()
        if "requestBody" in operation
    }
    # Then
    assert set(bodies) == {
        ("/api/users/register", "POST"),
        ("/api/users/login", "POST"),
        ("/api/auth/refresh", "POST"),
        ("/api/auth/logout", "POST"),
        ("/api/users/me", "PATCH"),
        ("/api/tweets", "POST"),
        ("/api/notifications/read", "POST"),
        ("/api/users/me/notification_settings", "PATCH"),
        ("/api/users/me/push_subscriptions", "POST"),
        ("/api/users/me/push_subscriptions", "DELETE"),
        ("/api/media", "POST"),
        ("/api/media/{mediaId}", "PATCH"),
        ("/api/users/me/password", "POST"),
        ("/api/reports", "POST"),
        ("/api/moderation/reports/{reportId}/resolve", "POST"),
        ("/api/users/me/muted_words", "POST"),
        ("/api/users/me", "DELETE"),
    }
    assert set(bodies["/api/users/register", "POST"]["properties"]) == {"username", "email", "password", "name"}
    assert set(bodies["/api/users/register", "POST"]["required"]) == {"username", "email", "password"}
    assert set(bodies["/api/users/me", "PATCH"]["properties"]) == {
        "name",
        "description",
        "location",
        "url",
        "avatar_media_id",
        "banner_media_id",
    }
    assert bodies["/api/tweets", "POST"]["required"] == ["text"]
    assert set(bodies["/api/tweets", "POST"]["properties"]) == {"text", "quote_tweet_id", "reply", "media"}
    assert set(bodies["/api/users/me/notification_settings", "PATCH"]["properties"]) == {
        "follow",
        "like",
        "retweet",
        "quote",
        "reply",
        "mention",
    }
    assert set(bodies["/api/users/me/push_subscriptions", "POST"]["required"]) == {"endpoint", "keys"}
    upload = bodies["/api/media", "POST"]
    assert set(upload["required"]) == {"media_type", "total_bytes"}
    assert (upload["properties"]["total_bytes"]["minimum"], upload["properties"]["total_bytes"]["maximum"]) == (
        1,
        512 * 1024 * 1024,
    )
    assert bodies["/api/media/{mediaId}", "PATCH"]["properties"]["alt_text"]["maxLength"] == 1000


def test_openapi_success_statuses_match_the_api(document: dict[str, Any]) -> None:
    # When
    success = {
        key: next(code for code in operation["responses"] if code.startswith("2"))
        for key, operation in operations(document).items()
    }
    # Then
    assert success["/api/users/register", "POST"] == "201"
    assert success["/api/tweets", "POST"] == "201"
    assert success["/api/tweets/{tweetId}", "DELETE"] == "204"
    assert success["/api/auth/logout", "POST"] == "204"
    assert success["/api/users/{userId}", "GET"] == "200"
