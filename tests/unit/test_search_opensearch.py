"""The OpenSearch search backend's pure parts (chirp.adapters.search.opensearch), and how a search endpoint
picks its backend (chirp.adapters.search): the query DSL each operator becomes, the `_bulk` bodies written,
what a bulk response's per-item errors become, the index mappings and their version, the endpoint and its
signing. No request is sent: the contract suite runs the backend against a real OpenSearch
(tests/integration/test_search_contract.py, with CHIRP_OPENSEARCH_URL)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from chirp.adapters.search import EmbeddedDomain, embedded_domain, open_indexes
from chirp.adapters.search.embedded import EmbeddedTweetIndex, EmbeddedUserIndex
from chirp.adapters.search.opensearch import (
    MAPPING_VERSION,
    MAX_RESULT_WINDOW,
    TWEETS_INDEX_BODY,
    USERS_INDEX_BODY,
    OpenSearchEndpoint,
    OpenSearchTweetIndex,
    OpenSearchUserIndex,
    SearchMappingOutdated,
    best_scored_search,
    check_mapping_version,
    delete_actions,
    ensure_indexes,
    index_actions,
    is_throttling,
    newest_first_search,
    open_search_client,
    parse_endpoint,
    region_of,
    rejected_items,
    tweet_query,
    tweet_source,
    user_prefix_search,
    user_source,
)
from chirp.errors import Retryable
from chirp.ids import lowest_id_at
from chirp.pages import PageRequest, decode_cursor
from chirp.search.index import Rejected, SearchThrottled, TweetDocument, UserDocument, user_prefixes
from chirp.search.query import Term, TermKind, TweetQuery, parse_tweet_query, resolve_users
from opensearchpy.exceptions import (
    AuthorizationException,
    ConnectionError,
    ConnectionTimeout,
    NotFoundError,
    RequestError,
    SSLError,
    TransportError,
)

AWS_HOST = "search-chirp-abc123xyz.eu-west-1.es.amazonaws.com"


def day_id(day: str) -> int:
    return lowest_id_at(int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000))


def bool_of(text: str) -> dict[str, Any]:
    """The bool clauses of the query `text` asks for, from:ada / to:ada resolved to ada's id, 1."""
    query = resolve_users(parse_tweet_query(text), {"ada": 1}.get)
    assert query is not None
    dsl = tweet_query(query)
    assert set(dsl) == {"bool"}, dsl
    clauses: dict[str, Any] = dsl["bool"]
    return clauses


# ---------------------------------------------------------------------- the query DSL, operator by operator
@pytest.mark.parametrize(
    ("text", "must"),
    [
        ("Python", [{"term": {"text": "python"}}]),  # analysed as the documents are: folded
        ("CAFÉ", [{"term": {"text": "cafe"}}]),
        ("京都", [{"term": {"text": "京都"}}]),  # one bigram
        ("東京都", [{"match_phrase": {"text": {"query": "東京 京都"}}}]),  # its bigrams, adjacent
        ("🎉", [{"term": {"text": "🎉"}}]),
        ('"Hot  Dogs"', [{"match_phrase": {"text": {"query": "hot dogs"}}}]),
        ("snake-case", [{"match_phrase": {"text": {"query": "snake case"}}}]),  # a word of two terms
        ("#Serverless", [{"term": {"hashtags": "serverless"}}]),
        ("$AAPL", [{"term": {"cashtags": "aapl"}}]),
        ("@Bob", [{"term": {"mentions": "bob"}}]),
        ("dogs cats", [{"term": {"text": "dogs"}}, {"term": {"text": "cats"}}]),  # all required
    ],
)
def test_each_text_term_and_entity_is_required_as_the_shared_analysis_makes_it(
    text: str, must: list[dict[str, Any]]
) -> None:
    # When
    clauses = bool_of(text)
    # Then
    assert clauses == {"must": must}


