"""The contract each route declares, checked over the app's own route table (`app.routes`), so a
route added later is checked without anyone listing it here:

- every route is a declared operation;
- a route declared `auth=True` refuses a request whose only fault is its missing token, and no other
  route does;
- when storage stays busy (transactions keep conflicting, batch calls keep coming back unprocessed),
  a route answers only statuses its operation documents, and 503 exactly where it documents one.
"""

from __future__ import annotations

import base64
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from chalice import Chalice
from chirp.adapters.dynamodb import batch, connection
from chirp.adapters.search.embedded import EmbeddedTweetIndex, EmbeddedUserIndex
from chirp.errors import Retryable
from chirp.http.openapi import Operation
from chirp.media.inputs import AltTextChange, UploadRequest
from chirp.notifications.inputs import MarkRead, PushSubscriptionInput, PushUnsubscribe, SettingsChange
from chirp.relations.inputs import MutedWordDraft
from chirp.reports.inputs import ReportDraft, Resolution
from chirp.search.index import SearchThrottled
from chirp.tweets.inputs import TweetDraft
from chirp.users.inputs import (
    AccountDeletion,
    Credentials,
    PasswordChange,
    ProfileUpdate,
    RefreshTokenInput,
    Registration,
)
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import BaseModel
from routes.routing import operation_for, operations_of

from infra.moderation import set_moderator
from tests.integration.api_client import PASSWORD, Account, Api, Reply
from tests.integration.media_items import ready_image

Route = tuple[str, str]  # (path as declared, method)
# Routes a caller may only use on itself: their `userId` is the caller's own.
OWN_USER_ROUTES = {("/api/users/{userId}/timeline", "GET"), ("/api/users/{userId}/notifications", "GET")}
PUSH_ENDPOINT = "https://fcm.googleapis.com/fcm/send/route-test"


