"""The composition roots on moto: each function's dependencies built once from its own settings, only
the tables it was given bound, what a function's init prepares, and the signing key from JWT_SECRET or
from the Secrets Manager secret JWT_SECRET_ARN names."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import boto3
import jwt
import pytest
from chirp.adapters.dynamodb.models import TimelineItem, TweetItem, UserItem
from chirp.settings import SettingsError
from chirp.wiring import api as api_wiring
from chirp.wiring import prepare_process, timeline_writer

from tests.integration.api_client import Api
from tests.integration.conftest import clear_settings_caches


def use_secret_arn(monkeypatch: pytest.MonkeyPatch, value: str) -> str:
    arn: str = boto3.client("secretsmanager").create_secret(Name="chirp-test-JwtSigningSecret", SecretString=value)[
        "ARN"
    ]
    monkeypatch.delenv("JWT_SECRET")
    monkeypatch.setenv("JWT_SECRET_ARN", arn)
    clear_settings_caches()
    return arn


def test_dependencies_are_built_once_per_process(aws: dict[str, str]) -> None:
    # When
    first, second = api_wiring.dependencies(), api_wiring.dependencies()
    # Then
    assert first is second


def test_a_function_binds_only_the_tables_it_was_given(aws: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a fresh process: every model as declared, with no table
    for model in (TimelineItem, TweetItem, UserItem):
        monkeypatch.setattr(model.Meta, "table_name", "")
    # When the writer's dependencies are built (its environment names the timelines and follows tables)
    timeline_writer.dependencies()
    # Then its models point at those tables, and the tables it was not given stay unnamed
    assert TimelineItem.Meta.table_name == aws["TIMELINES_TABLE"]
    assert (TweetItem.Meta.table_name, UserItem.Meta.table_name) == ("", "")


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """The test process's objects handed back to the garbage collector afterwards."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_prepare_process_builds_the_dependencies_then_freezes_what_exists(aws: dict[str, str], unfrozen: None) -> None:
    # When a function's init prepares its process
    prepare_process(api_wiring.dependencies)
    # Then the dependencies are built, and the objects that exist are out of the collector's walks
    assert api_wiring.dependencies.cache_info().currsize == 1
    assert len(gc.get_objects()) < gc.get_freeze_count() / 10


def test_prepare_process_stops_the_init_naming_a_missing_variable(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch, unfrozen: None
) -> None:
    # Given a process whose environment lacks one of the API's tables
    monkeypatch.delenv("TWEETS_TABLE")
    clear_settings_caches()
    # When / Then its init fails at once, naming the variable (Lambda reports an init error)
    with pytest.raises(SettingsError, match=r"^TWEETS_TABLE is not set$"):
        prepare_process(api_wiring.dependencies)


def test_the_signing_key_is_jwt_secret_when_given(aws: dict[str, str]) -> None:
    # Then
    assert api_wiring.dependencies().signing_key() == aws["JWT_SECRET"]


def test_the_signing_key_is_read_from_the_secret_jwt_secret_arn_names(
    aws: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    use_secret_arn(monkeypatch, "key-from-secrets-manager")
    # When
    key = api_wiring.dependencies().signing_key()
    # Then
    assert key == "key-from-secrets-manager"


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
