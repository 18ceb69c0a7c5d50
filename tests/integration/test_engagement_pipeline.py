"""Engagement on home timelines, on moto, through the real pipeline (`pipeline.py`): retweets, replies and
quotes fanned out, a deleted original's retweets and likes undone by the clean-up consumer, the reader's
state, and the counts.

Besides the timeline fan-out and writer, the pipeline here runs the event publisher on the tables'
streams (its domain events go to the template's SNS topic, which moto delivers to the clean-up's queue
through its subscription's filter and raw delivery), the engagement clean-up on that queue, and the
engagement counter on the engagements table's stream; each invoked under its own IAM policies, in
Lambda's event format, with the event sources, environment and queues `template.yaml` gives it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import pytest
from chirp.events.schema import TweetDeleted, decode
from chirp.wiring.api import dependencies

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import (
    CLEANUP_FUNCTION,
    COUNTER_FUNCTION,
    FANOUT_FUNCTION,
    PUBLISHER_FUNCTION,
    WRITER_FUNCTION,
    Entry,
    Pipeline,
    StartPipeline,
    delete_tweet,
    home,
    is_celebrity,
    readers,
    stored_entries,
    unfollow,
)

EVERY_FUNCTION = (FANOUT_FUNCTION, WRITER_FUNCTION, PUBLISHER_FUNCTION, CLEANUP_FUNCTION, COUNTER_FUNCTION)
CELEBRITY_THRESHOLD = {"CelebrityThreshold": "3"}


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    """Every function behind the API, with the template's default parameters."""
    return start_pipeline(functions=EVERY_FUNCTION)


# ---------------------------------------------------------------- acting and reading through the API


def posted(api: Api, author: Account, body: dict[str, Any]) -> str:
    reply = api.post("/api/tweets", json_body=body, token=author.access_token)
    assert reply.status == 201, reply.body
    tweet_id: str = reply.json()["data"]["id"]
    return tweet_id


def reply_to(api: Api, author: Account, parent_id: str, text: str = "a reply") -> str:
    return posted(api, author, {"text": text, "reply": {"in_reply_to_tweet_id": parent_id}})


def quote(api: Api, author: Account, quoted_id: str, text: str = "a quote") -> str:
    return posted(api, author, {"text": text, "quote_tweet_id": quoted_id})


def retweet(api: Api, account: Account, tweet_id: str) -> str:
    """The account's retweet of the tweet: its id."""
    reply = api.post(f"/api/tweets/{tweet_id}/retweet", token=account.access_token)
    assert reply.status == 200, reply.body
    retweet_id: str = reply.json()["data"]["retweet_id"]
    return retweet_id


def unretweet(api: Api, account: Account, tweet_id: str) -> None:
    reply = api.delete(f"/api/tweets/{tweet_id}/retweet", token=account.access_token)
    assert reply.status == 200, reply.body


def like(api: Api, account: Account, tweet_id: str) -> None:
    reply = api.post(f"/api/tweets/{tweet_id}/like", token=account.access_token)
    assert reply.status == 200, reply.body


def unlike(api: Api, account: Account, tweet_id: str) -> None:
    reply = api.delete(f"/api/tweets/{tweet_id}/like", token=account.access_token)
    assert reply.status == 200, reply.body


def follow(api: Api, follower: Account, *followees: Account) -> None:
    for followee in followees:
        api.follow(follower, followee)


def page(api: Api, reader: Account) -> list[Entry]:
    """The first page of the reader's home timeline."""
    return home(api, reader)[0]


def originals(entries: Iterable[Entry]) -> list[str]:
    """The ids of the tweets a page shows: a retweet's original, else the tweet itself."""
    return [(entry["retweeted_tweet"] or entry)["id"] for entry in entries]


def shown_item(api: Api, reader: Account, original_id: str) -> Entry:
    """The one item of the reader's first page that shows `original_id` (itself, or a retweet of it)."""
    (found,) = [entry for entry in page(api, reader) if (entry["retweeted_tweet"] or entry)["id"] == original_id]
    return found


