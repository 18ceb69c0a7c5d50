"""The one place domain errors become HTTP status codes."""

from __future__ import annotations

from typing import Any

from chirp import errors

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
    errors.Retryable: 503,
}


def status_for(error: errors.ChirpError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 500


def error_body(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}
