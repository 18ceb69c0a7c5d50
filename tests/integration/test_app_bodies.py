"""Every way a request body can be unreadable, through the API: each ends in a 4xx with the error
shape, never a 500. Registration is the main vehicle; the last tests run the body checks on every
route that takes a body."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.integration.api_client import PASSWORD, Account, Api, assert_error

JSON = {"content-type": "application/json"}


def registration_bytes(**extra: str) -> bytes:
    return json.dumps({"username": "alice", "email": "alice@example.com", "password": PASSWORD, **extra}).encode()


def test_malformed_json_is_a_400_naming_json(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b'{"username": "alice",', headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "not valid JSON")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_a_body_that_is_not_json_is_a_415(api: Api, content_type: str) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=registration_bytes(), headers={"content-type": content_type})
    # Then
    assert_error(reply, 415, "unsupported_media_type", "application/json")


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8", "Application/JSON", None])
def test_json_media_type_parameters_and_case_are_accepted_and_a_missing_type_means_json(
    api: Api, content_type: str | None
) -> None:
    # Given
    headers = {"content-type": content_type} if content_type else {}
    # When
    reply = api.post("/api/users/register", raw_body=registration_bytes(), headers=headers)
    # Then
    assert reply.status == 201, reply.body


def test_a_body_over_64_kib_is_a_413(api: Api) -> None:
    # Given a valid document padded one byte past 64 KiB
    body = registration_bytes()
    padded = body[:-1] + b" " * (64 * 1024 + 1 - len(body)) + b"}"
    assert len(padded) == 64 * 1024 + 1
    # When
    reply = api.post("/api/users/register", raw_body=padded, headers=JSON)
    # Then
    assert_error(reply, 413, "payload_too_large", "65537", "65536")


def test_a_body_of_exactly_64_kib_is_read(api: Api) -> None:
    # Given a valid document padded to exactly 64 KiB
    body = registration_bytes()
    padded = body[:-1] + b" " * (64 * 1024 - len(body)) + b"}"
    assert len(padded) == 64 * 1024
    # When
    reply = api.post("/api/users/register", raw_body=padded, headers=JSON)
    # Then
    assert reply.status == 201, reply.body


def test_deeply_nested_json_is_a_400(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b"[" * 5000 + b"]" * 5000, headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "JSON")


def test_deeply_nested_json_inside_a_field_is_a_400(api: Api) -> None:
    # When
    body = b'{"username": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    reply = api.post("/api/users/register", raw_body=body, headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "JSON")


@pytest.mark.parametrize("escape", [b"\\ud800", b"x\\ud83dy"])
def test_a_lone_surrogate_escape_is_a_400(api: Api, escape: bytes) -> None:
    # When
    body = b'{"username": "alice", "email": "alice@example.com", "password": "' + PASSWORD.encode() + b'", '
    reply = api.post("/api/users/register", raw_body=body + b'"name": "' + escape + b'"}', headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "surrogate")


def test_a_lone_surrogate_in_a_key_is_a_400(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b'{"\\ud800": 1}', headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "surrogate")


def test_a_surrogate_pair_escape_is_read_as_its_character(api: Api) -> None:
    # When
    body = registration_bytes()[:-1] + b', "name": "\\ud83d\\ude00 Alice"}'
    reply = api.post("/api/users/register", raw_body=body, headers=JSON)
    # Then
    assert reply.status == 201, reply.body
    assert reply.json()["data"]["name"] == "\U0001f600 Alice"


def test_a_body_that_is_not_utf8_is_a_400(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b'{"username": "\xff\xfe"}', headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "UTF-8")


@pytest.mark.parametrize("document", [b"[]", b'"alice"'])
def test_a_body_that_is_not_a_json_object_is_a_400(api: Api, document: bytes) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=document, headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "JSON object")


@pytest.mark.parametrize("constant", [b"NaN", b"-Infinity"])
def test_non_standard_json_constants_are_a_400(api: Api, constant: bytes) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b'{"username": ' + constant + b"}", headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "JSON")


def test_an_integer_too_long_to_parse_is_a_400(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b'{"username": ' + b"9" * 5000 + b"}", headers=JSON)
    # Then
    assert_error(reply, 400, "malformed_request", "JSON")


def test_an_empty_body_reads_as_an_empty_object(api: Api) -> None:
    # When
    reply = api.post("/api/users/register", raw_body=b"", headers=JSON)
    # Then
    assert_error(reply, 422, "invalid_input", "username: is required")


# ---------------------------------------------------------------- every route that takes a body


BODY_ROUTES = [
    ("POST", "/api/users/register"),
    ("POST", "/api/users/login"),
    ("POST", "/api/auth/refresh"),
    ("POST", "/api/auth/logout"),
    ("PATCH", "/api/users/me"),
    ("POST", "/api/tweets"),
]


@pytest.fixture
def account(api: Api) -> Account:
    return api.register("bodies")


@dataclass(frozen=True)
class BadBody:
    body: bytes
    content_type: str
    status: int
    code: str


BAD_BODIES = {
    "malformed": BadBody(b"{not json", "application/json", 400, "malformed_request"),
    "not-json": BadBody(b"{}", "text/plain", 415, "unsupported_media_type"),
    "too-large": BadBody(b"{" + b" " * (64 * 1024) + b"}", "application/json", 413, "payload_too_large"),
    "unknown-field": BadBody(b'{"unexpected_field": "x"}', "application/json", 422, "invalid_input"),
}


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize("bad", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_every_body_route_answers_unreadable_bodies_with_the_error_shape(
    api: Api, account: Account, method: str, path: str, bad: BadBody
) -> None:
    # When
    headers = {"content-type": bad.content_type}
    reply = api.request(method, path, raw_body=bad.body, headers=headers, token=account.access_token)
    # Then
    assert_error(reply, bad.status, bad.code)
