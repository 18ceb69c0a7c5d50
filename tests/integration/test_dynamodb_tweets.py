"""The tweet repository on moto: deleting (once), batch reads and the author index."""

from __future__ import annotations

import pytest
from chirp.ids import id_timestamp_ms, new_id
from chirp.pages import PageRequest
from chirp.tweets.models import Tweet
from chirp.users.models import NewAccount, User
from chirp.wiring import Repositories, repositories


@pytest.fixture
def repos(aws: dict[str, str]) -> Repositories:
    return repositories()


@pytest.fixture
def author(repos: Repositories) -> int:
    user = User(id=new_id(), username="alice", name="alice", created_at_ms=1_767_225_600_000)
    repos.users.create(NewAccount(user=user, email="alice@example.com", password_hash="h"))
    return user.id


def add_tweet(repos: Repositories, author: int, text: str) -> Tweet:
    tweet_id = new_id()
    tweet = Tweet(id=tweet_id, author_id=author, text=text, created_at_ms=id_timestamp_ms(tweet_id))
    repos.tweets.create(tweet)
    return tweet


def tweet_count(repos: Repositories, user_id: int) -> int:
    user = repos.users.get(user_id)
    assert user is not None
    return user.metrics.tweet_count


def test_create_then_get_answers_the_tweet(repos: Repositories, author: int) -> None:
    # Given
    tweet = add_tweet(repos, author, "hello")
    # When
    found = repos.tweets.get(tweet.id)
    # Then
    assert found == tweet


def test_delete_answers_true_then_false_and_uncounts_once(repos: Repositories, author: int) -> None:
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


def test_delete_refuses_a_tweet_whose_author_does_not_match(repos: Repositories, author: int) -> None:
    # Given a tweet, and a copy of it that names another author
    tweet = add_tweet(repos, author, "mine")
    impostor = Tweet(id=tweet.id, author_id=author + 1, text=tweet.text, created_at_ms=tweet.created_at_ms)
    # When
    deleted = repos.tweets.delete(impostor)
    # Then
    assert not deleted
    assert repos.tweets.get(tweet.id) == tweet
    assert tweet_count(repos, author) == 1


def test_get_many_answers_the_tweets_that_exist_once_each(repos: Repositories, author: int) -> None:
    # Given
    one, two = add_tweet(repos, author, "one"), add_tweet(repos, author, "two")
    # When
    found = repos.tweets.get_many([two.id, 42, one.id, two.id])
    # Then
    assert found == {one.id: one, two.id: two}
    assert repos.tweets.get_many([]) == {}


def test_by_author_pages_newest_first_below_the_cursor_id(repos: Repositories, author: int) -> None:
    # Given
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(5)]
    # When
    page = repos.tweets.by_author(author, PageRequest(limit=2, before=tweets[3].id))
    # Then
    assert [tweet.id for tweet in page.items] == [tweets[2].id, tweets[1].id]
    assert page.next_cursor is not None
