"""Scoring trends (chirp.trends.scoring): a rise of distinct authors over a tag's own baseline, a minimum of
authors, decay."""

from __future__ import annotations

import pytest
from chirp.trends.models import HOUR_MS, Trend, TrendList
from chirp.trends.scoring import (
    ScoringRules,
    TagHistory,
    baseline_hours,
    candidates,
    expected_authors,
    observed_authors,
    rank_trends,
    rise_score,
)

HOUR = 490_000  # an hour since the epoch
RULES = ScoringRules(min_authors=5, half_life_minutes=60)
MINUTE_MS = 60_000


def at(minute: float, hour: int = HOUR) -> int:
    """An instant `minute` minutes into `hour`, in ms."""
    return hour * HOUR_MS + int(minute * MINUTE_MS)


def history(tag: str, by_hour: dict[int, int], name: str | None = None) -> TagHistory:
    return TagHistory(tag=tag, name=name or f"#{tag}", authors_by_hour=by_hour)


def steady(authors_per_hour: int, *, through: int = HOUR - 1) -> dict[int, int]:
    """The same distinct authors every hour of the baseline and up to `through`."""
    return dict.fromkeys(range(HOUR - 30, through + 1), authors_per_hour)


def test_a_burst_of_distinct_authors_trends() -> None:
    # Given a tag nobody used for a day, then 12 distinct authors in the first half of this hour
    burst = history("chirpburst", {HOUR: 12}, name="#ChirpBurst")
    # When the list is made half-way through the hour
    ranked = rank_trends([burst], TrendList(), at(30), RULES)
    # Then it trends: observed 12 over an expected 1, with the count, its name and its series (this hour last)
    assert ranked.computed_at_ms == at(30)
    (trend,) = ranked.trends
    assert (trend.tag, trend.name, trend.count) == ("chirpburst", "#ChirpBurst", 12)
    assert trend.score == pytest.approx((12 - 1) ** 2 / 1)
    assert trend.series == (0,) * 23 + (12,)


def test_one_spammer_never_trends_however_many_tweets() -> None:
    # Given one account that used a tag every hour (500 tweets count as 1 distinct author per hour)
    spam = history("buynow", dict.fromkeys(range(HOUR - 30, HOUR + 1), 1))
    # When the list is made at the very start of the hour, where the previous hour weighs most
    observed = observed_authors(spam, at(0))
    ranked = rank_trends([spam], TrendList(), at(0), ScoringRules(min_authors=3))
    # Then the spammer counts 2 at most (1 per hour) and is not listed, even with the lowest minimum allowed
    assert observed == pytest.approx(2)
    assert ranked.trends == ()


def test_fewer_distinct_authors_than_the_minimum_do_not_trend() -> None:
    # Given 4 new authors on a tag never seen before (a rise over its baseline of 1)
    few = history("almost", {HOUR: 4})
    # Then it scores nothing under a minimum of 5 ...
    assert rank_trends([few], TrendList(), at(30), RULES).trends == ()
    # ... and trends once a fifth author comes
    assert rank_trends([history("almost", {HOUR: 5})], TrendList(), at(30), RULES).trends[0].score == 16


def test_a_tag_always_at_its_baseline_does_not_trend() -> None:
    # Given a tag used by 10 authors every hour: half-way through this hour it has 5 so far
    usual = history("monday", {**steady(10), HOUR: 5})
    # When the list is made
    observed, expected = observed_authors(usual, at(30)), expected_authors(usual, at(30))
    ranked = rank_trends([usual], TrendList(), at(30), RULES)
    # Then what the last 60 minutes hold is what it always has: no rise, no trend
    assert observed == pytest.approx(10)
    assert expected == pytest.approx(10)
    assert ranked.trends == ()


def test_a_rise_over_a_large_baseline_scores_far_less_than_the_same_rise_over_a_small_one() -> None:
    # Given two tags rising by 10 authors: one from 1 an hour, one from 1,000
    small = history("small", {HOUR: 11})
    large = history("large", {**steady(1000), HOUR: 510})  # 510 + 1000 * 0.5 = 1010 in the last hour
    # When they are ranked
    ranked = rank_trends([large, small], TrendList(), at(30), RULES)
    # Then the small one is first: (11 - 1)^2 / 1 = 100, against (1010 - 1000)^2 / 1000 = 0.1 (dropped: below 1)
    assert [trend.tag for trend in ranked.trends] == ["small"]
    assert ranked.trends[0].score == pytest.approx(100)