def test_exclusions_are_must_nots_of_the_same_clauses() -> None:
    # When
    clauses = bool_of('dogs -hot -"hot dogs" -#pets -$aapl -@bob')
    # Then
    assert clauses["must"] == [{"term": {"text": "dogs"}}]
    assert clauses["must_not"] == [
        {"term": {"text": "hot"}},
        {"match_phrase": {"text": {"query": "hot dogs"}}},
        {"term": {"hashtags": "pets"}},
        {"term": {"cashtags": "aapl"}},
        {"term": {"mentions": "bob"}},
    ]


@pytest.mark.parametrize(
    ("text", "filters"),
    [
        ("dogs from:ada", [{"term": {"author_id": 1}}]),
        ("dogs to:ada", [{"term": {"reply_to_id": 1}}]),
        ("dogs lang:EN", [{"term": {"lang": "en"}}]),
        ("dogs has:media", [{"term": {"has": "media"}}]),
        ("dogs since:2026-11-02", [{"range": {"tweet_id": {"gte": day_id("2026-11-02")}}}]),
        ("dogs until:2026-11-03", [{"range": {"tweet_id": {"lt": day_id("2026-11-03")}}}]),
        (
            "dogs since:2026-11-02 until:2026-11-03",
            [{"range": {"tweet_id": {"gte": day_id("2026-11-02"), "lt": day_id("2026-11-03")}}}],
        ),
    ],
)
def test_users_language_media_and_dates_are_filters_that_do_not_score(text: str, filters: list[dict[str, Any]]) -> None:
    # When
    clauses = bool_of(text)
    # Then
    assert clauses == {"must": [{"term": {"text": "dogs"}}], "filter": filters}


def test_a_query_of_filters_alone_matches_every_tweet_they_keep_with_a_positive_score() -> None:
    # When from: is all the query asks
    clauses = bool_of("from:ada")
    # Then every tweet of the author matches (match_all scores 1: search_scored's scores stay > 0)
    assert clauses == {"must": [{"match_all": {}}], "filter": [{"term": {"author_id": 1}}]}


def test_a_query_that_requires_nothing_matches_nothing_as_the_embedded_engine_does() -> None:
    # Given queries a parser would refuse, built directly: nothing at all, exclusions alone
    nothing = TweetQuery()
    only_excluded = TweetQuery(terms=(Term(TermKind.WORD, "dogs", excluded=True),))
    # Then neither matches everything else (a bool of must_nots alone would)
    assert tweet_query(nothing) == {"match_none": {}}
    assert tweet_query(only_excluded) == {"match_none": {}}


def test_a_word_no_text_can_hold_matches_nothing() -> None:
    # Given a word the analysis makes no term of (a symbol that is not an emoji)
    query = TweetQuery(terms=(Term(TermKind.WORD, "→"),))
    # Then
    assert tweet_query(query) == {"bool": {"must": [{"match_none": {}}]}}


def test_an_unresolved_from_is_refused() -> None:
    with pytest.raises(ValueError, match="resolve"):
        tweet_query(parse_tweet_query("from:ada"))


def test_a_page_is_newest_first_below_its_cursor_with_one_more_to_tell_if_more_follow() -> None:
    # Given a page's cursor below the until: bound, and one above it
    query = parse_tweet_query("dogs until:2026-11-03")
    below, above = day_id("2026-11-02"), day_id("2026-11-04")
    # When
    body = newest_first_search(query, PageRequest(limit=20, before=below))
    # Then
    assert body["sort"] == [{"tweet_id": {"order": "desc"}}]
    assert body["size"] == 21 and body["_source"] is False
    assert body["query"]["bool"]["filter"] == [{"range": {"tweet_id": {"lt": below}}}]
    assert newest_first_search(query, PageRequest(before=above))["query"]["bool"]["filter"] == [
        {"range": {"tweet_id": {"lt": day_id("2026-11-03")}}}
    ]


