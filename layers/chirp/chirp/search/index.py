"""What a search backend keeps and answers: the contract OpenSearch (AWS) and the embedded engine (local)
both keep, tested by one suite (tests/integration/test_search_contract.py).

A tweet is indexed as a `TweetDocument`: its text as `chirp.search.analysis` terms (the backend matches
terms, it analyses nothing itself), its entities, its author's id and the id of the user it replies to
(from:/to: are resolved to ids before a search, so a renamed user's tweets are found by the new name).
A search answers tweet ids, newest first, paged by id like every list, or the best-scoring ids with the
backend's text score (BM25 on both backends) for `sort=relevant`; the caller reads the tweets from the
tables (the source of truth: a tweet deleted since is left out there). A user is indexed by its
username and the words of its name, for prefix autocomplete, ranked by followers.
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
    text: str
    hashtags: tuple[str, ...] = ()
    cashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()  # usernames
    reply_to_user_id: int | None = None
    has_media: bool = False
    lang: str | None = None


@dataclass(frozen=True)
class UserDocument:
    user_id: int
    username: str
    name: str
    followers_count: int = 0


class TweetIndex(Protocol):
    def put(self, documents: Sequence[TweetDocument]) -> None:
        """Index the documents, replacing any indexed before under the same ids."""

    def delete(self, tweet_ids: Sequence[int]) -> None:
        """Remove the tweets (an id never indexed is no error)."""

    def delete_by_author(self, author_id: int) -> None:
        """Remove every tweet of the author (a deleted account)."""

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        """The ids of the tweets matching the query, newest first, below the page's cursor."""

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        """The `limit` best matches by text score (BM25), best first: (tweet id, score > 0)."""


class UserIndex(Protocol):
    def put(self, documents: Sequence[UserDocument]) -> None:
        """Index the users, replacing any indexed before under the same ids (a rename: the new name only)."""

    def delete(self, user_ids: Sequence[int]) -> None: ...

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        """Users whose username, or a word of whose name, starts with `prefix` (case- and accent-insensitive,
        from its first character): the user whose username it is first, then by followers, most first.
        Pages are offsets into that ranking (`PageRequest.served`)."""
