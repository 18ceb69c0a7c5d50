"""The local runtime's settings for search and schedules (`infra.local.config`): CHIRP_OPENSEARCH_URL and
CHIRP_SCHEDULE_FIRST_RUN_SECONDS, their defaults and what a malformed value is told."""

from __future__ import annotations

import pytest

from infra.local.config import ConfigError, config_from_environ


def test_unset_the_embedded_engine_is_searched_and_schedules_keep_their_first_run() -> None:
    # When
    config = config_from_environ({})
    # Then
    assert config.opensearch_url is None
    assert config.schedule_first_run_seconds is None


def test_an_opensearch_url_is_kept_without_its_trailing_slash() -> None:
    # When
    config = config_from_environ({"CHIRP_OPENSEARCH_URL": "http://localhost:4566/opensearch/us-east-1/chirp/"})
    # Then
    assert config.opensearch_url == "http://localhost:4566/opensearch/us-east-1/chirp"


def test_an_opensearch_url_without_its_scheme_is_refused() -> None:
    # When / Then
    with pytest.raises(ConfigError, match="CHIRP_OPENSEARCH_URL must be an http:// or https:// URL"):
        config_from_environ({"CHIRP_OPENSEARCH_URL": "localhost:9200"})


@pytest.mark.parametrize(("raw", "seconds"), [("5", 5.0), ("0.5", 0.5), ("0", 0.0), (" 12 ", 12.0)])
def test_the_first_run_is_read_in_seconds(raw: str, seconds: float) -> None:
    # When / Then
    assert config_from_environ({"CHIRP_SCHEDULE_FIRST_RUN_SECONDS": raw}).schedule_first_run_seconds == seconds


@pytest.mark.parametrize("raw", ["soon", "-1", "nan", "inf"])
def test_a_first_run_that_is_not_a_number_of_seconds_is_refused(raw: str) -> None:
    # When / Then
    with pytest.raises(ConfigError, match="CHIRP_SCHEDULE_FIRST_RUN_SECONDS"):
        config_from_environ({"CHIRP_SCHEDULE_FIRST_RUN_SECONDS": raw})
