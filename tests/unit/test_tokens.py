"""Access tokens (HS256 JWTs), bearer headers, and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import time
from typing import Any

import jwt
import pytest
from chirp.auth.tokens import (
    bearer_token,
    hash_refresh_token,
    issue_access_token,
    new_refresh_token,
    verify_access_token,
)
from chirp.errors import NotAuthenticated

KEY = "unit-test-signing-key-0123456789abcdef"
OTHER_KEY = "another-signing-key-0123456789abcdef"


def signed(key: str = KEY, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"iss": "chirp", "sub": "42", "iat": now, "exp": now + 900, "token_use": "access"} | overrides
    return jwt.encode({name: value for name, value in claims.items() if value is not None}, key, algorithm="HS256")


def test_an_issued_token_verifies_to_its_user() -> None:
    # Given
    token = issue_access_token(KEY, 117_656_963_358_392_320, int(time.time()), 900)
    # When
    user_id = verify_access_token(KEY, token)
    # Then
    assert user_id == 117_656_963_358_392_320


def test_an_issued_token_carries_the_expected_claims() -> None:
    # Given
    now = int(time.time())
    # When
    claims = jwt.decode(issue_access_token(KEY, 42, now, 900), KEY, algorithms=["HS256"])
    # Then
    assert {key: claims[key] for key in ("iss", "sub", "iat", "exp", "token_use")} == {
        "iss": "chirp",
        "sub": "42",
        "iat": now,
        "exp": now + 900,
        "token_use": "access",
    }


def test_each_issued_token_has_its_own_id() -> None:
    # Given
    now = int(time.time())
    # When
    ids = {jwt.decode(issue_access_token(KEY, 42, now, 900), KEY, algorithms=["HS256"])["jti"] for _ in range(20)}
    # Then
    assert len(ids) == 20


def test_an_expired_token_is_refused_as_expired() -> None:
    # Given a token whose lifetime ended a second ago
    token = issue_access_token(KEY, 42, int(time.time()) - 901, 900)
    # When / Then
    with pytest.raises(NotAuthenticated, match="expired"):
        verify_access_token(KEY, token)


def test_a_token_signed_with_another_key_is_refused() -> None:
    # Given
    token = issue_access_token(OTHER_KEY, 42, int(time.time()), 900)
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, token)


def test_a_token_whose_payload_was_changed_is_refused() -> None:
    # Given user 42's signature on a payload naming user 43
    header, _payload, signature = issue_access_token(KEY, 42, int(time.time()), 900).split(".")
    _header, other_payload, _signature = signed(sub="43").split(".")
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, f"{header}.{other_payload}.{signature}")


@pytest.mark.parametrize(
    "overrides",
    [
        {"token_use": "refresh"},
        {"token_use": None},
        {"iss": "evil"},
        {"iss": None},
        {"sub": "alice"},
        {"sub": "-5"},
        {"sub": None},
        {"exp": None},
        {"iat": None},
    ],
    ids=lambda overrides: next(f"{key}={value}" for key, value in overrides.items()),
)
def test_a_correctly_signed_token_with_a_wrong_or_missing_claim_is_refused(overrides: dict[str, Any]) -> None:
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, signed(**overrides))


def test_a_correctly_signed_token_with_good_claims_is_accepted() -> None:
    # Then (the refusals above are about their one changed claim)
    assert verify_access_token(KEY, signed()) == 42


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_a_token_signed_with_another_algorithm_is_refused(algorithm: str) -> None:
    # Given
    now = int(time.time())
    claims = {"iss": "chirp", "sub": "42", "iat": now, "exp": now + 900, "token_use": "access"}
    token = jwt.encode(claims, KEY, algorithm=algorithm)
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, token)


def test_an_unsigned_token_is_refused() -> None:
    # Given
    now = int(time.time())
    token = jwt.encode({"iss": "chirp", "sub": "42", "iat": now, "exp": now + 900, "token_use": "access"}, "", "none")
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, token)


@pytest.mark.parametrize("token", ["", "garbage", "a.b.c", "eyJhbGciOiJIUzI1NiJ9..", "\U0001f600"])
def test_a_malformed_token_is_refused(token: str) -> None:
    # When / Then
    with pytest.raises(NotAuthenticated, match="invalid"):
        verify_access_token(KEY, token)


# ---------------------------------------------------------------- bearer header


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer abc", "abc"), ("BEARER abc", "abc"), ("  Bearer   abc  ", "abc")],
)
def test_bearer_token_reads_the_token_of_a_bearer_header(header: str, token: str) -> None:
    # Then
    assert bearer_token(header) == token


@pytest.mark.parametrize("header", [None, ""])
def test_bearer_token_without_a_header_says_which_header_is_needed(header: str | None) -> None:
    # When / Then
    with pytest.raises(NotAuthenticated, match="Authorization: Bearer"):
        bearer_token(header)


@pytest.mark.parametrize("header", ["Basic YWJj", "Token abc", "Bearer", "Bearer    ", "abc", "Bearerabc"])
def test_bearer_token_refuses_another_scheme_or_no_token(header: str) -> None:
    # When / Then
    with pytest.raises(NotAuthenticated, match="must be 'Bearer <access_token>'"):
        bearer_token(header)


# ---------------------------------------------------------------- refresh tokens


def test_a_new_refresh_token_comes_with_its_sha256() -> None:
    # When
    token, token_hash = new_refresh_token()
    # Then
    assert token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert hash_refresh_token(token) == token_hash


def test_refresh_tokens_are_long_random_and_url_safe() -> None:
    # When
    tokens = {new_refresh_token()[0] for _ in range(50)}
    # Then
    assert len(tokens) == 50
    assert all(len(token) >= 43 and all(c.isalnum() or c in "-_" for c in token) for token in tokens)


def test_hash_refresh_token_accepts_any_string_a_client_sends() -> None:
    # When a token with an unpaired surrogate is hashed
    digest = hash_refresh_token("\ud800")
    # Then
    assert len(digest) == 64
