"""The one place domain errors become HTTP status codes."""

from __future__ import annotations

from chirp import errors
from chirp.http.schemas import ErrorResponse

STATUS_BY_ERROR: dict[type[errors.ChirpError], int] = {
    errors.MalformedRequest: 400,
    errors.InvalidRequest: 400,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.PayloadTooLarge: 413,
    errors.UnsupportedMediaType: 415,
    errors.InvalidInput: 422,
    errors.RateLimited: 429,
    errors.Retryable: 503,
}


def status_for(error: errors.ChirpError) -> int:
    return status_of(type(error))


def status_of(kind: type[errors.ChirpError]) -> int:
    """The status an error of this kind answers (the OpenAPI document lists them per operation)."""
    for ancestor in kind.__mro__:
        if ancestor in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[ancestor]
    return 500


def error_body(code: str, message: str) -> ErrorResponse:
    return {"error": {"code": code, "message": message}}
