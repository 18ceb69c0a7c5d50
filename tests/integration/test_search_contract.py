"""The search backends' contract (chirp.search.index.TweetIndex, UserIndex): what every backend must answer
for the same documents and queries. It runs on every backend it can reach: the embedded engine (tantivy, in
a temporary folder) always, and OpenSearch when CHIRP_OPENSEARCH_URL names one (a developer's own,
http://localhost:9200, LocalStack's, or an AWS domain's endpoint, signed with the shell's credentials),
each test on fresh indexes of unique names, deleted after it. OpenSearch makes writes searchable within a
second (its refresh interval); the tests refresh its indexes after each write instead of waiting."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import tantivy
from chirp.adapters.search.embedded import EmbeddedTweetIndex, EmbeddedUserIndex
from chirp.adapters.search.opensearch import (
    MAPPING_VERSION,
    TWEETS_INDEX_BODY,
    OpenSearchTweetIndex,
    OpenSearchUserIndex,
    SearchMappingOutdated,
    ensure_indexes,
    open_search_client,
)
from chirp.ids import EPOCH_MS
from chirp.pages import Page, PageRequest, decode_cursor
from chirp.search.index import Rejected, TweetDocument, TweetIndex, UserDocument, UserIndex
from chirp.search.query import TweetQuery, parse_tweet_query, resolve_users

OPENSEARCH_URL = os.environ.get("CHIRP_OPENSEARCH_URL", "")
NEEDS_OPENSEARCH = pytest.mark.skipif(
    not OPENSEARCH_URL,
    reason="no OpenSearch to run the contract against: set CHIRP_OPENSEARCH_URL "
    "(http://localhost:9200, LocalStack's domain URL, or an AWS domain's endpoint)",
)
BACKENDS = ["embedded", pytest.param("opensearch", marks=NEEDS_OPENSEARCH)]


class VisibleTweets:
    """An OpenSearch tweets index refreshed after every write, so that a test searches what it just wrote."""

    def __init__(self, index: OpenSearchTweetIndex) -> None:
        self.index = index

    def put(self, documents: Sequence[TweetDocument]) -> list[Rejected]:
        refused = self.index.put(documents)
        self.index.refresh()
        return refused

    def delete(self, tweet_ids: Sequence[int]) -> list[Rejected]:
        refused = self.index.delete(tweet_ids)
        self.index.refresh()
        return refused

    def delete_by_author(self, author_id: int) -> None:
        self.index.delete_by_author(author_id)
        self.index.refresh()

    def search(self, query: TweetQuery, page: PageRequest) -> Page[int]:
        return self.index.search(query, page)

    def search_scored(self, query: TweetQuery, limit: int) -> list[tuple[int, float]]:
        return self.index.search_scored(query, limit)


class VisibleUsers:
    """An OpenSearch users index refreshed after every write."""

    def __init__(self, index: OpenSearchUserIndex) -> None:
        self.index = index

    def put(self, documents: Sequence[UserDocument]) -> list[Rejected]:
        refused = self.index.put(documents)
        self.index.refresh()
        return refused

    def delete(self, user_ids: Sequence[int]) -> list[Rejected]:
        refused = self.index.delete(user_ids)
        self.index.refresh()
        return refused

    def search(self, prefix: str, page: PageRequest) -> Page[int]:
        return self.index.search(prefix, page)


@pytest.fixture(scope="module")
def opensearch() -> Any:
    return open_search_client(OPENSEARCH_URL)


def fresh_index_names() -> tuple[str, str]:
    run = f"chirp-contract-{uuid.uuid4().hex[:12]}"
    return f"{run}-tweets", f"{run}-users"


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[TweetIndex, UserIndex]]:
    """A fresh, empty tweets index and users index on each backend."""
    if request.param == "embedded":
        yield EmbeddedTweetIndex(tmp_path / "tweets"), EmbeddedUserIndex(tmp_path / "users")
        return
    client = request.getfixturevalue("opensearch")
    tweets_index, users_index = fresh_index_names()
    ensure_indexes(client, tweets_index=tweets_index, users_index=users_index)
    try:
        yield (
            VisibleTweets(OpenSearchTweetIndex(client, tweets_index)),
            VisibleUsers(OpenSearchUserIndex(client, users_index)),
        )
    finally:
        client.indices.delete(index=f"{tweets_index},{users_index}", ignore_unavailable=True)


DAY_MS = 86_400_000


def tweet_id_on(day: str, n: int) -> int:
    """A Snowflake id minted on that day (UTC), the n-th of it."""
    ms = int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp() * 1000) + n
    return (ms - EPOCH_MS) << 22


USER_IDS = {"ada": 1, "bob": 2, "cy": 3}
DOCUMENTS = [
    TweetDocument(tweet_id_on("2026-11-01", 1), 1, "Serverless Python on a café terrace #Serverless", ("serverless",)),
    TweetDocument(tweet_id_on("2026-11-02", 1), 2, "東京都に行きます 🎉", ()),
    TweetDocument(tweet_id_on("2026-11-03", 1), 1, "@bob the hot dogs were great", (), mentions=("bob",)),
    TweetDocument(
        tweet_id_on("2026-11-04", 1), 2, "@ada a dog photo", (), mentions=("ada",), reply_to_user_id=1, has_media=True
    ),
    TweetDocument(tweet_id_on("2026-11-05", 1), 3, "buying $AAPL, not dogs", (), cashtags=("aapl",), lang="en"),
]


@pytest.fixture
def index(backend: tuple[TweetIndex, UserIndex]) -> TweetIndex:
    tweets, _ = backend
    assert tweets.put(DOCUMENTS) == []
    return tweets


def query_of(text: str) -> TweetQuery:
    resolved = resolve_users(parse_tweet_query(text), USER_IDS.get)
    assert resolved is not None, f"{text} names a user the documents do not have"
    return resolved


def found(index: TweetIndex, text: str, limit: int = 20) -> list[int]:
    return list(index.search(query_of(text), PageRequest(limit=limit)).items)


def ids(*positions: int) -> list[int]:
    """The documents' ids at these positions, newest first."""
    return sorted((DOCUMENTS[p].tweet_id for p in positions), reverse=True)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("python", ids(0)),
        ("CAFE", ids(0)),
        ("serverless", ids(0)),  # the word, and the hashtag's text
        ("#serverless", ids(0)),
        ("京都", ids(1)),
        ("🎉", ids(1)),
        ('"hot dogs"', ids(2)),
        ('"dogs hot"', []),
        ("dogs", ids(2, 4)),
        ("dogs -hot", ids(4)),
        ('dogs -"hot dogs"', ids(4)),
        ("@bob", ids(2)),
        ("$aapl", ids(4)),
        ("from:ada", ids(0, 2)),
        ("from:ada dogs", ids(2)),
        ("to:ada", ids(3)),
        ("dog has:media", ids(3)),
        ("dogs lang:en", ids(4)),
        ("from:ada since:2026-11-02", ids(2)),
        ("from:ada until:2026-11-03", ids(0)),
        ("nothing-like-this", []),
    ],
)
def test_a_query_finds_exactly_the_tweets_it_describes_newest_first(
    index: TweetIndex, query: str, expected: list[int]
) -> None:
    assert found(index, query) == expected


