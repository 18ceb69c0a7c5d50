"""The authentication service on moto: what the API cannot show directly (password rehashing,
the refresh race, token lifetimes)."""

from __future__ import annotations

import jwt
import pytest
from chirp.auth import service as auth
from chirp.auth.repository import RefreshRecord
from chirp.auth.tokens import hash_refresh_token
from chirp.errors import NotAuthenticated
from chirp.settings import AuthSettings
from chirp.users import service as users
from chirp.users.inputs import Credentials, Registration
from chirp.wiring.api import ApiDependencies, dependencies

PASSWORD = "correct horse battery"


@pytest.fixture
def repos(aws: dict[str, str]) -> ApiDependencies:
    return dependencies()


@pytest.fixture
def key(aws: dict[str, str]) -> str:
    return aws["JWT_SECRET"]


def register(repos: ApiDependencies, settings: AuthSettings, username: str = "alice") -> int:
    registration = Registration(username=username, email=f"{username}@example.com", password=PASSWORD)
    return users.register_user(repos.users, settings, registration).id


def test_log_in_rehashes_a_password_hashed_at_an_older_cost(repos: ApiDependencies, key: str) -> None:
    # Given a user whose hash was made at time cost 1
    old = dependencies().settings
    user_id = register(repos, old)
    stronger = old.model_copy(update={"password_time_cost": 2})
    # When the user logs in under time cost 2
    auth.log_in(repos.users, repos.sessions, stronger, key, Credentials(username="alice", password=PASSWORD))
    # Then the stored hash was remade at the new cost, and it still verifies
    found = repos.users.find_credentials("alice")
    assert found is not None
    assert found[0] == user_id
    assert ",t=2," in found[1]
    auth.log_in(repos.users, repos.sessions, stronger, key, Credentials(username="alice", password=PASSWORD))


def test_log_in_keeps_a_hash_made_at_the_current_cost(repos: ApiDependencies, key: str) -> None:
    # Given
    settings = dependencies().settings
    register(repos, settings)
    before = repos.users.find_credentials("alice")
    # When
    auth.log_in(repos.users, repos.sessions, settings, key, Credentials(username="alice", password=PASSWORD))
    # Then
    assert repos.users.find_credentials("alice") == before


def test_start_session_issues_an_access_token_for_the_user_with_the_configured_lifetime(
    repos: ApiDependencies, key: str
) -> None:
    # Given
    settings = dependencies().settings.model_copy(update={"access_token_ttl_seconds": 60})
    # When
    grant = auth.start_session(repos.sessions, settings, key, 1234)
    # Then
    claims = jwt.decode(grant.access_token, key, algorithms=["HS256"], issuer="chirp")
    assert claims["sub"] == "1234"
    assert claims["exp"] - claims["iat"] == 60
    assert grant.expires_in == 60
    assert auth.authenticate(key, f"Bearer {grant.access_token}") == 1234


def test_refresh_extends_the_refresh_tokens_lifetime(repos: ApiDependencies, key: str) -> None:
    # Given
    settings = dependencies().settings
    user_id = register(repos, settings)
    grant = auth.start_session(repos.sessions, settings, key, user_id)
    first = repos.sessions.get_refresh(hash_refresh_token(grant.refresh_token))
    assert first is not None
    # When
    rotated = auth.refresh(repos.users, repos.sessions, settings, key, grant.refresh_token)
    # Then
    successor = repos.sessions.get_refresh(hash_refresh_token(rotated.refresh_token))
    assert successor is not None
    assert successor.expires_at >= first.expires_at
    assert successor.user_id == user_id
    assert successor.family_id == first.family_id


class RacingSessions:
    """The real session repository, with a concurrent refresh of the same token landing just before
    the rotation the service is about to make."""

    def __init__(self, repos: ApiDependencies) -> None:
        self._sessions = repos.sessions
        self.rival_hash = hash_refresh_token("rival-successor")

    def __getattr__(self, name: str) -> object:
        return getattr(self._sessions, name)

    def rotate(self, spent: RefreshRecord, new_hash: str, expires_at: int) -> bool:
        assert self._sessions.rotate(spent, self.rival_hash, expires_at)
        return self._sessions.rotate(spent, new_hash, expires_at)


def test_refresh_that_loses_a_race_is_refused_and_revokes_the_family(repos: ApiDependencies, key: str) -> None:
    # Given a session, and a rival refresh of its token that wins the race
    settings = dependencies().settings
    grant = auth.start_session(repos.sessions, settings, key, register(repos, settings))
    racing = RacingSessions(repos)
    # When
    with pytest.raises(NotAuthenticated, match="already used"):
        auth.refresh(repos.users, racing, settings, key, grant.refresh_token)  # type: ignore[arg-type]
    # Then the rival's successor is revoked with the rest of the family
    with pytest.raises(NotAuthenticated):
        auth.refresh(repos.users, repos.sessions, settings, key, "rival-successor")


def test_log_out_of_an_unknown_token_changes_nothing(repos: ApiDependencies, key: str) -> None:
    # Given
    settings = dependencies().settings
    user_id = register(repos, settings)
    grant = auth.start_session(repos.sessions, settings, key, user_id)
    # When
    auth.log_out(repos.sessions, "never-issued")
    # Then
    assert auth.refresh(repos.users, repos.sessions, settings, key, grant.refresh_token).user_id == user_id
