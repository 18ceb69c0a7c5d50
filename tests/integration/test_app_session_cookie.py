"""The cookie transport of a browser app (X-Chirp-Token-Transport: cookie, chirp.http.cookies): the refresh token
set as an HttpOnly, SameSite=Strict cookie scoped to /api/auth and never in the JSON, spent from the cookie by
refresh and logout, cleared by logout and account deletion; and what another site cannot make it do."""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie
from typing import Any

import pytest
from chirp.wiring.api import dependencies

from tests.integration.api_client import PASSWORD, Api, Reply, assert_error

COOKIE_TRANSPORT = {"X-Chirp-Token-Transport": "cookie"}
OVER_HTTP = {"X-Forwarded-Proto": "http"}


def set_cookie(reply: Reply) -> Morsel[str]:
    """The chirp_refresh cookie the reply sets (and checks it sets exactly that one)."""
    header = next((value for name, value in reply.headers.items() if name.lower() == "set-cookie"), None)
    assert isinstance(header, str), reply.headers
    jar: SimpleCookie = SimpleCookie()
    jar.load(header)
    assert set(jar) == {"chirp_refresh"}, header
    return jar["chirp_refresh"]


def has_no_set_cookie(reply: Reply) -> bool:
    return all(name.lower() != "set-cookie" for name in reply.headers)


def with_cookie(token: str, **headers: str) -> dict[str, str]:
    return COOKIE_TRANSPORT | {"Cookie": f"theme=dark; chirp_refresh={token}"} | headers


def log_in_by_cookie(api: Api, username: str = "alice", **headers: str) -> Reply:
    body = {"username": username, "password": PASSWORD}
    return api.post("/api/users/login", json_body=body, headers=COOKIE_TRANSPORT | headers)


def refresh(api: Api, body: Any = None, **headers: str) -> Reply:
    return api.post("/api/auth/refresh", json_body={} if body is None else body, headers=headers)


# ---------------------------------------------------------------- answering tokens


def test_log_in_with_the_cookie_transport_sets_the_refresh_cookie_and_leaves_it_out_of_the_body(api: Api) -> None:
    # Given
    api.register("alice")
    # When
    reply = log_in_by_cookie(api)
    # Then
    assert reply.status == 200, reply.body
    assert set(reply.json()) == {"access_token", "token_type", "expires_in"}
    cookie = set_cookie(reply)
    assert cookie.value
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["path"] == "/api/auth"
    assert cookie["max-age"] == str(dependencies().settings.refresh_token_ttl_seconds)
    assert cookie["secure"] is True


def test_the_cookie_is_not_secure_only_when_the_request_came_over_plain_http(api: Api) -> None:
    # Given
    api.register("alice")
    # When (the local runtime's gateway, like API Gateway, says how the client came in)
    over_http = log_in_by_cookie(api, **OVER_HTTP)
    over_https = log_in_by_cookie(api, **{"X-Forwarded-Proto": "https"})
    # Then
    assert set_cookie(over_http)["secure"] == ""
    assert set_cookie(over_https)["secure"] is True


def test_log_in_without_the_header_answers_as_ever(api: Api) -> None:
    # Given
    api.register("alice")
    # When
    reply = api.post(
        "/api/users/login", json_body={"username": "alice", "password": PASSWORD}, headers={"Cookie": "a=b"}
    )
    # Then
    assert reply.status == 200, reply.body
    assert "refresh_token" in reply.json()
    assert has_no_set_cookie(reply)


def test_log_in_with_the_body_transport_named_answers_as_ever(api: Api) -> None:
    # Given
    api.register("alice")
    # When
    reply = log_in_by_cookie(api, **{"X-Chirp-Token-Transport": "body"})
    # Then
    assert "refresh_token" in reply.json()
    assert has_no_set_cookie(reply)


def test_register_with_the_cookie_transport_sets_the_cookie(api: Api) -> None:
    # When
    body = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
    reply = api.post("/api/users/register", json_body=body, headers=COOKIE_TRANSPORT)
    # Then
    assert reply.status == 201, reply.body
    assert set(reply.json()["token"]) == {"access_token", "token_type", "expires_in"}
    assert set_cookie(reply).value


@pytest.mark.parametrize("value", ["Cookie", "cookies", ""])
def test_an_unknown_transport_is_a_400_and_registers_nobody(api: Api, value: str) -> None:
    # When
    body = {"username": "alice", "email": "alice@example.com", "password": PASSWORD}
    reply = api.post("/api/users/register", json_body=body, headers={"X-Chirp-Token-Transport": value})
    # Then
    assert_error(reply, 400, "malformed_request", "X-Chirp-Token-Transport must be one of body, cookie")
    assert api.post("/api/users/register", json_body=body).status == 201


def test_a_password_change_with_the_cookie_transport_sets_the_new_sessions_cookie(api: Api) -> None:
    # Given
    alice = api.register("alice")
    # When
    reply = api.post(
        "/api/users/me/password",
        json_body={"current_password": PASSWORD, "new_password": "another long password"},
        token=alice.access_token,
        headers=COOKIE_TRANSPORT,
    )
    # Then
    assert reply.status == 200, reply.body
    assert "refresh_token" not in reply.json()
    assert refresh(api, **with_cookie(set_cookie(reply).value)).status == 200


# ---------------------------------------------------------------- spending the cookie