def user_tweet_ids(api: Api, user: Account) -> list[str]:
    reply = api.get(f"/api/users/{user.id}/tweets", query={"limit": "100"})
    assert reply.status == 200, reply.body
    return [tweet["id"] for tweet in reply.json()["data"]]


def liked_tweet_ids(api: Api, user: Account) -> list[str]:
    reply = api.get(f"/api/users/{user.id}/liked_tweets", query={"limit": "100"})
    assert reply.status == 200, reply.body
    return [tweet["id"] for tweet in reply.json()["data"]]


def counts(entry: Entry) -> dict[str, int]:
    metrics: dict[str, int] = entry["public_metrics"]
    return metrics


def assert_nothing_of(api: Api, owners: Iterable[Account], *tweet_ids: str) -> None:
    """None of the owners' timelines stores an entry for, or serves, any of the tweets (as itself,
    the original of a retweet, or a retweet)."""
    unwanted = {int(tweet_id) for tweet_id in tweet_ids}
    for owner in owners:
        assert not unwanted & set(stored_entries(owner)), f"{owner.username} still stores {unwanted}"
        entries = page(api, owner)
        served = {int(entry["id"]) for entry in entries} | {int(tweet_id) for tweet_id in originals(entries)}
        assert not unwanted & served, f"{owner.username} is still served {unwanted & served}"


# ---------------------------------------------------------------- retweets


def test_a_retweet_reaches_the_retweeters_active_followers_as_a_retweet_of_the_original(
    api: Api, pipeline: Pipeline
) -> None:
    # Given an author, a retweeter, an active follower of the retweeter only, and a follower who never read
    author, retweeter = api.register(), api.register()
    (follower,) = readers(api, 1)
    inactive = api.register()
    follow(api, follower, retweeter)
    follow(api, inactive, retweeter)
    tweet_id = api.tweet(author, "worth sharing")["id"]
    pipeline.run_until_quiet()
    # When the retweeter retweets the author's tweet and the pipeline runs
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # Then the active follower's timeline stores the retweet's entry (carrying the original's author)
    assert stored_entries(follower) == {int(retweet_id): int(author.id)}
    assert stored_entries(inactive) == {}
    # And shows it as the retweeter's retweet, with the original and its author inside
    (shown,) = page(api, follower)
    assert (shown["id"], shown["text"], shown["author_id"]) == (retweet_id, "", retweeter.id)
    assert shown["author"] == {
        "id": retweeter.id,
        "username": retweeter.username,
        "name": api.user(retweeter.id)["name"],
    }
    assert shown["referenced_tweets"] == [{"type": "retweeted", "id": tweet_id}]
    original = shown["retweeted_tweet"]
    assert (original["id"], original["text"], original["author_id"]) == (tweet_id, "worth sharing", author.id)
    assert original["author"] == {"id": author.id, "username": author.username, "name": api.user(author.id)["name"]}
    assert shown["quoted_tweet"] is None