def test_a_scored_search_is_best_first_with_its_scores_the_newest_first_among_equals() -> None:
    # When
    body = best_scored_search(parse_tweet_query("dogs"), 50)
    # Then
    assert body["query"] == {"bool": {"must": [{"term": {"text": "dogs"}}]}}
    assert body["sort"] == [{"_score": {"order": "desc"}}, {"tweet_id": {"order": "desc"}}]
    assert body["track_scores"] is True and body["size"] == 50


# ---------------------------------------------------------------------- users by prefix
def test_a_user_prefix_ranks_the_usernames_owner_first_then_by_followers() -> None:
    # When
    body = user_prefix_search(" @ADA ", PageRequest(limit=3, served=6))
    # Then
    assert body is not None
    assert body["query"]["bool"]["should"] == [
        {"constant_score": {"filter": {"term": {"username": "ada"}}, "boost": 2.0}},
        {"constant_score": {"filter": {"term": {"prefixes": "ada"}}, "boost": 1.0}},
    ]
    assert body["query"]["bool"]["minimum_should_match"] == 1
    assert body["sort"] == [
        {"_score": {"order": "desc"}},
        {"followers": {"order": "desc"}},
        {"user_id": {"order": "asc"}},
    ]
    assert (body["from"], body["size"]) == (6, 4)


def test_a_user_prefix_is_folded_and_cut_as_the_indexed_prefixes_are() -> None:
    # When
    body = user_prefix_search("Ádámsdóttirssonardóttir", PageRequest())
    # Then
    assert body is not None
    assert body["query"]["bool"]["should"][1]["constant_score"]["filter"] == {
        "term": {"prefixes": "adamsdottirssonardot"}  # 20 characters
    }


def test_a_prefix_with_no_term_or_past_the_result_window_asks_for_nothing() -> None:
    assert user_prefix_search("   ", PageRequest()) is None
    assert user_prefix_search("ada", PageRequest(served=MAX_RESULT_WINDOW)) is None
    last = user_prefix_search("ada", PageRequest(limit=20, served=MAX_RESULT_WINDOW - 5))
    assert last is not None and last["size"] == 5


# ---------------------------------------------------------------------- documents and bulk bodies
def test_a_tweet_is_indexed_as_its_terms_and_its_entities() -> None:
    # Given
    document = TweetDocument(
        tweet_id=42,
        author_id=7,
        text="Café au LAIT in 東京都 🎉",
        hashtags=("Coffee",),
        cashtags=("AAPL",),
        mentions=("Bob",),
        reply_to_user_id=9,
        has_media=True,
        lang="fr",
    )
    # Then
    assert tweet_source(document) == {
        "tweet_id": 42,
        "author_id": 7,
        "text": "cafe au lait in 東京 京都 🎉",
        "hashtags": ["coffee"],
        "cashtags": ["aapl"],
        "mentions": ["bob"],
        "reply_to_id": 9,
        "has": ["media"],
        "lang": "fr",
    }
    assert set(tweet_source(TweetDocument(1, 2, "hi"))) == {
        "tweet_id",
        "author_id",
        "text",
        "hashtags",
        "cashtags",
        "mentions",
    }


def test_a_user_is_indexed_with_the_same_prefixes_as_the_embedded_engine() -> None:
    # Given
    document = UserDocument(3, "Bob_X", "Bob Ádams", followers_count=-1)
    # When
    source = user_source(document)
    # Then
    assert source["user_id"] == 3 and source["username"] == "bob_x" and source["followers"] == 0
    assert source["prefixes"] == sorted(user_prefixes(document))
    assert {"b", "bob_x", "a", "adams"} <= set(source["prefixes"])


def test_a_bulk_body_indexes_each_document_under_its_id_and_deletes_by_id() -> None:
    # When
    written = index_actions([(42, {"tweet_id": 42}), (43, {"tweet_id": 43})])
    deleted = delete_actions([42, 44])
    # Then (the index is the request's path: `POST /<index>/_bulk`)
    assert written == [{"index": {"_id": "42"}}, {"tweet_id": 42}, {"index": {"_id": "43"}}, {"tweet_id": 43}]
    assert deleted == [{"delete": {"_id": "42"}}, {"delete": {"_id": "44"}}]


