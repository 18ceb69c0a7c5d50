"""The home timeline settings (chirp.timelines.settings): their variables, the strategy enum and the
celebrity floor."""

from __future__ import annotations

import pytest
from chirp.settings import SettingsError
from chirp.timelines.models import Strategy
from chirp.timelines.settings import TimelineSettings


def test_timeline_settings_are_read_from_their_variables() -> None:
    # Given the timeline variables the template and the tests set
    environ = {
        "TIMELINE_STRATEGY": "push",
        "CELEBRITY_THRESHOLD": "3",
        "CELEBRITY_DEMOTE_BELOW": "2",
        "INACTIVE_AFTER_DAYS": "7",
        "TIMELINE_MAX_ENTRIES": "400",
        "TIMELINE_TRIM_PROBABILITY": "0.5",
        "FANOUT_OWNERS_PER_MESSAGE": "50",
    }
    # When they are parsed
    settings = TimelineSettings.from_environ(environ)
    # Then each lands in its field, typed, the strategy as the enum
    assert (
        settings.timeline_strategy,
        settings.celebrity_threshold,
        settings.celebrity_demote_below,
        settings.inactive_after_days,
        settings.timeline_max_entries,
        settings.timeline_trim_probability,
        settings.fanout_owners_per_message,
    ) == (Strategy.PUSH, 3, 2, 7, 400, 0.5, 50)


def test_timeline_defaults_follow_twitter() -> None:
    # Given no variables
    settings = TimelineSettings.from_environ({})
    # Then timelines are hybrid, capped at 800, with fan-out skipped after 30 days of absence
    assert (settings.timeline_strategy, settings.timeline_max_entries, settings.inactive_after_days) == (
        "hybrid",
        800,
        30,
    )


@pytest.mark.parametrize(
    ("threshold", "demote_below", "floor"),
    [(3, 0, 2), (10_000, 0, 9_000), (10, 0, 9), (10, 5, 5)],
)
def test_the_celebrity_floor_is_ninety_percent_of_the_threshold_unless_set(
    threshold: int, demote_below: int, floor: int
) -> None:
    # Given a threshold and, maybe, an explicit demotion floor
    settings = TimelineSettings(celebrity_threshold=threshold, celebrity_demote_below=demote_below)
    # Then the floor is the explicit one, else 90% of the threshold rounded down
    assert settings.celebrity_floor == floor


def test_a_celebrity_with_a_threshold_of_one_is_still_demoted_when_left_with_no_followers() -> None:
    # Given the smallest threshold, whose 90% rounds down to 0
    settings = TimelineSettings(celebrity_threshold=1)
    # Then the floor is 1: zero followers is below it, so demotion can happen
    assert settings.celebrity_floor == 1


def test_a_trim_probability_that_is_not_a_number_is_refused() -> None:
    # When TIMELINE_TRIM_PROBABILITY is not a number
    with pytest.raises(SettingsError, match="TIMELINE_TRIM_PROBABILITY"):
        TimelineSettings.from_environ({"TIMELINE_TRIM_PROBABILITY": "often"})


def test_an_unknown_strategy_is_refused_naming_the_choices() -> None:
    # When / Then
    with pytest.raises(SettingsError, match=r"^TIMELINE_STRATEGY must be 'hybrid', 'push' or 'pull', got 'fanout'$"):
        TimelineSettings.from_environ({"TIMELINE_STRATEGY": "fanout"})


def test_a_probability_above_one_is_refused() -> None:
    # When / Then
    with pytest.raises(SettingsError, match=r"^TIMELINE_TRIM_PROBABILITY must be less than or equal to 1"):
        TimelineSettings.from_environ({"TIMELINE_TRIM_PROBABILITY": "1.5"})
