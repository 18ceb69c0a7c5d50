"""Blocks and mutes through the real pipeline (`pipeline.py`): what they hide from a home timeline (fanned out
by the timeline functions, filtered at read time from the activity record the read gets anyway) and from
notifications (the notifier, under its own IAM policies, drops what comes from those the recipient blocks
or mutes)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import PUBLISHER_FUNCTION, Pipeline, StartPipeline, home_ids, readers, walk_home

NOTIFIER_FUNCTION = "NotifierFunction"


def act(api: Api, account: Account, method: str, path: str, **options: Any) -> Any:
    reply = api.request(method, path, token=account.access_token, **options)
    assert reply.status in {200, 201, 204}, reply.body
    return reply.json() if reply.body else None


def retweet(api: Api, account: Account, tweet_id: str) -> str:
    retweet_id: str = act(api, account, "POST", f"/api/tweets/{tweet_id}/retweet")["data"]["retweet_id"]
    return retweet_id


# ---------------------------------------------------------------- home timelines


def test_a_muted_users_tweets_and_retweets_of_them_leave_the_home_timeline_until_unmuted(
    api: Api, pipeline: Pipeline
) -> None:
    # Given a reader following an author and a retweeter, who retweets someone else's tweet by the muted one
    (reader,) = readers(api, 1)
    author, retweeter, muted = api.register(), api.register(), api.register()
    api.follow(reader, author)
    api.follow(reader, retweeter)
    api.follow(reader, muted)
    kept = api.tweet(author, "kept")["id"]
    by_muted = api.tweet(muted, "by the muted one")["id"]
    brought = retweet(api, retweeter, by_muted)
    pipeline.run_until_quiet()
    assert home_ids(api, reader) == [brought, kept]  # the retweet brings the original (shown once, newest)
    # When the reader mutes them
    act(api, reader, "POST", f"/api/users/{muted.id}/mute")
    # Then neither their tweet nor the retweet of it shows; the rest does
    assert home_ids(api, reader) == [kept]
    # And unmuting brings them back
    act(api, reader, "DELETE", f"/api/users/{muted.id}/mute")
    assert home_ids(api, reader) == [brought, kept]


def test_a_muted_retweeter_brings_nothing_in(api: Api, pipeline: Pipeline) -> None:
    # Given a reader following an author and a retweeter who retweets a stranger
    (reader,) = readers(api, 1)
    retweeter, stranger = api.register(), api.register()
    api.follow(reader, retweeter)
    own = api.tweet(retweeter, "own")["id"]
    retweet(api, retweeter, api.tweet(stranger, "a stranger's")["id"])
    pipeline.run_until_quiet()
    # When the reader mutes the retweeter
    act(api, reader, "POST", f"/api/users/{retweeter.id}/mute")
    # Then neither the retweeter's tweet nor what it retweeted shows
    assert own not in home_ids(api, reader)
    assert home_ids(api, reader) == []


def test_a_block_takes_the_blocked_users_tweets_out_of_both_home_timelines_and_retweets_of_them_too(
    api: Api, pipeline: Pipeline
) -> None:
    # Given two readers following each other, and a third user both follow who retweets each of them
    blocker, blocked = readers(api, 2)
    friend = api.register()
    api.follow(blocker, blocked)
    api.follow(blocked, blocker)
    api.follow(blocker, friend)
    api.follow(blocked, friend)
    by_blocked = api.tweet(blocked, "by the blocked one")["id"]
    by_blocker = api.tweet(blocker, "by the blocker")["id"]
    retweet_of_blocked = retweet(api, friend, by_blocked)
    retweet_of_blocker = retweet(api, friend, by_blocker)
    friends_own = api.tweet(friend, "friend's own")["id"]
    pipeline.run_until_quiet()
    # When one blocks the other, and the pipeline delivers the removed follows
    act(api, blocker, "POST", f"/api/users/{blocked.id}/block")
    pipeline.run_until_quiet()
    # Then neither sees the other's tweets, directly or retweeted (each still sees its own, brought in by the
    # friend's retweet, the newest entry of it, and the friend's own)
    assert home_ids(api, blocker) == [friends_own, retweet_of_blocker]
    assert home_ids(api, blocked) == [friends_own, retweet_of_blocked]


def test_a_block_of_someone_never_followed_hides_the_retweets_of_them_at_read_time(
    api: Api, pipeline: Pipeline
) -> None:
    # Given a reader following a friend who retweets a stranger (no follow between reader and stranger)
    (reader,) = readers(api, 1)
    friend, stranger = api.register(), api.register()
    api.follow(reader, friend)
    brought = retweet(api, friend, api.tweet(stranger, "a stranger's")["id"])
    pipeline.run_until_quiet()
    assert home_ids(api, reader) == [brought]
    # When the reader blocks the stranger (no follow to remove: nothing for the pipeline to do)
    act(api, reader, "POST", f"/api/users/{stranger.id}/block")
    # Then the read leaves the retweet out, though its entry is still stored
    assert home_ids(api, reader) == []
    act(api, reader, "DELETE", f"/api/users/{stranger.id}/block")
    assert home_ids(api, reader) == [brought]


def test_muted_words_and_hashtags_leave_the_home_timeline_on_every_page(api: Api, pipeline: Pipeline) -> None:
    # Given a reader following an author of tweets that do and do not say the muted words
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    texts = ["Spoilers ahead", "no spoiler here", "#spoilers tonight", "the Red Wedding!", "a red wedding cake"]
    texts += [f"plain {n}" for n in range(6)]
    posted = {api.tweet(author, text)["id"]: text for text in texts}
    own = api.tweet(reader, "my own spoilers")["id"]
    pipeline.run_until_quiet()
    # When the reader mutes a word and a phrase
    for word in ("spoilers", "the red wedding"):
        act(api, reader, "POST", "/api/users/me/muted_words", json_body={"word": word})
    # Then, page after page, no tweet of the author's saying them shows ("spoiler" and "a red wedding cake" do
    # not say them); its own tweets always show
    shown = [entry["id"] for page in walk_home(api, reader, 3) for entry in page]
    expected = [tweet_id for tweet_id, text in posted.items() if text not in texts[0:1] + texts[2:4]]
    assert sorted(shown) == sorted([*expected, own])
    # And unmuting a word brings its tweets back
    act(api, reader, "DELETE", "/api/users/me/muted_words", query={"word": "spoilers"})
    assert len(home_ids(api, reader)) == len(posted)  # every tweet but "the Red Wedding!", plus its own


# ---------------------------------------------------------------- notifications


@pytest.fixture
def notifying(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, NOTIFIER_FUNCTION))


def notification_kinds(api: Api, account: Account) -> list[tuple[str, list[str]]]:
    items = act(api, account, "GET", "/api/notifications", query={"limit": "100"})["data"]
    return [(item["kind"], [actor["username"] for actor in item["actors"]]) for item in items]


def test_the_recipient_hears_nothing_from_whom_it_mutes_or_blocks(
    api: Api, notifying: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given alice mutes bob and blocks carol, and has a tweet
    tweet_id = api.tweet(alice, "hello")["id"]
    act(api, alice, "POST", f"/api/users/{bob.id}/mute")
    act(api, alice, "POST", f"/api/users/{carol.id}/block")
    dave = api.register("dave")
    # When bob likes, follows, replies and mentions her; carol mentions her; dave likes her tweet
    act(api, bob, "POST", f"/api/tweets/{tweet_id}/like")
    act(api, bob, "POST", f"/api/users/{alice.id}/follow")
    act(api, bob, "POST", "/api/tweets", json_body={"text": "hi", "reply": {"in_reply_to_tweet_id": tweet_id}})
    act(api, bob, "POST", "/api/tweets", json_body={"text": f"hey @{alice.username}"})
    act(api, carol, "POST", "/api/tweets", json_body={"text": f"hey @{alice.username}"})
    act(api, dave, "POST", f"/api/tweets/{tweet_id}/like")
    notifying.run_until_quiet()
    # Then alice hears of dave's like only; once she unmutes bob, his next action reaches her
    assert notification_kinds(api, alice) == [("like", ["dave"])]
    act(api, alice, "DELETE", f"/api/users/{bob.id}/mute")
    act(api, bob, "POST", "/api/tweets", json_body={"text": f"again @{alice.username}"})
    notifying.run_until_quiet()
    assert notification_kinds(api, alice)[0] == ("mention", [bob.username])
