"""What the e2e tests do as a client does to get an account: a unique username, registration over
HTTP, and the Authorization header of its access token."""

from __future__ import annotations

import itertools
import secrets
from typing import Any

import httpx

_names = itertools.count()


def unique_name() -> str:
    return f"e{secrets.token_hex(4)}{next(_names)}"[:15]


def register(api: httpx.Client, username: str | None = None) -> dict[str, Any]:
    """Register over HTTP; the 201's body (`data`: the user, `token`: its tokens)."""
    username = username or unique_name()
    response = api.post(
        "/users/register", json={"username": username, "email": f"{username}@example.com", "password": "password-123"}
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def auth(account: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {account['token']['access_token']}"}
