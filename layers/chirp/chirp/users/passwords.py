"""Password hashing with argon2id (argon2-cffi: the reference implementation's
bindings, maintained by the PHC winner's Python maintainers)."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from chirp.settings import PasswordSettings


@cache
def _hasher(time_cost: int, memory_kib: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)


def hasher_for(settings: PasswordSettings) -> PasswordHasher:
    return _hasher(settings.password_time_cost, settings.password_memory_kib)


def hash_password(settings: PasswordSettings, password: str) -> str:
    return hasher_for(settings).hash(password)


def verify_password(settings: PasswordSettings, password_hash: str, password: str) -> bool:
    try:
        return hasher_for(settings).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: PasswordSettings, password_hash: str) -> bool:
    return hasher_for(settings).check_needs_rehash(password_hash)