# ---------------------------------------------------------------------- bulk responses
# As OpenSearch documents them (Document APIs > Bulk, "Example response"): a delete of a missing document
# answers 404 `not_found` and is no error.
ALL_DONE = {
    "took": 35,
    "errors": False,
    "items": [
        {
            "delete": {
                "_index": "tweets",
                "_id": "11",
                "_version": 1,
                "result": "not_found",
                "_shards": {"total": 1, "successful": 1, "failed": 0},
                "_seq_no": 1,
                "_primary_term": 1,
                "status": 404,
            }
        },
        {
            "index": {
                "_index": "tweets",
                "_id": "12",
                "_version": 1,
                "result": "created",
                "_shards": {"total": 1, "successful": 1, "failed": 0},
                "_seq_no": 2,
                "_primary_term": 1,
                "status": 201,
            }
        },
    ],
}
# Per-item errors as OpenSearch answers them: a document the mapping refuses, a write queue full.
SOME_REFUSED = {
    "took": 9,
    "errors": True,
    "items": [
        {
            "index": {
                "_index": "tweets",
                "_id": "21",
                "status": 400,
                "error": {
                    "type": "mapper_parsing_exception",
                    "reason": "failed to parse field [author_id] of type [long] in document with id '21'",
                    "caused_by": {"type": "illegal_argument_exception", "reason": "Value out of range"},
                },
            }
        },
        {
            "index": {
                "_index": "tweets",
                "_id": "22",
                "_version": 3,
                "result": "updated",
                "_shards": {"total": 2, "successful": 1, "failed": 0},
                "_seq_no": 7,
                "_primary_term": 1,
                "status": 200,
            }
        },
        {"delete": {"_index": "tweets", "_id": "23", "result": "not_found", "status": 404}},
        {
            "index": {
                "_index": "tweets",
                "_id": "24",
                "status": 429,
                "error": {
                    "type": "es_rejected_execution_exception",
                    "reason": "rejected execution of coordinating operation",
                },
            }
        },
    ],
}


def test_a_bulk_response_without_errors_refuses_nothing_not_even_a_missing_delete() -> None:
    assert rejected_items([11, 12], ALL_DONE) == []


def test_each_item_a_bulk_response_refuses_becomes_a_rejected_document_with_its_status_and_reason() -> None:
    # When
    refused = rejected_items([21, 22, 23, 24], SOME_REFUSED)
    # Then
    assert refused == [
        Rejected(
            21,
            400,
            "mapper_parsing_exception: failed to parse field [author_id] of type [long] in document with id '21' "
            "(caused by illegal_argument_exception: Value out of range)",
        ),
        Rejected(24, 429, "es_rejected_execution_exception: rejected execution of coordinating operation"),
    ]


# ---------------------------------------------------------------------- whole requests refused
@pytest.mark.parametrize(
    ("error", "throttling"),
    [
        (TransportError(429, "too_many_requests", {}), True),
        (TransportError(502, "Bad Gateway", {}), True),
        (TransportError(503, "cluster_block_exception", {}), True),
        (TransportError(504, "Gateway Timeout", {}), True),
        (ConnectionTimeout("TIMEOUT", "read timed out", TimeoutError()), True),
        (ConnectionError("N/A", "connection refused", OSError()), True),
        (SSLError("N/A", "certificate verify failed", OSError()), False),
        (RequestError(400, "mapper_parsing_exception", {}), False),
        (AuthorizationException(403, "security_exception", {}), False),
        (NotFoundError(404, "index_not_found_exception", {}), False),
        (TransportError(500, "internal_server_error", {}), False),
    ],
)
def test_only_a_throttled_unavailable_or_unanswered_request_is_worth_again(error: Exception, throttling: bool) -> None:
    assert is_throttling(error) is throttling


