"""Trends' use cases (chirp.trends.service) on in-memory fakes of the repositories: which tags a tweet
counts, counting once per (tag, hour, author), what the scorer reads and writes, and `?limit=`."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import pytest
from chirp.events.schema import TweetPosted
from chirp.trends.models import HOUR_MS, TagCount, TagUse, Trend, TrendList, fold_tag
from chirp.trends.scoring import ScoringRules
from chirp.trends.service import count_tags, refresh_trends, tag_uses, trends_shown

HOUR = 490_000
MINUTE_MS = 60_000


def posted(author_id: int, *tags: str, tweet_id: int = 1, time_ms: int = HOUR * HOUR_MS + 5) -> TweetPosted:
    hashtags: list[dict[str, Any]] = [{"start": 0, "end": len(tag) + 1, "tag": tag} for tag in tags]
    return TweetPosted(
        id=f"record-{tweet_id}",
        time_ms=time_ms,
        tweet_id=tweet_id,
        author_id=author_id,
        text=" ".join(f"#{tag}" for tag in tags),
        entities={"hashtags": hashtags, "mentions": [], "urls": [], "cashtags": []},
    )


class MemoryTrends:
    """TagCounter and TrendRepository in memory, recording what the scorer reads."""

    def __init__(self) -> None:
        self.markers: set[tuple[str, int, int]] = set()
        self.counts: dict[tuple[str, int], TagCount] = {}
        self.list = TrendList()
        self.baseline_reads: list[tuple[set[str], list[int]]] = []

    def count_author(self, use: TagUse) -> bool:
        if (use.tag, use.hour, use.author_id) in self.markers:
            return False
        self.markers.add((use.tag, use.hour, use.author_id))
        known = self.counts.get((use.tag, use.hour))
        self.counts[use.tag, use.hour] = TagCount(
            use.tag, known.name if known else use.name, 1 + (known.authors if known else 0)
        )
        return True

    def tags_of_hour(self, hour: int) -> list[TagCount]:
        return [count for (_, counted_hour), count in self.counts.items() if counted_hour == hour]

    def authors_per_hour(self, tags: Collection[str], hours: Sequence[int]) -> dict[tuple[str, int], int]:
        self.baseline_reads.append((set(tags), list(hours)))
        return {
            (tag, hour): self.counts[tag, hour].authors for tag in tags for hour in hours if (tag, hour) in self.counts
        }

    def current(self) -> TrendList:
        return self.list

    def replace_current(self, trends: TrendList) -> None:
        self.list = trends


def test_a_tweets_tags_are_folded_counted_once_each_and_named_as_first_typed() -> None:
    # Given a tweet with #Straße, #STRASSE, #Serverless and the full-width form of #serverless
    event = posted(7, "Straße", "STRASSE", "Serverless", "\uff53erverless")
    # When its uses are listed
    uses = tag_uses(event)
    # Then there are two tags, folded, each named as first typed, in the tweet's hour, by its author
    assert uses == [TagUse("strasse", "#Straße", HOUR, 7), TagUse("serverless", "#Serverless", HOUR, 7)]
    assert fold_tag("Ｃｈｉｒｐ") == "chirp"


def test_a_tag_too_long_to_trend_is_not_counted() -> None:
    # Given a tweet with a 101-letter tag beside a short one
    uses = tag_uses(posted(7, "a" * 101, "short"))
    # Then only the short one is counted
    assert [use.tag for use in uses] == ["short"]


def test_an_author_counts_once_per_tag_and_hour_whatever_is_delivered() -> None:
    # Given an author's tweet with two tags, delivered twice, then a second tweet with one of them
    trends = MemoryTrends()
    first = count_tags(trends, posted(7, "a", "b"))
    again = count_tags(trends, posted(7, "a", "b"))
    second = count_tags(trends, posted(7, "b", "c", tweet_id=2))
    # Then the first counts both tags, the redelivery nothing, the second tweet only its new tag
    assert (first.counted, first.already_counted) == (2, 0)
    assert (again.counted, again.already_counted) == (0, 2)
    assert (second.counted, second.already_counted) == (1, 1)
    assert {tag: count.authors for (tag, _), count in trends.counts.items()} == {"a": 1, "b": 1, "c": 1}
    # And the same author an hour later counts again
    assert count_tags(trends, posted(7, "a", time_ms=(HOUR + 1) * HOUR_MS)).counted == 1


def test_refresh_reads_baselines_of_candidates_only_and_writes_the_list() -> None:
    # Given 6 authors on #burst and 1 on #quiet this hour
    trends = MemoryTrends()
    for author in range(6):
        count_tags(trends, posted(author, "burst", tweet_id=author))
    count_tags(trends, posted(99, "quiet", tweet_id=99))
    now_ms = HOUR * HOUR_MS + 30 * MINUTE_MS
    # When the scorer runs
    ranked = refresh_trends(trends, ScoringRules(), now_ms)
    # Then it read the 24 baseline hours of #burst only, and wrote the list it returns
    assert trends.baseline_reads == [({"burst"}, list(range(HOUR - 25, HOUR - 1)))]
    assert [(trend.tag, trend.count) for trend in ranked.trends] == [("burst", 6)]
    assert trends.current() == ranked


def test_refresh_keeps_decaying_a_previous_trend_that_nobody_uses_any_more() -> None:
    # Given a list written an hour ago with a trend nobody has used since
    trends = MemoryTrends()
    trends.list = TrendList((HOUR - 1) * HOUR_MS, (Trend("old", "#Old", 8, 40.0, (0,) * 24),))
    # When the scorer runs
    ranked = refresh_trends(trends, ScoringRules(), HOUR * HOUR_MS)
    # Then the trend is kept, its score halved, its name kept, its count and series as they are now
    assert [(trend.name, trend.score, trend.count) for trend in ranked.trends] == [("#Old", pytest.approx(20), 0)]
    assert ranked.trends[0].series == (0,) * 24


def test_the_api_shows_the_list_up_to_its_limit_and_an_empty_one_before_the_first_run() -> None:
    # Given no list yet
    trends = MemoryTrends()
    # Then the API shows an empty one, of no time
    assert trends_shown(trends, 10) == TrendList()
    # And once 12 tags trend, as many as asked
    for tag in range(12):
        for author in range(5 + tag):
            count_tags(trends, posted(author, f"t{tag}", tweet_id=author))
    refresh_trends(trends, ScoringRules(), HOUR * HOUR_MS + 30 * MINUTE_MS)
    assert len(trends_shown(trends, 10).trends) == 10
    assert trends_shown(trends, 3).trends == trends.list.trends[:3]
