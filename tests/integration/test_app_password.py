"""Changing a password through the API: the rules, and every token issued before it revoked (refresh tokens at
once, access tokens within TOKEN_VERSION_CACHE_SECONDS: 0 here unless a test says otherwise)."""

from __future__ import annotations

import pytest
from chirp.wiring.api import dependencies

from tests.integration.api_client import PASSWORD, Account, Api, Reply, assert_error

NEW_PASSWORD = "a much longer passphrase"


@pytest.fixture(autouse=True)
def no_token_version_cache(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> None:
    """Every request reads the user's token version (as another sandbox past the bound would)."""
    monkeypatch.setenv("TOKEN_VERSION_CACHE_SECONDS", "0")
    dependencies.cache_clear()


def change(api: Api, account: Account, current: str = PASSWORD, new: str = NEW_PASSWORD) -> Reply:
    return api.post(
        "/api/users/me/password",
        json_body={"current_password": current, "new_password": new},
        token=account.access_token,
    )


def test_change_password_answers_new_tokens_that_work(api: Api, alice: Account) -> None:
    # When
    reply = change(api, alice)
    # Then
    assert reply.status == 200, reply.body
    token = reply.json()
    assert set(token) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert api.get("/api/users/me", token=token["access_token"]).status == 200
    assert api.post("/api/auth/refresh", json_body={"refresh_token": token["refresh_token"]}).status == 200


def test_the_new_password_logs_in_and_the_old_one_does_not(api: Api, alice: Account) -> None:
    # Given
    assert change(api, alice).status == 200
    # Then
    assert api.log_in("alice", NEW_PASSWORD).status == 200
    assert_error(api.log_in("alice", PASSWORD), 401, "not_authenticated")


def test_access_tokens_issued_before_the_change_are_refused(api: Api, alice: Account) -> None:
    # Given a second session, logged in elsewhere before the change
    other = api.log_in("alice").json()
    # When
    assert change(api, alice).status == 200
    # Then both sessions' access tokens are dead
    for token in (alice.access_token, other["access_token"]):
        assert_error(api.get("/api/users/me", token=token), 401, "not_authenticated", "revoked")


def test_refresh_tokens_of_every_family_are_refused_after_the_change(api: Api, alice: Account) -> None:
    # Given two sessions (two refresh token families), one rotated once already
    other = api.log_in("alice").json()
    rotated = api.post("/api/auth/refresh", json_body={"refresh_token": other["refresh_token"]}).json()
    # When
    assert change(api, alice).status == 200
    # Then
    for refresh_token in (alice.refresh_token, rotated["refresh_token"]):
        reply = api.post("/api/auth/refresh", json_body={"refresh_token": refresh_token})
        assert_error(reply, 401, "not_authenticated", "revoked")


def test_logout_still_answers_204_for_a_revoked_refresh_token(api: Api, alice: Account) -> None:
    # Given
    assert change(api, alice).status == 200
    # When
    reply = api.post("/api/auth/logout", json_body={"refresh_token": alice.refresh_token})
    # Then
    assert reply.status == 204


def test_old_access_tokens_live_until_the_cache_bound_in_another_sandbox(
    api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a sandbox that trusts a version it read for 60 s, and has read alice's
    monkeypatch.setenv("TOKEN_VERSION_CACHE_SECONDS", "60")
    dependencies.cache_clear()
    assert api.get("/api/users/me", token=alice.access_token).status == 200
    # When the password changes in another sandbox (the version bumped in the table, not in this cache)
    states = dependencies().token_states
    dependencies().users.change_password(int(alice.id), dependencies().users.password_hash(int(alice.id)) or "", "x")
    # Then this sandbox still accepts the old token within its bound, and refuses it once the entry is stale
    assert api.get("/api/users/me", token=alice.access_token).status == 200
    states.forget(int(alice.id))
    assert_error(api.get("/api/users/me", token=alice.access_token), 401, "not_authenticated")


def test_a_wrong_current_password_is_403_and_changes_nothing(api: Api, alice: Account) -> None:
    # When
    reply = change(api, alice, current="not the password")
    # Then
    assert_error(reply, 403, "forbidden", "current_password")
    assert api.get("/api/users/me", token=alice.access_token).status == 200
    assert api.log_in("alice", PASSWORD).status == 200


def test_a_new_password_equal_to_the_current_one_is_422(api: Api, alice: Account) -> None:
    # When
    reply = change(api, alice, new=PASSWORD)
    # Then
    assert_error(reply, 422, "invalid_input", "new_password")
    assert api.get("/api/users/me", token=alice.access_token).status == 200


@pytest.mark.parametrize("new", ["short", "x" * 257, "has\x00control"])
def test_a_new_password_breaking_the_registration_rules_is_422(api: Api, alice: Account, new: str) -> None:
    # When
    reply = change(api, alice, new=new)
    # Then
    assert_error(reply, 422, "invalid_input", "new_password")


def test_changing_the_password_needs_an_access_token(api: Api) -> None:
    # When
    reply = api.post("/api/users/me/password", json_body={"current_password": PASSWORD, "new_password": NEW_PASSWORD})
    # Then
    assert_error(reply, 401, "not_authenticated")


def test_a_missing_field_is_a_4xx_naming_it(api: Api, alice: Account) -> None:
    # When
    reply = api.post("/api/users/me/password", json_body={"new_password": NEW_PASSWORD}, token=alice.access_token)
    # Then
    assert reply.status in {400, 422}, reply.body
    assert "current_password" in reply.error["message"]