class RefusingClient:
    """opensearch-py's client as the index calls it, answering every request with one error."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def bulk(self, **_: Any) -> Mapping[str, Any]:
        raise self.error

    def search(self, **_: Any) -> Mapping[str, Any]:
        raise self.error


def test_a_throttled_write_or_search_raises_a_retryable_error_for_the_caller_to_back_off() -> None:
    # Given a domain that throttles every request
    index = OpenSearchTweetIndex(RefusingClient(TransportError(429, "too_many_requests", {})))  # type: ignore[arg-type]
    # Then a write raises SearchThrottled, a Retryable (the indexer backs off; the API answers 503)
    with pytest.raises(SearchThrottled, match="did not write to tweets") as raised:
        index.put([TweetDocument(1, 2, "hi")])
    assert isinstance(raised.value, Retryable)
    with pytest.raises(SearchThrottled):
        index.search(parse_tweet_query("hi"), PageRequest())


def test_a_request_refused_for_good_is_raised_as_it_is() -> None:
    index = OpenSearchTweetIndex(RefusingClient(AuthorizationException(403, "security_exception", {})))  # type: ignore[arg-type]
    with pytest.raises(AuthorizationException):
        index.delete([1])


def test_writing_nothing_sends_no_request() -> None:
    # Given a client that would refuse any request
    refusing = RefusingClient(TransportError(500, "internal_server_error", {}))
    # Then
    assert OpenSearchTweetIndex(refusing).put([]) == []  # type: ignore[arg-type]
    assert OpenSearchUserIndex(refusing).delete([]) == []  # type: ignore[arg-type]


# ---------------------------------------------------------------------- the mappings
def test_the_text_field_only_splits_the_shared_analysis_terms_on_whitespace() -> None:
    # Then: no lower-casing, no stemming, no other filter; no term split at 255 characters
    analysis = TWEETS_INDEX_BODY["settings"]["analysis"]
    text = TWEETS_INDEX_BODY["mappings"]["properties"]["text"]
    assert text == {"type": "text", "analyzer": "terms"}
    assert analysis["analyzer"]["terms"] == {"type": "custom", "tokenizer": "terms"}
    assert analysis["tokenizer"]["terms"]["type"] == "whitespace"
    assert analysis["tokenizer"]["terms"]["max_token_length"] >= 4000


@pytest.mark.parametrize("body", [TWEETS_INDEX_BODY, USERS_INDEX_BODY])
def test_each_index_is_strict_one_shard_refreshed_every_second_and_carries_its_mapping_version(
    body: dict[str, Any],
) -> None:
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["_meta"] == {"mapping_version": MAPPING_VERSION}
    assert body["settings"]["index"] == {"number_of_shards": 1, "refresh_interval": "1s"}


def test_an_index_of_this_mapping_version_passes_and_one_of_another_is_reported() -> None:
    # Given GET <index>/_mapping answers
    current = {"tweets": {"mappings": {"_meta": {"mapping_version": MAPPING_VERSION}, "properties": {}}}}
    older = {"tweets": {"mappings": {"_meta": {"mapping_version": MAPPING_VERSION - 1}, "properties": {}}}}
    unversioned = {"tweets": {"mappings": {"properties": {"text": {"type": "text"}}}}}
    # Then
    check_mapping_version("tweets", current)
    for mappings in (older, unversioned):
        with pytest.raises(SearchMappingOutdated, match="reindex"):
            check_mapping_version("tweets", mappings)


class Indices:
    """opensearch-py's `client.indices` as ensure_indexes calls it, over a dict of index name -> body."""

    def __init__(self, existing: dict[str, dict[str, Any]], created_meanwhile: dict[str, dict[str, Any]]) -> None:
        self.existing = existing
        self.created_meanwhile = created_meanwhile  # by another process, between our look and our create
        self.calls: list[tuple[str, str]] = []

    def get_mapping(self, index: str) -> Mapping[str, Any]:
        self.calls.append(("get_mapping", index))
        if index not in self.existing:
            raise NotFoundError(404, "index_not_found_exception", {})
        return {index: {"mappings": self.existing[index]["mappings"]}}

    def create(self, index: str, body: dict[str, Any], **_: Any) -> None:
        self.calls.append(("create", index))
        if index in self.created_meanwhile:
            self.existing[index] = self.created_meanwhile.pop(index)
        if index in self.existing:
            raise RequestError(400, "resource_already_exists_exception", {})
        self.existing[index] = body

    def delete(self, index: str, **_: Any) -> None:
        self.calls.append(("delete", index))
        del self.existing[index]


