"""What a search backend keeps and answers: the contract OpenSearch (AWS) and the embedded engine (local)
both keep, tested by one suite (tests/integration/test_search_contract.py).

A tweet is indexed as a `TweetDocument`: its text as `chirp.search.analysis` terms (the backend matches
terms, it analyses nothing itself), its entities, its author's username and the username it replies to.
A search answers tweet ids, newest first, paged by id like every list; the caller reads the tweets from
the tables (the source of truth: a tweet deleted since is left out there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from chirp.pages import Page, PageRequest
from chirp.search.query import TweetQuery


@dataclass(frozen=True)
class TweetDocument:
    tweet_id: int
    author_id: int
    author_username: str
    text: str
    hashtags: tuple[str, ...] = ()
    cashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # usernames
    reply_to_username: str | None = None
    has_media: bool = False
    lang: str | None = None


class TweetIndex(Protocol):
    def put(self, documents: Sequence[TweetDocument]) -> None:
        """Index the documents, replacing any indexed before under the same ids."""

    def delete(self, tweet_ids: Sequence[int]) -> None:
        """Remove the tweets (an id never indexed is no error)."""

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        """The ids of the tweets matching the query, newest first, below the page's cursor."""
