"""Reading request bodies, path ids and query strings: every way they can be wrong ends in a
domain error whose message names the field and the rule."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from chirp.errors import InvalidInput, MalformedRequest, PayloadTooLarge, UnsupportedMediaType
from chirp.http.openapi import QueryParameter
from chirp.http.requests import (
    describe_validation_error,
    page_from_query,
    parse_json_body,
    query_value,
    read_json_object,
)
from chirp.pages import DEFAULT_LIMIT, encode_cursor
from chirp.users.inputs import ProfileUpdate, Registration
from pydantic import ValidationError

LIMIT = 64 * 1024
JSON = "application/json"
VALID = {"username": "alice", "email": "alice@example.com", "password": "correct horse"}


def encoded(document: object) -> bytes:
    return json.dumps(document).encode()


def validation_message(document: Mapping[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        Registration.model_validate(document)
    return describe_validation_error(caught.value)


# ---------------------------------------------------------------- bodies


def test_a_valid_body_becomes_the_model() -> None:
    # When
    registration = parse_json_body(encoded(VALID), JSON, LIMIT, Registration)
    # Then
    assert (registration.username, str(registration.email), registration.password) == (
        "alice",
        "alice@example.com",
        "correct horse",
    )


def test_a_body_given_as_text_is_read_like_its_utf8_bytes() -> None:
    # When
    registration = parse_json_body(json.dumps(VALID | {"name": "Zoë"}), JSON, LIMIT, Registration)
    # Then
    assert registration.name == "Zoë"


def test_a_body_over_the_limit_is_too_large_saying_both_sizes() -> None:
    # When / Then
    with pytest.raises(PayloadTooLarge, match="request body is 101 bytes; the limit is 100"):
        read_json_object(b"{" + b" " * 99 + b"}", JSON, 100)


def test_the_limit_counts_bytes_not_characters() -> None:
    # Given 40 characters of 3 bytes each
    body = encoded({"k": "€" * 40}).replace(b"\\u20ac", "€".encode())
    # When / Then
    with pytest.raises(PayloadTooLarge):
        read_json_object(body, JSON, 100)


def test_a_body_of_exactly_the_limit_is_read() -> None:
    # Then
    assert read_json_object(b"{" + b" " * 98 + b"}", JSON, 100) == {}


def test_size_is_checked_before_the_media_type() -> None:
    # When / Then
    with pytest.raises(PayloadTooLarge):
        read_json_object(b"x" * 101, "text/plain", 100)


@pytest.mark.parametrize("content_type", ["text/plain", "application/xml", "text/json", "multipart/form-data; b=x"])
def test_a_body_that_is_not_json_is_an_unsupported_media_type_naming_it(content_type: str) -> None:
    # When / Then
    with pytest.raises(UnsupportedMediaType, match=f"application/json, not {content_type.split(';', maxsplit=1)[0]}"):
        read_json_object(b"{}", content_type, LIMIT)


@pytest.mark.parametrize("content_type", [None, "", JSON, "application/json; charset=utf-8", " Application/JSON "])
def test_json_media_types_are_read_and_a_missing_one_means_json(content_type: str | None) -> None:
    # Then
    assert read_json_object(b'{"a": 1}', content_type, LIMIT) == {"a": 1}


@pytest.mark.parametrize("raw", [None, b"", b"  \n "])
def test_an_empty_body_is_an_empty_object(raw: bytes | None) -> None:
    # Then
    assert read_json_object(raw, JSON, LIMIT) == {}


def test_an_empty_body_leaves_every_required_field_missing() -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=r"^username: is required; email: is required; password: is required$"):
        parse_json_body(b"", JSON, LIMIT, Registration)


@pytest.mark.parametrize("raw", [b"{", b'{"a": }', b"{'a': 1}", b'{"a": 1,}', b"nope", b'{"a": 1} trailing'])
def test_malformed_json_is_a_malformed_request(raw: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match=r"^request body is not valid JSON"):
        read_json_object(raw, JSON, LIMIT)


@pytest.mark.parametrize(
    "raw", [b"\xff", b'{"a": "\xc3"}', b"\xef\xbb\xbf{}", "\ud800".encode("utf-8", "surrogatepass")]
)
def test_a_body_that_is_not_utf8_json_is_a_malformed_request(raw: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest):
        read_json_object(raw, JSON, LIMIT)


@pytest.mark.parametrize("raw", [b"[" * 5000 + b"]" * 5000, b'{"a": ' + b'{"a": ' * 5000 + b"1" + b"}" * 5001])
def test_deep_nesting_is_a_malformed_request_not_a_crash(raw: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="JSON"):
        read_json_object(raw, JSON, LIMIT)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_non_standard_constants_are_a_malformed_request(constant: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="not a JSON number"):
        read_json_object(b'{"a": ' + constant + b"}", JSON, LIMIT)


def test_an_integer_beyond_pythons_digit_limit_is_a_malformed_request() -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="JSON"):
        read_json_object(b'{"a": ' + b"9" * 5000 + b"}", JSON, LIMIT)


@pytest.mark.parametrize("raw", [b"[]", b"[{}]", b'"text"', b"1", b"null", b"true"])
def test_a_document_that_is_not_an_object_is_a_malformed_request(raw: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="must be a JSON object"):
        read_json_object(raw, JSON, LIMIT)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": "\\ud800"}',
        b'{"a": "\\udfff"}',
        b'{"a": "x\\ud83d"}',
        b'{"\\ud800": 1}',
        b'{"a": [1, {"b": ["\\udc00"]}]}',
    ],
)
def test_a_lone_surrogate_escape_anywhere_is_a_malformed_request(raw: bytes) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="unpaired UTF-16 surrogate"):
        read_json_object(raw, JSON, LIMIT)


def test_a_surrogate_pair_escape_is_its_character() -> None:
    # Then
    assert read_json_object(b'{"a": "\\ud83d\\ude00"}', JSON, LIMIT) == {"a": "\U0001f600"}


# ---------------------------------------------------------------- validation messages


def test_an_unknown_field_is_named_as_not_accepted() -> None:
    # Then
    assert validation_message(VALID | {"admin": True}) == "admin: is not a field this endpoint accepts"


def test_a_username_breaking_the_pattern_is_told_the_rule_in_words() -> None:
    # Then
    assert validation_message(VALID | {"username": "no spaces"}) == (
        "username: must be 1-15 characters, each a letter, digit or underscore"
    )


@pytest.mark.parametrize("username", ["alice\n", "a" * 16, ""])
def test_usernames_are_matched_whole(username: str) -> None:
    # Then
    assert validation_message(VALID | {"username": username}).startswith("username: must be 1-15 characters")


def test_a_wrong_type_is_named_with_a_lowercase_message() -> None:
    # Then
    assert validation_message(VALID | {"username": 5}) == "username: input should be a valid string"


def test_a_value_error_loses_its_prefix() -> None:
    # When
    with pytest.raises(ValidationError) as caught:
        ProfileUpdate.model_validate({"url": "ftp://example.com"})
    # Then
    assert describe_validation_error(caught.value) == "url: must be an http:// or https:// URL"


def test_every_broken_field_is_listed_in_one_message() -> None:
    # When
    message = validation_message({"username": "alice", "email": "nope", "extra": 1})
    # Then
    parts = message.split("; ")
    assert [part.split(":")[0] for part in parts] == ["email", "password", "extra"]
    assert "password: is required" in parts


def test_parse_json_body_turns_rule_breaks_into_invalid_input() -> None:
    # When / Then
    with pytest.raises(InvalidInput, match=r"^password: "):
        parse_json_body(encoded(VALID | {"password": "short"}), JSON, LIMIT, Registration)


# ---------------------------------------------------------------- query strings


@pytest.mark.parametrize("query", [None, {}, {"other": "x"}])
def test_page_from_query_without_limit_or_cursor_is_the_first_default_page(query: dict[str, str] | None) -> None:
    # When
    request = page_from_query(query)
    # Then
    assert (request.limit, request.before) == (DEFAULT_LIMIT, None)


def test_page_from_query_reads_limit_and_cursor() -> None:
    # When
    request = page_from_query({"limit": "5", "cursor": encode_cursor(99)})
    # Then
    assert (request.limit, request.before) == (5, 99)


@pytest.mark.parametrize(("query", "field"), [({"limit": "0"}, "limit"), ({"cursor": "forged"}, "cursor")])
def test_page_from_query_refuses_a_bad_parameter_naming_it(query: dict[str, str], field: str) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match=field):
        page_from_query(query)


# ---------------------------------------------------------------- declared query parameters
COUNT_PARAMETER = QueryParameter("limit", "how many", bounds=(1, 20), default=10)
SORT_PARAMETER = QueryParameter("sort", "in which order", choices=("recent", "relevant"))
Q_PARAMETER = QueryParameter("q", "what to look for", required=True, max_length=5)


@pytest.mark.parametrize(("raw", "value"), [(None, "10"), ("1", "1"), ("20", "20"), ("07", "07")])
def test_an_integer_parameter_is_within_its_bounds_or_its_default(raw: str | None, value: str) -> None:
    assert query_value(COUNT_PARAMETER, raw) == value


@pytest.mark.parametrize("raw", ["", "0", "21", "100", "-1", "ten", "1.5", "\u00b2", "9" * 40])
def test_an_integer_parameter_out_of_bounds_or_not_a_number_is_refused(raw: str) -> None:
    with pytest.raises(MalformedRequest, match="limit must be an integer from 1 to 20"):
        query_value(COUNT_PARAMETER, raw)


def test_a_choice_defaults_to_its_first_and_refuses_others_by_name() -> None:
    assert query_value(SORT_PARAMETER, None) == "recent"
    assert query_value(SORT_PARAMETER, "relevant") == "relevant"
    with pytest.raises(MalformedRequest, match="sort must be one of recent, relevant"):
        query_value(SORT_PARAMETER, "best")


def test_a_required_parameter_missing_or_too_long_is_refused_with_what_it_is_for() -> None:
    with pytest.raises(MalformedRequest, match="q is required: what to look for"):
        query_value(Q_PARAMETER, "")
    with pytest.raises(MalformedRequest, match="at most 5"):
        query_value(Q_PARAMETER, "abcdef")
    assert query_value(Q_PARAMETER, "abc") == "abc"