class IndicesClient:
    def __init__(self, indices: Indices) -> None:
        self.indices = indices


OUTDATED = {**TWEETS_INDEX_BODY, "mappings": {**TWEETS_INDEX_BODY["mappings"], "_meta": {"mapping_version": 0}}}


def test_missing_indexes_are_created_with_their_settings_and_mappings() -> None:
    # Given no index
    indices = Indices({}, {})
    # When
    ensure_indexes(IndicesClient(indices), tweets_index="t", users_index="u")  # type: ignore[arg-type]
    # Then
    assert indices.existing == {"t": TWEETS_INDEX_BODY, "u": USERS_INDEX_BODY}


def test_indexes_of_this_mapping_version_are_left_as_they_are() -> None:
    # Given both indexes, current
    indices = Indices({"t": TWEETS_INDEX_BODY, "u": USERS_INDEX_BODY}, {})
    # When
    ensure_indexes(IndicesClient(indices), tweets_index="t", users_index="u")  # type: ignore[arg-type]
    # Then only their mappings were read
    assert indices.calls == [("get_mapping", "t"), ("get_mapping", "u")]


def test_an_index_another_process_creates_meanwhile_is_no_error_once_its_version_is_checked() -> None:
    # Given another indexer creating the tweets index between our look and our create
    indices = Indices({"u": USERS_INDEX_BODY}, {"t": TWEETS_INDEX_BODY})
    # When
    ensure_indexes(IndicesClient(indices), tweets_index="t", users_index="u")  # type: ignore[arg-type]
    # Then its answer (400 resource_already_exists_exception) was success, and its mapping was checked
    assert indices.calls[:3] == [("get_mapping", "t"), ("create", "t"), ("get_mapping", "t")]


def test_an_outdated_index_is_reported_unless_a_reindex_asks_to_replace_it() -> None:
    # Given a tweets index of an older mapping
    indices = Indices({"t": OUTDATED, "u": USERS_INDEX_BODY}, {})
    client = IndicesClient(indices)
    # Then the indexer is told to reindex, and nothing is changed
    with pytest.raises(SearchMappingOutdated, match="make reindex"):
        ensure_indexes(client, tweets_index="t", users_index="u")  # type: ignore[arg-type]
    assert indices.existing["t"] is OUTDATED
    # When a reindex ensures them, replacing what is outdated
    ensure_indexes(client, tweets_index="t", users_index="u", replace_outdated=True)  # type: ignore[arg-type]
    # Then the index was deleted and created with this mapping
    assert ("delete", "t") in indices.calls
    assert indices.existing["t"] == TWEETS_INDEX_BODY


# ---------------------------------------------------------------------- endpoints
@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (AWS_HOST, OpenSearchEndpoint(AWS_HOST, 443, use_ssl=True, signed=True)),  # as DomainEndpoint gives it
        (f"https://{AWS_HOST}/", OpenSearchEndpoint(AWS_HOST, 443, use_ssl=True, signed=True)),
        ("http://localhost:9200", OpenSearchEndpoint("localhost", 9200, use_ssl=False, signed=False)),
        (
            "http://localhost:4566/opensearch/us-east-1/chirp",  # LocalStack's path-style domain URL
            OpenSearchEndpoint(
                "localhost", 4566, use_ssl=False, signed=False, url_prefix="/opensearch/us-east-1/chirp"
            ),
        ),
    ],
)
def test_an_aws_domain_is_signed_and_a_plain_http_opensearch_is_not(
    endpoint: str, expected: OpenSearchEndpoint
) -> None:
    assert parse_endpoint(endpoint) == expected