def test_an_original_retweeted_by_two_followees_shows_once_per_page(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following an author and two retweeters, and a tweet of the author in its timeline
    (reader,) = readers(api, 1)
    author, first, second = api.register(), api.register(), api.register()
    follow(api, reader, author, first, second)
    tweet_id = api.tweet(author, "everyone shares this")["id"]
    other_id = api.tweet(first, "something else")["id"]
    pipeline.run_until_quiet()
    # When both retweeters retweet it and the pipeline runs
    first_retweet = retweet(api, first, tweet_id)
    second_retweet = retweet(api, second, tweet_id)
    pipeline.run_until_quiet()
    # Then the reader's timeline stores three entries for the original
    assert set(stored_entries(reader)) == {int(i) for i in (tweet_id, other_id, first_retweet, second_retweet)}
    # And the page shows the original once, brought by the newest retweet, beside the other tweet
    entries = page(api, reader)
    assert [entry["id"] for entry in entries] == [second_retweet, other_id]
    assert originals(entries) == [tweet_id, other_id]
    assert entries[0]["author"]["id"] == second.id


def test_unfollowing_an_author_keeps_a_followees_retweet_of_its_tweet(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following an author and a retweeter, the author's tweet retweeted, both in its timeline
    (reader,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, reader, author, retweeter)
    tweet_id = api.tweet(author, "shared before the unfollow")["id"]
    own_id = api.tweet(author, "not shared")["id"]
    pipeline.run_until_quiet()
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    assert set(stored_entries(reader)) == {int(tweet_id), int(own_id), int(retweet_id)}
    # When the reader unfollows the author
    unfollow(api, reader, author)
    pipeline.run_until_quiet()
    # Then the author's own entries leave, and the retweeter's retweet of its tweet stays (as on Twitter: the
    # reader still follows whoever brought it)
    assert stored_entries(reader) == {int(retweet_id): int(author.id)}
    entries = page(api, reader)
    assert [entry["id"] for entry in entries] == [retweet_id]
    assert originals(entries) == [tweet_id]


def test_undoing_a_retweet_takes_it_out_of_the_followers_timelines(api: Api, pipeline: Pipeline) -> None:
    # Given two active followers of a retweeter, with its retweet of an author's tweet in their timelines
    first, second = readers(api, 2)
    author, retweeter = api.register(), api.register()
    follow(api, first, retweeter)
    follow(api, second, retweeter)
    tweet_id = api.tweet(author, "shared for a while")["id"]
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    assert all(originals(page(api, follower)) == [tweet_id] for follower in (first, second))
    # When the retweeter undoes its retweet and the pipeline runs
    unretweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # Then the entry is gone from every follower's timeline and the retweeter's own, stored and served
    assert_nothing_of(api, (first, second, retweeter), retweet_id, tweet_id)
    assert stored_entries(first) == stored_entries(second) == {}
    assert user_tweet_ids(api, retweeter) == []


def test_an_undone_retweet_is_never_served_even_before_fan_out_removes_it(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower of a retweeter, with its retweet of an author's tweet in its timeline
    (follower,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, follower, retweeter)
    tweet_id = api.tweet(author, "retracted")["id"]
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # When the retweeter undoes it, before any fan-out of the removal
    unretweet(api, retweeter, tweet_id)
    # Then the follower is not served it, though its entry is still stored
    assert int(retweet_id) in stored_entries(follower)
    assert page(api, follower) == []
    # And after fan-out the entry itself is gone
    pipeline.run_until_quiet()
    assert stored_entries(follower) == {}


def test_a_retweet_undone_then_its_original_deleted_leaves_nothing(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower of a retweeter, with its retweet of an author's tweet in its timeline
    (follower,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, follower, retweeter)
    tweet_id = api.tweet(author, "short-lived")["id"]
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # When the retweet is undone, then the original deleted, the pipeline running after each
    unretweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    delete_tweet(api, author, tweet_id)
    pipeline.run_until_quiet()
    # Then no timeline stores or serves either
    assert_nothing_of(api, (follower, retweeter, author), retweet_id, tweet_id)


def test_an_original_deleted_before_its_retweets_fan_out_leaves_no_entry(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower of a retweeter, and a tweet of an author the follower does not follow
    (follower,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, follower, retweeter)
    tweet_id = api.tweet(author, "gone soon")["id"]
    pipeline.run_until_quiet()
    # When it is retweeted and deleted before any of it is fanned out, then the pipeline runs
    retweet_id = retweet(api, retweeter, tweet_id)
    delete_tweet(api, author, tweet_id)
    handled = pipeline.run_until_quiet()
    # Then the clean-up undid the retweet, and no timeline stores or serves either
    assert handled[CLEANUP_FUNCTION] == 1
    assert dependencies().tweets.get(int(retweet_id)) is None
    assert_nothing_of(api, (follower, retweeter, author), retweet_id, tweet_id)


def test_a_retweet_undone_before_its_fan_out_leaves_no_entry(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower of a retweeter, with an author's tweet to retweet
    (follower,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, follower, retweeter)
    tweet_id = api.tweet(author, "changed my mind")["id"]
    pipeline.run_until_quiet()
    # When the retweeter retweets and undoes it before either is fanned out, then the pipeline runs
    retweet_id = retweet(api, retweeter, tweet_id)
    unretweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # Then no timeline stores or serves the retweet, and the original is still there
    assert_nothing_of(api, (follower, retweeter), retweet_id, tweet_id)
    assert user_tweet_ids(api, author) == [tweet_id]


def test_an_undone_retweet_stays_out_whatever_order_the_writer_applies_changes(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower of a retweeter, and the retweet of an author's tweet already fanned out (not written)
    (follower,) = readers(api, 1)
    author, retweeter = api.register(), api.register()
    follow(api, follower, retweeter)
    tweet_id = api.tweet(author, "now you see it")["id"]
    pipeline.run_until_quiet()
    retweet_id = retweet(api, retweeter, tweet_id)
    pipeline.fan_out_pending()
    # When the retweet is undone, and the standard queue hands the writer the removal before the addition
    unretweet(api, retweeter, tweet_id)
    pipeline.fan_out_pending()
    messages = pipeline.receive_all()
    assert [json.loads(record["body"])["op"] for record in messages] == ["add", "add", "remove", "remove"]
    for record in reversed(messages):
        assert pipeline.write([record]) == []
    pipeline.run_until_quiet()
    # Then neither the follower nor the retweeter is served the undone retweet, nor its original through it
    # (the late addition's entry may stay stored, as a deleted tweet's may: a page reads the retweet and drops it)
    for owner in (follower, retweeter):
        entries = page(api, owner)
        assert retweet_id not in [entry["id"] for entry in entries], owner.username
        assert tweet_id not in originals(entries), owner.username


# ---------------------------------------------------------------- deleting an original: the clean-up consumer


def test_deleting_an_original_takes_its_retweets_and_likes_out_everywhere(api: Api, pipeline: Pipeline) -> None:
    # Given an author's two tweets; the first retweeted by two users an active reader follows, liked by two
    # users, one of whom liked the second too
    author, first, second, liker, other_liker = (api.register() for _ in range(5))
    (reader,) = readers(api, 1)
    follow(api, reader, first, second)
    doomed, kept = api.tweet(author, "doomed")["id"], api.tweet(author, "kept")["id"]
    retweets = [retweet(api, first, doomed), retweet(api, second, doomed)]
    like(api, liker, doomed)
    like(api, liker, kept)
    like(api, other_liker, doomed)
    pipeline.run_until_quiet()
    assert set(stored_entries(reader)) == {int(retweet_id) for retweet_id in retweets}
    assert (api.metrics(liker.id)["like_count"], api.metrics(other_liker.id)["like_count"]) == (2, 1)
    assert api.metrics(first.id)["tweet_count"] == 1
    # When the author deletes the first, and the pipeline runs (fan-out, publisher, bus, clean-up, fan-out)
    delete_tweet(api, author, doomed)
    handled = pipeline.run_until_quiet()
    # Then the clean-up got its one TweetDeleted
    (message,) = [decode(record["body"]) for record in pipeline.delivered[CLEANUP_FUNCTION]]
    assert isinstance(message, TweetDeleted) and message.tweet_id == int(doomed)
    assert handled[CLEANUP_FUNCTION] == 1
    # And the retweets are gone: from the tables, the reader's timeline and the retweeters' own and user timelines
    for retweet_id in retweets:
        assert dependencies().tweets.get(int(retweet_id)) is None
    assert_nothing_of(api, (reader, first, second), doomed, *retweets)
    assert stored_entries(reader) == {}
    for retweeter in (first, second):
        assert user_tweet_ids(api, retweeter) == []
        assert api.metrics(retweeter.id)["tweet_count"] == 0
    # And the likes are gone from the likers' lists and counts; the other like stays
    assert liked_tweet_ids(api, liker) == [kept]
    assert liked_tweet_ids(api, other_liker) == []
    assert (api.metrics(liker.id)["like_count"], api.metrics(other_liker.id)["like_count"]) == (1, 0)


def test_a_redelivered_tweet_deleted_changes_nothing(api: Api, pipeline: Pipeline) -> None:
    # Given a deleted tweet whose retweet and like the clean-up has undone
    author, retweeter, liker = api.register(), api.register(), api.register()
    (reader,) = readers(api, 1)
    follow(api, reader, retweeter)
    tweet_id, kept = api.tweet(author, "deleted")["id"], api.tweet(author, "kept")["id"]
    retweet(api, retweeter, tweet_id)
    like(api, liker, tweet_id)
    like(api, liker, kept)
    pipeline.run_until_quiet()
    delete_tweet(api, author, tweet_id)
    pipeline.run_until_quiet()
    (delivered,) = pipeline.delivered[CLEANUP_FUNCTION]
    before = (stored_entries(reader), liked_tweet_ids(api, liker), api.metrics(liker.id), api.metrics(retweeter.id))
    # When the bus delivers its TweetDeleted again (at-least-once) and the pipeline runs
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url_of(CLEANUP_FUNCTION), MessageBody=delivered["body"])
    handled = pipeline.run_until_quiet()
    # Then the clean-up handled it and wrote nothing (no stream record followed), and nothing changed
    assert handled == {CLEANUP_FUNCTION: 1}
    after = (stored_entries(reader), liked_tweet_ids(api, liker), api.metrics(liker.id), api.metrics(retweeter.id))
    assert after == before
    assert before[1] == [kept] and before[2]["like_count"] == 1 and before[3]["tweet_count"] == 0


# ---------------------------------------------------------------- replies


def test_a_reply_to_someone_else_reaches_only_the_followers_of_both(api: Api, pipeline: Pipeline) -> None:
    # Given a replier and the user it replies to, who follows the replier; active readers following the
    # replier only, both, and the replied-to user only
    replier, replied_to, of_replier, of_both, of_replied_to = readers(api, 5)
    follow(api, replied_to, replier)
    follow(api, of_replier, replier)
    follow(api, of_both, replier, replied_to)
    follow(api, of_replied_to, replied_to)
    parent_id = api.tweet(replied_to, "what do you think?")["id"]
    pipeline.run_until_quiet()
    # When the replier replies to the other's tweet and the pipeline runs
    reply_id = reply_to(api, replier, parent_id, "I think so")
    pipeline.run_until_quiet()
    # Then the reply reaches the follower of both, the replied-to user and the replier's own timeline
    for owner in (of_both, replied_to, replier):
        assert int(reply_id) in stored_entries(owner), owner.username
        assert reply_id in originals(page(api, owner)), owner.username
    # And no one who follows only one of them
    assert_nothing_of(api, (of_replier, of_replied_to), reply_id)


def test_a_self_reply_reaches_every_follower(api: Api, pipeline: Pipeline) -> None:
    # Given an author followed by two active readers, one of whom it follows back
    author, follower, friend = readers(api, 3)
    follow(api, follower, author)
    follow(api, friend, author)
    follow(api, author, friend)
    first_id = api.tweet(author, "a thread, 1/2")["id"]
    pipeline.run_until_quiet()
    # When it replies to its own tweet (a thread) and the pipeline runs
    second_id = reply_to(api, author, first_id, "2/2")
    pipeline.run_until_quiet()
    # Then every follower and the author have both tweets, newest first
    for owner in (follower, friend, author):
        assert {int(first_id), int(second_id)} <= set(stored_entries(owner)), owner.username
        assert [entry["id"] for entry in page(api, owner)][:2] == [second_id, first_id], owner.username


# ---------------------------------------------------------------- quotes


def test_a_quote_reaches_followers_with_the_quoted_tweet_embedded(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following a quoter, not the quoted author
    (reader,) = readers(api, 1)
    author, quoter = api.register(), api.register()
    follow(api, reader, quoter)
    quoted_id = api.tweet(author, "quotable")["id"]
    pipeline.run_until_quiet()
    # When the quoter quotes the author's tweet and the pipeline runs
    quote_id = quote(api, quoter, quoted_id, "so true")
    pipeline.run_until_quiet()
    # Then the reader's timeline has the quote, with the quoted tweet and its author embedded
    assert stored_entries(reader) == {int(quote_id): int(quoter.id)}
    (shown,) = page(api, reader)
    assert (shown["id"], shown["text"], shown["author"]["id"]) == (quote_id, "so true", quoter.id)
    assert shown["referenced_tweets"] == [{"type": "quoted", "id": quoted_id}]
    assert shown["retweeted_tweet"] is None
    embedded = shown["quoted_tweet"]
    assert (embedded["id"], embedded["text"], embedded["author"]["id"]) == (quoted_id, "quotable", author.id)


def test_a_quote_of_a_since_deleted_tweet_shows_no_quoted_tweet(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader with a quote of an author's tweet in its timeline
    (reader,) = readers(api, 1)
    author, quoter = api.register(), api.register()
    follow(api, reader, quoter)
    quoted_id = api.tweet(author, "I will regret this")["id"]
    quote_id = quote(api, quoter, quoted_id, "screenshot taken")
    pipeline.run_until_quiet()
    # When the quoted tweet is deleted and the pipeline runs
    delete_tweet(api, author, quoted_id)
    pipeline.run_until_quiet()
    # Then the quote stays, showing no quoted tweet
    assert stored_entries(reader) == {int(quote_id): int(quoter.id)}
    (shown,) = page(api, reader)
    assert (shown["id"], shown["quoted_tweet"]) == (quote_id, None)
    assert shown["referenced_tweets"] == [{"type": "quoted", "id": quoted_id}]


# ---------------------------------------------------------------- the reader's state


def test_the_readers_likes_and_retweets_show_on_its_home_timeline_at_once(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following an author and a retweeter, with the author's tweet and the retweeter's
    # retweet of a stranger's tweet in its timeline
    (reader,) = readers(api, 1)
    author, retweeter, stranger = api.register(), api.register(), api.register()
    follow(api, reader, author, retweeter)
    tweet_id = api.tweet(author, "like me")["id"]
    stranger_id = api.tweet(stranger, "from afar")["id"]
    brought_id = retweet(api, retweeter, stranger_id)
    pipeline.run_until_quiet()
    assert shown_item(api, reader, tweet_id)["viewer"] == {"liked": False, "retweeted": False}
    # When the reader likes the tweet, and the stranger's through the retweet that brought it (no pipeline run)
    like(api, reader, tweet_id)
    like(api, reader, brought_id)
    # Then its next read shows both liked
    assert shown_item(api, reader, tweet_id)["viewer"] == {"liked": True, "retweeted": False}
    brought = shown_item(api, reader, stranger_id)
    assert brought["id"] == brought_id
    assert brought["viewer"] == brought["retweeted_tweet"]["viewer"] == {"liked": True, "retweeted": False}
    # When it unlikes the tweet
    unlike(api, reader, tweet_id)
    # Then it shows unliked
    assert shown_item(api, reader, tweet_id)["viewer"] == {"liked": False, "retweeted": False}
    # When it retweets the tweet
    own_retweet = retweet(api, reader, tweet_id)
    # Then the tweet shows as its own retweet, retweeted, on its next read
    item = shown_item(api, reader, tweet_id)
    assert (item["id"], item["author"]["id"]) == (own_retweet, reader.id)
    assert item["viewer"] == item["retweeted_tweet"]["viewer"] == {"liked": False, "retweeted": True}


# ---------------------------------------------------------------- celebrities


def test_a_celebritys_retweet_is_pulled_into_its_followers_timelines_with_the_original(
    api: Api, start_pipeline: StartPipeline
) -> None:
    # Given CelebrityThreshold=3 and a celebrity followed by three active readers, and an ordinary author's tweet
    pipeline = start_pipeline(CELEBRITY_THRESHOLD, functions=EVERY_FUNCTION)
    celebrity, author = api.register(), api.register()
    followers = readers(api, 3)
    for follower in followers:
        follow(api, follower, celebrity)
    tweet_id = api.tweet(author, "noticed by a star")["id"]
    pipeline.run_until_quiet()
    assert is_celebrity(celebrity)
    like(api, followers[0], tweet_id)
    # When the celebrity retweets it and the pipeline runs
    retweet_id = retweet(api, celebrity, tweet_id)
    pipeline.run_until_quiet()
    # Then no follower's timeline stores it (not pushed), yet each is shown the retweet with its original
    for follower in followers:
        assert stored_entries(follower) == {}
        (shown,) = page(api, follower)
        assert (shown["id"], shown["author"]["id"], shown["text"]) == (retweet_id, celebrity.id, "")
        original = shown["retweeted_tweet"]
        assert (original["id"], original["text"], original["author"]["id"]) == (
            tweet_id,
            "noticed by a star",
            author.id,
        )
        liked = follower == followers[0]
        assert shown["viewer"] == original["viewer"] == {"liked": liked, "retweeted": False}
    # And its own timeline has it too
    assert stored_entries(celebrity) == {int(retweet_id): int(author.id)}


# ---------------------------------------------------------------- counts, from the engagement counter


def test_counts_of_a_pushed_tweet_are_exact_on_home_timeline_items(api: Api, pipeline: Pipeline) -> None:
    # Given an author's tweet in the timelines of an active follower of the author and of one of a retweeter
    author, retweeter, replier, quoter, first_liker, second_liker = (api.register() for _ in range(6))
    of_author, of_retweeter = readers(api, 2)
    follow(api, of_author, author)
    follow(api, of_retweeter, retweeter)
    tweet_id = api.tweet(author, "count me")["id"]
    # When it is liked twice, retweeted, replied to and quoted, and the pipeline (the counter too) runs
    like(api, first_liker, tweet_id)
    like(api, second_liker, tweet_id)
    retweet_id = retweet(api, retweeter, tweet_id)
    reply_to(api, replier, tweet_id)
    quote(api, quoter, tweet_id)
    handled = pipeline.run_until_quiet()
    # Then both readers' items show the exact counts: the tweet itself, and the retweet (its original's)
    assert handled[COUNTER_FUNCTION] == 5
    expected = {"like_count": 2, "retweet_count": 1, "reply_count": 1, "quote_count": 1}
    assert counts(shown_item(api, of_author, tweet_id)) == expected
    brought = shown_item(api, of_retweeter, tweet_id)
    assert brought["id"] == retweet_id
    assert counts(brought) == counts(brought["retweeted_tweet"]) == expected
    # When one like is undone and the pipeline runs again
    unlike(api, second_liker, tweet_id)
    pipeline.run_until_quiet()
    # Then the count went down by one, exactly
    assert counts(shown_item(api, of_author, tweet_id)) == expected | {"like_count": 1}


def test_counts_of_a_pulled_celebritys_tweet_are_exact_on_home_timeline_items(
    api: Api, start_pipeline: StartPipeline
) -> None:
    # Given CelebrityThreshold=3 and a celebrity followed by three active readers
    pipeline = start_pipeline(CELEBRITY_THRESHOLD, functions=EVERY_FUNCTION)
    celebrity, retweeter, first_liker, second_liker = (api.register() for _ in range(4))
    followers = readers(api, 3)
    for follower in followers:
        follow(api, follower, celebrity)
    pipeline.run_until_quiet()
    assert is_celebrity(celebrity)
    # When its tweet is liked twice and retweeted, and the pipeline (the counter too) runs
    tweet_id = api.tweet(celebrity, "famous words")["id"]
    like(api, first_liker, tweet_id)
    like(api, second_liker, tweet_id)
    retweet(api, retweeter, tweet_id)
    pipeline.run_until_quiet()
    # Then every follower, who pulls it (nothing stored), sees the exact counts (from its author's recent tweets)
    expected = {"like_count": 2, "retweet_count": 1, "reply_count": 0, "quote_count": 0}
    for follower in followers:
        assert stored_entries(follower) == {}
        assert counts(shown_item(api, follower, tweet_id)) == expected
