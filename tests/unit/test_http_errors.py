"""The one mapping from domain errors to HTTP statuses, and the error body's shape."""

from __future__ import annotations

import pytest
from chirp import errors
from chirp.http.errors import error_body, status_for

# The statuses the README promises clients.
DOCUMENTED = [
    (errors.MalformedRequest, 400, "malformed_request"),
    (errors.InvalidRequest, 400, "invalid_request"),
    (errors.NotAuthenticated, 401, "not_authenticated"),
    (errors.Forbidden, 403, "forbidden"),
    (errors.NotFound, 404, "not_found"),
    (errors.Conflict, 409, "conflict"),
    (errors.PayloadTooLarge, 413, "payload_too_large"),
    (errors.UnsupportedMediaType, 415, "unsupported_media_type"),
    (errors.InvalidInput, 422, "invalid_input"),
    (errors.RateLimited, 429, "rate_limited"),
    (errors.Retryable, 503, "temporarily_unavailable"),
]


@pytest.mark.parametrize(("kind", "status", "code"), DOCUMENTED)
def test_each_domain_error_has_its_documented_status_and_code(
    kind: type[errors.ChirpError], status: int, code: str
) -> None:
    # Given
    error = kind("something")
    # Then
    assert status_for(error) == status
    assert error.code == code


def test_a_subclass_of_a_mapped_error_gets_its_parents_status() -> None:
    # Given
    class UserGone(errors.NotFound):
        pass

    # Then
    assert status_for(UserGone("gone")) == 404


def test_an_error_with_no_mapping_is_a_500() -> None:
    # Then
    assert status_for(errors.ChirpError("unexpected")) == 500


def test_every_domain_error_is_mapped() -> None:
    # Given every ChirpError subclass the domain defines
    defined = {kind for kind in vars(errors).values() if isinstance(kind, type) and issubclass(kind, errors.ChirpError)}
    # Then
    assert defined - {errors.ChirpError} == {kind for kind, _, _ in DOCUMENTED}


def test_the_error_body_is_code_and_message_under_error() -> None:
    # Then
    assert error_body("not_found", "user 1 does not exist") == {
        "error": {"code": "not_found", "message": "user 1 does not exist"}
    }


def test_a_domain_error_keeps_its_message() -> None:
    # Given
    error = errors.InvalidInput("name: must be a single line")
    # Then
    assert error.message == "name: must be a single line"
    assert str(error) == "name: must be a single line"
