"""Idempotency-Key on POST /api/tweets and POST /api/media (functions/api/routes/idempotency.py), on moto with
the API's IAM policies: a retry answers the first answer and creates nothing again."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
from chirp.tweets.models import Tweet

from tests.integration.api_client import Account, Api, Reply, assert_error


def post(api: Api, account: Account, text: str, key: str | None) -> Reply:
    headers = {"Idempotency-Key": key} if key is not None else {}
    return api.post("/api/tweets", json_body={"text": text}, token=account.access_token, headers=headers)


def own_tweets(api: Api, account: Account) -> list[dict[str, Any]]:
    reply = api.get(f"/api/users/{account.id}/tweets", token=account.access_token)
    assert reply.status == 200, reply.body
    tweets: list[dict[str, Any]] = reply.json()["data"]
    return tweets


def test_a_retried_post_answers_the_first_answer_and_makes_one_tweet(api: Api, alice: Account) -> None:
    # Given a post whose answer the client did not get
    first = post(api, alice, "hello once", "compose-1")
    assert first.status == 201, first.body
    # When it sends it again with the same key
    retried = post(api, alice, "hello once", "compose-1")
    # Then the same status and body, and one tweet
    assert retried.status == 201
    assert retried.json() == first.json()
    assert [tweet["id"] for tweet in own_tweets(api, alice)] == [first.json()["data"]["id"]]
    assert api.metrics(alice.id)["tweet_count"] == 1


def test_a_retry_after_the_first_attempts_sandbox_died_finds_its_tweet_rather_than_posting_again(
    api: Api, alice: Account, aws: dict[str, str]
) -> None:
    # Given a post whose sandbox was killed after its tweet was written: its Powertools record, left in progress,
    # has expired (removed here: what its expiry amounts to), so a retry runs the view again
    first = post(api, alice, "written, then killed", "compose-killed")
    assert first.status == 201, first.body
    table = boto3.resource("dynamodb").Table(aws["IDEMPOTENCY_TABLE"])
    records = [item for item in table.scan()["Items"] if not str(item["id"]).startswith("TWEET#")]
    assert len(records) == 1
    table.delete_item(Key={"id": records[0]["id"]})
    # When the client retries with the same key
    retried = post(api, alice, "written, then killed", "compose-killed")
    # Then it gets the tweet the first attempt made, and there is still one tweet, counted once
    assert retried.status == 201, retried.body
    assert retried.json()["data"]["id"] == first.json()["data"]["id"]
    assert [tweet["id"] for tweet in own_tweets(api, alice)] == [first.json()["data"]["id"]]
    assert api.metrics(alice.id)["tweet_count"] == 1


def test_a_key_sent_while_its_first_attempt_is_answered_is_a_409_and_makes_no_second_tweet(
    api: Api, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a retry that arrives while the first attempt is writing its tweet
    racing: list[Reply] = []
    create = DynamoTweetRepository.create

    def create_while_retried(self: DynamoTweetRepository, tweet: Tweet, idempotency_key: str | None = None) -> None:
        if not racing:
            racing.append(post(api, alice, "racing", "compose-2"))
        create(self, tweet, idempotency_key)

    monkeypatch.setattr(DynamoTweetRepository, "create", create_while_retried)
    # When
    first = post(api, alice, "racing", "compose-2")
    # Then the racing retry was told to come back (409, Retry-After), the first made the tweet, and a later
    # retry answers it
    assert first.status == 201, first.body
    assert racing[0].status == 409
    assert racing[0].headers["Retry-After"] == "1"
    assert_error(racing[0], 409, "conflict", "being answered")
    assert post(api, alice, "racing", "compose-2").json() == first.json()
    assert len(own_tweets(api, alice)) == 1


def test_the_same_key_with_another_body_is_a_422_and_posts_nothing(api: Api, alice: Account) -> None:
    # Given
    first = post(api, alice, "the first text", "compose-3")
    assert first.status == 201, first.body
    # When
    other = post(api, alice, "another text", "compose-3")
    # Then
    assert_error(other, 422, "invalid_input", "compose-3", "another request")
    assert [tweet["text"] for tweet in own_tweets(api, alice)] == ["the first text"]


@pytest.mark.parametrize("key", ["", "a" * 65, "has space", "dot.ted", "ünï"])
def test_a_malformed_key_is_a_400_and_posts_nothing(api: Api, alice: Account, key: str) -> None:
    # When
    reply = post(api, alice, "hello", key)
    # Then
    assert_error(reply, 400, "malformed_request", "Idempotency-Key")
    assert own_tweets(api, alice) == []


def test_without_a_key_each_post_is_a_tweet(api: Api, alice: Account) -> None:
    # When the same text is posted twice without a key
    first, second = post(api, alice, "same", None), post(api, alice, "same", None)
    # Then two tweets, as before keys existed
    assert first.status == second.status == 201
    assert first.json()["data"]["id"] != second.json()["data"]["id"]
    assert len(own_tweets(api, alice)) == 2


def test_a_key_is_the_callers_own(api: Api, alice: Account, bob: Account) -> None:
    # When two users send the same key
    mine, theirs = post(api, alice, "same key", "k-1"), post(api, bob, "same key", "k-1")
    # Then each posts its own tweet
    assert mine.status == theirs.status == 201
    assert mine.json()["data"]["author_id"] == alice.id
    assert theirs.json()["data"]["author_id"] == bob.id


def test_a_failed_attempt_leaves_its_key_free_for_the_corrected_request(api: Api, alice: Account) -> None:
    # Given an attempt refused (a tweet without text)
    refused = post(api, alice, "", "compose-4")
    assert refused.status == 422, refused.body
    # When the client corrects it and sends it with the same key
    corrected = post(api, alice, "now with text", "compose-4")
    # Then it is posted
    assert corrected.status == 201, corrected.body
    assert [tweet["text"] for tweet in own_tweets(api, alice)] == ["now with text"]


def test_a_retried_upload_request_answers_the_same_media(api: Api, alice: Account) -> None:
    # Given
    body = {"media_type": "image/png", "total_bytes": 1000}
    headers = {"Idempotency-Key": "upload-1"}
    first = api.post("/api/media", json_body=body, token=alice.access_token, headers=headers)
    assert first.status == 201, first.body
    # When
    retried = api.post("/api/media", json_body=body, token=alice.access_token, headers=headers)
    # Then
    assert retried.status == 201
    assert retried.json() == first.json()
