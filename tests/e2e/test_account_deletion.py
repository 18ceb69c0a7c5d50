"""Account deletion on the local runtime, as on AWS: DELETE /api/users/me, then the erasure function (its queue, its
schedule, its IAM policies, as template.yaml declares them) and the bus's consumers take an account with tweets,
likes, follows both ways and a photo out of every table, bucket and index, and correct every count on others."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx

from tests.e2e.accounts import auth
from tests.e2e.conftest import RunningRuntime
from tests.e2e.erasure import delete_account, like_count, media_objects, ok, seed, wait_until_erased

# The issue's 1,000 tweets, 500 likes and 300 follows are `make bench-erasure`'s account (bench/erasure.py); the
# suite's is a tenth of it, for time.
TWEETS, LIKES, PEOPLE = 100, 50, 15
ERASURE_TIMEOUT_SECONDS = 150.0  # the erasure, then the settling sweep 30 s after it (conftest: SETTLING_SOON)


def test_an_account_with_tweets_likes_follows_and_media_is_erased_leaving_nothing(
    api: httpx.Client, chirp_runtime: RunningRuntime
) -> None:
    # Given alice and 15 people: she follows each of them and each of them follows her (30 follows); she posted
    # 100 tweets (one with a photo) and liked 50 of theirs; two of them liked and retweeted her first tweet
    seeded = seed(api, tweets=TWEETS, likes=LIKES, people=PEOPLE)
    alice, alice_id, people = seeded.alice, seeded.alice_id, seeded.people
    endpoints = chirp_runtime.endpoints()
    assert ok(api.get(f"/users/{alice_id}"))["data"]["public_metrics"] == {
        "followers_count": PEOPLE,
        "following_count": PEOPLE,
        "tweet_count": TWEETS,
        "like_count": LIKES,
    }
    sample = seeded.theirs[:: LIKES // 10]
    assert {tweet_id: like_count(api, tweet_id) for tweet_id in sample} == dict.fromkeys(sample, 1)
    assert media_objects(endpoints, alice_id)
    _eventually(lambda: len(ok(api.get("/search/tweets", params={"q": "quokka"}))["data"]) > 0)

    # When she deletes her account
    delete_account(api, alice)

    # Then it is gone at once: profile 404, tokens refused, tweets not served
    assert api.get(f"/users/{alice_id}").status_code == 404
    assert api.get("/users/me", headers=auth(alice)).status_code == 401
    assert api.get(f"/tweets/{seeded.alices[0]}").status_code == 404
    # And, once the erasure and what follows from it have run, nothing of her is left in any table or the bucket
    assert wait_until_erased(endpoints, alice_id, ERASURE_TIMEOUT_SECONDS) == {}
    # And every count on others is corrected: the tweets she liked, the people she followed and who followed her
    assert {tweet_id: like_count(api, tweet_id) for tweet_id in sample} == dict.fromkeys(sample, 0)
    for person in people[:10]:
        metrics = ok(api.get(f"/users/{person['data']['id']}"))["data"]["public_metrics"]
        assert (metrics["followers_count"], metrics["following_count"]) == (0, 0), metrics
    assert ok(api.get(f"/users/{people[0]['data']['id']}"))["data"]["public_metrics"]["like_count"] == 0
    # And search finds none of her tweets, nor her
    _eventually(lambda: ok(api.get("/search/tweets", params={"q": "quokka"}, headers=auth(people[0])))["data"] == [])
    found = ok(api.get("/search/users", params={"q": alice["data"]["username"]}, headers=auth(people[0])))
    assert [user["id"] for user in found["data"]] == []


def _eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.5)
