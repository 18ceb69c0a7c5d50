"""Registering users and reading or changing their profiles."""

from __future__ import annotations

from chirp.errors import InvalidInput, NotFound
from chirp.ids import id_timestamp_ms, new_id
from chirp.settings import PasswordSettings
from chirp.users import passwords
from chirp.users.inputs import ProfileUpdate, Registration
from chirp.users.models import NewAccount, ProfileChanges, User
from chirp.users.repository import UserRepository


def register_user(users: UserRepository, settings: PasswordSettings, registration: Registration) -> User:
    user_id = new_id()
    user = User(
        id=user_id,
        username=registration.username,
        name=registration.name or registration.username,
        created_at_ms=id_timestamp_ms(user_id),
    )
    email = str(registration.email)
    users.create(
        NewAccount(user=user, email=email, password_hash=passwords.hash_password(settings, registration.password))
    )
    return user


def get_user(users: UserRepository, user_id: int) -> User:
    user = users.get(user_id)
    if user is None:
        raise NotFound(f"user {user_id} does not exist")
    return user


def get_user_by_username(users: UserRepository, username: str) -> User:
    user_id = users.find_id_by_username(username)
    user = users.get(user_id) if user_id is not None else None
    if user is None:
        raise NotFound(f"no user is called '{username}'")
    return user


def update_profile(users: UserRepository, user_id: int, update: ProfileUpdate) -> User:
    changes = ProfileChanges(**update.model_dump(exclude_unset=True))
    if changes.name is None and "name" in update.model_fields_set:
        raise InvalidInput("name: cannot be null; send a string of 1-50 characters")
    return users.update_profile(user_id, changes)
