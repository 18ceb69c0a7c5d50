"""Log in, rotate refresh tokens (with reuse detection), log out, authenticate, change a password.

A password change (and a moderator's suspension) revokes every token the user holds through the token version
(chirp.auth.revocation)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

from chirp.auth.repository import SessionRepository
from chirp.auth.revocation import TokenStates, accepts
from chirp.auth.tokens import (
    bearer_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    verify_access_claims,
)
from chirp.errors import Forbidden, InvalidInput, NotAuthenticated, NotFound
from chirp.settings import AuthSettings, PasswordSettings, TokenSettings
from chirp.users import passwords
from chirp.users.inputs import Credentials, PasswordChange
from chirp.users.repository import UserRepository

SUSPENDED = "this account is suspended; it cannot log in"


@dataclass(frozen=True)
class TokenGrant:
    """An OAuth 2-style token response."""

    access_token: str
    refresh_token: str
    expires_in: int
    user_id: int


def start_session(
    sessions: SessionRepository, settings: TokenSettings, signing_key: str, user_id: int, token_version: int = 0
) -> TokenGrant:
    """A new refresh token family and an access token, under the user's current token version."""
    now = int(time.time())
    refresh_token, token_hash = new_refresh_token()
    family_id = secrets.token_urlsafe(16)
    sessions.start_family(family_id, user_id, token_hash, now + settings.refresh_token_ttl_seconds, token_version)
    return _grant(settings, signing_key, user_id, refresh_token, now, token_version=token_version)


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
    # Only someone who knows the password learns that the account is suspended.
    state = users.token_state(user_id)
    if state is None or state.deleted:  # a deleted account is as one that never existed
        raise NotAuthenticated("username or password is incorrect")
    if state.suspended:
        raise Forbidden(SUSPENDED)
    if passwords.needs_rehash(settings, password_hash):
        users.set_password_hash(user_id, passwords.hash_password(settings, credentials.password))
    return start_session(sessions, settings, signing_key, user_id, state.version)


def refresh(
    users: UserRepository, sessions: SessionRepository, settings: TokenSettings, signing_key: str, refresh_token: str
) -> TokenGrant:
    """New tokens for a refresh token, which is spent. Refused (401) if it is unknown, expired, revoked, already
    spent (which revokes its family: a stolen token was replayed), or issued under an older token version than
    the user's (a password changed, an account suspended since: every family of the user at once)."""
    now = int(time.time())
    record = sessions.get_refresh(hash_refresh_token(refresh_token))
    if record is None or record.expires_at <= now or sessions.family_revoked(record.family_id):
        raise NotAuthenticated("refresh token is invalid, expired or revoked; log in again")
    if not accepts(users.token_state(record.user_id), record.token_version):
        raise NotAuthenticated("refresh token was revoked (the password changed or the account was suspended)")
    if record.spent:
        sessions.revoke_family(record.family_id)
        raise NotAuthenticated("refresh token was already used; every token of this session is now revoked")
    successor, successor_hash = new_refresh_token()
    if not sessions.rotate(record, successor_hash, now + settings.refresh_token_ttl_seconds):
        sessions.revoke_family(record.family_id)
        raise NotAuthenticated("refresh token was already used; every token of this session is now revoked")
    return _grant(settings, signing_key, record.user_id, successor, now, token_version=record.token_version)


def log_out(sessions: SessionRepository, refresh_token: str) -> None:
    """Revoke the session the refresh token belongs to. Unknown tokens are ignored (idempotent)."""
    record = sessions.get_refresh(hash_refresh_token(refresh_token))
    if record is not None:
        sessions.revoke_family(record.family_id)


def authenticate(signing_key: str, authorization: str | None, states: TokenStates | None = None) -> int:
    """The caller's user id from an Authorization header. With `states` (the API), a token issued under an older
    token version than the user's, or a suspended user's, is refused too (within the cache's bound)."""
    claims = verify_access_claims(signing_key, bearer_token(authorization))
    if states is not None and not accepts(states.current(claims.user_id), claims.version):
        raise NotAuthenticated("access token was revoked (the password changed or the account was suspended)")
    return claims.user_id


def change_password(
    users: UserRepository,
    sessions: SessionRepository,
    settings: AuthSettings,
    signing_key: str,
    *,
    user_id: int,
    change: PasswordChange,
) -> TokenGrant:
    """Replace the caller's password, proven by the current one (Forbidden otherwise: the caller is signed in,
    the proof is wrong; InvalidInput if the new one is the old one), revoking every token the user holds (the
    token version bumped in the same write); a new session for the caller, so the client that changed it stays
    signed in."""
    password_hash = users.password_hash(user_id)
    if password_hash is None:
        raise NotFound(f"user {user_id} does not exist")
    if not passwords.verify_password(settings, password_hash, change.current_password):
        raise Forbidden("current_password is incorrect")
    if change.new_password == change.current_password:
        raise InvalidInput("new_password: must differ from the current password")
    version = users.change_password(user_id, password_hash, passwords.hash_password(settings, change.new_password))
    if version is None:
        raise Forbidden("the password was changed meanwhile; send the current one")
    return start_session(sessions, settings, signing_key, user_id, version)


def _grant(
    settings: TokenSettings, signing_key: str, user_id: int, refresh_token: str, now: int, *, token_version: int
) -> TokenGrant:
    ttl = settings.access_token_ttl_seconds
    return TokenGrant(
        access_token=issue_access_token(signing_key, user_id, now, ttl, token_version),
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
