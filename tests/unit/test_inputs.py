"""The rules of what clients send (pydantic, strict): each field's type, length and characters.
The API tests show one case of each rule end to end; the variety is here, where it is cheap."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.http.requests import describe_validation_error
from chirp.tweets.inputs import TweetDraft
from chirp.users.inputs import Credentials, ProfileUpdate, RefreshTokenInput, Registration
from pydantic import BaseModel, ValidationError

VALID = {"username": "alice", "email": "alice@example.com", "password": "correct horse"}


def refusal(model: type[BaseModel], document: dict[str, Any]) -> str:
    """The message a client gets for `document`, which must be refused."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(document)
    return describe_validation_error(caught.value)


# ---------------------------------------------------------------- registration


@pytest.mark.parametrize("username", ["a", "Z", "_", "9", "abcdefghij_1234", "ALL_CAPS_99"])
def test_usernames_are_1_to_15_letters_digits_or_underscores(username: str) -> None:
    # Then
    assert Registration.model_validate(VALID | {"username": username}).username == username


@pytest.mark.parametrize(
    "username",
    ["", "abcdefghij_12345", "has space", "dash-name", "dot.name", "émile", "al@ce", "alice\n", "\nalice", "ｆｕｌｌ"],
)
def test_other_usernames_are_refused_with_the_rule_in_words(username: str) -> None:
    # Then
    assert refusal(Registration, VALID | {"username": username}) == (
        "username: must be 1-15 characters, each a letter, digit or underscore"
    )


@pytest.mark.parametrize(
    "email", ["not-an-email", "alice@", "@example.com", "alice@@example.com", "alice example@example.com", ""]
)
def test_invalid_emails_are_refused(email: str) -> None:
    # Then
    assert refusal(Registration, VALID | {"email": email}).startswith("email: ")


def test_an_email_over_254_characters_is_refused() -> None:
    # Given a well-formed address of 255 characters
    email = "a" * 64 + "@" + "b" * 63 + "." + "c" * 63 + "." + "d" * 62
    assert len(email) == 255
    # Then
    assert refusal(Registration, VALID | {"email": email}).startswith("email: ")


@pytest.mark.parametrize(("password", "accepted"), [("1234567", False), ("12345678", True), ("x" * 256, True)])
def test_passwords_need_at_least_8_characters(password: str, accepted: bool) -> None:
    # Then
    if accepted:
        assert Registration.model_validate(VALID | {"password": password}).password == password
    else:
        assert "8" in refusal(Registration, VALID | {"password": password})


def test_a_password_over_256_characters_is_refused() -> None:
    # Then
    assert refusal(Registration, VALID | {"password": "x" * 257}).startswith("password: ")


@pytest.mark.parametrize(
    ("field", "value"),
    [("username", 123), ("email", ["alice@example.com"]), ("password", 12345678), ("name", 5), ("username", None)],
)
def test_wrong_types_are_refused_not_coerced(field: str, value: object) -> None:
    # Then
    assert refusal(Registration, VALID | {field: value}).startswith(f"{field}: ")


@pytest.mark.parametrize("name", ["bell\u0007", "nul\x00", "esc\x1b[31m", "next\x85line", "del\x7f"])
def test_a_name_with_control_characters_is_refused(name: str) -> None:
    # Then
    assert refusal(Registration, VALID | {"name": name}) == "name: must not contain control characters"


@pytest.mark.parametrize("name", ["two\nlines", "tab\there"])
def test_a_name_must_be_a_single_line(name: str) -> None:
    # Then
    assert refusal(Registration, VALID | {"name": name}) == "name: must be a single line"


@pytest.mark.parametrize(("name", "accepted"), [("", False), ("n", True), ("n" * 50, True), ("n" * 51, False)])
def test_a_name_has_1_to_50_characters(name: str, accepted: bool) -> None:
    # Then
    if accepted:
        assert Registration.model_validate(VALID | {"name": name}).name == name
    else:
        assert refusal(Registration, VALID | {"name": name}).startswith("name: ")


def test_a_registration_without_a_name_has_none() -> None:
    # Then
    assert Registration.model_validate(VALID).name is None


