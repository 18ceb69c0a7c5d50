"""A JSON client for the Chalice app under test (chalice.test.Client), and the accounts it registers."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from chalice.test import Client

PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Reply:
    """One HTTP response from the app."""

    status: int
    headers: Mapping[str, Any]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error(self) -> dict[str, str]:
        """The `error` object of an error body, after checking the body has exactly that shape."""
        document = self.json()
        assert set(document) == {"error"}, document
        assert set(document["error"]) == {"code", "message"}, document
        error: dict[str, str] = document["error"]
        return error


@dataclass(frozen=True)
class Account:
    """A registered user as a client knows it."""

    id: str
    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str


_NO_BODY = object()


class Api:
    """The Chalice app driven through chalice.test.Client, in the shapes a JSON client uses; each request
    made as the API function (`acting`: its IAM policies enforced on the AWS calls the request makes)."""

    def __init__(self, client: Client, acting: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self._client = client
        self._acting = acting

    def request(
        self,
        method: str,
        path: str,
        *,
        json_body: object = _NO_BODY,
        raw_body: bytes | None = None,
        query: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        token: str | None = None,
    ) -> Reply:
        sent = dict(headers or {})
        body = b""
        if json_body is not _NO_BODY:
            body = json.dumps(json_body).encode()
            sent.setdefault("content-type", "application/json")
        if raw_body is not None:
            body = raw_body
        if token is not None:
            sent["authorization"] = f"Bearer {token}"
        target = f"{path}?{urlencode(query)}" if query else path
        with self._acting():
            response = self._client.http.request(method, target, headers=sent, body=body)
        return Reply(status=response.status_code, headers=response.headers, body=response.body)

    def get(self, path: str, **options: Any) -> Reply:
        return self.request("GET", path, **options)

    def post(self, path: str, **options: Any) -> Reply:
        return self.request("POST", path, **options)

    def patch(self, path: str, **options: Any) -> Reply:
        return self.request("PATCH", path, **options)

    def delete(self, path: str, **options: Any) -> Reply:
        return self.request("DELETE", path, **options)

    def register(self, username: str | None = None, *, email: str | None = None, password: str = PASSWORD) -> Account:
        username = username or f"u{secrets.token_hex(5)}"
        email = email or f"{username}@example.com"
        reply = self.post("/api/users/register", json_body={"username": username, "email": email, "password": password})
        assert reply.status == 201, reply.body
        document = reply.json()
        return Account(
            id=document["data"]["id"],
            username=username,
            email=email,
            password=password,
            access_token=document["token"]["access_token"],
            refresh_token=document["token"]["refresh_token"],
        )

    def log_in(self, login: str, password: str = PASSWORD) -> Reply:
        return self.post("/api/users/login", json_body={"username": login, "password": password})

    def user(self, user_id: str) -> dict[str, Any]:
        reply = self.get(f"/api/users/{user_id}")
        assert reply.status == 200, reply.body
        user: dict[str, Any] = reply.json()["data"]
        return user

    def metrics(self, user_id: str) -> dict[str, int]:
        metrics: dict[str, int] = self.user(user_id)["public_metrics"]
        return metrics

    def tweet(self, account: Account, text: str) -> dict[str, Any]:
        reply = self.post("/api/tweets", json_body={"text": text}, token=account.access_token)
        assert reply.status == 201, reply.body
        tweet: dict[str, Any] = reply.json()["data"]
        return tweet

    def follow(self, follower: Account, followee: Account) -> None:
        reply = self.post(f"/api/users/{followee.id}/follow", token=follower.access_token)
        assert reply.status == 200, reply.body

    def walk(self, path: str, limit: int | None, token: str | None = None, **query: str) -> list[Any]:
        """Every page's `data` of a list, following meta.next_cursor until it runs out (`limit` None: the API's
        default page size; `query`: the list's own parameters)."""
        pages: list[Any] = []
        cursor: str | None = None
        while True:
            sent = query | ({"limit": str(limit)} if limit else {}) | ({"cursor": cursor} if cursor else {})
            reply = self.get(path, query=sent, token=token)
            assert reply.status == 200, reply.body
            document = reply.json()
            pages.append(document["data"])
            cursor = document["meta"]["next_cursor"]
            if cursor is None:
                return pages
            assert len(pages) < 1000, "the cursor never ran out"


def assert_error(reply: Reply, status: int, code: str, *mentions: str) -> str:
    """Check an error reply's status, code and that its message names each of `mentions`; return the message."""
    assert reply.status == status, reply.body
    error = reply.error
    assert error["code"] == code, error
    for text in mentions:
        assert text in error["message"], error["message"]
    return error["message"]
