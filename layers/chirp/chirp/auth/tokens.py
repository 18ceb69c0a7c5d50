"""Access tokens: short-lived HS256 JWTs (PyJWT), and opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets

import jwt

from chirp.errors import NotAuthenticated

ISSUER = "chirp"
ALGORITHM = "HS256"


def issue_access_token(signing_key: str, user_id: int, now: int, ttl_seconds: int) -> str:
    claims = {
        "iss": ISSUER,
        "sub": str(user_id),
        "iat": now,
        "exp": now + ttl_seconds,
        "token_use": "access",
        "jti": secrets.token_urlsafe(12),
    }
    return jwt.encode(claims, signing_key, algorithm=ALGORITHM)


def verify_access_token(signing_key: str, token: str) -> int:
    """The user id the token was issued to; NotAuthenticated if it is expired, forged or malformed."""
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
    if claims.get("token_use") != "access" or not isinstance(subject, str) or not subject.isdigit():
        raise NotAuthenticated("access token is invalid")
    return int(subject)


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
