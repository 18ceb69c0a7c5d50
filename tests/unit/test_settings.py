"""Settings: parsed once from the environment into a typed object."""

from __future__ import annotations

import pytest
from chirp.settings import Settings, SettingsError, get_settings


def test_an_empty_environment_gives_the_defaults() -> None:
    # When
    settings = Settings.from_environ({})
    # Then
    assert settings == Settings()
    assert settings.access_token_ttl_seconds == 900
    assert settings.refresh_token_ttl_seconds == 30 * 24 * 3600
    assert settings.max_body_bytes == 64 * 1024
    assert (settings.password_time_cost, settings.password_memory_kib) == (3, 65536)


def test_variables_are_read_by_their_upper_case_names_and_typed() -> None:
    # When
    settings = Settings.from_environ(
        {
            "USERS_TABLE": "users",
            "SESSIONS_TABLE": "sessions",
            "JWT_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:jwt",
            "ACCESS_TOKEN_TTL_SECONDS": "60",
            "MAX_BODY_BYTES": "1024",
        }
    )
    # Then
    assert settings.users_table == "users"
    assert settings.sessions_table == "sessions"
    assert settings.jwt_secret_arn.endswith(":secret:jwt")
    assert settings.access_token_ttl_seconds == 60
    assert settings.max_body_bytes == 1024


def test_lower_case_names_are_not_read() -> None:
    # Then
    assert Settings.from_environ({"users_table": "users"}).users_table == ""


def test_an_empty_value_keeps_the_default() -> None:
    # Then
    assert Settings.from_environ({"ACCESS_TOKEN_TTL_SECONDS": "", "USERS_TABLE": ""}) == Settings()


def test_unrelated_variables_are_ignored() -> None:
    # Then
    assert Settings.from_environ({"PATH": "/usr/bin", "HOME": "/root"}) == Settings()


@pytest.mark.parametrize("raw", ["abc", "1.5", "15m", "0x10"])
def test_an_integer_variable_that_is_not_an_integer_names_the_variable_and_the_value(raw: str) -> None:
    # When / Then
    with pytest.raises(SettingsError, match=f"^ACCESS_TOKEN_TTL_SECONDS must be an? .*, got '{raw}'$"):
        Settings.from_environ({"ACCESS_TOKEN_TTL_SECONDS": raw})


def test_settings_errors_are_value_errors() -> None:
    # Then
    assert issubclass(SettingsError, ValueError)


def test_settings_cannot_be_changed_after_parsing() -> None:
    # Given
    settings = Settings.from_environ({"USERS_TABLE": "users"})
    # When / Then
    with pytest.raises(AttributeError):
        settings.users_table = "other"  # type: ignore[misc]


def test_get_settings_reads_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given
    monkeypatch.setenv("USERS_TABLE", "first")
    get_settings.cache_clear()
    first = get_settings()
    # When the environment changes afterwards
    monkeypatch.setenv("USERS_TABLE", "second")
    second = get_settings()
    # Then
    assert first is second
    assert second.users_table == "first"
    get_settings.cache_clear()