def test_pages_go_newest_first_below_the_cursor(index: TweetIndex) -> None:
    query = query_of("from:ada")
    first = index.search(query, PageRequest(limit=1))
    assert list(first.items) == ids(2) and first.next_cursor is not None
    second = index.search(query, PageRequest(limit=1, before=first.items[-1]))
    assert list(second.items) == ids(0) and second.next_cursor is None


def test_a_deleted_tweet_is_not_found_and_a_replaced_one_is_found_by_its_new_text(index: TweetIndex) -> None:
    index.delete([DOCUMENTS[2].tweet_id, 12345])  # an id never indexed is no error
    index.put([TweetDocument(DOCUMENTS[4].tweet_id, 3, "selling everything", ())])
    assert found(index, "dogs") == []
    assert found(index, "selling") == ids(4)


def test_a_valid_write_is_refused_for_no_document(index: TweetIndex) -> None:
    # Given the documents indexed (the fixture checked that putting them refused none)
    # When one is put again, and tweets are deleted, one of which was never indexed
    replaced = index.put([TweetDocument(DOCUMENTS[0].tweet_id, 1, "Serverless Python, again", ("serverless",))])
    deleted = index.delete([DOCUMENTS[1].tweet_id, 12345])
    # Then no document was refused
    assert replaced == [] and deleted == []
    assert found(index, "again") == ids(0)