def test_refresh_with_only_the_cookie_rotates_it(api: Api) -> None:
    # Given
    alice = api.register("alice")
    first = set_cookie(log_in_by_cookie(api)).value
    # When
    reply = refresh(api, **with_cookie(first))
    # Then
    assert reply.status == 200, reply.body
    tokens = reply.json()
    assert set(tokens) == {"access_token", "token_type", "expires_in"}
    second = set_cookie(reply).value
    assert second != first
    assert api.get("/api/users/me", token=tokens["access_token"]).json()["data"]["id"] == alice.id
    assert refresh(api, **with_cookie(second)).status == 200


def test_refresh_with_an_empty_body_reads_the_cookie_too(api: Api) -> None:
    # Given
    api.register("alice")
    token = set_cookie(log_in_by_cookie(api)).value
    # When
    reply = api.post("/api/auth/refresh", raw_body=b"", headers=with_cookie(token))
    # Then
    assert reply.status == 200, reply.body


def test_refresh_prefers_the_bodys_token_to_the_cookies(api: Api) -> None:
    # Given a body token and a cookie of another session
    alice = api.register("alice")
    cookie = set_cookie(log_in_by_cookie(api)).value
    # When
    reply = refresh(api, {"refresh_token": alice.refresh_token}, **with_cookie(cookie))
    # Then the body's is spent, the cookie's is not
    assert reply.status == 200, reply.body
    assert_error(refresh(api, {"refresh_token": alice.refresh_token}), 401, "not_authenticated", "already used")
    assert refresh(api, **with_cookie(cookie)).status == 200


def test_a_spent_cookie_is_refused_and_revokes_its_session(api: Api) -> None:
    # Given a cookie rotated once
    api.register("alice")
    spent = set_cookie(log_in_by_cookie(api)).value
    successor = set_cookie(refresh(api, **with_cookie(spent))).value
    # When
    replay = refresh(api, **with_cookie(spent))
    # Then
    assert_error(replay, 401, "not_authenticated", "already used")
    assert_error(refresh(api, **with_cookie(successor)), 401, "not_authenticated")


def test_refresh_with_the_header_but_no_cookie_says_what_is_missing(api: Api) -> None:
    # When
    reply = refresh(api, **COOKIE_TRANSPORT)
    # Then
    assert_error(reply, 422, "invalid_input", "refresh_token: is required: no chirp_refresh cookie")


def test_refresh_with_a_cookie_it_never_set_is_refused(api: Api) -> None:
    # When
    reply = refresh(api, **with_cookie("never-issued"))
    # Then
    assert_error(reply, 401, "not_authenticated", "refresh token")


# ---------------------------------------------------------------- what another site cannot do (CSRF)


def test_the_cookie_is_not_read_without_the_header_a_cross_site_request_cannot_send(api: Api) -> None:
    # Given a browser holding the cookie, and a request another site made it send (no custom header: a form or a
    # no-cors fetch cannot add one, and a CORS one needs a preflight the API does not grant)
    api.register("alice")
    token = set_cookie(log_in_by_cookie(api)).value
    cookie_only = {"Cookie": f"chirp_refresh={token}"}
    # When
    reply = api.post("/api/auth/refresh", raw_body=b"", headers=cookie_only)
    logout = api.post("/api/auth/logout", raw_body=b"", headers=cookie_only)
    # Then neither spent it: the session still refreshes
    assert_error(reply, 422, "invalid_input", "X-Chirp-Token-Transport: cookie")
    assert_error(logout, 422, "invalid_input", "refresh_token: is required")
    assert refresh(api, **with_cookie(token)).status == 200


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])
def test_a_form_body_cannot_spend_the_cookie(api: Api, content_type: str) -> None:
    # Given a request with every header a cross-site form could send, and then some
    api.register("alice")
    token = set_cookie(log_in_by_cookie(api)).value
    # When
    reply = api.post(
        "/api/auth/refresh", raw_body=b"refresh_token=", headers=with_cookie(token, **{"Content-Type": content_type})
    )
    # Then
    assert_error(reply, 415, "unsupported_media_type", "application/json")
    assert refresh(api, **with_cookie(token)).status == 200


# ---------------------------------------------------------------- forgetting the cookie


def test_log_out_with_the_cookie_revokes_it_and_clears_it(api: Api) -> None:
    # Given
    api.register("alice")
    token = set_cookie(log_in_by_cookie(api)).value
    # When
    reply = api.post("/api/auth/logout", json_body={}, headers=with_cookie(token))
    # Then
    assert reply.status == 204
    assert reply.body == b""
    cleared = set_cookie(reply)
    assert (cleared.value, cleared["max-age"], cleared["path"]) == ("", "0", "/api/auth")
    assert_error(refresh(api, **with_cookie(token)), 401, "not_authenticated", "revoked")


def test_log_out_without_the_header_sets_no_cookie(api: Api) -> None:
    # Given
    alice = api.register("alice")
    # When
    reply = api.post("/api/auth/logout", json_body={"refresh_token": alice.refresh_token})
    # Then
    assert reply.status == 204
    assert has_no_set_cookie(reply)


def test_deleting_the_account_with_the_cookie_transport_clears_the_cookie(api: Api) -> None:
    # Given
    alice = api.register("alice")
    # When
    reply = api.delete(
        "/api/users/me", json_body={"password": PASSWORD}, token=alice.access_token, headers=COOKIE_TRANSPORT
    )
    # Then
    assert reply.status == 202, reply.body
    assert set_cookie(reply)["max-age"] == "0"
