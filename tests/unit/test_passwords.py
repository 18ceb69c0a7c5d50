"""Password hashing with argon2id at the configured cost."""

from __future__ import annotations

import pytest
from chirp.settings import PasswordSettings
from chirp.users.passwords import hash_password, needs_rehash, verify_password

CHEAP = PasswordSettings(password_time_cost=1, password_memory_kib=1024)


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password(CHEAP, "correct horse battery")


def test_a_hash_is_argon2id_with_the_configured_cost(stored: str) -> None:
    # Then
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,")


def test_the_right_password_verifies(stored: str) -> None:
    # Then
    assert verify_password(CHEAP, stored, "correct horse battery")


@pytest.mark.parametrize("attempt", ["wrong", "", "Correct horse battery", "correct horse battery ", "correct horse"])
def test_any_other_password_does_not_verify(stored: str, attempt: str) -> None:
    # Then
    assert not verify_password(CHEAP, stored, attempt)


@pytest.mark.parametrize("garbage", ["", "not-a-hash", "$argon2id$v=19$m=1024,t=1,p=4$broken"])
def test_a_stored_value_that_is_not_a_hash_verifies_nothing(garbage: str) -> None:
    # Then
    assert not verify_password(CHEAP, garbage, "correct horse battery")


def test_the_same_password_hashes_differently_each_time(stored: str) -> None:
    # When
    again = hash_password(CHEAP, "correct horse battery")
    # Then
    assert again != stored
    assert verify_password(CHEAP, again, "correct horse battery")


def test_a_hash_made_at_the_current_cost_needs_no_rehash(stored: str) -> None:
    # Then
    assert not needs_rehash(CHEAP, stored)


@pytest.mark.parametrize(
    "stronger",
    [
        PasswordSettings(password_time_cost=2, password_memory_kib=1024),
        PasswordSettings(password_time_cost=1, password_memory_kib=2048),
    ],
)
def test_a_hash_made_at_another_cost_needs_a_rehash_but_still_verifies(stored: str, stronger: PasswordSettings) -> None:
    # Then
    assert needs_rehash(stronger, stored)
    assert verify_password(stronger, stored, "correct horse battery")


def test_unicode_passwords_verify_exactly() -> None:
    # Given
    stored = hash_password(CHEAP, "pässwörd \U0001f511")
    # Then
    assert verify_password(CHEAP, stored, "pässwörd \U0001f511")
    assert not verify_password(CHEAP, stored, "passwörd \U0001f511")
