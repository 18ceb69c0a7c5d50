"""Domain errors. They carry no HTTP: `chirp.http.errors` maps them to status codes."""

from __future__ import annotations


class ChirpError(Exception):
    """Base of every error the domain raises on purpose."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ChirpError):
    """The request is well formed but a field breaks a rule (names the field and the rule)."""

    code = "invalid_input"


class InvalidRequest(ChirpError):
    """The request is readable but asks for something that cannot be done (following yourself)."""

    code = "invalid_request"


class MalformedRequest(ChirpError):
    """The request cannot be read: bad JSON, a bad cursor, a bad path id."""

    code = "malformed_request"


class PayloadTooLarge(ChirpError):
    code = "payload_too_large"


class UnsupportedMediaType(ChirpError):
    code = "unsupported_media_type"


class NotAuthenticated(ChirpError):
    """No credentials, or credentials that are expired, forged or revoked."""

    code = "not_authenticated"


class Forbidden(ChirpError):
    """Authenticated, but the resource belongs to someone else."""

    code = "forbidden"


class NotFound(ChirpError):
    code = "not_found"


class Conflict(ChirpError):
    """The write conflicts with existing state (a taken username, say)."""

    code = "conflict"


class RateLimited(ChirpError):
    """The caller (or its IP) has spent its limit for this class of action; it may try again later
    (`retry_after_s`, when known: the answer's Retry-After)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: int | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class Retryable(ChirpError):
    """A dependency is throttling or briefly unavailable; the same call may succeed later."""

    code = "temporarily_unavailable"
