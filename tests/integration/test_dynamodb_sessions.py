"""The session repository on moto: refresh-token families, rotation and revocation."""

from __future__ import annotations

import hashlib
import time

import pytest
from chirp.adapters.dynamodb.models import FAMILY_PREFIX, REFRESH_PREFIX, RefreshTokenItem, TokenFamilyItem
from chirp.auth.repository import RefreshRecord, SessionRepository
from chirp.auth.service import start_session
from chirp.wiring.api import dependencies


@pytest.fixture
def sessions(aws: dict[str, str]) -> SessionRepository:
    return dependencies().sessions


@pytest.fixture
def record(sessions: SessionRepository) -> RefreshRecord:
    sessions.start_family("family-1", 7, "hash-1", int(time.time()) + 3600)
    found = sessions.get_refresh("hash-1")
    assert found is not None
    return found


def test_start_family_stores_an_unspent_token_of_a_live_family(sessions: SessionRepository) -> None:
    # When
    sessions.start_family("family-1", 7, "hash-1", 2_000_000_000)
    # Then
    assert sessions.get_refresh("hash-1") == RefreshRecord(
        token_hash="hash-1", user_id=7, family_id="family-1", expires_at=2_000_000_000, spent=False
    )
    assert not sessions.family_revoked("family-1")


def test_get_refresh_of_an_unknown_hash_is_none(sessions: SessionRepository) -> None:
    # Then
    assert sessions.get_refresh("unknown") is None


def test_family_revoked_is_true_for_a_family_that_does_not_exist(sessions: SessionRepository) -> None:
    # Then
    assert sessions.family_revoked("no-such-family")


def test_rotate_spends_the_token_and_stores_its_successor_in_the_family(
    sessions: SessionRepository, record: RefreshRecord
) -> None:
    # When
    rotated = sessions.rotate(record, "hash-2", 2_100_000_000)
    # Then
    assert rotated
    spent = sessions.get_refresh("hash-1")
    assert spent is not None
    assert spent.spent
    assert sessions.get_refresh("hash-2") == RefreshRecord(
        token_hash="hash-2", user_id=7, family_id="family-1", expires_at=2_100_000_000, spent=False
    )


def test_rotate_the_same_record_twice_fails_the_second_time_and_stores_nothing(
    sessions: SessionRepository, record: RefreshRecord
) -> None:
    # Given a rotation already made from this record (a concurrent or replayed refresh)
    assert sessions.rotate(record, "hash-2", 2_100_000_000)
    # When
    again = sessions.rotate(record, "hash-3", 2_100_000_000)
    # Then
    assert not again
    assert sessions.get_refresh("hash-3") is None


def test_rotate_in_a_revoked_family_fails(sessions: SessionRepository, record: RefreshRecord) -> None:
    # Given
    sessions.revoke_family("family-1")
    # When
    rotated = sessions.rotate(record, "hash-2", 2_100_000_000)
    # Then
    assert not rotated
    assert sessions.get_refresh("hash-2") is None
    unspent = sessions.get_refresh("hash-1")
    assert unspent is not None
    assert not unspent.spent


def test_revoke_family_marks_it_revoked(sessions: SessionRepository, record: RefreshRecord) -> None:
    # When
    sessions.revoke_family("family-1")
    # Then
    assert sessions.family_revoked("family-1")


def test_revoking_a_family_that_is_gone_stores_nothing(sessions: SessionRepository) -> None:
    # Given a family that does not exist (never started, or expired by TTL)
    # When it is revoked
    sessions.revoke_family("family-gone")
    # Then no item is left behind (it would have no expiry)
    assert not [item for item in TokenFamilyItem.scan() if item.pk == f"{FAMILY_PREFIX}family-gone"]


def test_only_the_hash_of_a_refresh_token_is_stored(aws: dict[str, str]) -> None:
    # Given a session started through the service
    grant = start_session(dependencies().sessions, dependencies().settings, aws["JWT_SECRET"], 7)
    # When
    stored = [item.pk for item in RefreshTokenItem.scan() if item.pk.startswith(REFRESH_PREFIX)]
    # Then
    assert stored == [f"{REFRESH_PREFIX}{hashlib.sha256(grant.refresh_token.encode()).hexdigest()}"]
