"""The tweet repository on moto: deleting (once), batch reads, the author index, and author_tweets (the
author's live tweet ids, written with the tweet and read consistently)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb.models import TOP_OF_PARTITION
from chirp.errors import NotFound
from chirp.ids import id_timestamp_ms, new_id
from chirp.pages import PageRequest
from chirp.tweets.models import Tweet
from chirp.users.models import NewAccount, User
from chirp.wiring.api import ApiDependencies, dependencies


@pytest.fixture
def repos(aws: dict[str, str]) -> ApiDependencies:
    return dependencies()


@pytest.fixture
def author(repos: ApiDependencies) -> int:
    user = User(id=new_id(), username="alice", name="alice", created_at_ms=1_767_225_600_000)
    repos.users.create(NewAccount(user=user, email="alice@example.com", password_hash="h"))
    return user.id


def add_tweet(repos: ApiDependencies, author: int, text: str) -> Tweet:
    tweet_id = new_id()
    tweet = Tweet(id=tweet_id, author_id=author, text=text, created_at_ms=id_timestamp_ms(tweet_id))
    repos.tweets.create(tweet)
    return tweet


def author_tweet_ids(author: int) -> list[int]:
    """The tweet ids the author_tweets table holds for the author, read directly, oldest first
    (below the author's recent-tweets item, at the top of the partition)."""
    items = boto3.client("dynamodb").query(
        TableName=dependencies().settings.author_tweets_table,
        KeyConditionExpression="author_id = :author AND tweet_id < :top",
        ExpressionAttributeValues={":author": {"N": str(author)}, ":top": {"N": str(TOP_OF_PARTITION)}},
        ConsistentRead=True,
    )["Items"]
    return [int(item["tweet_id"]["N"]) for item in items]


def tweet_count(repos: ApiDependencies, user_id: int) -> int:
    user = repos.users.get(user_id)
    assert user is not None
    return user.metrics.tweet_count


def test_create_then_get_answers_the_tweet(repos: ApiDependencies, author: int) -> None:
    # Given
    tweet = add_tweet(repos, author, "hello")
    # When
    found = repos.tweets.get(tweet.id)
    # Then
    assert found == tweet


def test_delete_answers_true_then_false_and_uncounts_once(repos: ApiDependencies, author: int) -> None:
    # Given
    add_tweet(repos, author, "stays")
    tweet = add_tweet(repos, author, "goes")
    # When
    first = repos.tweets.delete(tweet)
    second = repos.tweets.delete(tweet)
    # Then
    assert (first, second) == (True, False)
    assert repos.tweets.get(tweet.id) is None
    assert tweet_count(repos, author) == 1


def test_delete_refuses_a_tweet_whose_author_does_not_match(repos: ApiDependencies, author: int) -> None:
    # Given a tweet, and a copy of it that names another author
    tweet = add_tweet(repos, author, "mine")
    impostor = Tweet(id=tweet.id, author_id=author + 1, text=tweet.text, created_at_ms=tweet.created_at_ms)
    # When
    deleted = repos.tweets.delete(impostor)
    # Then
    assert not deleted
    assert repos.tweets.get(tweet.id) == tweet
    assert tweet_count(repos, author) == 1
    assert author_tweet_ids(author) == [tweet.id]


def test_a_pages_tweets_are_those_that_exist_once_each(repos: ApiDependencies, author: int) -> None:
    # Given
    one, two = add_tweet(repos, author, "one"), add_tweet(repos, author, "two")
    # When a page asks for them (one twice) and for one that does not exist
    found = repos.timelines.page_contents([two.id, 42, one.id, two.id], [], []).tweets
    # Then
    assert found == {one.id: one, two.id: two}
    assert repos.timelines.page_contents([], [], []).tweets == {}


def test_by_author_pages_newest_first_below_the_cursor_id(repos: ApiDependencies, author: int) -> None:
    # Given
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(5)]
    # When
    page = repos.tweets.by_author(author, PageRequest(limit=2, before=tweets[3].id))
    # Then
    assert [tweet.id for tweet in page.items] == [tweets[2].id, tweets[1].id]
    assert page.next_cursor is not None


def test_create_and_delete_write_and_delete_the_author_tweets_row(repos: ApiDependencies, author: int) -> None:
    # Given two tweets
    kept, deleted = add_tweet(repos, author, "stays"), add_tweet(repos, author, "goes")
    # Then author_tweets holds both
    assert author_tweet_ids(author) == [kept.id, deleted.id]
    # When one is deleted
    repos.tweets.delete(deleted)
    # Then its row went with it, in the same transaction
    assert author_tweet_ids(author) == [kept.id]


def test_a_tweet_refused_for_a_missing_author_writes_no_author_tweets_row(repos: ApiDependencies) -> None:
    # Given a tweet by nobody
    tweet_id = new_id()
    tweet = Tweet(id=tweet_id, author_id=4242, text="ghost", created_at_ms=id_timestamp_ms(tweet_id))
    # When it is created
    with pytest.raises(NotFound, match="4242"):
        repos.tweets.create(tweet)
    # Then no row says it exists
    assert author_tweet_ids(4242) == []


def test_live_ids_pages_newest_first_below_the_cursor_id(repos: ApiDependencies, author: int) -> None:
    # Given five tweets
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(5)]
    # When a page of two below the fourth is read, then the last page
    page = repos.tweets.live_ids(author, PageRequest(limit=2, before=tweets[3].id))
    last = repos.tweets.live_ids(author, PageRequest(limit=2, before=tweets[1].id))
    # Then they hold the ids newest first, and only the first has a cursor
    assert list(page.items) == [tweets[2].id, tweets[1].id]
    assert page.next_cursor is not None
    assert (list(last.items), last.next_cursor) == ([tweets[0].id], None)


def test_live_ids_leave_out_a_deleted_tweet_at_once(repos: ApiDependencies, author: int) -> None:
    # Given three tweets, the middle one deleted
    older, middle, newer = (add_tweet(repos, author, f"tweet {i}") for i in range(3))
    repos.tweets.delete(middle)
    # When the author's live ids are read
    page = repos.tweets.live_ids(author, PageRequest(limit=10))
    # Then the deleted one is not among them
    assert (list(page.items), page.next_cursor) == ([newer.id, older.id], None)


def test_live_ids_query_author_tweets_with_a_consistent_read(
    repos: ApiDependencies, author: int, sent_requests: list[tuple[str, dict[str, Any]]]
) -> None:
    # Given every request PynamoDB sends recorded (once the author exists)
    sent_requests.clear()
    # When the author's live ids are read
    repos.tweets.live_ids(author, PageRequest(limit=10))
    # Then that is one Query of author_tweets, strongly consistent (unlike the author index, which lags deletes)
    assert [(name, kwargs["TableName"], kwargs.get("ConsistentRead")) for name, kwargs in sent_requests] == [
        ("Query", dependencies().settings.author_tweets_table, True)
    ]
