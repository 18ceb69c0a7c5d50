"""Every paginated list reaches all of its 30 items over the default pages of 20, newest first.

A page of a list built from `limit + 1` items read (`page_from_overfetch`) ends its list only when the
extra item is missing: a list one page and a half long must come back as a full page with a cursor and
a page of the rest, never as one page whose cursor is null (the fault a web client's infinite scroll
once reported for home timelines).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import PUBLISHER_FUNCTION, StartPipeline

COUNT = 30
DEFAULT = None  # no ?limit=: the API's default page of 20, so 30 make a full page and a page of 10
NOTIFIER_FUNCTION = "NotifierFunction"
INDEXER_FUNCTION = "SearchIndexerFunction"


def every(pages: list[list[Any]], key: Callable[[Any], str]) -> list[str]:
    return [key(item) for page in pages for item in page]


def by_id(item: dict[str, Any]) -> str:
    return str(item["id"])


def test_a_user_timeline_of_30_tweets(api: Api, alice: Account) -> None:
    # Given alice's 30 tweets
    posted = [api.tweet(alice, f"tweet {n}")["id"] for n in range(COUNT)]
    # When her tweets are walked
    pages = api.walk(f"/api/users/{alice.id}/tweets", DEFAULT)
    # Then every one comes once, newest first, the first page full
    assert every(pages, by_id) == posted[::-1]
    assert len(pages[0]) == 20


def test_liked_tweets_and_liking_users_of_30(api: Api, alice: Account) -> None:
    # Given 30 tweets alice likes, and 30 people who like the first of them
    tweets = [api.tweet(alice, f"tweet {n}")["id"] for n in range(COUNT)]
    for tweet_id in tweets:
        assert api.post(f"/api/tweets/{tweet_id}/like", token=alice.access_token).status in (200, 201)
    likers = [api.register() for _ in range(COUNT - 1)]
    for liker in likers:
        assert api.post(f"/api/tweets/{tweets[0]}/like", token=liker.access_token).status in (200, 201)
    # When both lists are walked
    liked = api.walk(f"/api/users/{alice.id}/liked_tweets", DEFAULT)
    liking = api.walk(f"/api/tweets/{tweets[0]}/liking_users", DEFAULT)
    # Then each reaches every item once, newest like first
    assert every(liked, by_id) == tweets[::-1]
    assert every(liking, by_id) == [liker.id for liker in likers[::-1]] + [alice.id]


def test_followers_and_following_of_30(api: Api, alice: Account) -> None:
    # Given 30 people following alice, and alice following 30 people
    fans = [api.register() for _ in range(COUNT)]
    for fan in fans:
        api.follow(fan, alice)
    idols = [api.register() for _ in range(COUNT)]
    for idol in idols:
        api.follow(alice, idol)
    # When both lists are walked
    followers = api.walk(f"/api/users/{alice.id}/followers", DEFAULT)
    following = api.walk(f"/api/users/{alice.id}/following", DEFAULT)
    # Then each reaches everyone once, newest follow first
    assert every(followers, by_id) == [fan.id for fan in fans[::-1]]
    assert every(following, by_id) == [idol.id for idol in idols[::-1]]


def test_the_replies_of_a_conversation_of_30(api: Api, alice: Account, bob: Account) -> None:
    # Given 30 replies to alice's tweet
    root = api.tweet(alice, "root")["id"]
    replies = []
    for n in range(COUNT):
        body = {"text": f"reply {n}", "reply": {"in_reply_to_tweet_id": root}}
        reply = api.post("/api/tweets", json_body=body, token=bob.access_token)
        assert reply.status == 201, reply.body
        replies.append(reply.json()["data"]["id"])
    # When its conversation's replies are walked
    pages = api.walk(f"/api/tweets/{root}/conversation", DEFAULT)
    # Then every reply comes once, newest first
    served = [reply["id"] for page in pages for reply in page["replies"]]
    assert served == replies[::-1]


def test_notifications_of_30(api: Api, start_pipeline: StartPipeline, alice: Account, bob: Account) -> None:
    # Given 30 mentions of alice (never grouped: one notification each)
    pipeline = start_pipeline(functions=(PUBLISHER_FUNCTION, NOTIFIER_FUNCTION))
    for n in range(COUNT):
        api.tweet(bob, f"@alice number {n}")
    pipeline.run_until_quiet()
    # When she walks her notifications
    pages = api.walk("/api/notifications", DEFAULT, token=alice.access_token)
    # Then she gets all 30, newest first
    texts = [item["tweet"]["text"] for page in pages for item in page]
    assert texts == [f"@alice number {n}" for n in reversed(range(COUNT))]


@pytest.mark.parametrize("sort", ["recent", "relevant"])
def test_a_search_matching_30_tweets(api: Api, start_pipeline: StartPipeline, alice: Account, sort: str) -> None:
    # Given 30 indexed tweets with one word
    pipeline = start_pipeline(functions=(PUBLISHER_FUNCTION, INDEXER_FUNCTION))
    posted = [api.tweet(alice, f"zebrafish {n}")["id"] for n in range(COUNT)]
    pipeline.run_until_quiet()
    # When the search is walked
    pages = api.walk("/api/search/tweets", DEFAULT, q="zebrafish", sort=sort)
    # Then every one comes once (newest first, for the newest-first sort)
    found = every(pages, by_id)
    assert sorted(found) == sorted(posted) and len(found) == COUNT
    if sort == "recent":
        assert found == posted[::-1]
