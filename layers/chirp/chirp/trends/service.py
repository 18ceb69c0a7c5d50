"""Trends' use cases: counting a posted tweet's hashtags (the counter), refreshing the list (the scorer) and
reading it (the API)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from chirp.concurrency import submit
from chirp.events.schema import TweetPosted
from chirp.trends.models import TagUse, TrendList, fold_tag, hour_of
from chirp.trends.repository import TagCounter, TrendRepository
from chirp.trends.scoring import (
    KEPT,
    ScoringRules,
    TagHistory,
    baseline_hours,
    candidates,
    rank_trends,
    window_hours,
)

# No trend is this long; and a longer tag could pass DynamoDB's 1,024 bytes for a sort key once NFKC has
# expanded it (one ligature can become 18 letters).
MAX_TAG_LENGTH = 100
DEFAULT_SHOWN = 10
MAX_SHOWN = KEPT


@dataclass(frozen=True)
class TagsCounted:
    counted: int
    already_counted: int  # redelivered, or the author's second tweet with the tag in that hour


def tag_uses(event: TweetPosted) -> list[TagUse]:
    """The tweet's distinct hashtags, folded (the first spelling of each kept as its name), each used by its
    author in the hour the tweet was posted: the event's own time, so that a redelivery, however late,
    lands on the same hour and finds its marker there."""
    hour = hour_of(event.time_ms)
    uses: dict[str, TagUse] = {}
    for entity in event.entities.get("hashtags", []):
        typed = str(entity.get("tag", ""))
        tag = fold_tag(typed)
        if tag and len(tag) <= MAX_TAG_LENGTH and tag not in uses:
            uses[tag] = TagUse(tag=tag, name=f"#{typed}", hour=hour, author_id=event.author_id)
    return list(uses.values())


def count_tags(counter: TagCounter, event: TweetPosted) -> TagsCounted:
    uses = tag_uses(event)
    counted = sum(1 for use in uses if counter.count_author(use))
    return TagsCounted(counted=counted, already_counted=len(uses) - counted)


def refresh_trends(repository: TrendRepository, rules: ScoringRules, now_ms: int) -> TrendList:
    """Score the tags used in the last hour, and those of the previous list, and write the new list.

    Reads: the window's two hours, one Query each (every tag used in them), and the previous list, side by
    side; then the 24 baseline hours of the candidates only (`scoring.candidates`), by key."""
    previous_hour, current_hour = window_hours(now_ms)
    hours = {hour: submit(repository.tags_of_hour, hour) for hour in (previous_hour, current_hour)}
    previous = repository.current()
    names = {trend.tag: trend.name for trend in previous.trends}
    by_tag: defaultdict[str, dict[int, int]] = defaultdict(dict)
    for hour, counts in hours.items():  # the current hour last: its spelling is the name shown
        for count in counts.result():
            by_tag[count.tag][hour] = count.authors
            names[count.tag] = count.name
    recent = [TagHistory(tag, names[tag], authors) for tag, authors in by_tag.items()]
    chosen = candidates(recent, previous, now_ms, rules)
    if chosen:
        for (tag, hour), authors in repository.authors_per_hour(chosen, baseline_hours(now_ms)).items():
            by_tag[tag][hour] = authors
    ranked = rank_trends([TagHistory(tag, names[tag], by_tag[tag]) for tag in chosen], previous, now_ms, rules)
    repository.replace_current(ranked)
    return ranked


def trends_shown(repository: TrendRepository, limit: int) -> TrendList:
    current = repository.current()
    return TrendList(computed_at_ms=current.computed_at_ms, trends=current.trends[:limit])
