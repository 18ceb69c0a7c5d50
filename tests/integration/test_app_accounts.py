"""Accounts through the API: register, log in, refresh (rotation and reuse detection), log out,
and how every authenticated route treats its access token."""

from __future__ import annotations

import re
import time
from typing import Any

import jwt
import pytest
from chirp.auth import service as auth_service
from chirp.wiring.api import dependencies

from tests.integration.api_client import PASSWORD, Api, assert_error

ISO_MILLISECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def registration(**overrides: Any) -> dict[str, Any]:
    return {"username": "alice", "email": "alice@example.com", "password": PASSWORD} | overrides


# ---------------------------------------------------------------- register


def test_register_answers_201_with_the_new_user_and_a_token_response(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration())
    # Then
    assert reply.status == 201, reply.body
    document = reply.json()
    assert set(document) == {"data", "token"}
    user = document["data"]
    assert user["id"].isdigit()
    assert user["username"] == "alice"
    assert user["name"] == "alice"
    assert (user["description"], user["location"], user["url"]) == ("", "", "")
    assert ISO_MILLISECONDS.match(user["created_at"])
    assert user["public_metrics"] == {"followers_count": 0, "following_count": 0, "tweet_count": 0, "like_count": 0}
    token = document["token"]
    assert set(token) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 900


def test_register_token_authenticates_as_the_new_user(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.get("/api/users/me", token=account.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["id"] == account.id


def test_register_keeps_the_given_display_name(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(name="Alice Liddell"))
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["name"] == "Alice Liddell"


@pytest.mark.parametrize("username", ["a", "Abc_def_123_456"])
def test_register_accepts_usernames_of_1_to_15_letters_digits_or_underscores(api: Api, username: str) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(username=username))
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["username"] == username


@pytest.mark.parametrize(
    "username",
    ["", "abcdefghij_12345", "has space", "alice\n"],
)
def test_register_rejects_usernames_breaking_the_rule(api: Api, username: str) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(username=username))
    # Then
    assert_error(reply, 422, "invalid_input", "username", "1-15 characters")


def test_register_refuses_a_username_taken_in_another_letter_case(api: Api) -> None:
    # Given
    api.register("Alice")
    # When
    reply = api.post("/api/users/register", json_body=registration(username="aLICE", email="other@example.com"))
    # Then
    assert_error(reply, 409, "conflict", "username", "aLICE")


def test_register_refuses_an_email_taken_in_another_letter_case(api: Api) -> None:
    # Given
    api.register("alice", email="alice@example.com")
    # When
    reply = api.post("/api/users/register", json_body=registration(username="bob", email="ALICE@Example.COM"))
    # Then
    assert_error(reply, 409, "conflict", "email")


def test_register_leaves_no_trace_of_a_refused_registration(api: Api) -> None:
    # Given a registration refused because its username is taken
    api.register("alice", email="alice@example.com")
    refused = api.post("/api/users/register", json_body=registration(username="ALICE", email="new@example.com"))
    assert refused.status == 409
    # When the refused email is used by another registration
    reply = api.post("/api/users/register", json_body=registration(username="bob", email="new@example.com"))
    # Then it was never claimed
    assert reply.status == 201, reply.body


@pytest.mark.parametrize("email", ["not-an-email", "alice@"])
def test_register_rejects_invalid_emails(api: Api, email: str) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(email=email))
    # Then
    assert_error(reply, 422, "invalid_input", "email")


def test_register_rejects_a_password_of_7_characters(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(password="1234567"))
    # Then
    assert_error(reply, 422, "invalid_input", "password", "8")


def test_register_accepts_a_password_of_8_characters(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(password="12345678"))
    # Then
    assert reply.status == 201, reply.body


def test_register_rejects_an_unknown_field_naming_it(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(is_admin=True))
    # Then
    assert_error(reply, 422, "invalid_input", "is_admin", "not a field")


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", 123), ("password", 12345678), ("name", 5)],
)
def test_register_rejects_wrong_types_without_coercing_them(api: Api, field: str, value: object) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(**{field: value}))
    # Then
    assert_error(reply, 422, "invalid_input", field)


