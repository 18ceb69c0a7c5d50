"""A browser app's session over the local runtime (gateway, sandboxes, DynamoDB Local): the refresh token kept
in the chirp_refresh HttpOnly cookie (X-Chirp-Token-Transport: cookie; chirp.http.cookies), with httpx's cookie
jar standing in for the browser's, which honours Path and Max-Age as a browser does."""

from __future__ import annotations

from collections.abc import Iterator
from http.cookies import Morsel, SimpleCookie
from typing import Any

import httpx
import pytest

from tests.e2e.accounts import register

pytestmark = pytest.mark.e2e

COOKIE_TRANSPORT = {"X-Chirp-Token-Transport": "cookie"}


@pytest.fixture
def browser(chirp_runtime: Any) -> Iterator[httpx.Client]:
    """A client with a cookie jar of its own."""
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=60) as client:
        yield client


def refresh_cookie(response: httpx.Response) -> Morsel[str]:
    headers = response.headers.get_list("set-cookie")
    assert len(headers) == 1, headers
    jar: SimpleCookie = SimpleCookie()
    jar.load(headers[0])
    return jar["chirp_refresh"]


def test_a_browser_session_lives_in_the_httponly_cookie_from_login_to_logout(browser: httpx.Client) -> None:
    # Given an account
    username = register(browser)["data"]["username"]
    # When the browser app logs in asking for the cookie transport
    login = browser.post(
        "/users/login", json={"username": username, "password": "password-123"}, headers=COOKIE_TRANSPORT
    )
    # Then the refresh token is only in the cookie: HttpOnly, SameSite=Strict, scoped to /api/auth; not Secure,
    # as the local gateway says the request came over plain http
    assert login.status_code == 200, login.text
    assert set(login.json()) == {"access_token", "token_type", "expires_in"}
    cookie = refresh_cookie(login)
    assert (cookie["httponly"], cookie["samesite"], cookie["path"]) == (True, "Strict", "/api/auth")
    assert int(cookie["max-age"]) > 0
    assert cookie["secure"] == ""
    first = cookie.value

    # When the app refreshes with no token of its own: the jar sends the cookie (its path matches)
    refreshed = browser.post("/auth/refresh", json={}, headers=COOKIE_TRANSPORT)
    # Then the cookie is rotated, and the new access token works
    assert refreshed.status_code == 200, refreshed.text
    assert "refresh_token" not in refreshed.json()
    second = refresh_cookie(refreshed).value
    assert second not in ("", first)
    me = browser.get("/users/me", headers={"authorization": f"Bearer {refreshed.json()['access_token']}"})
    assert me.status_code == 200, me.text
    assert me.json()["data"]["username"] == username

    # When the app logs out
    logout = browser.post("/auth/logout", json={}, headers=COOKIE_TRANSPORT)
    # Then the cookie is cleared (the jar drops it)
    assert logout.status_code == 204, logout.text
    assert refresh_cookie(logout)["max-age"] == "0"
    assert browser.cookies.get("chirp_refresh") is None

    # And the last cookie, sent again, is refused: its session is revoked
    replay = browser.post("/auth/refresh", json={}, headers=COOKIE_TRANSPORT | {"Cookie": f"chirp_refresh={second}"})
    assert replay.status_code == 401, replay.text
    assert replay.json()["error"]["code"] == "not_authenticated"
