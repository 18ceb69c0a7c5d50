"""The production search backend: Amazon OpenSearch Service, through opensearch-py. It keeps
`chirp.search.index.TweetIndex` and `UserIndex` exactly as the embedded engine (`embedded.py`) does: one
contract suite (tests/integration/test_search_contract.py) runs against both.

Why the text is analysed here, in Python, and not by OpenSearch: `chirp.search.analysis.terms` is the one
analysis both engines index and query with, so they match identically by construction. OpenSearch's own
CJK and ICU analyzers would split, fold and normalise differently from tantivy's (and from each other's
versions), and a query that finds a tweet locally and not on AWS would be a lie. So a tweet's `text`
field holds its terms joined by spaces, and its analyzer only splits on whitespace (no lower-casing, no
stemming: the terms are folded already); a phrase is a `match_phrase` of the phrase's terms. A user's
`prefixes` (edge n-grams) are computed in Python too (`chirp.search.index.user_prefixes`).

The mapping (`tweets` index): tweet_id, author_id, reply_to_id `long`; text `text`, analysed by `terms`
(the whitespace tokenizer alone, its 255-character token limit raised so that no term is cut); hashtags,
cashtags, mentions, has, lang `keyword`. (`users` index): user_id `long`, followers `integer`, username
`keyword`, prefixes `keyword` (an array). Both are `dynamic: strict`, one shard (BM25 statistics are per
shard: one keeps scores comparable, as the embedded engine's are) and refresh every second (a write is
searchable within the ≤ 2 s the design promises; nothing forces a refresh per write). `_meta` holds
MAPPING_VERSION: `ensure_indexes` creates a missing index and refuses one of another version, or of
none (one OpenSearch created by itself, dynamically, for a write that came first), with
`SearchMappingOutdated` (a reindex is needed) rather than writing into a mismatched mapping.

Writes are `_bulk` requests (index by `_id` = the id, delete by id); what OpenSearch refuses item by item
comes back as `Rejected`; a whole request answered 429/502/503/504, a timeout or an unreachable domain
raises `SearchThrottled` (retries are off in the client: the indexer backs off itself).

Connection: an AWS domain endpoint (a bare host, as CloudFormation's `DomainEndpoint` gives it, or
`https://host`) is signed with SigV4 (service `es`, the function's credentials); `http://host:port[/path]`
(a developer's own OpenSearch, or LocalStack's) is not signed.

opensearch-py is imported only when a client is built, never at import: `import opensearchpy` takes ~0.3 s
in a fresh interpreter (`python -X importtime`, a development machine; it imports requests and urllib3
at once), ~0.07 s in one that imported boto3 and requests already, and its package depends on grpcio. It
stays off the cold start of every function that does not search. It is not in the layer: the functions
that search list it in their own requirements.txt.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from chirp.ids import lowest_id_at
from chirp.pages import Page, PageRequest, encode_cursor, page_from_overfetch
from chirp.search.analysis import terms
from chirp.search.index import (
    MAX_PREFIX_CHARS,
    Rejected,
    SearchThrottled,
    TweetDocument,
    UserDocument,
    indexed_fields,
    user_prefixes,
)
from chirp.search.query import Term, TermKind, TweetQuery, require_resolved

if TYPE_CHECKING:
    from opensearchpy import OpenSearch

MAPPING_VERSION = 1
SEARCH_TIMEOUT_SECONDS = 2
WRITE_TIMEOUT_SECONDS = 10
THROTTLING_STATUSES = frozenset({429, 502, 503, 504})
# OpenSearch's index.max_result_window: `from + size` of a search may not exceed it.
MAX_RESULT_WINDOW = 10_000
# The whitespace tokenizer splits a token longer than this (255 by default); a term is at most a tweet's
# whole text (4,000 characters), so none is split, as tantivy splits none.
MAX_TERM_CHARS = 4096
_ENTITY_FIELDS = {TermKind.HASHTAG: "hashtags", TermKind.CASHTAG: "cashtags", TermKind.MENTION: "mentions"}
# `DomainEndpoint` (<id>.<region>.es.amazonaws.com) and the dual-stack `DomainEndpointV2` (<id>.aos.<region>.on.aws).
_AWS_HOST_REGION = re.compile(r"\.([a-z]{2}(?:-[a-z]+)+-\d+)\.(?:es\.amazonaws\.com(?:\.cn)?|on\.aws)$")

TWEETS_INDEX_BODY: dict[str, Any] = {
    "settings": {
        "index": {"number_of_shards": 1, "refresh_interval": "1s"},
        "analysis": {
            "tokenizer": {"terms": {"type": "whitespace", "max_token_length": MAX_TERM_CHARS}},
            "analyzer": {"terms": {"type": "custom", "tokenizer": "terms"}},
        },
    },
    "mappings": {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION},
        "properties": {
            "tweet_id": {"type": "long"},
            "author_id": {"type": "long"},
            "reply_to_id": {"type": "long"},
            "text": {"type": "text", "analyzer": "terms"},
            **{name: {"type": "keyword"} for name in ("hashtags", "cashtags", "mentions", "has", "lang")},
        },
    },
}
USERS_INDEX_BODY: dict[str, Any] = {
    "settings": {"index": {"number_of_shards": 1, "refresh_interval": "1s"}},
    "mappings": {
        "dynamic": "strict",
        "_meta": {"mapping_version": MAPPING_VERSION},
        "properties": {
            "user_id": {"type": "long"},
            "followers": {"type": "integer"},
            "username": {"type": "keyword"},
            "prefixes": {"type": "keyword"},
        },
    },
}


class SearchMappingOutdated(Exception):
    """An index was created with another mapping version than this code writes: reindex (`make reindex`)."""


# ---------------------------------------------------------------------- connection
@dataclass(frozen=True)
class OpenSearchEndpoint:
    host: str
    port: int
    use_ssl: bool
    signed: bool  # SigV4: an AWS domain
    url_prefix: str = ""


def parse_endpoint(endpoint: str) -> OpenSearchEndpoint:
    """A domain's endpoint as CloudFormation gives it (a bare host) or a URL: `https://` is an AWS domain
    (signed), `http://` a developer's own OpenSearch or LocalStack's (not signed)."""
    text = endpoint.strip()
    if not text:
        raise ValueError("the search endpoint is empty")
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{endpoint!r} is not an OpenSearch endpoint: give a host, https://host or http://host:port")
    secure = parts.scheme == "https"
    return OpenSearchEndpoint(
        host=parts.hostname,
        port=parts.port or (443 if secure else 80),
        use_ssl=secure,
        signed=secure,
        url_prefix=parts.path.rstrip("/"),
    )


def open_search_client(endpoint: str) -> OpenSearch:
    """A client for the domain (no request is sent): short timeouts, no retries of its own."""
    from opensearchpy import OpenSearch, Urllib3HttpConnection

    target = parse_endpoint(endpoint)
    host: dict[str, Any] = {"host": target.host, "port": target.port}
    if target.url_prefix:
        host["url_prefix"] = target.url_prefix
    return OpenSearch(
        hosts=[host],
        http_auth=_sigv4(target.host) if target.signed else None,
        use_ssl=target.use_ssl,
        verify_certs=target.use_ssl,
        connection_class=Urllib3HttpConnection,
        timeout=SEARCH_TIMEOUT_SECONDS,
        max_retries=0,
        retry_on_timeout=False,
    )


def _sigv4(host: str) -> Any:
    """SigV4 for urllib3 (opensearch-py's own connection; `AWSV4SignerAuth` is the requests one), with the
    session's credentials, refreshed as they expire."""
    import boto3
    from opensearchpy import Urllib3AWSV4SignerAuth

    session = boto3.Session()
    credentials = session.get_credentials()
    if credentials is None:
        raise ValueError(f"no AWS credentials to sign the requests to {host} with")
    region = region_of(host) or session.region_name
    if not region:
        raise ValueError(f"no AWS region to sign the requests to {host} for (set AWS_REGION)")
    return Urllib3AWSV4SignerAuth(credentials, region, "es")


def region_of(host: str) -> str | None:
    """The region in an AWS domain's host (`search-<domain>-<id>.<region>.es.amazonaws.com`), if it names one."""
    match = _AWS_HOST_REGION.search(host)
    return match.group(1) if match else None


def is_throttling(error: Exception) -> bool:
    """Whether opensearch-py's error is worth the same request again later: throttled (429), a gateway or
    an unavailable domain (502, 503, 504), no connection or no answer in time (a write sent again is
    harmless: documents are written and deleted by id). A certificate refused is not."""
    from opensearchpy.exceptions import ConnectionError as Unreachable
    from opensearchpy.exceptions import SSLError, TransportError

    if isinstance(error, Unreachable):
        return not isinstance(error, SSLError)
    return isinstance(error, TransportError) and error.status_code in THROTTLING_STATUSES


@contextmanager
def _throttling_as_retryable(action: str) -> Iterator[None]:
    from opensearchpy.exceptions import TransportError

    try:
        yield
    except TransportError as error:
        if is_throttling(error):
            raise SearchThrottled(f"OpenSearch did not {action} for now: {error}") from error
        raise


# ---------------------------------------------------------------------- indexes and their mapping
def ensure_indexes(
    client: OpenSearch, *, tweets_index: str = "tweets", users_index: str = "users", replace_outdated: bool = False
) -> None:
    """Create each index with its settings and mapping when it is missing (another process creating it at
    the same time is no error); raise SearchMappingOutdated for one of another mapping version, unless
    `replace_outdated` (what `make reindex` asks, as it fills the indexes anew): then that index is deleted
    and created with this mapping, and is empty until the reindex fills it. Idempotent: the indexer calls it
    as it starts."""
    for name, body in ((tweets_index, TWEETS_INDEX_BODY), (users_index, USERS_INDEX_BODY)):
        _ensure_index(client, name, body, replace_outdated)


def _ensure_index(client: OpenSearch, name: str, body: dict[str, Any], replace_outdated: bool) -> None:
    from opensearchpy.exceptions import NotFoundError, RequestError

    with _throttling_as_retryable(f"check the index {name}"):
        try:
            check_mapping_version(name, client.indices.get_mapping(index=name))
            return
        except NotFoundError:
            pass
        except SearchMappingOutdated:
            if not replace_outdated:
                raise
            client.indices.delete(index=name, request_timeout=WRITE_TIMEOUT_SECONDS)
        try:
            client.indices.create(index=name, body=body, request_timeout=WRITE_TIMEOUT_SECONDS)
        except RequestError as error:
            if error.error != "resource_already_exists_exception":
                raise
            check_mapping_version(name, client.indices.get_mapping(index=name))


def check_mapping_version(name: str, mappings: Mapping[str, Any]) -> None:
    """Raise SearchMappingOutdated unless the index (GET <name>/_mapping's answer) has MAPPING_VERSION."""
    for index in mappings.values():  # one: the index (or the one an alias names)
        found = index.get("mappings", {}).get("_meta", {}).get("mapping_version")
        if found != MAPPING_VERSION:
            raise SearchMappingOutdated(
                f"the index {name} has mapping version {found}, this code writes version {MAPPING_VERSION}: "
                "make reindex replaces it (and fills it anew) before anything is written to it"
            )


# ---------------------------------------------------------------------- documents and bulk bodies
def tweet_source(document: TweetDocument) -> dict[str, Any]:
    """A tweet as the tweets index holds it (the same fields and values as the embedded engine's)."""
    return indexed_fields(document)


def user_source(document: UserDocument) -> dict[str, Any]:
    return {
        "user_id": document.user_id,
        "followers": max(0, document.followers_count),
        "username": document.username.lower(),
        "prefixes": sorted(user_prefixes(document)),
    }


def index_actions(sources: Sequence[tuple[int, Mapping[str, Any]]]) -> list[Mapping[str, Any]]:
    """A `_bulk` body (the index is the request's path) that indexes each (id, source) under `_id` = id,
    replacing what was there."""
    body: list[Mapping[str, Any]] = []
    for document_id, source in sources:
        body += [{"index": {"_id": str(document_id)}}, source]
    return body


def delete_actions(ids: Sequence[int]) -> list[Mapping[str, Any]]:
    return [{"delete": {"_id": str(document_id)}} for document_id in ids]


def rejected_items(ids: Sequence[int], response: Mapping[str, Any]) -> list[Rejected]:
    """The documents a `_bulk` response refused: its items answer the actions in order, one each, and carry
    an `error` when refused (a delete of a missing document answers 404 `not_found`, no error: not refused)."""
    if not response.get("errors"):
        return []
    refused: list[Rejected] = []
    for document_id, item in zip(ids, response["items"], strict=True):
        answer = next(iter(item.values()))
        error = answer.get("error")
        if error is not None:
            refused.append(Rejected(document_id, int(answer.get("status", 500)), _reason(error)))
    return refused


def _reason(error: Any) -> str:
    if not isinstance(error, Mapping):
        return str(error)
    kind, reason = error.get("type", "error"), error.get("reason", "")
    cause = error.get("caused_by")
    text = f"{kind}: {reason}" if reason else str(kind)
    return f"{text} (caused by {_reason(cause)})" if cause else text


# ---------------------------------------------------------------------- queries
def tweet_query(query: TweetQuery, before: int | None = None) -> dict[str, Any]:
    """The query DSL for a resolved TweetQuery, below `before` (a page's cursor) when given. The same
    clauses as the embedded engine's: every text term and entity required, each exclusion excluded; the
    users, language, media and dates as filters (they do not score). A query that requires nothing matches
    nothing (a bool of exclusions alone would match everything else)."""
    require_resolved(query)
    must = [_term_clause(term) for term in query.required]
    must_not = [_term_clause(term) for term in query.excluded]
    filters: list[dict[str, Any]] = []
    for field, user_id in (("author_id", query.from_user_id), ("reply_to_id", query.to_user_id)):
        if user_id is not None:
            filters.append({"term": {field: user_id}})
    if query.lang is not None:
        filters.append({"term": {"lang": query.lang}})
    filters.extend({"term": {"has": value}} for value in sorted(query.has))
    ids = _id_range(query.since, query.until, before)
    if ids:
        filters.append({"range": {"tweet_id": ids}})
    if not must and not filters:
        return {"match_none": {}}
    clauses: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if filters:
        clauses["filter"] = filters
    if must_not:
        clauses["must_not"] = must_not
    return {"bool": clauses}


def _term_clause(term: Term) -> dict[str, Any]:
    field = _ENTITY_FIELDS.get(term.kind)
    if field is not None:
        return {"term": {field: term.value}}
    words = terms(term.value)
    if not words:
        return {"match_none": {}}  # punctuation alone: no text can hold it
    if len(words) == 1:
        return {"term": {"text": words[0]}}
    return {"match_phrase": {"text": {"query": " ".join(words)}}}


def _id_range(since: date | None, until: date | None, before: int | None) -> dict[str, int]:
    """since:/until: as tweet id bounds (ids are time-ordered Snowflakes), the cursor's included."""
    bounds: dict[str, int] = {}
    if since is not None:
        bounds["gte"] = lowest_id_at(_day_ms(since))
    high = lowest_id_at(_day_ms(until)) if until is not None else None
    if before is not None:
        high = before if high is None else min(high, before)
    if high is not None:
        bounds["lt"] = high
    return bounds


def _day_ms(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)


def newest_first_search(query: TweetQuery, page: PageRequest) -> dict[str, Any]:
    """A search body for a page of ids, newest first, one more than the page to tell whether more follow."""
    return {
        "query": tweet_query(query, page.before),
        "sort": [{"tweet_id": {"order": "desc"}}],
        "size": page.limit + 1,
        "_source": False,
        "track_total_hits": False,
    }


def best_scored_search(query: TweetQuery, limit: int) -> dict[str, Any]:
    """A search body for the `limit` best text matches (BM25), the newest first among equal scores."""
    return {
        "query": tweet_query(query),
        "sort": [{"_score": {"order": "desc"}}, {"tweet_id": {"order": "desc"}}],
        "track_scores": True,
        "size": limit,
        "_source": False,
        "track_total_hits": False,
    }


def user_prefix_search(prefix: str, page: PageRequest) -> dict[str, Any] | None:
    """A search body for a page of users by prefix (None: nothing can match). As the embedded engine ranks
    them: the user whose username the prefix is, first (it scores 3, every other match 1), then by
    followers, most first (then by id, so that equal counts keep one order from page to page). Pages are
    offsets into that ranking, up to OpenSearch's result window."""
    words = terms(prefix)
    size = min(page.limit + 1, MAX_RESULT_WINDOW - page.served)
    if not words or size <= 0:
        return None
    username = prefix.strip().lstrip("@").lower()
    return {
        "query": {
            "bool": {
                "should": [
                    {"constant_score": {"filter": {"term": {"username": username}}, "boost": 2.0}},
                    {"constant_score": {"filter": {"term": {"prefixes": words[0][:MAX_PREFIX_CHARS]}}, "boost": 1.0}},
                ],
                "minimum_should_match": 1,
            }
        },
        "sort": [{"_score": {"order": "desc"}}, {"followers": {"order": "desc"}}, {"user_id": {"order": "asc"}}],
        "from": page.served,
        "size": size,
        "_source": False,
        "track_total_hits": False,
    }


def hit_ids(response: Mapping[str, Any]) -> list[int]:
    return [int(hit["_id"]) for hit in response["hits"]["hits"]]


# ---------------------------------------------------------------------- the indexes
class _Index:
    def __init__(self, client: OpenSearch, index: str) -> None:
        self._client = client
        self.name = index

    def refresh(self) -> None:
        """Make every write so far searchable now (tests, reindex); writes do not wait for it."""
        with _throttling_as_retryable(f"refresh {self.name}"):
            self._client.indices.refresh(index=self.name, request_timeout=WRITE_TIMEOUT_SECONDS)

    def _bulk(self, ids: Sequence[int], body: list[Mapping[str, Any]]) -> list[Rejected]:
        if not ids:
            return []
        with _throttling_as_retryable(f"write to {self.name}"):
            response = self._client.bulk(body=body, index=self.name, request_timeout=WRITE_TIMEOUT_SECONDS)
        return rejected_items(ids, response)

    def _search(self, body: Mapping[str, Any]) -> Mapping[str, Any]:
        with _throttling_as_retryable(f"search {self.name}"):
            response: Mapping[str, Any] = self._client.search(index=self.name, body=body)
        return response

    def _delete(self, ids: Sequence[int]) -> list[Rejected]:
        return self._bulk(ids, delete_actions(ids))


class OpenSearchTweetIndex(_Index):
    def __init__(self, client: OpenSearch, index: str = "tweets") -> None:
        super().__init__(client, index)

    def put(self, documents: Sequence[TweetDocument]) -> list[Rejected]:
        sources = [(document.tweet_id, tweet_source(document)) for document in documents]
        return self._bulk([tweet_id for tweet_id, _ in sources], index_actions(sources))

    def delete(self, tweet_ids: Sequence[int]) -> list[Rejected]:
        return self._delete(tweet_ids)

    def delete_by_author(self, author_id: int) -> None:
        """`_delete_by_query` on the author's id, waiting for it (OpenSearch goes on if the request times
        out; a retry deletes what is left). A tweet changed meanwhile is skipped, not an error."""
        with _throttling_as_retryable(f"delete the tweets of {author_id} from {self.name}"):
            response = self._client.delete_by_query(
                index=self.name,
                body={"query": {"term": {"author_id": author_id}}},
                conflicts="proceed",
                request_timeout=WRITE_TIMEOUT_SECONDS,
            )
        if response.get("timed_out") or response.get("failures"):
            failures = response.get("failures") or []
            # A failed write names its `cause`, a failed search of a shard its `reason`.
            reason = _reason(failures[0].get("cause") or failures[0].get("reason")) if failures else "timed out"
            raise SearchThrottled(f"OpenSearch deleted only some tweets of {author_id}: {reason}")

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        ids = hit_ids(self._search(newest_first_search(query, page)))
        return page_from_overfetch(ids, page, lambda tweet_id: tweet_id)

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        response = self._search(best_scored_search(query, limit))
        return [(int(hit["_id"]), float(hit["_score"])) for hit in response["hits"]["hits"]]


class OpenSearchUserIndex(_Index):
    def __init__(self, client: OpenSearch, index: str = "users") -> None:
        super().__init__(client, index)

    def put(self, documents: Sequence[UserDocument]) -> list[Rejected]:
        sources = [(document.user_id, user_source(document)) for document in documents]
        return self._bulk([user_id for user_id, _ in sources], index_actions(sources))

    def delete(self, user_ids: Sequence[int]) -> list[Rejected]:
        return self._delete(user_ids)

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        body = user_prefix_search(prefix, page)
        if body is None:
            return Page(items=[], next_cursor=None)
        window = hit_ids(self._search(body))
        if len(window) > page.limit:
            kept = window[: page.limit]
            return Page(items=kept, next_cursor=encode_cursor(kept[-1], page.served + page.limit))
        return Page(items=window, next_cursor=None)