def test_new_tags_and_rare_ones_are_expected_to_have_one_author_an_hour() -> None:
    # Given a tag never seen, and one used by 6 authors in all over the last day (a mean of 0.25 an hour)
    new, rare = history("new", {}), history("rare", dict.fromkeys(range(HOUR - 25, HOUR - 19), 1))
    # Then both are expected to have 1 author an hour (the floor), not 0 or 0.25
    assert expected_authors(new, at(10)) == 1.0
    assert expected_authors(rare, at(10)) == 1.0
    # And a score is (observed - 1)^2 / 1
    assert rise_score(observed=6, expected=1.0, min_authors=5) == 25


def test_the_previous_hour_counts_for_the_share_of_it_still_inside_the_window() -> None:
    # Given 8 authors in the previous hour and 3 so far in this one
    tag = history("t", {HOUR - 1: 8, HOUR: 3})
    # Then 15 minutes in, three quarters of the previous hour are in the last 60 minutes
    assert observed_authors(tag, at(15)) == pytest.approx(3 + 8 * 0.75)
    # And at the end of the hour, none of it
    assert observed_authors(tag, at(59.999)) == pytest.approx(3, abs=0.01)


def test_the_baseline_is_the_24_whole_hours_before_the_window() -> None:
    # Then a burst in the window's two hours does not raise its own baseline
    assert list(baseline_hours(at(30))) == list(range(HOUR - 25, HOUR - 1))
    burst = history("t", {HOUR - 1: 100, HOUR: 100})
    assert expected_authors(burst, at(30)) == 1.0


def test_decay_lowers_a_faded_trend_by_half_each_half_life() -> None:
    # Given a trend that scored 100 an hour ago, and whose authors have left the window since
    previous = TrendList(computed_at_ms=at(0), trends=(Trend("faded", "#faded", 9, 100.0, (0,) * 24),))
    faded = history("faded", {HOUR - 1: 9})
    # When the list is made an hour later, then two hours later
    one_hour = rank_trends([faded], previous, at(0, HOUR + 1), RULES)
    two_hours = rank_trends([faded], one_hour, at(0, HOUR + 2), RULES)
    # Then it is still listed, its score halved each hour, its count as it is now
    assert one_hour.trends[0].score == pytest.approx(50)
    assert two_hours.trends[0].score == pytest.approx(25)
    assert two_hours.trends[0].count == 0


def test_a_faded_trend_is_dropped_once_its_score_falls_below_one() -> None:
    # Given a trend that scored 3, two hours ago (decayed to 0.75)
    previous = TrendList(computed_at_ms=at(0, HOUR - 2), trends=(Trend("gone", "#gone", 5, 3.0, (0,) * 24),))
    # When the list is made
    ranked = rank_trends([history("gone", {})], previous, at(0), RULES)
    # Then it is no longer listed
    assert ranked.trends == ()


def test_a_trend_rising_again_takes_its_new_score_over_its_decayed_one() -> None:
    # Given a trend that scored 16 a minute ago, and now has 12 authors over a baseline of 1
    previous = TrendList(computed_at_ms=at(29), trends=(Trend("again", "#again", 5, 16.0, (0,) * 24),))
    # When the list is made
    ranked = rank_trends([history("again", {HOUR: 12})], previous, at(30), RULES)
    # Then its score is the new one, (12 - 1)^2
    assert ranked.trends[0].score == pytest.approx(121)


def test_the_list_keeps_the_best_first_and_no_more_than_it_is_told() -> None:
    # Given 25 rising tags, the n-th with 5 + n authors
    rising = [history(f"tag{n:02d}", {HOUR: 5 + n}) for n in range(25)]
    # When the 20 best are kept
    ranked = rank_trends(rising, TrendList(), at(30), ScoringRules(kept=20))
    # Then they are the 20 with the most authors, best first
    assert [trend.tag for trend in ranked.trends] == [f"tag{n:02d}" for n in range(24, 4, -1)]


def test_candidates_are_the_tags_with_enough_authors_in_the_window_and_the_previous_list() -> None:
    # Given a rising tag, a quiet one, and a trend of the previous list nobody used since
    recent = [history("rising", {HOUR: 6}), history("quiet", {HOUR - 1: 2, HOUR: 1})]
    previous = TrendList(computed_at_ms=at(29), trends=(Trend("earlier", "#earlier", 7, 30.0, (0,) * 24),))
    # Then the baseline is read for the rising one and the earlier trend only
    assert candidates(recent, previous, at(30), RULES) == {"rising", "earlier"}
