"""Scoring trending hashtags: pure functions of each tag's distinct authors per hour, after Mastodon's
`Trends::Tags#calculate_scores` (app/models/trends/tags.rb), its day-long windows made hours.

- observed: distinct authors in the last 60 minutes. Authors are counted per clock hour (exactly, per tag),
  so the window's count is estimated from the current hour so far plus the previous hour weighted by the
  share of it still inside the window: at minute m of hour h, c[h] + c[h-1] * (60 - m) / 60. That assumes
  the previous hour's authors came evenly spread over it, and counts twice an author who used the tag in
  both hours (each hour's count is of distinct authors, their sum is not): it errs high by at most that
  overlap. One author adds at most 1 to each hour, so at most 2 to observed.
- expected: the tag's mean distinct authors per hour over the 24 whole hours before those two (h-25 to h-2,
  so that a burst does not raise its own baseline), at least 1: a tag never seen before is expected to have
  one author an hour (Mastodon: `expected = 1.0 if expected.zero?`; here any mean below 1 too, so that a tag
  used once yesterday is not a rise from 0.04).
- score: (observed - expected)^2 / expected when observed > expected and observed >= the minimum of distinct
  authors (TrendsMinAuthors: Mastodon's `threshold`, 5), else 0. A rise of 10 authors over a baseline of 1
  scores 81; the same rise over a baseline of 1,000 scores 0.1.
- decay: a tag's score is max(its new score, its previous score * 0.5 ** (minutes since / half-life)), so a
  burst that ended sinks instead of vanishing as it leaves the window, and a trend rising again takes its
  new score. Mastodon decays its peak score with a 4-hour half-life over day-long windows; over an hour's
  window we take 60 minutes (TrendsHalfLifeMinutes). A score below 1 is dropped (Mastodon's
  `decay_threshold`): a trend that scored 100 leaves the list 6.6 hours after it stopped rising.
- the list: the 20 best, each with its count (observed, rounded) and its series (distinct authors per hour
  for the last 24 hours, oldest first, the current hour so far last).

One account alone, however many tweets it posts, has observed <= 2: below any minimum of 3 or more (the
template's TrendsMinAuthors allows no less), so a spammer never trends.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from chirp.trends.models import HOUR_MS, Trend, TrendList, hour_of

BASELINE_HOURS = 24
SERIES_HOURS = 24
DROPPED_BELOW = 1.0
MINUTE_MS = 60_000
KEPT = 20


@dataclass(frozen=True)
class ScoringRules:
    min_authors: int = 5
    half_life_minutes: float = 60.0
    kept: int = KEPT


@dataclass(frozen=True)
class TagHistory:
    """A tag's distinct authors per hour (an hour it is not given for: none)."""

    tag: str
    name: str
    authors_by_hour: Mapping[int, int]

    def authors(self, hour: int) -> int:
        return self.authors_by_hour.get(hour, 0)


def window_hours(now_ms: int) -> tuple[int, int]:
    """The two clock hours the last 60 minutes fall in: the previous one and the current one."""
    hour = hour_of(now_ms)
    return hour - 1, hour


def baseline_hours(now_ms: int) -> range:
    """The 24 whole hours before the window's two."""
    previous, _ = window_hours(now_ms)
    return range(previous - BASELINE_HOURS, previous)


def observed_authors(history: TagHistory, now_ms: int) -> float:
    previous, current = window_hours(now_ms)
    still_inside = 1 - (now_ms % HOUR_MS) / HOUR_MS
    return history.authors(current) + history.authors(previous) * still_inside


def expected_authors(history: TagHistory, now_ms: int) -> float:
    hours = baseline_hours(now_ms)
    return max(1.0, sum(history.authors(hour) for hour in hours) / len(hours))


def rise_score(observed: float, expected: float, min_authors: int) -> float:
    if observed <= expected or observed < min_authors:
        return 0.0
    return (observed - expected) ** 2 / expected


def decayed(score: float, minutes: float, half_life_minutes: float) -> float:
    return score * 0.5 ** (max(minutes, 0.0) / half_life_minutes)


def series(history: TagHistory, now_ms: int) -> tuple[int, ...]:
    current = hour_of(now_ms)
    return tuple(history.authors(hour) for hour in range(current - SERIES_HOURS + 1, current + 1))


def candidates(recent: Iterable[TagHistory], previous: TrendList, now_ms: int, rules: ScoringRules) -> set[str]:
    """The tags whose baseline is worth reading: those with enough authors in the window to score (`recent`:
    the window's two hours), and those of the previous list, whose scores decay."""
    rising = {history.tag for history in recent if observed_authors(history, now_ms) >= rules.min_authors}
    return rising | {trend.tag for trend in previous.trends}


def rank_trends(histories: Iterable[TagHistory], previous: TrendList, now_ms: int, rules: ScoringRules) -> TrendList:
    """The list as of `now_ms`: each tag scored (see the module's docstring), the `rules.kept` best first."""
    since = (now_ms - previous.computed_at_ms) / MINUTE_MS if previous.computed_at_ms is not None else 0.0
    carried = {trend.tag: decayed(trend.score, since, rules.half_life_minutes) for trend in previous.trends}
    trends: list[Trend] = []
    for history in histories:
        observed = observed_authors(history, now_ms)
        score = max(
            rise_score(observed, expected_authors(history, now_ms), rules.min_authors), carried.get(history.tag, 0.0)
        )
        if score >= DROPPED_BELOW:
            trends.append(Trend(history.tag, history.name, round(observed), score, series(history, now_ms)))
    trends.sort(key=lambda trend: (-trend.score, trend.tag))
    return TrendList(computed_at_ms=now_ms, trends=tuple(trends[: rules.kept]))
