"""Settings: each function's environment parsed once into a typed, validated model (chirp.settings)."""

from __future__ import annotations

import re

import pytest
from chirp.settings import AuthSettings, HttpSettings, SettingsError, TokenSettings, load
from chirp.wiring.api import ApiSettings
from chirp.wiring.timeline_fanout import FanoutSettings
from chirp.wiring.timeline_writer import WriterSettings

API_ENVIRONMENT = {
    "USERS_TABLE": "chirp-UsersTable",
    "TWEETS_TABLE": "chirp-TweetsTable",
    "FOLLOWS_TABLE": "chirp-FollowsTable",
    "SESSIONS_TABLE": "chirp-SessionsTable",
    "TIMELINES_TABLE": "chirp-TimelinesTable",
    "AUTHOR_TWEETS_TABLE": "chirp-AuthorTweetsTable",
    "ENGAGEMENTS_TABLE": "chirp-EngagementsTable",
    "NOTIFICATIONS_TABLE": "chirp-NotificationsTable",
    "TRENDS_TABLE": "chirp-TrendsTable",
    "SUGGESTIONS_TABLE": "chirp-SuggestionsTable",
    "RELATIONS_TABLE": "chirp-RelationsTable",
    "REPORTS_TABLE": "chirp-ReportsTable",
    "EXPORTS_TABLE": "chirp-ExportsTable",
    "EXPORTS_BUCKET": "chirp-exportsbucket",
    "ERASURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/chirp-ErasureQueue",
    "RATE_LIMITS_TABLE": "chirp-RateLimitsTable",
    "IDEMPOTENCY_TABLE": "chirp-IdempotencyTable",
    "SEARCH_ENDPOINT": "embedded:/tmp/chirp-chirp-search",
    "MEDIA_TABLE": "chirp-MediaTable",
    "MEDIA_BUCKET": "chirp-mediabucket",
    "MEDIA_DOMAIN": "d111111abcdef8.cloudfront.net",
    "JWT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt",
}


def test_groups_have_the_documented_defaults() -> None:
    # When
    auth, http = AuthSettings.from_environ({}), HttpSettings.from_environ({})
    # Then
    assert (auth.access_token_ttl_seconds, auth.refresh_token_ttl_seconds) == (900, 30 * 24 * 3600)
    assert (auth.password_time_cost, auth.password_memory_kib) == (3, 65536)
    assert http.max_body_bytes == 64 * 1024


def test_variables_are_read_by_their_upper_case_names_and_typed() -> None:
    # When
    settings = ApiSettings.from_environ({**API_ENVIRONMENT, "ACCESS_TOKEN_TTL_SECONDS": "60", "MAX_BODY_BYTES": "2048"})
    # Then
    assert settings.users_table == "chirp-UsersTable"
    assert settings.jwt_secret_arn.endswith(":secret:jwt")
    assert settings.access_token_ttl_seconds == 60
    assert settings.max_body_bytes == 2048


def test_lower_case_names_are_not_read() -> None:
    # Then
    assert TokenSettings.from_environ({"access_token_ttl_seconds": "60"}).access_token_ttl_seconds == 900


def test_an_empty_value_keeps_the_default() -> None:
    # Then
    assert TokenSettings.from_environ({"ACCESS_TOKEN_TTL_SECONDS": ""}) == TokenSettings()


def test_variables_of_other_functions_are_ignored() -> None:
    # Given the API's environment and variables the API has no field for
    environ = {**API_ENVIRONMENT, "TIMELINE_QUEUE_URL": "https://sqs.example/q", "PATH": "/usr/bin"}
    # Then they are not read, and do not disturb the API's settings
    assert ApiSettings.from_environ(environ) == ApiSettings.from_environ(API_ENVIRONMENT)


@pytest.mark.parametrize("raw", ["abc", "1.5", "15m", "0x10"])
def test_an_integer_variable_that_is_not_an_integer_names_the_variable_and_the_value(raw: str) -> None:
    # When / Then
    with pytest.raises(SettingsError, match=f"^ACCESS_TOKEN_TTL_SECONDS must be an integer, got '{raw}'$"):
        TokenSettings.from_environ({"ACCESS_TOKEN_TTL_SECONDS": raw})


def test_a_value_out_of_range_says_the_range() -> None:
    # When / Then
    with pytest.raises(SettingsError, match=r"^ACCESS_TOKEN_TTL_SECONDS must be greater than or equal to 60, got '5'$"):
        TokenSettings.from_environ({"ACCESS_TOKEN_TTL_SECONDS": "5"})