def test_register_names_every_missing_field(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", json_body={})
    # Then
    assert_error(reply, 422, "invalid_input", "username: is required", "email: is required", "password: is required")


@pytest.mark.parametrize("name", ["bell\u0007", "two\nlines"])
def test_register_rejects_control_characters_in_the_name(api: Api, name: str) -> None:
    # When
    reply = api.post("/api/users/register", json_body=registration(name=name))
    # Then
    assert_error(reply, 422, "invalid_input", "name")


def test_register_accepts_a_name_of_50_characters_and_rejects_51(api: Api) -> None:
    # When
    accepted = api.post("/api/users/register", json_body=registration(name="n" * 50))
    rejected = api.post(
        "/api/users/register", json_body=registration(username="bob", email="bob@example.com", name="n" * 51)
    )
    # Then
    assert accepted.status == 201, accepted.body
    assert_error(rejected, 422, "invalid_input", "name", "50")


# ---------------------------------------------------------------- log in


def test_log_in_by_username_answers_a_token_response(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.log_in("alice")
    # Then
    assert reply.status == 200, reply.body
    tokens = reply.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["token_type"] == "Bearer"
    assert tokens["refresh_token"] != account.refresh_token
    me = api.get("/api/users/me", token=tokens["access_token"])
    assert me.json()["data"]["id"] == account.id


@pytest.mark.parametrize("login", ["aLiCe", "alice@example.com", "ALICE@Example.COM"])
def test_log_in_ignores_letter_case_of_username_and_email(api: Api, login: str) -> None:
    # Given
    account = api.register("Alice", email="alice@example.com")
    # When
    reply = api.log_in(login)
    # Then
    assert reply.status == 200, reply.body
    me = api.get("/api/users/me", token=reply.json()["access_token"])
    assert me.json()["data"]["id"] == account.id


def test_log_in_gives_the_same_answer_for_a_wrong_password_and_an_unknown_user(api: Api) -> None:
    # Given
    api.register("alice")
    # When
    wrong_password = api.log_in("alice", "not the password")
    unknown_user = api.log_in("nobody", PASSWORD)
    unknown_email = api.log_in("nobody@example.com", PASSWORD)
    # Then
    message = assert_error(wrong_password, 401, "not_authenticated", "username or password is incorrect")
    assert assert_error(unknown_user, 401, "not_authenticated") == message
    assert assert_error(unknown_email, 401, "not_authenticated") == message


def test_log_in_requires_a_password(api: Api) -> None:
    # When
    reply = api.post("/api/users/login", json_body={"username": "alice"})
    # Then
    assert_error(reply, 422, "invalid_input", "password: is required")


# ---------------------------------------------------------------- refresh


def test_refresh_rotates_the_refresh_token_and_issues_a_working_access_token(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.post("/api/auth/refresh", json_body={"refresh_token": account.refresh_token})
    # Then
    assert reply.status == 200, reply.body
    tokens = reply.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert tokens["refresh_token"] != account.refresh_token
    me = api.get("/api/users/me", token=tokens["access_token"])
    assert me.json()["data"]["id"] == account.id


def test_refresh_successors_keep_rotating(api: Api) -> None:
    # Given
    token = api.register("alice").refresh_token
    seen = {token}
    # When the chain is refreshed three times
    for _ in range(3):
        reply = api.post("/api/auth/refresh", json_body={"refresh_token": token})
        assert reply.status == 200, reply.body
        token = reply.json()["refresh_token"]
        seen.add(token)
    # Then every refresh gave a new token
    assert len(seen) == 4


def test_refresh_reusing_a_spent_token_revokes_the_whole_family(api: Api) -> None:
    # Given a token that has been rotated once
    spent = api.register("alice").refresh_token
    successor = api.post("/api/auth/refresh", json_body={"refresh_token": spent}).json()["refresh_token"]
    # When the spent token is presented again
    replay = api.post("/api/auth/refresh", json_body={"refresh_token": spent})
    # Then it is refused, and its successor stops working too
    assert_error(replay, 401, "not_authenticated", "already used")
    assert_error(api.post("/api/auth/refresh", json_body={"refresh_token": successor}), 401, "not_authenticated")


def test_refresh_reuse_leaves_other_sessions_alone(api: Api) -> None:
    # Given two logins of the same user, one of which replays a spent token
    spent = api.register("alice").refresh_token
    other = api.log_in("alice").json()["refresh_token"]
    api.post("/api/auth/refresh", json_body={"refresh_token": spent})
    api.post("/api/auth/refresh", json_body={"refresh_token": spent})
    # When the other login refreshes
    reply = api.post("/api/auth/refresh", json_body={"refresh_token": other})
    # Then it still works
    assert reply.status == 200, reply.body


def test_refresh_refuses_a_token_it_never_issued(api: Api) -> None:
    # When
    reply = api.post("/api/auth/refresh", json_body={"refresh_token": "never-issued"})
    # Then
    assert_error(reply, 401, "not_authenticated", "refresh token")


def test_refresh_refuses_an_expired_token(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a refresh token, and a clock that has since moved past its lifetime
    account = api.register("alice")
    lifetime = dependencies().settings.refresh_token_ttl_seconds
    later = time.time() + lifetime + 1
    monkeypatch.setattr(auth_service.time, "time", lambda: later)
    # When
    reply = api.post("/api/auth/refresh", json_body={"refresh_token": account.refresh_token})
    # Then
    assert_error(reply, 401, "not_authenticated", "expired")


@pytest.mark.parametrize(
    ("body", "mentions"),
    [({}, "refresh_token: is required"), ({"refresh_token": ""}, "refresh_token"), ({"refresh_token": 1}, "refresh")],
)
def test_refresh_rejects_a_body_without_a_token_string(api: Api, body: dict[str, Any], mentions: str) -> None:
    # When
    reply = api.post("/api/auth/refresh", json_body=body)
    # Then
    assert_error(reply, 422, "invalid_input", mentions)


# ---------------------------------------------------------------- log out


def test_log_out_answers_204_and_the_refresh_token_then_fails(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.post("/api/auth/logout", json_body={"refresh_token": account.refresh_token})
    # Then
    assert reply.status == 204
    after = api.post("/api/auth/refresh", json_body={"refresh_token": account.refresh_token})
    assert_error(after, 401, "not_authenticated", "revoked")


def test_log_out_204_has_no_content(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.post("/api/auth/logout", json_body={"refresh_token": account.refresh_token})
    # Then
    assert reply.status == 204
    assert reply.body == b""


def test_log_out_is_idempotent(api: Api) -> None:
    # Given
    account = api.register("alice")
    api.post("/api/auth/logout", json_body={"refresh_token": account.refresh_token})
    # When
    again = api.post("/api/auth/logout", json_body={"refresh_token": account.refresh_token})
    unknown = api.post("/api/auth/logout", json_body={"refresh_token": "never-issued"})
    # Then
    assert again.status == 204
    assert unknown.status == 204


def test_log_out_with_a_rotated_token_ends_the_session_of_every_token(api: Api) -> None:
    # Given a session whose first token was rotated
    first = api.register("alice").refresh_token
    second = api.post("/api/auth/refresh", json_body={"refresh_token": first}).json()["refresh_token"]
    # When the session logs out with the spent first token
    assert api.post("/api/auth/logout", json_body={"refresh_token": first}).status == 204
    # Then the current token is revoked too
    assert_error(api.post("/api/auth/refresh", json_body={"refresh_token": second}), 401, "not_authenticated")


def test_log_out_ends_only_its_own_session(api: Api) -> None:
    # Given two logins of one user
    first = api.register("alice").refresh_token
    second = api.log_in("alice").json()["refresh_token"]
    # When the first logs out
    api.post("/api/auth/logout", json_body={"refresh_token": first})
    # Then the second still refreshes
    assert api.post("/api/auth/refresh", json_body={"refresh_token": second}).status == 200


def test_log_out_requires_a_refresh_token(api: Api) -> None:
    # When
    reply = api.post("/api/auth/logout", json_body={})
    # Then
    assert_error(reply, 422, "invalid_input", "refresh_token: is required")


# ---------------------------------------------------------------- access tokens


def claims(user_id: str, **overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"iss": "chirp", "sub": user_id, "iat": now, "exp": now + 900, "token_use": "access"} | overrides


def test_access_token_missing_is_refused(api: Api) -> None:
    # When
    reply = api.get("/api/users/me")
    # Then
    assert_error(reply, 401, "not_authenticated", "Authorization")


@pytest.mark.parametrize("header", ["Basic YWxpY2U6cGFzc3dvcmQ=", "Bearer", "abc"])
def test_access_token_with_a_wrong_scheme_is_refused(api: Api, header: str) -> None:
    # When
    reply = api.get("/api/users/me", headers={"authorization": header})
    # Then
    assert_error(reply, 401, "not_authenticated", "Bearer")


def test_access_token_scheme_ignores_letter_case(api: Api) -> None:
    # Given
    account = api.register("alice")
    # When
    reply = api.get("/api/users/me", headers={"authorization": f"bearer {account.access_token}"})
    # Then
    assert reply.status == 200, reply.body


def test_access_token_with_a_forged_signature_is_refused(api: Api) -> None:
    # Given a real token whose signature is replaced
    account = api.register("alice")
    header, payload, _signature = account.access_token.split(".")
    forged = f"{header}.{payload}.{'A' * 43}"
    # When
    reply = api.get("/api/users/me", token=forged)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")


def test_access_token_whose_claims_were_changed_is_refused(api: Api) -> None:
    # Given alice's signature on bob's id
    alice = api.register("alice")
    bob = api.register("bob")
    bobs_header, bobs_payload, _ = bob.access_token.split(".")
    forged = f"{bobs_header}.{bobs_payload}.{alice.access_token.split('.')[2]}"
    # When
    reply = api.get("/api/users/me", token=forged)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")


def test_access_token_signed_with_another_secret_is_refused(api: Api) -> None:
    # Given
    account = api.register("alice")
    token = jwt.encode(claims(account.id), "another-secret-of-at-least-32-bytes!", algorithm="HS256")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")


def test_access_token_expired_is_refused(api: Api, aws: dict[str, str]) -> None:
    # Given a correctly signed token that expired a minute ago
    account = api.register("alice")
    past = int(time.time()) - 1000
    token = jwt.encode(claims(account.id, iat=past, exp=past + 940), aws["JWT_SECRET"], algorithm="HS256")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "expired")


def test_access_token_correctly_signed_is_accepted(api: Api, aws: dict[str, str]) -> None:
    # Given a token built outside the API with the right key (proves the refusals above are about the claims)
    account = api.register("alice")
    token = jwt.encode(claims(account.id), aws["JWT_SECRET"], algorithm="HS256")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert reply.status == 200, reply.body


@pytest.mark.parametrize(
    "overrides",
    [{"token_use": "refresh"}, {"iss": "someone-else"}, {"exp": None}],
)
def test_access_token_with_wrong_claims_is_refused(api: Api, aws: dict[str, str], overrides: dict[str, Any]) -> None:
    # Given a correctly signed token with one claim wrong or missing
    account = api.register("alice")
    token_claims = {key: value for key, value in claims(account.id, **overrides).items() if value is not None}
    token = jwt.encode(token_claims, aws["JWT_SECRET"], algorithm="HS256")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")


def test_access_token_with_algorithm_none_is_refused(api: Api) -> None:
    # Given an unsigned token
    account = api.register("alice")
    token = jwt.encode(claims(account.id), "", algorithm="none")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")


def test_access_token_of_a_user_who_does_not_exist_is_refused(api: Api, aws: dict[str, str]) -> None:
    # Given a validly signed token for an id nobody has (an account gone: its tokens are dead with it)
    token = jwt.encode(claims("12345"), aws["JWT_SECRET"], algorithm="HS256")
    # When
    reply = api.get("/api/users/me", token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "revoked")


AUTHENTICATED_ROUTES = [
    ("GET", "/api/users/me"),
    ("PATCH", "/api/users/me"),
    ("POST", "/api/tweets"),
    ("DELETE", "/api/tweets/1"),
    ("POST", "/api/users/1/follow"),
    ("DELETE", "/api/users/1/follow"),
]


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED_ROUTES)
def test_every_authenticated_route_refuses_a_request_without_a_token(api: Api, method: str, path: str) -> None:
    # When
    reply = api.request(method, path, json_body={})
    # Then
    assert_error(reply, 401, "not_authenticated", "Authorization")


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED_ROUTES)
def test_every_authenticated_route_refuses_a_forged_token(api: Api, method: str, path: str) -> None:
    # Given
    token = jwt.encode(claims("1"), "another-secret-of-at-least-32-bytes!", algorithm="HS256")
    # When
    reply = api.request(method, path, json_body={}, token=token)
    # Then
    assert_error(reply, 401, "not_authenticated", "invalid")