@pytest.mark.parametrize("endpoint", ["", "  ", "ftp://search.example.com", "https://"])
def test_an_endpoint_that_names_no_opensearch_is_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="endpoint"):
        parse_endpoint(endpoint)


def test_the_region_is_read_from_an_aws_domains_host() -> None:
    assert region_of(AWS_HOST) == "eu-west-1"
    assert region_of("vpc-chirp-abc.ap-southeast-2.es.amazonaws.com") == "ap-southeast-2"
    assert region_of("search-chirp-abc.aos.us-gov-west-1.on.aws") == "us-gov-west-1"  # DomainEndpointV2
    assert region_of("localhost") is None


def test_a_domain_client_signs_with_sigv4_for_es_in_the_domains_region_with_short_timeouts_and_no_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the function's credentials, in another region than the domain's
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # When a client is built (no request is sent)
    client = open_search_client(AWS_HOST)
    # Then its requests are signed for the domain's region and service
    connection = client.transport.get_connection()
    headers = connection.http_auth("POST", f"https://{AWS_HOST}/tweets/_search", b"{}")
    assert "/eu-west-1/es/aws4_request" in headers["Authorization"]
    assert connection.use_ssl and connection.timeout == 2
    assert client.transport.max_retries == 0


def test_a_plain_http_client_is_not_signed() -> None:
    connection = open_search_client("http://localhost:9200").transport.get_connection()
    assert connection.http_auth is None and not connection.use_ssl


# ---------------------------------------------------------------------- which backend an endpoint names
def test_an_embedded_endpoint_names_an_absolute_folder(tmp_path: Path) -> None:
    assert embedded_domain(f"embedded:{tmp_path}") == EmbeddedDomain(tmp_path)
    assert embedded_domain(AWS_HOST) is None
    assert embedded_domain("http://localhost:9200") is None
    with pytest.raises(ValueError, match="absolute"):
        embedded_domain("embedded:data/search")


def test_an_embedded_endpoint_opens_the_embedded_engine_one_folder_per_index(tmp_path: Path) -> None:
    # When
    tweets, users = open_indexes(f"embedded:{tmp_path}")
    # Then
    assert isinstance(tweets, EmbeddedTweetIndex) and isinstance(users, EmbeddedUserIndex)
    assert (tmp_path / "tweets").is_dir() and (tmp_path / "users").is_dir()


def test_any_other_endpoint_opens_opensearch_indexes_of_the_names_given() -> None:
    # When (no request is sent: `ensure` is not asked)
    tweets, users = open_indexes("http://localhost:9200", tweets_index="t1", users_index="u1")
    # Then
    assert isinstance(tweets, OpenSearchTweetIndex) and tweets.name == "t1"
    assert isinstance(users, OpenSearchUserIndex) and users.name == "u1"


def test_a_user_page_cursor_counts_what_earlier_pages_served() -> None:
    # Given a page of 3 of which OpenSearch answered one more
    class Answering:
        def search(self, **_: Any) -> Mapping[str, Any]:
            return {"hits": {"hits": [{"_id": str(user_id), "_score": None} for user_id in (5, 6, 7, 8)]}}

    # When
    page = OpenSearchUserIndex(Answering()).search("a", PageRequest(limit=3, served=3))  # type: ignore[arg-type]
    # Then
    assert list(page.items) == [5, 6, 7]
    assert page.next_cursor is not None and decode_cursor(page.next_cursor) == (7, 6)