def test_an_authors_tweets_go_at_once_and_no_one_elses(index: TweetIndex) -> None:
    index.delete_by_author(1)
    assert found(index, "from:ada") == []
    assert found(index, "dogs") == ids(4)
    assert found(index, "to:ada") == ids(3)  # bob's reply to ada stays: it is bob's


def test_an_unresolved_from_is_refused_rather_than_matching_nothing_silently(index: TweetIndex) -> None:
    with pytest.raises(ValueError, match="resolve"):
        index.search(parse_tweet_query("from:ada"), PageRequest())


def test_relevance_scores_the_better_text_match_higher(index: TweetIndex) -> None:
    index.put(
        [
            TweetDocument(tweet_id_on("2026-11-06", 1), 3, "dogs dogs dogs", ()),
            TweetDocument(tweet_id_on("2026-11-06", 2), 3, "cats", ()),
        ]
    )
    scored = index.search_scored(query_of("dogs"), limit=10)
    assert scored[0][0] == tweet_id_on("2026-11-06", 1)
    assert sorted(tweet_id for tweet_id, _ in scored) == sorted([*ids(2, 4), tweet_id_on("2026-11-06", 1)])
    assert all(score > 0 for _, score in scored)
    assert len(index.search_scored(query_of("dogs"), limit=2)) == 2


def test_the_embedded_index_survives_a_reopen(tmp_path: Path) -> None:
    EmbeddedTweetIndex(tmp_path / "tweets").put(DOCUMENTS[:1])
    assert found(EmbeddedTweetIndex(tmp_path / "tweets"), "python") == ids(0)


# ---------------------------------------------------------------- users: prefix autocomplete

USERS = [
    UserDocument(1, "ada", "Ada Lovelace", followers_count=50),
    UserDocument(2, "adam", "Adam Smith", followers_count=900),
    UserDocument(3, "bob", "Bob Adams", followers_count=10),
    UserDocument(4, "zoe", "Zoë Ádámsdóttir", followers_count=5),
    UserDocument(5, "carol", "Carol", followers_count=1_000),
]


@pytest.fixture
def users(backend: tuple[TweetIndex, UserIndex]) -> UserIndex:
    _, engine = backend
    assert engine.put(USERS) == []
    return engine


def prefix_search(users: UserIndex, prefix: str, limit: int = 20) -> list[int]:
    return list(users.search(prefix, PageRequest(limit=limit)).items)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("a", [2, 1, 3, 4]),  # every username or name word starting with "a", most followed first
        ("ad", [2, 1, 3, 4]),
        ("ada", [1, 2, 3, 4]),  # the user whose username it is first
        ("@ADA", [1, 2, 3, 4]),
        ("adams", [3, 4]),  # a name's word; accents folded
        ("lovelace", [1]),
        ("carol", [5]),
        ("x", []),
        ("   ", []),
    ],
)
def test_a_prefix_finds_usernames_and_name_words_exact_match_first_then_by_followers(
    users: UserIndex, prefix: str, expected: list[int]
) -> None:
    assert prefix_search(users, prefix) == expected


def test_user_pages_follow_the_ranking(users: UserIndex) -> None:
    first = users.search("a", PageRequest(limit=3))
    assert list(first.items) == [2, 1, 3] and first.next_cursor is not None
    _, served = decode_cursor(first.next_cursor)
    second = users.search("a", PageRequest(limit=3, served=served))
    assert list(second.items) == [4] and second.next_cursor is None


