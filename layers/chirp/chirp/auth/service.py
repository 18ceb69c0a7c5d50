"""Log in, rotate refresh tokens (with reuse detection), log out, authenticate."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from chirp.auth.repository import SessionRepository
from chirp.auth.tokens import (
    bearer_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    verify_access_token,
)
from chirp.errors import NotAuthenticated
from chirp.settings import AuthSettings, PasswordSettings, TokenSettings
from chirp.users import passwords
from chirp.users.inputs import Credentials
from chirp.users.repository import UserRepository


@dataclass(frozen=True)
class TokenGrant:
    """An OAuth 2-style token response."""

    access_token: str
    refresh_token: str
    expires_in: int
    user_id: int


def start_session(sessions: SessionRepository, settings: TokenSettings, signing_key: str, user_id: int) -> TokenGrant:
    now = int(time.time())
    refresh_token, token_hash = new_refresh_token()
    family_id = secrets.token_urlsafe(16)
    sessions.start_family(family_id, user_id, token_hash, now + settings.refresh_token_ttl_seconds)
    return _grant(settings, signing_key, user_id, refresh_token, now)


def log_in(
    users: UserRepository,
    sessions: SessionRepository,
    settings: AuthSettings,
    signing_key: str,
    credentials: Credentials,
) -> TokenGrant:
    found = users.find_credentials(credentials.username)
    if found is None:
        # Spend the same time as a real check so response times do not reveal which logins exist.
        passwords.verify_password(settings, _decoy_hash(settings), credentials.password)
        raise NotAuthenticated("username or password is incorrect")
    user_id, password_hash = found
    if not passwords.verify_password(settings, password_hash, credentials.password):
        raise NotAuthenticated("username or password is incorrect")
    if passwords.needs_rehash(settings, password_hash):
        users.set_password_hash(user_id, passwords.hash_password(settings, credentials.password))
    return start_session(sessions, settings, signing_key, user_id)


def refresh(sessions: SessionRepository, settings: TokenSettings, signing_key: str, refresh_token: str) -> TokenGrant:
    now = int(time.time())
    record = sessions.get_refresh(hash_refresh_token(refresh_token))
    if record is None or record.expires_at <= now or sessions.family_revoked(record.family_id):
        raise NotAuthenticated("refresh token is invalid, expired or revoked; log in again")
    if record.spent:
        sessions.revoke_family(record.family_id)
        raise NotAuthenticated("refresh token was already used; every token of this session is now revoked")
    successor, successor_hash = new_refresh_token()
    if not sessions.rotate(record, successor_hash, now + settings.refresh_token_ttl_seconds):
        sessions.revoke_family(record.family_id)
        raise NotAuthenticated("refresh token was already used; every token of this session is now revoked")
    return _grant(settings, signing_key, record.user_id, successor, now)


def log_out(sessions: SessionRepository, refresh_token: str) -> None:
    """Revoke the session the refresh token belongs to. Unknown tokens are ignored (idempotent)."""
    record = sessions.get_refresh(hash_refresh_token(refresh_token))
    if record is not None:
        sessions.revoke_family(record.family_id)


def authenticate(signing_key: str, authorization: str | None) -> int:
    """The caller's user id from an Authorization header."""
    return verify_access_token(signing_key, bearer_token(authorization))


def _grant(settings: TokenSettings, signing_key: str, user_id: int, refresh_token: str, now: int) -> TokenGrant:
    ttl = settings.access_token_ttl_seconds
    return TokenGrant(
        access_token=issue_access_token(signing_key, user_id, now, ttl),
        refresh_token=refresh_token,
        expires_in=ttl,
        user_id=user_id,
    )


_decoy_hashes: dict[tuple[int, int], str] = {}


def _decoy_hash(settings: PasswordSettings) -> str:
    key = (settings.password_time_cost, settings.password_memory_kib)
    if key not in _decoy_hashes:
        _decoy_hashes[key] = passwords.hash_password(settings, secrets.token_urlsafe(16))
    return _decoy_hashes[key]
