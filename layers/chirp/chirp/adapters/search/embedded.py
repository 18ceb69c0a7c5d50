"""The embedded search engine: tantivy (a Rust library with Python bindings, an index in a folder), so that
`make run` searches with no server. It keeps `chirp.search.index.TweetIndex`.

The text is indexed as `chirp.search.analysis` terms joined by spaces, in a field tantivy splits on
whitespace only (its `whitespace` tokenizer: no lower-casing, no stemming), so it matches exactly the
terms OpenSearch matches. Entities and usernames are `raw` (one term each). The tweet id is a fast field:
results are ordered by it, and `since:`/`until:` are id ranges (ids are time-ordered Snowflakes).

tantivy lets one writer hold an index at a time, across processes (a lock file in its folder): a write
takes the writer, commits and lets it go, retrying while another process holds it.

tantivy is a development dependency (requirements.txt), not the layer's: it is imported when an embedded
index is opened, never at import, so this module imports on Lambda too, where search is OpenSearch's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from chirp.errors import Retryable
from chirp.ids import MAX_ID, lowest_id_at
from chirp.pages import Page, PageRequest, encode_cursor, page_from_overfetch
from chirp.search.analysis import terms
from chirp.search.index import MAX_PREFIX_CHARS, Rejected, TweetDocument, UserDocument, indexed_fields, user_prefixes
from chirp.search.query import Term, TermKind, TweetQuery, require_resolved

WRITER_HEAP_BYTES = 15_000_000
WRITER_ATTEMPTS = 50  # ~5 s of waiting for another process's writer
_ENTITY_FIELDS = {TermKind.HASHTAG: "hashtags", TermKind.CASHTAG: "cashtags", TermKind.MENTION: "mentions"}

T = TypeVar("T")


def tweet_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("tweet_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("author_id", indexed=True)
    builder.add_integer_field("reply_to_id", indexed=True)
    builder.add_text_field("text", tokenizer_name="whitespace", index_option="position")
    for name in ("hashtags", "cashtags", "mentions", "has", "lang"):
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    return builder.build()


class EmbeddedTweetIndex:
    def __init__(self, folder: Path) -> None:
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        self._tantivy = tantivy
        self._schema = tweet_schema()
        self._index = tantivy.Index(self._schema, path=str(folder), reuse=True)

    # ------------------------------------------------------------------ writes
    def put(self, documents: Sequence[TweetDocument]) -> list[Rejected]:
        if not documents:
            return []
        with _writer(self._index) as writer:
            for document in documents:
                writer.delete_documents_by_term("tweet_id", document.tweet_id)
                writer.add_document(_document(self._tantivy, document))
        return []

    def delete(self, tweet_ids: Sequence[int]) -> list[Rejected]:
        if not tweet_ids:
            return []
        with _writer(self._index) as writer:
            for tweet_id in tweet_ids:
                writer.delete_documents_by_term("tweet_id", tweet_id)
        return []

    def delete_by_author(self, author_id: int) -> None:
        with _writer(self._index) as writer:
            writer.delete_documents_by_term("author_id", author_id)

    # ------------------------------------------------------------------ reads
    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        require_resolved(query)
        self._index.reload()
        found = self._index.searcher().search(
            self._query(query, page.before),
            limit=page.limit + 1,
            order_by_field="tweet_id",
            order=self._tantivy.Order.Desc,
        )
        ids = [int(key) for key, _address in found.hits]
        return page_from_overfetch(ids, page, lambda tweet_id: tweet_id)

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        require_resolved(query)
        self._index.reload()
        searcher = self._index.searcher()
        found = searcher.search(self._query(query, None), limit=limit)
        return [(int(searcher.doc(address)["tweet_id"][0]), float(score)) for score, address in found.hits]

    def _query(self, query: TweetQuery, before: int | None) -> Any:
        tantivy = self._tantivy
        must = [self._term_query(term) for term in query.required]
        must_not = [self._term_query(term) for term in query.excluded]
        for field, user_id in (("author_id", query.from_user_id), ("reply_to_id", query.to_user_id)):
            if user_id is not None:
                must.append(tantivy.Query.term_query(self._schema, field, user_id))
        if query.lang is not None:
            must.append(tantivy.Query.term_query(self._schema, "lang", query.lang))
        must.extend(tantivy.Query.term_query(self._schema, "has", value) for value in sorted(query.has))
        low = lowest_id_at(_day_ms(query.since)) if query.since else None
        high = lowest_id_at(_day_ms(query.until)) if query.until else None
        if before is not None:
            high = before if high is None else min(high, before)
        if low is not None or high is not None:
            must.append(
                tantivy.Query.range_query(
                    self._schema,
                    "tweet_id",
                    tantivy.FieldType.Integer,
                    low if low is not None else 0,
                    high if high is not None else MAX_ID,
                    include_lower=True,
                    include_upper=high is None,
                )
            )
        clauses = [(tantivy.Occur.Must, clause) for clause in must]
        clauses += [(tantivy.Occur.MustNot, clause) for clause in must_not]
        return tantivy.Query.boolean_query(clauses)

    def _term_query(self, term: Term) -> Any:
        tantivy = self._tantivy
        field = _ENTITY_FIELDS.get(term.kind)
        if field is not None:
            return tantivy.Query.term_query(self._schema, field, term.value)
        words = terms(term.value)
        if not words:
            return tantivy.Query.empty_query()
        if len(words) == 1:
            return tantivy.Query.term_query(self._schema, "text", words[0])
        phrase: list[str | tuple[int, str]] = list(words)
        return tantivy.Query.phrase_query(self._schema, "text", phrase)


def _document(tantivy: Any, document: TweetDocument) -> Any:
    return tantivy.Document(**indexed_fields(document))


def _day_ms(day: Any) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def _retrying(open_writer: Callable[[], T]) -> T:
    for _ in range(WRITER_ATTEMPTS):
        try:
            return open_writer()
        except ValueError as error:
            if "lock" not in str(error).lower():
                raise
            time.sleep(0.1)
    raise Retryable("the search index is busy with another writer; try again")


# ---------------------------------------------------------------------- users
def user_schema() -> Any:
    import tantivy

    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("user_id", stored=True, indexed=True, fast=True)
    builder.add_integer_field("followers", fast=True)
    builder.add_text_field("username", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("prefixes", tokenizer_name="whitespace", index_option="basic")
    return builder.build()


class EmbeddedUserIndex:
    """Users by prefix: each username and each word of each name is indexed with all its prefixes (edge
    n-grams of the shared analysis' terms, up to MAX_PREFIX_CHARS), so a prefix is one term lookup."""

    def __init__(self, folder: Path) -> None:
        import tantivy

        folder.mkdir(parents=True, exist_ok=True)
        self._tantivy = tantivy
        self._schema = user_schema()
        self._index = tantivy.Index(self._schema, path=str(folder), reuse=True)

    def put(self, documents: Sequence[UserDocument]) -> list[Rejected]:
        if not documents:
            return []
        with _writer(self._index) as writer:
            for document in documents:
                writer.delete_documents_by_term("user_id", document.user_id)
                writer.add_document(
                    self._tantivy.Document(
                        user_id=document.user_id,
                        followers=max(0, document.followers_count),
                        username=document.username.lower(),
                        prefixes=" ".join(sorted(user_prefixes(document))),
                    )
                )
        return []

    def delete(self, user_ids: Sequence[int]) -> list[Rejected]:
        if not user_ids:
            return []
        with _writer(self._index) as writer:
            for user_id in user_ids:
                writer.delete_documents_by_term("user_id", user_id)
        return []

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        words = terms(prefix)
        if not words:
            return Page(items=[], next_cursor=None)
        tantivy = self._tantivy
        self._index.reload()
        searcher = self._index.searcher()
        exact_query = tantivy.Query.term_query(self._schema, "username", prefix.strip().lstrip("@").lower())
        exact = [int(searcher.doc(address)["user_id"][0]) for _score, address in searcher.search(exact_query, 1).hits]
        wanted = page.served + page.limit + 1
        prefixed = searcher.search(
            tantivy.Query.term_query(self._schema, "prefixes", words[0][:MAX_PREFIX_CHARS]),
            limit=wanted,
            order_by_field="followers",
            order=tantivy.Order.Desc,
        )
        ranked = exact + [
            user_id
            for _followers, address in prefixed.hits
            if (user_id := int(searcher.doc(address)["user_id"][0])) not in exact
        ]
        window = ranked[page.served : page.served + page.limit + 1]
        if len(window) > page.limit:
            kept = window[: page.limit]
            return Page(items=kept, next_cursor=encode_cursor(kept[-1], page.served + page.limit))
        return Page(items=window, next_cursor=None)


@contextmanager
def _writer(index: Any) -> Iterator[Any]:
    writer = _retrying(lambda: index.writer(WRITER_HEAP_BYTES, 1))
    try:
        yield writer
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    finally:
        writer.wait_merging_threads()