def test_a_renamed_user_is_found_by_the_new_name_only_and_a_deleted_one_not_at_all(users: UserIndex) -> None:
    users.put([UserDocument(5, "carol", "Caroline Herschel", followers_count=1_000)])
    users.delete([1])
    assert prefix_search(users, "hersch") == [5]
    assert prefix_search(users, "lovelace") == []
    assert prefix_search(users, "ada") == [2, 3, 4]


def test_a_user_write_is_refused_for_no_document(users: UserIndex) -> None:
    # Given the users indexed (the fixture checked that putting them refused none)
    # When one is renamed, and users are deleted, one of which was never indexed
    renamed = users.put([UserDocument(3, "bob", "Robert Adams", followers_count=11)])
    deleted = users.delete([4, 999])
    # Then no document was refused
    assert renamed == [] and deleted == []
    assert prefix_search(users, "robert") == [3]


def test_an_embedded_write_waits_while_another_writer_holds_the_index_then_goes_through(tmp_path: Path) -> None:
    # Given another writer (another process, on AWS's side of things: another sandbox) holding the index
    engine = EmbeddedTweetIndex(tmp_path / "tweets")
    holder = tantivy.Index.open(str(tmp_path / "tweets")).writer(15_000_000, 1)

    def release() -> None:
        holder.commit()
        holder.wait_merging_threads()  # the writer is gone, and its lock with it

    releaser = threading.Timer(0.3, release)
    releaser.start()
    # When a document is put meanwhile
    engine.put(DOCUMENTS[:1])
    releaser.join()
    # Then it was written once the other writer let go
    assert found(engine, "python") == ids(0)


# ---------------------------------------------------------------- OpenSearch: the indexes and their mapping


@NEEDS_OPENSEARCH
def test_ensuring_the_indexes_twice_is_no_error_and_keeps_what_they_hold(opensearch: Any) -> None:
    # Given indexes ensured, holding a tweet
    tweets_index, users_index = fresh_index_names()
    try:
        ensure_indexes(opensearch, tweets_index=tweets_index, users_index=users_index)
        tweets = VisibleTweets(OpenSearchTweetIndex(opensearch, tweets_index))
        tweets.put(DOCUMENTS[:1])
        # When they are ensured again (another indexer starting)
        ensure_indexes(opensearch, tweets_index=tweets_index, users_index=users_index)
        # Then the tweet is still there
        assert found(tweets, "python") == ids(0)
    finally:
        opensearch.indices.delete(index=f"{tweets_index},{users_index}", ignore_unavailable=True)


@NEEDS_OPENSEARCH
def test_an_index_of_another_mapping_version_is_reported_not_written_into_until_a_reindex_replaces_it(
    opensearch: Any,
) -> None:
    # Given a tweets index created by an older mapping, holding a tweet
    tweets_index, users_index = fresh_index_names()
    older = {**TWEETS_INDEX_BODY, "mappings": {**TWEETS_INDEX_BODY["mappings"], "_meta": {"mapping_version": 0}}}
    try:
        opensearch.indices.create(index=tweets_index, body=older)
        VisibleTweets(OpenSearchTweetIndex(opensearch, tweets_index)).put(DOCUMENTS[:1])
        # When the indexes are ensured, Then the outdated one is reported: a reindex is needed
        with pytest.raises(SearchMappingOutdated, match=f"mapping version 0.*version {MAPPING_VERSION}"):
            ensure_indexes(opensearch, tweets_index=tweets_index, users_index=users_index)
        # When a reindex ensures them, replacing what is outdated
        ensure_indexes(opensearch, tweets_index=tweets_index, users_index=users_index, replace_outdated=True)
        # Then the index has this mapping, empty for the reindex to fill
        ensure_indexes(opensearch, tweets_index=tweets_index, users_index=users_index)
        assert found(VisibleTweets(OpenSearchTweetIndex(opensearch, tweets_index)), "python") == []
    finally:
        opensearch.indices.delete(index=f"{tweets_index},{users_index}", ignore_unavailable=True)
