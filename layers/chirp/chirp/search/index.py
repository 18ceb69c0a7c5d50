"""What a search backend keeps and answers: the contract OpenSearch (AWS) and the embedded engine (local)
both keep, tested by one suite (tests/integration/test_search_contract.py).

A tweet is indexed as a `TweetDocument`: its text as `chirp.search.analysis` terms (the backend matches
terms, it analyses nothing itself), its entities, its author's id and the id of the user it replies to
(from:/to: are resolved to ids before a search, so a renamed user's tweets are found by the new name).
A search answers tweet ids, newest first, paged by id like every list, or the best-scoring ids with the
backend's text score (BM25 on both backends) for `sort=relevant`; the caller reads the tweets from the
tables (the source of truth: a tweet deleted since is left out there). A user is indexed by its
username and the words of its name, for prefix autocomplete, ranked by followers.

A write answers the documents the backend refused (`Rejected`, one per document: OpenSearch's bulk
answers each item on its own); a backend that throttles, or is briefly unreachable, raises `SearchThrottled`
for the whole request, so the caller backs off and tries it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from chirp.errors import Retryable
from chirp.pages import Page, PageRequest
from chirp.search.analysis import terms
from chirp.search.query import TweetQuery

# A prefix search looks at this many characters of the prefix at most (longer prefixes are not indexed).
MAX_PREFIX_CHARS = 20


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


def user_prefixes(document: UserDocument) -> set[str]:
    """What a user is found by: every prefix (up to MAX_PREFIX_CHARS) of its username and of each term (the
    shared analysis') of its name and username. Both backends index exactly these."""
    words = [document.username.lower(), *terms(document.name), *terms(document.username)]
    return {word[:length] for word in words for length in range(1, min(len(word), MAX_PREFIX_CHARS) + 1)}


@dataclass(frozen=True)
class Rejected:
    """A document the backend refused (`id`: the tweet's or the user's), with the HTTP status it answered for
    that document alone (429: throttled, try again later; 400: the document does not fit the mapping) and
    its reason."""

    id: int
    status: int
    reason: str


class SearchThrottled(Retryable):
    """The backend refused a whole request for now (429, 502, 503, 504) or could not be reached in time;
    the same request may succeed after a backoff."""


class TweetIndex(Protocol):
    def put(self, documents: Sequence[TweetDocument]) -> list[Rejected]:
        """Index the documents, replacing any indexed before under the same ids; answers those refused."""

    def delete(self, tweet_ids: Sequence[int]) -> list[Rejected]:
        """Remove the tweets (an id never indexed is no error); answers those the backend refused to remove."""

    def delete_by_author(self, author_id: int) -> None:
        """Remove every tweet of the author (a deleted account)."""

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        """The ids of the tweets matching the query, newest first, below the page's cursor."""

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        """The `limit` best matches by text score (BM25), best first: (tweet id, score > 0)."""


class UserIndex(Protocol):
    def put(self, documents: Sequence[UserDocument]) -> list[Rejected]:
        """Index the users, replacing any indexed before under the same ids (a rename: the new name only);
        answers those refused."""

    def delete(self, user_ids: Sequence[int]) -> list[Rejected]: ...

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        """Users whose username, or a word of whose name, starts with `prefix` (case- and accent-insensitive,
        from its first character): the user whose username it is first, then by followers, most first.
        Pages are offsets into that ranking (`PageRequest.served`)."""


def indexed_fields(document: TweetDocument) -> dict[str, Any]:
    """A tweet's fields as every backend indexes them, the same names and values: the text as the shared
    analysis' terms joined by spaces (`text`), entities lower-cased, the ids, `has` and `lang` when set."""
    fields: dict[str, Any] = {
        "tweet_id": document.tweet_id,
        "author_id": document.author_id,
        "text": " ".join(terms(document.text)),
        "hashtags": [tag.lower() for tag in document.hashtags],
        "cashtags": [tag.lower() for tag in document.cashtags],
        "mentions": [name.lower() for name in document.mentions],
    }
    if document.reply_to_user_id is not None:
        fields["reply_to_id"] = document.reply_to_user_id
    if document.has_media:
        fields["has"] = ["media"]
    if document.lang:
        fields["lang"] = document.lang
    return fields