# ---------------------------------------------------------------- log in, refresh, tweets


def test_credentials_need_a_login_and_a_password() -> None:
    # Then
    assert refusal(Credentials, {}) == "username: is required; password: is required"
    assert refusal(Credentials, {"username": "", "password": ""}).count("at least 1") == 2


@pytest.mark.parametrize("token", ["", "x" * 513, 5])
def test_a_refresh_token_is_a_string_of_1_to_512_characters(token: object) -> None:
    # Then
    assert refusal(RefreshTokenInput, {"refresh_token": token}).startswith("refresh_token: ")


@pytest.mark.parametrize("text", [123, None, ["a"], "a" * 4001])
def test_a_tweet_draft_is_a_string_of_at_most_4000_characters(text: object) -> None:
    # Then
    assert refusal(TweetDraft, {"text": text}).startswith("text: ")


def test_a_tweet_draft_refuses_other_fields() -> None:
    # Then
    assert refusal(TweetDraft, {"text": "hi", "reply_to": "1"}) == "reply_to: is not a field this endpoint accepts"


# ---------------------------------------------------------------- profile updates


@pytest.mark.parametrize(("field", "limit"), [("name", 50), ("description", 160), ("location", 30), ("url", 100)])
def test_each_profile_field_has_its_length_limit(field: str, limit: int) -> None:
    # Given values of exactly the limit and one past it
    at_limit = ("https://example.com/" + "a" * limit)[:limit] if field == "url" else "x" * limit
    past_limit = ("https://example.com/" + "a" * limit)[: limit + 1] if field == "url" else "x" * (limit + 1)
    # Then
    assert getattr(ProfileUpdate.model_validate({field: at_limit}), field) == at_limit
    assert str(limit) in refusal(ProfileUpdate, {field: past_limit})


@pytest.mark.parametrize(
    "url", ["ftp://example.com", "javascript:alert(1)", "example.com", "https://", "https://exa mple.com", "//x.com"]
)
def test_a_profile_url_must_be_http_or_https(url: str) -> None:
    # Then
    assert refusal(ProfileUpdate, {"url": url}) == "url: must be an http:// or https:// URL"


@pytest.mark.parametrize("url", ["http://example.com", "https://example.com/a?b=c#d", "HTTPS://EXAMPLE.COM", ""])
def test_http_and_https_urls_and_the_empty_string_are_accepted(url: str) -> None:
    # Then
    assert ProfileUpdate.model_validate({"url": url}).url == url


@pytest.mark.parametrize("field", ["name", "location", "url"])
def test_single_line_profile_fields_refuse_newlines(field: str) -> None:
    # Then
    assert refusal(ProfileUpdate, {field: "https://example.com/\nx"}) == f"{field}: must be a single line"


def test_a_description_may_span_lines() -> None:
    # Then
    assert ProfileUpdate.model_validate({"description": "one\ntwo"}).description == "one\ntwo"


@pytest.mark.parametrize("field", ["name", "description", "location", "url"])
def test_profile_fields_refuse_control_characters(field: str) -> None:
    # Then
    assert refusal(ProfileUpdate, {field: "ring\u0007"}) == f"{field}: must not contain control characters"


@pytest.mark.parametrize("field", ["username", "email", "password", "id", "public_metrics", "Name"])
def test_a_profile_update_refuses_fields_that_are_not_profile_fields(field: str) -> None:
    # Then
    assert refusal(ProfileUpdate, {field: "x"}) == f"{field}: is not a field this endpoint accepts"


@pytest.mark.parametrize(("field", "value"), [("name", 5), ("description", ["a"]), ("location", True), ("url", {})])
def test_a_profile_update_refuses_values_of_the_wrong_type(field: str, value: object) -> None:
    # Then
    assert refusal(ProfileUpdate, {field: value}).startswith(f"{field}: ")


def test_a_profile_update_remembers_which_fields_were_sent() -> None:
    # When
    update = ProfileUpdate.model_validate({"location": "Oxford"})
    # Then
    assert update.model_fields_set == {"location"}
