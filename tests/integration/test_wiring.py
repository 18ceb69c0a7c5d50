"""The composition root on moto: repositories built once from the settings, what a function's init
prepares, and the signing key from JWT_SECRET or from the Secrets Manager secret JWT_SECRET_ARN names."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import boto3
import jwt
import pytest
from chirp.settings import SettingsError, get_settings
from chirp.wiring import prepare_process, repositories, signing_key

from tests.integration.api_client import Api


def use_secret_arn(monkeypatch: pytest.MonkeyPatch, value: str) -> str:
    arn: str = boto3.client("secretsmanager").create_secret(Name="chirp-test-jwt", SecretString=value)["ARN"]
    monkeypatch.delenv("JWT_SECRET")
    monkeypatch.setenv("JWT_SECRET_ARN", arn)
    get_settings.cache_clear()
    return arn


def test_repositories_are_built_once_per_process(aws: dict[str, str]) -> None:
    # When
    first, second = repositories(), repositories()
    # Then
    assert first is second


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects handed back to the garbage collector afterwards."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_prepare_process_builds_the_repositories_then_freezes_what_exists(aws: dict[str, str], unfrozen: None) -> None:
    # When a function's init prepares its process
    prepare_process()
    # Then the repositories are built, and the objects that exist are out of the collector's walks
    assert repositories.cache_info().currsize == 1
    assert len(gc.get_objects()) < gc.get_freeze_count() / 10


def test_prepare_process_without_table_settings_still_freezes(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, unfrozen: None
) -> None:
    # Given a process whose environment names no tables (a test importing a handler module)
    monkeypatch.delenv("TWEETS_TABLE")
    get_settings.cache_clear()
    # When its init prepares it, then nothing is raised, and what exists is frozen
    prepare_process()
    assert len(gc.get_objects()) < gc.get_freeze_count() / 10
    # and the first use of the repositories says what is missing
    with pytest.raises(SettingsError, match="TWEETS_TABLE"):
        repositories()


@pytest.mark.parametrize(
    "variable", ["USERS_TABLE", "TWEETS_TABLE", "FOLLOWS_TABLE", "SESSIONS_TABLE", "AUTHOR_TWEETS_TABLE"]
)
def test_repositories_name_a_missing_table_variable(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    # Given
    monkeypatch.delenv(variable)
    get_settings.cache_clear()
    # When / Then
    with pytest.raises(SettingsError, match=variable):
        repositories()


def test_signing_key_is_jwt_secret_when_given(aws: dict[str, str]) -> None:
    # Then
    assert signing_key() == aws["JWT_SECRET"]


def test_signing_key_reads_the_secret_jwt_secret_arn_names(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    use_secret_arn(monkeypatch, "key-from-secrets-manager")
    # When
    key = signing_key()
    # Then
    assert key == "key-from-secrets-manager"


def test_signing_key_without_either_variable_says_what_to_set(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.delenv("JWT_SECRET")
    get_settings.cache_clear()
    # When / Then
    with pytest.raises(SettingsError, match="JWT_SECRET_ARN"):
        signing_key()


def test_the_api_signs_and_verifies_with_the_secret_from_secrets_manager(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given the API configured as the template deploys it: a secret ARN, no key in the environment
    use_secret_arn(monkeypatch, "deployed-signing-key-0123456789abcdef")
    # When
    account = api.register("alice")
    # Then
    assert api.get("/api/users/me", token=account.access_token).status == 200
    assert jwt.decode(account.access_token, "deployed-signing-key-0123456789abcdef", algorithms=["HS256"])["sub"]
