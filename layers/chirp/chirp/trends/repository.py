"""What trends need from storage: the counter's one write, the scorer's reads and its list."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

from chirp.trends.models import TagCount, TagUse, TrendList


class TagCounter(Protocol):
    def count_author(self, use: TagUse) -> bool:
        """Count the author once among the tag's authors of that hour; False when it was counted already (a
        redelivered event, or another tweet of the same author with the tag in that hour): nothing changes."""


class TrendRepository(Protocol):
    def tags_of_hour(self, hour: int) -> list[TagCount]:
        """Every tag used in that hour, with its distinct authors."""

    def authors_per_hour(self, tags: Collection[str], hours: Sequence[int]) -> dict[tuple[str, int], int]:
        """The distinct authors of each of the tags in each of the hours, by (tag, hour); an hour a tag was
        not used in is left out."""

    def current(self) -> TrendList:
        """The list the scorer wrote last (an empty one before its first run)."""

    def replace_current(self, trends: TrendList) -> None: ...
