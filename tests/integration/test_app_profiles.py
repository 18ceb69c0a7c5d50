"""Profiles through the API: reading by id, by username and as the caller; changing one's own."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_client import Account, Api, assert_error

BAD_IDS = ["abc", "-1", "0", "99999999999999999999999", "9223372036854775808"]


@pytest.fixture
def alice(api: Api) -> Account:
    return api.register("Alice", email="alice@example.com")


def patch_me(api: Api, account: Account, changes: dict[str, Any]) -> Any:
    return api.patch("/api/users/me", json_body=changes, token=account.access_token)


# ---------------------------------------------------------------- reading


def test_get_user_by_id_answers_the_profile(api: Api, alice: Account) -> None:
    # When
    reply = api.get(f"/api/users/{alice.id}")
    # Then
    assert reply.status == 200, reply.body
    user = reply.json()["data"]
    assert set(user) == {"id", "username", "name", "description", "location", "url", "created_at", "public_metrics"}
    assert user["id"] == alice.id
    assert user["username"] == "Alice"


def test_get_user_by_id_hides_credentials(api: Api, alice: Account) -> None:
    # When
    body = api.get(f"/api/users/{alice.id}").body.decode()
    # Then
    assert "alice@example.com" not in body
    assert "argon2" not in body


@pytest.mark.parametrize("spelling", ["alice", "aLiCe"])
def test_get_user_by_username_ignores_letter_case(api: Api, alice: Account, spelling: str) -> None:
    # When
    reply = api.get(f"/api/users/by/username/{spelling}")
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["id"] == alice.id
    assert reply.json()["data"]["username"] == "Alice"


def test_get_user_by_an_unknown_username_is_a_404_naming_it(api: Api, alice: Account) -> None:
    # When
    reply = api.get("/api/users/by/username/nobody")
    # Then
    assert_error(reply, 404, "not_found", "nobody")


def test_get_user_by_an_unknown_id_is_a_404_naming_it(api: Api, alice: Account) -> None:
    # When
    reply = api.get("/api/users/123456789")
    # Then
    assert_error(reply, 404, "not_found", "123456789")


@pytest.mark.parametrize("bad_id", BAD_IDS)
def test_get_user_by_a_malformed_id_is_a_400_naming_the_parameter(api: Api, bad_id: str) -> None:
    # When
    reply = api.get(f"/api/users/{bad_id}")
    # Then
    assert_error(reply, 400, "malformed_request", "userId")


def test_get_user_by_the_largest_64_bit_id_is_well_formed(api: Api) -> None:
    # When
    reply = api.get(f"/api/users/{2**63 - 1}")
    # Then
    assert_error(reply, 404, "not_found")


def test_get_me_answers_the_callers_profile(api: Api, alice: Account) -> None:
    # Given
    api.register("bob")
    # When
    reply = api.get("/api/users/me", token=alice.access_token)
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == api.user(alice.id)


# ---------------------------------------------------------------- changing


def test_patch_me_changes_every_profile_field(api: Api, alice: Account) -> None:
    # Given
    changes = {
        "name": "Alice Liddell",
        "description": "Curiouser and curiouser!\nSecond line.",
        "location": "Wonderland",
        "url": "https://example.com/alice",
    }
    # When
    reply = patch_me(api, alice, changes)
    # Then the answer and a later read both show the changes
    assert reply.status == 200, reply.body
    for user in (reply.json()["data"], api.user(alice.id)):
        assert {key: user[key] for key in changes} == changes
        assert user["username"] == "Alice"


def test_patch_me_leaves_fields_it_was_not_sent_alone(api: Api, alice: Account) -> None:
    # Given
    patch_me(api, alice, {"name": "Alice Liddell", "location": "Wonderland"})
    # When
    reply = patch_me(api, alice, {"location": "Oxford"})
    # Then
    assert reply.status == 200, reply.body
    assert api.user(alice.id)["name"] == "Alice Liddell"
    assert api.user(alice.id)["location"] == "Oxford"


def test_patch_me_with_an_empty_object_changes_nothing(api: Api, alice: Account) -> None:
    # Given
    before = api.user(alice.id)
    # When
    reply = patch_me(api, alice, {})
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"] == before
    assert api.user(alice.id) == before


@pytest.mark.parametrize("field", ["description", "location", "url"])
def test_patch_me_clears_an_optional_field_with_an_empty_string(api: Api, alice: Account, field: str) -> None:
    # Given
    patch_me(api, alice, {field: "https://example.com"})
    # When
    reply = patch_me(api, alice, {field: ""})
    # Then
    assert reply.status == 200, reply.body
    assert api.user(alice.id)[field] == ""


@pytest.mark.parametrize(("field", "limit"), [("name", 50), ("description", 160), ("location", 30), ("url", 100)])
def test_patch_me_accepts_each_field_at_its_length_limit(api: Api, alice: Account, field: str, limit: int) -> None:
    # Given
    value = ("https://example.com/" + "a" * limit)[:limit] if field == "url" else "x" * limit
    # When
    reply = patch_me(api, alice, {field: value})
    # Then
    assert reply.status == 200, reply.body
    assert api.user(alice.id)[field] == value


@pytest.mark.parametrize(("field", "limit"), [("name", 50), ("description", 160), ("location", 30), ("url", 100)])
def test_patch_me_rejects_each_field_one_past_its_length_limit(
    api: Api, alice: Account, field: str, limit: int
) -> None:
    # Given
    value = ("https://example.com/" + "a" * limit)[: limit + 1] if field == "url" else "x" * (limit + 1)
    # When
    reply = patch_me(api, alice, {field: value})
    # Then
    assert_error(reply, 422, "invalid_input", field, str(limit))
    assert api.user(alice.id)[field] != value


def test_patch_me_counts_length_in_characters_not_bytes(api: Api, alice: Account) -> None:
    # When fifty two-byte characters
    reply = patch_me(api, alice, {"name": "é" * 50})
    # Then
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("url", ["ftp://example.com", "javascript:alert(1)", "example.com"])
def test_patch_me_rejects_urls_that_are_not_http_or_https(api: Api, alice: Account, url: str) -> None:
    # When
    reply = patch_me(api, alice, {"url": url})
    # Then
    assert_error(reply, 422, "invalid_input", "url", "http")


@pytest.mark.parametrize("url", ["http://example.com", "https://example.com/a?b=c#d"])
def test_patch_me_accepts_http_and_https_urls(api: Api, alice: Account, url: str) -> None:
    # When
    reply = patch_me(api, alice, {"url": url})
    # Then
    assert reply.status == 200, reply.body
    assert reply.json()["data"]["url"] == url


@pytest.mark.parametrize("field", ["name", "url"])
def test_patch_me_keeps_single_line_fields_on_one_line(api: Api, alice: Account, field: str) -> None:
    # When
    reply = patch_me(api, alice, {field: "https://example.com/\nsecond"})
    # Then
    assert_error(reply, 422, "invalid_input", field, "single line")


def test_patch_me_rejects_control_characters(api: Api, alice: Account) -> None:
    # When
    reply = patch_me(api, alice, {"description": "ring\u0007bell"})
    # Then
    assert_error(reply, 422, "invalid_input", "description", "control characters")


def test_patch_me_refuses_a_null_name(api: Api, alice: Account) -> None:
    # When
    reply = patch_me(api, alice, {"name": None})
    # Then
    assert_error(reply, 422, "invalid_input", "name")
    assert api.user(alice.id)["name"] == "Alice"


def test_patch_me_refuses_an_empty_name(api: Api, alice: Account) -> None:
    # When
    reply = patch_me(api, alice, {"name": ""})
    # Then
    assert_error(reply, 422, "invalid_input", "name")


@pytest.mark.parametrize("field", ["username", "public_metrics"])
def test_patch_me_refuses_fields_that_are_not_profile_fields(api: Api, alice: Account, field: str) -> None:
    # When
    reply = patch_me(api, alice, {field: "x"})
    # Then
    assert_error(reply, 422, "invalid_input", field, "not a field")


@pytest.mark.parametrize(("field", "value"), [("name", 5), ("url", {})])
def test_patch_me_refuses_values_of_the_wrong_type(api: Api, alice: Account, field: str, value: object) -> None:
    # When
    reply = patch_me(api, alice, {field: value})
    # Then
    assert_error(reply, 422, "invalid_input", field)


def test_patch_me_changes_only_the_callers_profile(api: Api, alice: Account) -> None:
    # Given
    bob = api.register("bob")
    # When
    patch_me(api, alice, {"name": "Alice Liddell"})
    # Then
    assert api.user(bob.id)["name"] == "bob"
