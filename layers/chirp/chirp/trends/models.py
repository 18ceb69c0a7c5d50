"""What trends are made of: a tag's use by an author in an hour, its hourly count, and the scored list."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

HOUR_MS = 3_600_000


def fold_tag(tag: str) -> str:
    """A hashtag as it is counted: compatibility forms and case folded (NFKC, then casefold, the first two
    steps of `chirp.search.analysis`, which does not export them), so `#Straße`, `#STRASSE` and its full-width
    spelling are one tag. Accents are kept (`#café` and `#cafe` are two tags)."""
    return unicodedata.normalize("NFKC", tag).casefold()


def hour_of(time_ms: int) -> int:
    """The clock hour (UTC) of an instant, in hours since the epoch."""
    return time_ms // HOUR_MS


@dataclass(frozen=True)
class TagUse:
    """An author used a hashtag in a tweet posted in `hour`: what is counted once per (tag, hour, author)."""

    tag: str  # folded
    name: str  # as the author typed it, with its `#`
    hour: int
    author_id: int


@dataclass(frozen=True)
class TagCount:
    """A tag's distinct authors in one hour, and its name as first typed that hour."""

    tag: str
    name: str
    authors: int


@dataclass(frozen=True)
class Trend:
    tag: str
    name: str
    count: int  # distinct authors in the last hour (chirp.trends.scoring: the window's estimate)
    score: float
    series: tuple[int, ...]  # distinct authors per hour for the last 24 hours, oldest first, this hour last


@dataclass(frozen=True)
class TrendList:
    """The scorer's list, best first; `computed_at_ms` None: the scorer has not run yet."""

    computed_at_ms: int | None = None
    trends: tuple[Trend, ...] = ()
