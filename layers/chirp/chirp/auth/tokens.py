"""Access tokens: short-lived HS256 JWTs (PyJWT), and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

import jwt

from chirp.errors import NotAuthenticated

ISSUER = "chirp"
ALGORITHM = "HS256"


@dataclass(frozen=True)
class AccessClaims:
    """What a verified access token says: whose it is, and the user's token version when it was issued
    (`ver`; a token issued before versions existed has none: version 0)."""

    user_id: int
    version: int


def issue_access_token(signing_key: str, user_id: int, now: int, ttl_seconds: int, version: int = 0) -> str:
    """`version`: the user's token version (chirp.auth.revocation): a later one (a password changed, an account
    suspended) makes the API refuse the token before it expires."""
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "iat": now,
        "exp": now + ttl_seconds,
        "token_use": "access",
        "jti": secrets.token_urlsafe(12),
        "ver": version,
    }
    return jwt.encode(claims, signing_key, algorithm=ALGORITHM)


def verify_access_token(signing_key: str, token: str) -> int:
    """The user id the token was issued to; NotAuthenticated if it is expired, forged or malformed."""
    return verify_access_claims(signing_key, token).user_id


def verify_access_claims(signing_key: str, token: str) -> AccessClaims:
    """The token's user id and version; NotAuthenticated if it is expired, forged or malformed (whether its
    version is still current is chirp.auth.revocation's question)."""
    try:
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "iss"]},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("access token has expired; refresh it") from None
    except jwt.PyJWTError:
        raise NotAuthenticated("access token is invalid") from None
    subject = claims.get("sub")
    version = claims.get("ver", 0)
    if claims.get("token_use") != "access" or not isinstance(subject, str) or not subject.isdigit():
        raise NotAuthenticated("access token is invalid")
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise NotAuthenticated("access token is invalid")
    return AccessClaims(user_id=int(subject), version=version)


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        raise NotAuthenticated("this endpoint needs an Authorization: Bearer <access_token> header")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("the Authorization header must be 'Bearer <access_token>'")
    return token.strip()


def new_refresh_token() -> tuple[str, str]:
    """(token for the client, hash to store): only the hash is ever stored."""
    token = secrets.token_urlsafe(32)
    return token, hash_refresh_token(token)


def hash_refresh_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
