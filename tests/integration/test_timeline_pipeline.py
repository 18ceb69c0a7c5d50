"""Home timelines on moto, through the real pipeline.

The API (the Chalice app) writes users, tweets and follows; the tweets, follows and users tables'
stream records are read from moto's DynamoDB Streams and handed to the fan-out function's `handler`
in Lambda's event format; the timeline queue's messages are received from moto's SQS and handed to
the timeline writer's `handler`, until nothing is left to deliver. The queues, the functions'
environment and their event sources (streams, queue, batch sizes) all come from `template.yaml`
(the driver: `pipeline.py`).
"""

from __future__ import annotations

import json
import time

import boto3
import pytest
from chirp.pages import PageRequest
from chirp.timelines.service import home_timeline_page
from chirp.wiring.api import dependencies

from tests.integration.api_client import Api
from tests.integration.conftest import REGION
from tests.integration.pipeline import (
    Pipeline,
    StartPipeline,
    activity_record,
    delete_tweet,
    home_ids,
    is_celebrity,
    post,
    pulls,
    readers,
    stored_entries,
    unfollow,
    walk_home,
)

DAY_MS = 86_400_000


# ---------------------------------------------------------------- posting, following, deleting


def test_author_sees_its_own_tweet_before_any_fan_out(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader
    (author,) = readers(api, 1)
    # When it posts, and no stream record or queue message has been delivered yet
    tweet_id = api.tweet(author, "hello, me")["id"]
    # Then its own home timeline shows the tweet already (written in the posting transaction)
    assert home_ids(api, author) == [tweet_id]
    assert pipeline.receive() == []


def test_active_follower_gets_a_new_tweet_through_fan_out(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following an author
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    # When the author posts
    tweet_id = api.tweet(author, "fresh news")["id"]
    # Then the reader does not have it before fan-out, and has it after
    assert tweet_id not in home_ids(api, reader)
    pipeline.run_until_quiet()
    assert home_ids(api, reader) == [tweet_id]
    assert stored_entries(reader) == {int(tweet_id): int(author.id)}


def test_following_backfills_the_followees_recent_tweets(api: Api, pipeline: Pipeline) -> None:
    # Given an author with three tweets and an active reader who does not follow it
    author = api.register()
    tweet_ids = post(api, author, 3)
    (reader,) = readers(api, 1)
    assert home_ids(api, reader) == []
    # When the reader follows the author
    api.follow(reader, author)
    pipeline.run_until_quiet()
    # Then the author's tweets are in the reader's timeline, newest first
    assert home_ids(api, reader) == tweet_ids[::-1]


def test_unfollowing_removes_the_followees_entries(api: Api, pipeline: Pipeline) -> None:
    # Given an active reader following two authors, with their tweets in its timeline
    (reader,) = readers(api, 1)
    kept, dropped = api.register(), api.register()
    api.follow(reader, kept)
    api.follow(reader, dropped)
    kept_ids = post(api, kept, 2)
    post(api, dropped, 2)
    pipeline.run_until_quiet()
    assert len(home_ids(api, reader)) == 4
    # When the reader unfollows one of them
    unfollow(api, reader, dropped)
    pipeline.run_until_quiet()
    # Then that author's entries are gone from the page and from the table; the other's stay
    assert home_ids(api, reader) == kept_ids[::-1]
    assert set(stored_entries(reader).values()) == {int(kept.id)}


def test_a_deleted_tweet_is_never_served_even_before_fan_out_removes_it(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower with two of an author's tweets in its timeline
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    older, newer = post(api, author, 2)
    pipeline.run_until_quiet()
    assert home_ids(api, reader) == [newer, older]
    # When the author deletes the newer one, before any fan-out of the deletion
    delete_tweet(api, author, newer)
    # Then neither the follower nor the author is served it, though the follower's entry is still stored
    assert int(newer) in stored_entries(reader)
    assert home_ids(api, reader) == [older]
    assert home_ids(api, author) == [older]
    # And after fan-out the entry itself is gone
    pipeline.run_until_quiet()
    assert int(newer) not in stored_entries(reader)
    assert home_ids(api, reader) == [older]


def test_a_page_of_deleted_tweets_does_not_end_the_timeline(api: Api, pipeline: Pipeline) -> None:
    # Given an active follower with three of an author's tweets in its timeline
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    oldest, middle, newest = post(api, author, 3)
    pipeline.run_until_quiet()
    # When the author deletes the two newest, before fan-out removes their entries
    delete_tweet(api, author, newest)
    delete_tweet(api, author, middle)
    # Then walking the reader's timeline one entry per page still reaches the oldest tweet
    served = [entry["id"] for page in walk_home(api, reader, limit=1) for entry in page]
    assert served == [oldest]


# ---------------------------------------------------------------- celebrities


def test_reaching_the_threshold_promotes_the_author_and_stops_its_fan_out(
    api: Api, start_pipeline: StartPipeline
) -> None:
    # Given CelebrityThreshold=3, an author with a tweet and two active followers
    pipeline = start_pipeline({"CelebrityThreshold": "3"})
    author = api.register()
    first, second, third = readers(api, 3)
    early = api.tweet(author, "before fame")["id"]
    api.follow(first, author)
    api.follow(second, author)
    pipeline.run_until_quiet()
    # Then below the threshold the author is still fanned out
    assert not is_celebrity(author)
    ordinary = api.tweet(author, "two followers")["id"]
    pipeline.run_until_quiet()
    assert int(ordinary) in stored_entries(first)
    # When a third reader follows
    api.follow(third, author)
    pipeline.run_until_quiet()
    # Then the author is a celebrity, and each follower's activity record lists it among its pulls
    assert is_celebrity(author)
    for follower in (first, second, third):
        assert pulls(follower) == [int(author.id)]
    # And its new tweet is written to no follower's timeline, yet every follower sees it, each tweet once
    famous = api.tweet(author, "three followers")["id"]
    pipeline.run_until_quiet()
    for follower in (first, second, third):
        assert int(famous) not in stored_entries(follower)
        served = home_ids(api, follower)
        assert served == [famous, ordinary, early]
        assert len(set(served)) == len(served)


def test_a_celebritys_deleted_tweet_is_not_served_while_the_author_index_still_lists_it(
    api: Api, start_pipeline: StartPipeline
) -> None:
    # Given CelebrityThreshold=3 and a celebrity followed by three active readers, with two tweets
    pipeline = start_pipeline({"CelebrityThreshold": "3"})
    celebrity = api.register()
    followers = readers(api, 3)
    for follower in followers:
        api.follow(follower, celebrity)
    pipeline.run_until_quiet()
    assert is_celebrity(celebrity)
    kept, deleted = post(api, celebrity, 2)
    # When it deletes one, and author_index (a GSI, eventually consistent) has not caught up yet: modelled by
    # putting the tweet's item back in the tweets table, while author_tweets no longer lists it
    client = boto3.client("dynamodb", region_name=REGION)
    key = {"tweet_id": {"N": deleted}}
    item = client.get_item(TableName=dependencies().settings.tweets_table, Key=key, ConsistentRead=True)["Item"]
    delete_tweet(api, celebrity, deleted)
    client.put_item(TableName=dependencies().settings.tweets_table, Item=item)
    newest = dependencies().tweets.by_author(int(celebrity.id), PageRequest())
    assert [tweet.id for tweet in newest.items] == [int(deleted), int(kept)]
    # Then no follower is served it
    for follower in followers:
        assert home_ids(api, follower) == [kept]


def test_demotion_has_hysteresis_and_pushes_the_recent_tweets(api: Api, start_pipeline: StartPipeline) -> None:
    # Given CelebrityThreshold=3 (demotion below 90%: 2) and an author promoted by three active followers
    pipeline = start_pipeline({"CelebrityThreshold": "3"})
    author = api.register()
    loyal, second, third = readers(api, 3)
    for follower in (loyal, second, third):
        api.follow(follower, author)
    pipeline.run_until_quiet()
    assert is_celebrity(author)
    # When one follower leaves: 2 followers, between the floor and the threshold
    unfollow(api, third, author)
    pipeline.run_until_quiet()
    # Then it stays a celebrity (no flapping): its tweet is pulled, not written
    assert is_celebrity(author)
    pulled = api.tweet(author, "still famous")["id"]
    pipeline.run_until_quiet()
    assert int(pulled) not in stored_entries(loyal)
    assert home_ids(api, loyal) == [pulled]
    # When a second follower leaves: 1 follower, below the floor
    unfollow(api, second, author)
    pipeline.run_until_quiet()
    # Then it is demoted: its recent tweets are pushed to the remaining follower, whose edge is unmarked
    assert not is_celebrity(author)
    assert pulls(loyal) == []
    assert int(pulled) in stored_entries(loyal)
    # And its next tweet is fanned out again; the reader sees each tweet once, newest first
    pushed = api.tweet(author, "ordinary again")["id"]
    pipeline.run_until_quiet()
    assert int(pushed) in stored_entries(loyal)
    assert home_ids(api, loyal) == [pushed, pulled]


def test_an_author_just_below_the_threshold_is_not_promoted(api: Api, start_pipeline: StartPipeline) -> None:
    # Given CelebrityThreshold=3 and an author whose follower count goes 2, 1, 2
    pipeline = start_pipeline({"CelebrityThreshold": "3"})
    author = api.register()
    first, second = readers(api, 2)
    api.follow(first, author)
    api.follow(second, author)
    unfollow(api, second, author)
    api.follow(second, author)
    # When the pipeline has run
    pipeline.run_until_quiet()
    # Then the author is still fanned out to both
    assert not is_celebrity(author)
    tweet_id = api.tweet(author, "not famous")["id"]
    pipeline.run_until_quiet()
    assert all(int(tweet_id) in stored_entries(follower) for follower in (first, second))


# ---------------------------------------------------------------- inactive readers


def test_a_reader_who_never_read_gets_no_fan_out_and_is_rebuilt_on_first_read(api: Api, pipeline: Pipeline) -> None:
    # Given a reader who has never read its home timeline, following an author
    reader, author = api.register(), api.register()
    api.follow(reader, author)
    # When the author posts and the pipeline runs
    tweet_id = api.tweet(author, "anyone there?")["id"]
    pipeline.run_until_quiet()
    # Then nothing was written to the reader's timeline
    assert stored_entries(reader) == {}
    # When the reader reads for the first time
    served = home_ids(api, reader)
    # Then its timeline is rebuilt from its followees' recent tweets
    assert served == [tweet_id]
    assert stored_entries(reader) == {int(tweet_id): int(author.id)}


def test_a_reader_back_after_the_inactive_window_gets_no_fan_out_meanwhile_and_is_rebuilt(
    api: Api, pipeline: Pipeline
) -> None:
    # Given a reader who last read its timeline 31 days ago (InactiveAfterDays is 30), following an author
    reader, author = api.register(), api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    now_ms = int(time.time() * 1000)
    home_timeline_page(
        dependencies(), dependencies().settings, int(reader.id), PageRequest(), now_ms=now_ms - 31 * DAY_MS
    )
    # When the author posts meanwhile
    tweet_id = api.tweet(author, "while you were away")["id"]
    pipeline.run_until_quiet()
    # Then no fan-out reached the reader
    assert stored_entries(reader) == {}
    # When the reader comes back and reads
    served = home_ids(api, reader)
    # Then its timeline is rebuilt with the tweet, and it counts as active again
    assert served == [tweet_id]
    assert int(tweet_id) in stored_entries(reader)
    record = activity_record(reader)
    assert record is not None and record["last_seen_ms"] >= now_ms


def test_a_returning_readers_activity_record_notes_the_rebuild(api: Api, pipeline: Pipeline) -> None:
    # Given a reader who last read its timeline 31 days ago
    reader = api.register()
    now_ms = int(time.time() * 1000)
    home_timeline_page(
        dependencies(), dependencies().settings, int(reader.id), PageRequest(), now_ms=now_ms - 31 * DAY_MS
    )
    # When it reads again now
    home_timeline_page(dependencies(), dependencies().settings, int(reader.id), PageRequest(), now_ms=now_ms)
    # Then its activity record says it was seen and rebuilt now
    record = activity_record(reader)
    assert record is not None
    assert (record["last_seen_ms"], record["rebuilt_at_ms"]) == (now_ms, now_ms)


# ---------------------------------------------------------------- the cap


def test_walking_every_page_yields_at_most_the_cap_newest_first(api: Api, start_pipeline: StartPipeline) -> None:
    # Given TimelineMaxEntries=5 and a reader whose timeline holds 8 tweets (no trimming)
    pipeline = start_pipeline({"TimelineMaxEntries": "5"}, {"TIMELINE_TRIM_PROBABILITY": "0"})
    (reader,) = readers(api, 1)
    author = api.register()
    tweet_ids = post(api, author, 8)
    api.follow(reader, author)
    pipeline.run_until_quiet()
    assert len(stored_entries(reader)) == 8
    # When the reader walks every page, two entries at a time
    pages = walk_home(api, reader, limit=2)
    # Then it is served the 5 newest, newest first, each once, and the last page has no cursor
    served = [entry["id"] for page in pages for entry in page]
    assert served == tweet_ids[::-1][:5]
    assert [len(page) for page in pages] == [2, 2, 1]


@pytest.mark.parametrize(("probability", "stored"), [("1", 5), ("0", 9)])
def test_the_writer_trims_a_timeline_to_the_cap_with_the_trim_probability(
    api: Api, start_pipeline: StartPipeline, probability: str, stored: int
) -> None:
    # Given TimelineMaxEntries=5 and TIMELINE_TRIM_PROBABILITY
    pipeline = start_pipeline({"TimelineMaxEntries": "5"}, {"TIMELINE_TRIM_PROBABILITY": probability})
    (reader,) = readers(api, 1)
    author = api.register()
    tweet_ids = post(api, author, 8)
    # When the reader follows an author with 8 tweets, and the author posts once more
    api.follow(reader, author)
    pipeline.run_until_quiet()
    tweet_ids.append(api.tweet(author, "one more")["id"])
    pipeline.run_until_quiet()
    # Then the table holds the newest 5 when every write trims, all 9 when none does
    entries = sorted(stored_entries(reader), reverse=True)
    assert entries == [int(tweet_id) for tweet_id in tweet_ids[::-1][:stored]]


def test_every_timeline_is_trimmed_to_the_cap_the_authors_own_too(api: Api, start_pipeline: StartPipeline) -> None:
    # Given TimelineMaxEntries=5, TIMELINE_TRIM_PROBABILITY=1 and an active author with an active follower
    pipeline = start_pipeline({"TimelineMaxEntries": "5"}, {"TIMELINE_TRIM_PROBABILITY": "1"})
    author, reader = readers(api, 2)
    api.follow(reader, author)
    # When the author posts 8 tweets and the pipeline runs
    tweet_ids = post(api, author, 8)
    pipeline.run_until_quiet()
    # Then no timeline physically holds more than the cap: each holds the newest 5
    assert sorted(stored_entries(reader)) == sorted(stored_entries(author)) == sorted(map(int, tweet_ids))[-5:]


def test_an_author_who_never_reads_has_its_own_timeline_trimmed_too(api: Api, start_pipeline: StartPipeline) -> None:
    # Given TimelineMaxEntries=5, TIMELINE_TRIM_PROBABILITY=1 and an author who never reads its home timeline
    pipeline = start_pipeline({"TimelineMaxEntries": "5"}, {"TIMELINE_TRIM_PROBABILITY": "1"})
    author = api.register()
    # When it posts 8 tweets and the pipeline runs
    tweet_ids = post(api, author, 8)
    pipeline.run_until_quiet()
    # Then its timeline holds no more than the cap either
    assert sorted(stored_entries(author)) == sorted(map(int, tweet_ids))[-5:]


def test_a_tweet_deleted_before_its_fan_out_leaves_no_entry_in_the_authors_timeline(
    api: Api, pipeline: Pipeline
) -> None:
    # Given an active author with an active follower
    author, reader = readers(api, 2)
    api.follow(reader, author)
    pipeline.run_until_quiet()
    # When it posts and deletes a tweet before the pipeline runs, then the pipeline runs
    kept, deleted = post(api, author, 2)
    delete_tweet(api, author, deleted)
    pipeline.run_until_quiet()
    # Then neither timeline stores the deleted tweet
    assert stored_entries(reader) == {int(kept): int(author.id)}
    assert stored_entries(author) == {int(kept): int(author.id)}


# ---------------------------------------------------------------- redelivery and failures


def test_redelivered_stream_records_and_messages_create_no_duplicates(api: Api, pipeline: Pipeline) -> None:
    # Given two active readers following an author who posts twice
    first, second = readers(api, 2)
    author = api.register()
    api.follow(first, author)
    api.follow(second, author)
    pipeline.run_until_quiet()
    tweet_ids = post(api, author, 2)
    # When the tweets stream's batch is delivered twice
    (tweets_stream,) = [source for source in pipeline.stream_sources if source.event_name == "TweetsStream"]
    records = pipeline.new_stream_records(tweets_stream)
    assert len(records) == 2
    assert pipeline.fan_out(records) == []
    assert pipeline.fan_out(records) == []
    # And every message batch is handed to the writer twice before it is deleted
    messages = pipeline.receive_all()
    assert messages
    assert pipeline.write(messages) == []
    assert pipeline.write(messages) == []
    pipeline.run_until_quiet()
    # Then each reader's timeline holds each tweet exactly once, and serves it once
    expected = {int(tweet_id): int(author.id) for tweet_id in tweet_ids}
    for reader in (first, second):
        assert stored_entries(reader) == expected
        assert home_ids(api, reader) == tweet_ids[::-1]


def test_the_writer_reports_only_a_malformed_message_and_applies_its_batch_mates(api: Api, pipeline: Pipeline) -> None:
    # Given the fan-out's messages for a new tweet, and a malformed message sent to the same queue
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    tweet_id = api.tweet(author, "good news")["id"]
    pipeline.fan_out_pending()
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody='{"op": "add", "owners": []}')
    batch = pipeline.receive_all()
    (bad,) = [record for record in batch if '"owners": []' in record["body"]]
    assert len(batch) >= 2
    # When the writer gets them in one batch
    failed = pipeline.write(batch)
    # Then only the malformed one is reported, and the good one was applied
    assert failed == [bad["messageId"]]
    assert int(tweet_id) in stored_entries(reader)


def test_a_poison_message_reaches_the_dead_letter_queue_after_max_receive_count(pipeline: Pipeline) -> None:
    # Given a message no writer can apply, on the timeline queue
    poison = '{"op": "explode"}'
    pipeline.sqs.send_message(QueueUrl=pipeline.queue_url, MessageBody=poison)
    # When the writer fails on it at every receive (its visibility set to 0 instead of waiting 180 s)
    receives = 0
    while batch := pipeline.receive():
        receives += 1
        assert pipeline.write(batch) == [batch[0]["messageId"]]
        pipeline.sqs.change_message_visibility(
            QueueUrl=pipeline.queue_url, ReceiptHandle=batch[0]["receiptHandle"], VisibilityTimeout=0
        )
        assert receives <= 10, "the message never left the timeline queue"
    # Then after maxReceiveCount receives it has moved to the timeline DLQ, body intact
    assert receives == int(pipeline.redrive_policy["maxReceiveCount"])
    dead = pipeline.sqs.receive_message(QueueUrl=pipeline.dead_letter_queue_url).get("Messages", [])
    assert [message["Body"] for message in dead] == [poison]


def test_the_fan_out_reports_only_a_record_it_cannot_handle(api: Api, pipeline: Pipeline) -> None:
    # Given a batch of the tweets stream's records, one of which claims to come from an unknown table
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    good, stray = post(api, author, 2)
    (tweets_stream,) = [source for source in pipeline.stream_sources if source.event_name == "TweetsStream"]
    records = pipeline.new_stream_records(tweets_stream)
    stray_record = next(r for r in records if r["dynamodb"]["Keys"]["tweet_id"]["N"] == stray)
    stray_record["eventSourceARN"] = stray_record["eventSourceARN"].replace("TweetsTable", "UnknownTable")
    # When the fan-out handles the batch
    failed = pipeline.fan_out(records)
    # Then only that record is reported, and its batch-mate was fanned out
    assert failed == [stray_record["dynamodb"]["SequenceNumber"]]
    pipeline.write_pending()
    assert set(stored_entries(reader)) == {int(good)}


def test_an_unfollowed_authors_tweet_stays_out_whatever_order_the_writer_applies_changes(
    api: Api, pipeline: Pipeline
) -> None:
    # Given an active reader following an author, and the author's new tweet already fanned out (not yet written)
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    pipeline.run_until_quiet()
    api.tweet(author, "in flight")
    pipeline.fan_out_pending()
    # When the reader unfollows, and the standard queue hands the writer the newer change first
    unfollow(api, reader, author)
    pipeline.fan_out_pending()
    messages = pipeline.receive_all()
    # Three messages: the tweet's adds (the author's own, so its timeline is trimmed, then the follower's),
    # then the unfollow's remove_author
    assert [(json.loads(record["body"])["op"], json.loads(record["body"])["owners"]) for record in messages] == [
        ("add", [int(author.id)]),
        ("add", [int(reader.id)]),
        ("remove_author", [int(reader.id)]),
    ]
    for record in reversed(messages):
        assert pipeline.write([record]) == []
    pipeline.run_until_quiet()
    # Then nothing of the unfollowed author is in the reader's timeline
    assert stored_entries(reader) == {}
    assert home_ids(api, reader) == []


def test_a_refollowed_authors_tweets_stay_whatever_order_the_writer_applies_changes(
    api: Api, pipeline: Pipeline
) -> None:
    # Given an active reader following an author with a tweet in its timeline
    (reader,) = readers(api, 1)
    author = api.register()
    tweet_id = api.tweet(author, "still here")["id"]
    api.follow(reader, author)
    pipeline.run_until_quiet()
    # When the reader unfollows and follows again, and the standard queue hands the writer the newer change first
    unfollow(api, reader, author)
    pipeline.fan_out_pending()
    api.follow(reader, author)
    pipeline.fan_out_pending()
    messages = pipeline.receive_all()
    assert ['"remove_author"' in record["body"] for record in messages] == [True, False]
    for record in reversed(messages):
        assert pipeline.write([record]) == []
    pipeline.run_until_quiet()
    # Then the followed author's tweet is in the reader's timeline
    assert int(tweet_id) in stored_entries(reader)
    assert home_ids(api, reader) == [tweet_id]


# ---------------------------------------------------------------- the routes


def test_the_home_timeline_routes_need_a_token_and_the_owner(api: Api, pipeline: Pipeline) -> None:
    # Given two accounts
    me, other = api.register(), api.register()
    # Then without a token both routes answer 401, and another's home timeline 403
    assert api.get("/api/timeline").status == 401
    assert api.get(f"/api/users/{me.id}/timeline").status == 401
    forbidden = api.get(f"/api/users/{other.id}/timeline", token=me.access_token)
    assert forbidden.status == 403, forbidden.body
    assert forbidden.error["code"] == "forbidden"


def test_my_home_timeline_by_id_equals_the_home_timeline_with_author_fields(api: Api, pipeline: Pipeline) -> None:
    # Given a reader following an author, with tweets of both
    (reader,) = readers(api, 1)
    author = api.register()
    api.follow(reader, author)
    api.tweet(author, "from the author")
    api.tweet(reader, "from the reader")
    pipeline.run_until_quiet()
    # When the reader reads its timeline by both routes
    mine = api.get("/api/timeline", token=reader.access_token)
    by_id = api.get(f"/api/users/{reader.id}/timeline", token=reader.access_token)
    # Then they are equal, and each entry is a tweet with its author's id, username and name
    assert mine.status == by_id.status == 200
    assert mine.json() == by_id.json()
    entries = mine.json()["data"]
    assert [entry["author"]["username"] for entry in entries] == [reader.username, author.username]
    for entry in entries:
        assert set(entry) >= {"id", "text", "author_id", "created_at", "entities", "public_metrics"}
        assert entry["author"]["id"] == entry["author_id"]
        assert entry["author"] == {
            "id": entry["author_id"],
            "username": api.user(entry["author_id"])["username"],
            "name": api.user(entry["author_id"])["name"],
        }
