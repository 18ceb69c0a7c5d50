"""The search indexer's batch handling (chirp.search.indexing): a batch of events folded into index writes,
throttled documents retried alone with backoff within the invocation's time, refused ones failing exactly
the messages they came from. The backends here are in-memory stand-ins that refuse what a test tells them to
(the embedded and OpenSearch backends themselves are tested by the contract suite)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pytest
from chirp.errors import Retryable
from chirp.events.schema import (
    DomainEvent,
    ProfileChanged,
    TweetDeleted,
    TweetPosted,
    UserDeleted,
    UserFollowed,
    UserRegistered,
)
from chirp.media.kinds import MediaKind
from chirp.media.models import Media
from chirp.search import indexing
from chirp.search.index import Rejected, TweetDocument, UserDocument
from chirp.search.indexing import IndexChanges, IndexOutcome, apply_changes
from chirp.tweets.models import Tweet
from chirp.users.models import PublicMetrics, User


@dataclass
class MemoryIndex:
    """Keeps documents by id; `refuse` maps an id to the statuses its next writes are answered with."""

    documents: dict[int, object] = field(default_factory=dict)
    refuse: dict[int, list[int]] = field(default_factory=dict)
    throttle_requests: int = 0  # the next N whole requests raise (a 429 on the request)
    writes: list[list[int]] = field(default_factory=list)
    authors_deleted: list[int] = field(default_factory=list)

    def _write(self, ids: list[int], apply: Iterable[tuple[int, object | None]]) -> list[Rejected]:
        self.writes.append(ids)
        if self.throttle_requests:
            self.throttle_requests -= 1
            raise Retryable("429 Too Many Requests")
        refused = []
        for item_id, document in apply:
            statuses = self.refuse.get(item_id)
            if statuses:
                refused.append(Rejected(item_id, statuses.pop(0), "refused by the test"))
            elif document is None:
                self.documents.pop(item_id, None)
            else:
                self.documents[item_id] = document
        return refused

    def put(self, documents: Sequence[TweetDocument | UserDocument]) -> list[Rejected]:
        pairs = [(_id_of(d), d) for d in documents]
        return self._write([i for i, _ in pairs], pairs)

    def delete(self, ids: Sequence[int]) -> list[Rejected]:
        return self._write(list(ids), [(i, None) for i in ids])

    def delete_by_author(self, author_id: int) -> None:
        self.authors_deleted.append(author_id)
        for tweet_id, document in list(self.documents.items()):
            if isinstance(document, TweetDocument) and document.author_id == author_id:
                del self.documents[tweet_id]


def _id_of(document: TweetDocument | UserDocument) -> int:
    return document.tweet_id if isinstance(document, TweetDocument) else document.user_id


@dataclass
class MemoryUsers:
    users: dict[int, User]

    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]:
        return {i: self.users[i] for i in user_ids if i in self.users}


def posted(
    tweet_id: int, author_id: int = 1, text: str = "hello #chirp @bob", reply_to: int | None = None
) -> TweetPosted:
    return TweetPosted(
        id=f"e{tweet_id}",
        time_ms=0,
        tweet_id=tweet_id,
        author_id=author_id,
        text=text,
        entities={"hashtags": [{"start": 6, "end": 12, "tag": "chirp"}], "mentions": [{"username": "bob"}]},
        in_reply_to_user_id=reply_to,
    )


USERS = {
    1: User(id=1, username="ada", name="Ada", created_at_ms=0, metrics=PublicMetrics(followers_count=3)),
    2: User(id=2, username="bob", name="Bob", created_at_ms=0, metrics=PublicMetrics(followers_count=7)),
}


def run(
    events: list[tuple[str, DomainEvent]], tweets: MemoryIndex, users: MemoryIndex, remaining_ms: int = 30_000
) -> IndexOutcome:
    changes = IndexChanges()
    for message_id, event in events:
        changes.add(message_id, event)
    return apply_changes(changes, tweets, users, MemoryUsers(dict(USERS)), lambda: remaining_ms)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_sleeping(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    pauses: list[float] = []
    monkeypatch.setattr(indexing.time, "sleep", pauses.append)
    return pauses


def test_a_batch_is_one_bulk_write_per_index_and_the_last_word_on_a_tweet_wins() -> None:
    tweets, users = MemoryIndex(), MemoryIndex()
    # Given a tweet posted then deleted, another posted, and two events about one user
    outcome = run(
        [
            ("m1", posted(10)),
            ("m2", TweetDeleted(id="d", time_ms=0, tweet_id=10, author_id=1)),
            ("m3", posted(11, reply_to=2)),
            ("m4", UserRegistered(id="u", time_ms=0, user_id=2, username="bob", name="Bob")),
            ("m5", UserFollowed(id="f", time_ms=0, follower_id=1, followee_id=2)),
        ],
        tweets,
        users,
    )
    # Then the indexes hold what the tables say now, written in one request each way
    assert set(tweets.documents) == {11}
    document = tweets.documents[11]
    assert isinstance(document, TweetDocument)
    assert (document.hashtags, document.mentions, document.reply_to_user_id) == (("chirp",), ("bob",), 2)
    assert users.documents == {2: UserDocument(2, "bob", "Bob", 7)}  # read from the users table: 7 followers
    assert tweets.writes == [[11], [10]] and users.writes == [[2]]
    assert outcome.failed_messages == set()


def test_a_tweet_with_media_is_indexed_as_having_media_so_has_media_finds_it() -> None:
    tweets = MemoryIndex()
    # Given a tweet posted with two media and one without
    with_media = posted(13).model_copy(update={"media_ids": [31, 32]})
    # When
    run([("m1", with_media), ("m2", posted(14))], tweets, MemoryIndex())
    # Then
    documents = tweets.documents
    assert isinstance(documents[13], TweetDocument) and documents[13].has_media
    assert isinstance(documents[14], TweetDocument) and not documents[14].has_media


def test_a_stored_tweet_with_media_is_reindexed_as_having_media() -> None:
    # Given a stored tweet that carries a photo
    photo = Media(id=31, owner_id=1, kind=MediaKind.IMAGE, content_type="image/png", size=10, created_at_ms=0)
    tweet = Tweet(id=15, author_id=1, text="", created_at_ms=0, media=(photo,))
    # When
    document = indexing.document_of_tweet(tweet)
    # Then
    assert document is not None and document.has_media


def test_a_reply_to_oneself_is_not_indexed_as_a_reply_to_someone() -> None:
    tweets = MemoryIndex()
    run([("m1", posted(12, author_id=1, reply_to=1))], tweets, MemoryIndex())
    document = tweets.documents[12]
    assert isinstance(document, TweetDocument) and document.reply_to_user_id is None


def test_throttled_documents_are_written_again_alone_after_a_pause(no_sleeping: list[float]) -> None:
    # Given a backend that throttles one of two documents twice
    tweets = MemoryIndex(refuse={21: [429, 429]})
    outcome = run([("m1", posted(20)), ("m2", posted(21))], tweets, MemoryIndex())
    # Then that document alone is tried again, after growing pauses, and both end up indexed
    assert tweets.writes == [[20, 21], [21], [21]]
    assert no_sleeping == [0.2, 0.4]
    assert set(tweets.documents) == {20, 21} and outcome.failed_messages == set()


def test_a_throttled_request_is_retried_whole() -> None:
    tweets = MemoryIndex(throttle_requests=1)
    outcome = run([("m1", posted(20)), ("m2", posted(21))], tweets, MemoryIndex())
    assert tweets.writes == [[20, 21], [20, 21]] and outcome.failed_messages == set()


def test_a_refused_document_fails_only_the_messages_it_came_from() -> None:
    # Given a backend that refuses one document for good (a 400: it cannot be indexed as it is)
    tweets = MemoryIndex(refuse={31: [400]})
    outcome = run([("m1", posted(30)), ("m2", posted(31)), ("m3", posted(31))], tweets, MemoryIndex())
    # Then it is not tried again in this invocation, and both messages about it fail (the queue delivers
    # them again, then moves them to the DLQ); the other is indexed
    assert tweets.writes == [[30, 31]]
    assert outcome.failed_messages == {"m2", "m3"}
    assert [(r.id, r.status) for r in outcome.rejections] == [(31, 400)]


def test_throttling_stops_being_retried_when_the_invocation_runs_out_of_time(no_sleeping: list[float]) -> None:
    tweets = MemoryIndex(refuse={40: [429] * 100})
    outcome = run([("m1", posted(40))], tweets, MemoryIndex(), remaining_ms=indexing.RESERVED_MS + 100)
    assert tweets.writes == [[40]] and no_sleeping == []
    assert outcome.failed_messages == {"m1"}


def test_a_user_is_indexed_as_the_table_has_it_and_one_gone_from_it_is_deleted() -> None:
    users = MemoryIndex(documents={9: UserDocument(9, "old", "Old")})
    run(
        [
            ("m1", ProfileChanged(**_profile(1, "ada_l", "Ada L"))),  # the table says ada: events are reminders
            ("m2", UserFollowed(id="f", time_ms=0, follower_id=2, followee_id=9)),  # 9 is not in the table
        ],
        MemoryIndex(),
        users,
    )
    assert users.documents == {1: UserDocument(1, "ada", "Ada", 3)}


def test_a_deleted_account_takes_its_tweets_and_its_user_out() -> None:
    tweets = MemoryIndex(documents={50: TweetDocument(50, 1, "mine"), 51: TweetDocument(51, 2, "bob's")})
    users = MemoryIndex(documents={1: UserDocument(1, "ada", "Ada")})
    outcome = run([("m1", UserDeleted(id="x", time_ms=0, user_id=1, username="ada"))], tweets, users)
    assert set(tweets.documents) == {51} and users.documents == {}
    assert tweets.authors_deleted == [1] and outcome.failed_messages == set()


def _profile(user_id: int, username: str, name: str) -> dict[str, object]:
    return {
        "id": "p",
        "time_ms": 0,
        "user_id": user_id,
        "username": username,
        "name": name,
        "description": "",
        "location": "",
        "url": "",
        "changed": ["username"],
    }
