"""The user repository on moto: what the API cannot reach directly (credentials lookup, missing
users, batch reads, password hash changes)."""

from __future__ import annotations

import pytest
from chirp.errors import Conflict, NotFound
from chirp.ids import new_id
from chirp.users.models import NewAccount, ProfileChanges, User
from chirp.users.repository import UserRepository
from chirp.wiring.api import dependencies


@pytest.fixture
def users(aws: dict[str, str]) -> UserRepository:
    return dependencies().users


def add_user(users: UserRepository, username: str, email: str | None = None, password_hash: str = "h") -> User:
    user_id = new_id()
    user = User(id=user_id, username=username, name=username.title(), created_at_ms=1_767_225_600_000)
    users.create(NewAccount(user=user, email=email or f"{username}@example.com", password_hash=password_hash))
    return user


def test_create_then_get_answers_the_user_with_zero_counters(users: UserRepository) -> None:
    # Given
    user = add_user(users, "alice")
    # When
    found = users.get(user.id)
    # Then
    assert found == user


def test_create_refuses_a_username_held_in_another_case_naming_it(users: UserRepository) -> None:
    # Given
    add_user(users, "alice")
    # When / Then
    with pytest.raises(Conflict, match="username 'ALICE'"):
        add_user(users, "ALICE", email="other@example.com")


def test_create_refuses_an_email_held_in_another_case(users: UserRepository) -> None:
    # Given
    add_user(users, "alice", email="alice@example.com")
    # When / Then
    with pytest.raises(Conflict, match="email"):
        add_user(users, "bob", email="Alice@Example.com")


def test_create_reports_the_username_when_both_handles_are_taken(users: UserRepository) -> None:
    # Given
    add_user(users, "alice", email="alice@example.com")
    # When / Then
    with pytest.raises(Conflict, match="username"):
        add_user(users, "alice", email="alice@example.com")


@pytest.mark.parametrize("login", ["alice", "ALICE", "alice@example.com", "ALICE@EXAMPLE.COM"])
def test_find_credentials_by_username_or_email_ignoring_case(users: UserRepository, login: str) -> None:
    # Given
    user = add_user(users, "alice", password_hash="$argon2id$stored")
    # When
    found = users.find_credentials(login)
    # Then
    assert found == (user.id, "$argon2id$stored")


@pytest.mark.parametrize("login", ["bob", "bob@example.com", "alice@example.org"])
def test_find_credentials_of_an_unknown_login_is_none(users: UserRepository, login: str) -> None:
    # Given
    add_user(users, "alice")
    # Then
    assert users.find_credentials(login) is None


def test_find_id_by_username_ignores_case_and_answers_none_for_strangers(users: UserRepository) -> None:
    # Given
    user = add_user(users, "Alice")
    # Then
    assert users.find_id_by_username("aLICE") == user.id
    assert users.find_id_by_username("bob") is None


def test_get_many_answers_the_users_that_exist_once_each(users: UserRepository) -> None:
    # Given
    alice = add_user(users, "alice")
    bob = add_user(users, "bob")
    # When
    found = users.get_many([bob.id, 42, alice.id, bob.id])
    # Then
    assert found == {alice.id: alice, bob.id: bob}


def test_get_many_of_nothing_is_empty(users: UserRepository) -> None:
    # Then
    assert users.get_many([]) == {}


@pytest.mark.parametrize("changes", [ProfileChanges(name="Ghost"), ProfileChanges()])
def test_update_profile_of_a_missing_user_is_not_found(users: UserRepository, changes: ProfileChanges) -> None:
    # When / Then
    with pytest.raises(NotFound, match="4242"):
        users.update_profile(4242, changes)


def test_update_profile_does_not_create_a_missing_user(users: UserRepository) -> None:
    # When
    with pytest.raises(NotFound):
        users.update_profile(4242, ProfileChanges(name="Ghost"))
    # Then
    assert users.get(4242) is None


def test_set_password_hash_replaces_the_stored_hash(users: UserRepository) -> None:
    # Given
    user = add_user(users, "alice", password_hash="old")
    # When
    users.set_password_hash(user.id, "new")
    # Then
    assert users.find_credentials("alice") == (user.id, "new")