@dataclass
class World:
    """What the requests refer to: the caller, another user (with a tweet, and a like of the caller's
    tweet), a tweet of the caller's (which the caller retweeted), a media of the caller's, and refresh tokens
    of the caller's (made up front: a login is one of the calls a busy storage refuses)."""

    api: Api
    caller: Account
    other: Account
    tweet_id: str
    media_id: str
    refresh_tokens: list[str]
    # A ready image of the caller's, for the profile's avatar (a profile change that takes one is a transaction).
    avatar_media_id: str = ""
    # An open report of the other user's about the caller's tweet (the caller is a moderator: it may resolve it).
    report_id: str = ""
    # The caller's password (the password change's route changes it).
    password: str = PASSWORD

    def path(self, route: Route) -> str:
        values = {
            "userId": self.caller.id if route in OWN_USER_ROUTES else self.other.id,
            "username": self.other.username,
            "tweetId": self.tweet_id,
            "mediaId": self.media_id,
            "reportId": self.report_id,
        }
        return re.sub(r"{(\w+)}", lambda match: values[match[1]], route[0])

    def body(self, model: type[BaseModel]) -> dict[str, Any]:
        """A body the route accepts: valid, and naming what exists (a fresh refresh token, say)."""
        samples: dict[type[BaseModel], Callable[[], dict[str, Any]]] = {
            Registration: lambda: {
                "username": (name := f"r{secrets.token_hex(5)}"),
                "email": f"{name}@example.com",
                "password": PASSWORD,
            },
            Credentials: lambda: {"username": self.caller.username, "password": PASSWORD},
            RefreshTokenInput: lambda: {"refresh_token": self.refresh_tokens.pop()},
            ProfileUpdate: lambda: {"name": "Renamed", "avatar_media_id": self.avatar_media_id},
            TweetDraft: lambda: {"text": "hello #world"},
            MarkRead: dict,
            SettingsChange: lambda: {"like": False},
            PushSubscriptionInput: lambda: {"endpoint": PUSH_ENDPOINT, "keys": browser_push_keys()},
            PushUnsubscribe: lambda: {"endpoint": PUSH_ENDPOINT},
            UploadRequest: lambda: {"media_type": "image/jpeg", "total_bytes": 1000},
            AltTextChange: lambda: {"alt_text": "a dog on a beach"},
            MutedWordDraft: lambda: {"word": "spoilers"},
            PasswordChange: lambda: {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
            AccountDeletion: lambda: {"password": self.password},
            ReportDraft: lambda: {"target": {"type": "user", "id": self.other.id}, "reason": "spam"},
            Resolution: lambda: {"action": "dismiss"},
        }
        return samples[model]()

    def send(self, route: Route, operation: Operation, *, token: str | None) -> Reply:
        # A value for each query parameter the operation requires (a search's `q`).
        query = {parameter.name: QUERY_SAMPLES[parameter.name] for parameter in operation.query if parameter.required}
        if operation.body is None:
            return self.api.request(route[1], self.path(route), token=token, query=query)
        return self.api.request(
            route[1], self.path(route), json_body=self.body(operation.body), token=token, query=query
        )


QUERY_SAMPLES = {"q": "mine", "word": "spoilers"}
NEW_PASSWORD = "another passphrase"


def browser_push_keys() -> dict[str, str]:
    """What a browser's PushSubscription carries: its P-256 public key and a 16-byte auth secret."""
    public = ec.generate_private_key(ec.SECP256R1()).public_key()
    point = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return {"p256dh": base64url(point), "auth": base64url(secrets.token_bytes(16))}


def base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.fixture
def world(api: Api) -> World:
    caller, other = api.register(), api.register()
    tweet_id = api.tweet(caller, "mine")["id"]
    # Lists with something in them, and a retweet to undo: the reads and writes a busy storage can refuse.
    api.tweet(other, "theirs")
    assert api.post(f"/api/tweets/{tweet_id}/like", token=other.access_token).status == 200
    assert api.post(f"/api/tweets/{tweet_id}/retweet", token=caller.access_token).status == 200
    refresh_tokens = [api.log_in(caller.username).json()["refresh_token"] for _ in range(2)]
    upload = api.post("/api/media", json_body={"media_type": "image/png", "total_bytes": 10}, token=caller.access_token)
    media_id = upload.json()["data"]["media_id"]
    set_moderator(os.environ["USERS_TABLE"], caller.username)
    report = {"target": {"type": "tweet", "id": tweet_id}, "reason": "spam"}
    report_id = api.post("/api/reports", json_body=report, token=other.access_token).json()["data"]["id"]
    return World(
        api=api,
        caller=caller,
        other=other,
        tweet_id=tweet_id,
        media_id=media_id,
        refresh_tokens=refresh_tokens,
        avatar_media_id=str(ready_image(int(caller.id)).id),
        report_id=report_id,
    )


def served_operations(chalice_app: Chalice) -> dict[Route, Operation]:
    """Every route of the app's route table, with the operation it was declared as."""
    found: dict[Route, Operation] = {}
    for path, methods in chalice_app.routes.items():
        for method in methods:
            operation = operation_for(chalice_app, path, method)
            assert operation is not None, f"{method} {path} is served but was not declared as an operation"
            found[path, method] = operation
    return found


def documented_statuses(operation: Operation) -> set[int]:
    return {operation.status, *operation.error_statuses()}


def test_every_route_the_app_serves_is_a_declared_operation_and_the_other_way_round(chalice_app: Chalice) -> None:
    # When
    served = served_operations(chalice_app)
    # Then
    assert sorted(served.values(), key=str) == sorted(operations_of(chalice_app), key=str)
    # And a route answers a body, or its success is 204 No Content
    assert {route for route, op in served.items() if op.response is None} == {
        route for route, op in served.items() if op.status == 204
    }


def test_every_authenticated_route_refuses_a_request_without_a_token(chalice_app: Chalice, world: World) -> None:
    # Given every route declared auth=True, each sent a valid request but for its missing token
    secured = {route: op for route, op in served_operations(chalice_app).items() if op.auth}
    assert secured
    # When
    replies = {route: world.send(route, operation, token=None) for route, operation in secured.items()}
    # Then each answers 401 not_authenticated
    assert {route: (reply.status, reply.error["code"]) for route, reply in replies.items()} == dict.fromkeys(
        secured, (401, "not_authenticated")
    )


def test_no_other_route_asks_for_a_token(chalice_app: Chalice, world: World) -> None:
    # Given every route not declared auth=True
    public = {route: op for route, op in served_operations(chalice_app).items() if not op.auth}
    assert public
    # When each is sent a valid request without a token
    replies = {route: world.send(route, operation, token=None) for route, operation in public.items()}
    # Then each answers its success status
    assert {route: reply.status for route, reply in replies.items()} == {
        route: operation.status for route, operation in public.items()
    }


def test_with_a_valid_token_every_authenticated_route_succeeds(chalice_app: Chalice, world: World) -> None:
    # Given every route declared auth=True (the caller follows the other user first, so unfollow has work)
    secured = {route: op for route, op in served_operations(chalice_app).items() if op.auth}
    world.api.follow(world.caller, world.other)
    # When each is sent a valid request with the caller's token (the tweet deleted last but for the password
    # change, which revokes the token)
    ordered = sorted(secured, key=last_routes)
    replies = {}
    for route in ordered:
        token = world.caller.access_token
        if route == ("/api/users/me", "DELETE"):  # the password changed: a session of its own, the new password
            token = world.api.log_in(world.caller.username, NEW_PASSWORD).json()["access_token"]
            world.password = NEW_PASSWORD
        replies[route] = world.send(route, secured[route], token=token)
    # Then each answers its success status
    assert {route: reply.status for route, reply in replies.items()} == {
        route: operation.status for route, operation in secured.items()
    }


def last_routes(route: Route) -> tuple[bool, bool, bool]:
    """Sorts the account's deletion last, the password change before it (each revokes the caller's tokens: the
    password change's answer is 200 all the same, and the deletion, sent with a token of its own, 202), and the
    tweet's deletion before them."""
    return (
        route == ("/api/users/me", "DELETE"),
        route == ("/api/users/me/password", "POST"),
        route == ("/api/tweets/{tweetId}", "DELETE"),
    )


# Routes whose 503 comes only from `chirp.ids.minted` running out of fresh ids (four collisions in a row): their
# one write is a single conditional PutItem, which busy transactions and batches leave untouched.
ID_EXHAUSTION_ONLY = {("/api/media", "POST")}


def storage_stays_busy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every transaction gives up at once (as after its retries), and so does every batch read and write,
    and every search of the search backend (as OpenSearch answering 429s, or an index kept locked)."""

    def unprocessed(*_: object) -> None:
        raise Retryable("stayed unprocessed (test)")

    def throttled(*_: object, **__: object) -> None:
        raise SearchThrottled("the search backend stayed busy (test)")

    monkeypatch.setattr(connection, "TRANSACTION_ATTEMPTS", 0)
    monkeypatch.setattr(batch, "_until_processed", unprocessed)
    for engine in (EmbeddedTweetIndex, EmbeddedUserIndex):
        monkeypatch.setattr(engine, "search", throttled)


def test_when_storage_stays_busy_each_route_answers_only_what_it_documents(
    chalice_app: Chalice, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every route, and storage that stays busy
    operations = served_operations(chalice_app)
    storage_stays_busy(monkeypatch)
    # When each is sent a valid request with the caller's token (the password change, a plain write that goes
    # through and revokes the token, last)
    replies = {
        route: world.send(route, operations[route], token=world.caller.access_token)
        for route in sorted(operations, key=last_routes)
    }
    # Then every answer is one its operation documents
    undocumented = {
        route: reply.status
        for route, reply in replies.items()
        if reply.status not in documented_statuses(operations[route])
    }
    assert undocumented == {}
    # And exactly the routes that document a 503 answered one, with the error body
    unavailable = {route for route, reply in replies.items() if reply.status == 503}
    documented = {route for route, operation in operations.items() if 503 in operation.error_statuses()}
    assert unavailable == documented - ID_EXHAUSTION_ONLY
    assert {replies[route].error["code"] for route in unavailable} == {"temporarily_unavailable"}
    # And each tells the client when to try again
    retry_after = [
        {k.lower(): v for k, v in replies[route].headers.items()}.get("retry-after") for route in unavailable
    ]
    assert set(retry_after) == {"1"}