@pytest.mark.parametrize("variable", sorted(API_ENVIRONMENT.keys() - {"JWT_SECRET_ARN"}))
def test_a_table_the_function_needs_is_named_when_missing(variable: str) -> None:
    # Given the API's environment without one of its tables
    environ = {name: value for name, value in API_ENVIRONMENT.items() if name != variable}
    # When / Then
    with pytest.raises(SettingsError, match=f"^{variable} is not set$"):
        ApiSettings.from_environ(environ)


def test_every_problem_is_named_at_once() -> None:
    # When
    with pytest.raises(SettingsError) as raised:
        WriterSettings.from_environ({"TIMELINE_MAX_ENTRIES": "lots"})
    # Then
    assert str(raised.value).split("; ") == [
        "TIMELINE_MAX_ENTRIES must be an integer, got 'lots'",
        "TIMELINES_TABLE is not set",
        "FOLLOWS_TABLE is not set",
        "LIVE_CONNECTIONS_TABLE is not set",
        "LIVE_CONNECTIONS_ENDPOINT is not set",
    ]


@pytest.mark.parametrize("name", ["", "ab", "has space", "a/b"])
def test_a_table_name_dynamodb_would_refuse_is_refused_at_init(name: str) -> None:
    # When / Then
    with pytest.raises(SettingsError, match=r"^TIMELINES_TABLE"):
        WriterSettings.from_environ(
            {
                "TIMELINES_TABLE": name or " ",
                "FOLLOWS_TABLE": "follows",
                "LIVE_CONNECTIONS_TABLE": "live",
                "LIVE_CONNECTIONS_ENDPOINT": "wss://abc.execute-api.us-east-1.amazonaws.com/v1",
            }
        )


def test_the_api_needs_a_signing_key_one_way_or_the_other() -> None:
    # Given the API's tables but neither JWT_SECRET_ARN nor JWT_SECRET
    environ = {name: value for name, value in API_ENVIRONMENT.items() if name != "JWT_SECRET_ARN"}
    # When / Then
    with pytest.raises(SettingsError, match="JWT_SECRET_ARN"):
        ApiSettings.from_environ(environ)
    assert ApiSettings.from_environ({**environ, "JWT_SECRET": "key"}).jwt_secret == "key"


def test_a_queue_url_must_be_a_url() -> None:
    # Given the fan-out's tables and a queue given by name instead of URL
    tables = {
        name: value for name, value in API_ENVIRONMENT.items() if name not in ("SESSIONS_TABLE", "JWT_SECRET_ARN")
    }
    # When / Then
    with pytest.raises(SettingsError, match=r"^TIMELINE_QUEUE_URL should match pattern"):
        FanoutSettings.from_environ({**tables, "TIMELINE_QUEUE_URL": "chirp-TimelineQueue"})


def test_settings_errors_are_value_errors() -> None:
    # Then
    assert issubclass(SettingsError, ValueError)


def test_settings_cannot_be_changed_after_parsing() -> None:
    # Given
    settings = TokenSettings.from_environ({})
    # When / Then
    with pytest.raises(ValueError, match="frozen"):
        settings.access_token_ttl_seconds = 1  # type: ignore[misc]


def test_a_misspelt_field_in_code_is_refused() -> None:
    # When / Then (extra="forbid": a test or a caller cannot set a field that does not exist)
    with pytest.raises(ValueError, match="access_token_ttl"):
        TokenSettings(access_token_ttl=60)  # type: ignore[call-arg]


def test_load_reads_this_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    monkeypatch.setenv("ACCESS_TOKEN_TTL_SECONDS", "120")
    # When / Then
    assert load(TokenSettings).access_token_ttl_seconds == 120


def test_allowed_origins_default_to_none_and_are_read_as_a_set_of_origins() -> None:
    # When
    default = HttpSettings.from_environ({})
    listed = HttpSettings.from_environ({"ALLOWED_ORIGINS": " https://chirp.example, http://localhost:5173 ,"})
    # Then
    assert default.allowed_origin_set == frozenset()
    assert listed.allowed_origin_set == {"https://chirp.example", "http://localhost:5173"}


@pytest.mark.parametrize("entry", ["https://chirp.example/", "chirp.example", "https://chirp.example/app", "*"])
def test_an_allowed_origin_that_is_not_an_origin_is_refused_naming_it(entry: str) -> None:
    # Then
    with pytest.raises(SettingsError, match=f"ALLOWED_ORIGINS: {re.escape(repr(entry))} is not an origin"):
        HttpSettings.from_environ({"ALLOWED_ORIGINS": f"https://ok.example,{entry}"})
