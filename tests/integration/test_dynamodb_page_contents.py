"""What a home-timeline page reads, on moto: the author's recent-tweets item (written and removed in the
tweets' own transactions, trimmed by `trim_recent`), `page_contents` (tweets, people and recent-tweets
items in one BatchGetItem, split past 100 keys), and `head` (the activity record and the newest
entries in one Query)."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb import batch
from chirp.adapters.dynamodb import tweets as tweets_adapter
from chirp.adapters.dynamodb.models import TOP_OF_PARTITION, TweetItem
from chirp.adapters.dynamodb.timelines import DynamoTimelineRepository
from chirp.adapters.dynamodb.tweet_items import raw_tweet, to_tweet
from chirp.adapters.dynamodb.tweets import DynamoTweetRepository
from chirp.ids import id_timestamp_ms, lowest_id_at, new_id
from chirp.pages import PageRequest
from chirp.timelines.models import TimelineActivity, TimelineEntry, TimelineHead
from chirp.tweets.models import RecentTweets, Tweet
from chirp.tweets.text import parse_tweet_text
from chirp.users.models import NewAccount, ProfileChanges, User
from chirp.wiring.api import ApiDependencies, dependencies


@pytest.fixture
def repos(aws: dict[str, str]) -> ApiDependencies:
    return dependencies()


def add_user(repos: ApiDependencies, username: str, name: str | None = None) -> User:
    user = User(id=new_id(), username=username, name=name or username, created_at_ms=1_767_225_600_000)
    repos.users.create(NewAccount(user=user, email=f"{username}@example.com", password_hash="h"))
    return user


@pytest.fixture
def author(repos: ApiDependencies) -> int:
    return add_user(repos, "alice").id


def add_tweet(repos: ApiDependencies, author: int, text: str) -> Tweet:
    """A tweet with the entities posting would extract from its text."""
    tweet_id = new_id()
    tweet = Tweet(
        id=tweet_id,
        author_id=author,
        text=text,
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=parse_tweet_text(text).entities.as_dict(),
    )
    repos.tweets.create(tweet)
    return tweet


def recent_of(repos: ApiDependencies, author: int) -> RecentTweets:
    recent = repos.timelines.page_contents([], [], [author]).recent
    assert author in recent
    return recent[author]


def test_the_recent_window_holds_the_live_tweets_newest_first(repos: ApiDependencies, author: int) -> None:
    # Given three tweets with entities, the middle one deleted
    a = add_tweet(repos, author, "first #chirp with @bob")
    b = add_tweet(repos, author, "second, about $ACME")
    c = add_tweet(repos, author, "third: café ☕ https://example.com #naïve")
    repos.tweets.delete(b)
    # When the author's recent tweets are read
    contents = repos.timelines.page_contents([], [], [author])
    # Then they are the two live ones, newest first, text and entities as posted, nothing older
    assert contents.recent == {author: RecentTweets(tweets=[c, a], has_older=False)}
    assert c.entities["urls"] and c.entities["hashtags"] and a.entities["mentions"]
    assert (contents.tweets, contents.users) == ({}, {})


def test_trim_recent_leaves_a_window_within_keep_plus_slack(repos: ApiDependencies, author: int) -> None:
    # Given three tweets, no more than keep (2) + slack (1)
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    # When the window is trimmed
    dropped = repos.tweets.trim_recent(author, keep=2, slack=1)
    # Then nothing is dropped
    assert dropped == 0
    assert recent_of(repos, author) == RecentTweets(tweets=tweets[::-1], has_older=False)


def test_trim_recent_keeps_the_newest_once_past_keep_plus_slack(repos: ApiDependencies, author: int) -> None:
    # Given four tweets, one more than keep (2) + slack (1)
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(4)]
    # When the window is trimmed
    dropped = repos.tweets.trim_recent(author, keep=2, slack=1)
    # Then the two oldest leave the window, which notes that older tweets exist
    assert dropped == 2
    assert recent_of(repos, author) == RecentTweets(tweets=[tweets[3], tweets[2]], has_older=True)
    # And the tweets themselves remain
    assert list(repos.tweets.live_ids(author, PageRequest()).items) == [tweet.id for tweet in reversed(tweets)]


def test_page_contents_answers_the_tweets_that_exist_as_get_does(repos: ApiDependencies, author: int) -> None:
    # Given three tweets (one with counters and one with no entities at all), the second deleted
    counted = add_tweet(repos, author, "counted #chirp @bob")
    deleted = add_tweet(repos, author, "goes")
    plain_id = new_id()
    plain = Tweet(id=plain_id, author_id=author, text="plain", created_at_ms=id_timestamp_ms(plain_id))
    repos.tweets.create(plain)
    repos.tweets.delete(deleted)
    boto3.client("dynamodb").update_item(
        TableName=dependencies().settings.tweets_table,
        Key={"tweet_id": {"N": str(counted.id)}},
        UpdateExpression="SET like_count = :likes, reply_count = :replies, retweet_count = :rts, quote_count = :quotes",
        ExpressionAttributeValues={
            ":likes": {"N": "3"},
            ":replies": {"N": "2"},
            ":rts": {"N": "1"},
            ":quotes": {"N": "4"},
        },
    )
    # When the page's contents are read, the deleted tweet and an unknown id among them
    contents = repos.timelines.page_contents([counted.id, deleted.id, plain.id, 42], [], [])
    # Then the tweets that exist are there, each equal to what get answers (counters included)
    assert set(contents.tweets) == {counted.id, plain.id}
    assert contents.tweets == {counted.id: repos.tweets.get(counted.id), plain.id: repos.tweets.get(plain.id)}
    assert contents.tweets[counted.id].metrics.like_count == 3
    assert contents.tweets[plain.id].entities == {}


def test_raw_tweet_equals_to_tweet_of_the_same_item(repos: ApiDependencies, author: int) -> None:
    # Given a stored tweet with entities
    tweet = add_tweet(repos, author, "raw and modelled #same @bob $ACME")
    # When it is read raw and as a model
    raw = boto3.client("dynamodb").get_item(
        TableName=dependencies().settings.tweets_table, Key={"tweet_id": {"N": str(tweet.id)}}, ConsistentRead=True
    )["Item"]
    modelled = to_tweet(TweetItem.get(tweet.id, consistent_read=True))
    # Then both give the same tweet, the one posted
    assert raw_tweet(raw) == modelled == tweet


def test_page_contents_answers_the_people_asked_for(repos: ApiDependencies) -> None:
    # Given three accounts, each with a name unlike its username
    people = [add_user(repos, f"user{i}", name=f"Person Number {i}") for i in range(3)]
    # When the page's contents are read for them and an unknown id
    contents = repos.timelines.page_contents([], [person.id for person in people] + [42], [])
    # Then each account is there with the fields a page shows; the unknown id is absent
    assert {
        user_id: (user.id, user.username, user.name, user.created_at_ms) for user_id, user in contents.users.items()
    } == {person.id: (person.id, person.username, person.name, person.created_at_ms) for person in people}


def test_an_author_who_never_tweeted_has_no_recent_tweets(repos: ApiDependencies, author: int) -> None:
    # Given one author with a tweet, and one who never tweeted
    tweet = add_tweet(repos, author, "hello")
    silent = add_user(repos, "silent").id
    # When both authors' recent tweets are read
    recent = repos.timelines.page_contents([], [], [silent, author]).recent
    # Then only the one who tweeted is there
    assert recent == {author: RecentTweets(tweets=[tweet], has_older=False)}


def test_page_contents_past_100_keys_answers_every_item_that_exists(
    repos: ApiDependencies, author: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given every BatchGetItem request batch_get sends recorded
    requests: list[dict[str, Any]] = []
    get_chunk = batch._get_chunk

    def recording(pending: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        requests.append(pending)
        return get_chunk(pending)

    monkeypatch.setattr(batch, "_get_chunk", recording)
    # And three real tweets and two real people among 60 tweet ids, 60 user ids and the author's recent tweets
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    other = add_user(repos, "bob")
    # (the missing tweets a minute old, as deleted ones are: a young one missing would be read again consistently)
    a_minute_ago = lowest_id_at(id_timestamp_ms(tweets[0].id) - 60_000)
    tweet_ids = [tweet.id for tweet in tweets] + [a_minute_ago + i for i in range(57)]
    user_ids = [author, other.id] + [new_id() for _ in range(58)]
    # When the page's contents are read (121 keys)
    contents = repos.timelines.page_contents(tweet_ids, user_ids, [author])
    # Then every item that exists is there
    assert contents.tweets == {tweet.id: tweet for tweet in tweets}
    assert set(contents.users) == {author, other.id}
    assert contents.recent == {author: RecentTweets(tweets=tweets[::-1], has_older=False)}
    # And the keys went in two requests of at most 100, each key once
    sizes = [sum(len(read["Keys"]) for read in request.values()) for request in requests]
    assert sorted(sizes) == [21, 100]


def test_head_answers_the_activity_and_the_newest_entries(repos: ApiDependencies, author: int) -> None:
    # Given three tweets of the owner's (its own timeline gets each), and its activity record
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    activity = TimelineActivity(last_seen_ms=1_767_225_600_123, rebuilt_at_ms=1_767_225_600_045)
    repos.timelines.record_activity(author, activity)
    # When the head of its timeline is read, two entries deep
    head = repos.timelines.head(author, 2)
    # Then it holds the activity and the two newest entries
    assert head == TimelineHead(
        activity=activity, entries=[TimelineEntry.for_tweet(tweets[2]), TimelineEntry.for_tweet(tweets[1])]
    )


def test_head_with_room_to_spare_answers_every_entry(repos: ApiDependencies, author: int) -> None:
    # Given three tweets of the owner's and its activity record
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    activity = TimelineActivity(last_seen_ms=1_767_225_600_123, rebuilt_at_ms=1_767_225_600_045)
    repos.timelines.record_activity(author, activity)
    # When the head is read deeper than the timeline
    head = repos.timelines.head(author, 10)
    # Then it holds the activity and every entry, newest first
    assert head == TimelineHead(activity=activity, entries=[TimelineEntry.for_tweet(t) for t in reversed(tweets)])


def test_newest_never_answers_the_activity_record(repos: ApiDependencies, author: int) -> None:
    # Given three tweets of the owner's and its activity record
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    repos.timelines.record_activity(author, TimelineActivity(last_seen_ms=1, rebuilt_at_ms=2))
    # When the newest entries are read
    entries = repos.timelines.newest(author, None, 10)
    # Then they are the three entries only
    assert entries == [TimelineEntry.for_tweet(tweet) for tweet in reversed(tweets)]


def test_an_activity_record_left_at_entry_id_0_by_an_earlier_version_is_never_an_entry(
    repos: ApiDependencies, author: int
) -> None:
    # Given a timeline written before the activity record moved to the top of the partition
    tweet = add_tweet(repos, author, "kept")
    boto3.client("dynamodb").put_item(
        TableName=dependencies().settings.timelines_table,
        Item={"owner_id": {"N": str(author)}, "entry_id": {"N": "0"}, "last_seen_ms": {"N": "1"}},
    )
    # When its top and its newest entries are read
    head, newest = repos.timelines.head(author, 10), repos.timelines.newest(author, None, 10)
    # Then the old record is neither an entry nor the activity record
    assert head == TimelineHead(activity=None, entries=[TimelineEntry.for_tweet(tweet)])
    assert newest == [TimelineEntry.for_tweet(tweet)]


def test_head_without_an_activity_record_answers_the_entries(repos: ApiDependencies, author: int) -> None:
    # Given three tweets of the owner's and no activity record
    tweets = [add_tweet(repos, author, f"tweet {i}") for i in range(3)]
    # When the head of its timeline is read, two entries deep
    head = repos.timelines.head(author, 2)
    # Then it has no activity and the two newest entries
    assert head == TimelineHead(
        activity=None, entries=[TimelineEntry.for_tweet(tweets[2]), TimelineEntry.for_tweet(tweets[1])]
    )


def test_head_of_an_empty_timeline_is_empty(repos: ApiDependencies, author: int) -> None:
    # Given an owner who never tweeted and has no activity record
    # When the head of its timeline is read
    head = repos.timelines.head(author, 2)
    # Then there is nothing
    assert head == TimelineHead(activity=None, entries=[])


def test_live_ids_leave_out_the_recent_tweets_item(repos: ApiDependencies, author: int) -> None:
    # Given two tweets, so the author's partition also holds the recent-tweets item at its top
    older, newer = add_tweet(repos, author, "older"), add_tweet(repos, author, "newer")
    top = boto3.client("dynamodb").get_item(
        TableName=dependencies().settings.author_tweets_table,
        Key={"author_id": {"N": str(author)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}},
        ConsistentRead=True,
    )
    assert "Item" in top
    # When the author's live ids are read
    page = repos.tweets.live_ids(author, PageRequest())
    # Then they are the tweets' ids only
    assert TOP_OF_PARTITION not in page.items
    assert (list(page.items), page.next_cursor) == ([newer.id, older.id], None)


# ---------------------------------------------------------------- author profiles, kept per sandbox


@pytest.mark.parametrize(("seconds", "shown"), [(60, "Alice"), (0, "Alice Renamed")])
def test_a_renamed_author_shows_once_the_profile_cache_window_has_passed(
    repos: ApiDependencies, seconds: int, shown: str
) -> None:
    # Given a repository keeping profiles for `seconds`, which has shown an author once
    alice = add_user(repos, "alice", "Alice")
    timelines = DynamoTimelineRepository(profile_cache_seconds=seconds)
    assert timelines.page_contents([], [alice.id], []).users[alice.id].name == "Alice"
    # When the author renames itself
    repos.users.update_profile(alice.id, ProfileChanges(name="Alice Renamed"))
    # Then the kept profile is shown within the window; with no window, the new name at once
    assert timelines.page_contents([], [alice.id], []).users[alice.id].name == shown


# ---------------------------------------------------------------- pulls on the activity record


def pulls_of(repos: ApiDependencies, owner: int) -> frozenset[int] | None:
    activity = repos.timelines.activity([owner]).get(owner)
    return activity.pulls if activity else None


def test_start_pulling_adds_the_author_only_for_owners_who_follow_it(repos: ApiDependencies) -> None:
    # Given a celebrity, one follower and one reader who does not follow it (neither has read yet)
    celebrity, follower, stranger = (add_user(repos, name).id for name in ("star", "fan", "passerby"))
    repos.follows.follow(follower, celebrity)
    # When both are told to pull it
    repos.timelines.start_pulling([follower, stranger], celebrity)
    # Then only the follower pulls it (its activity record is made for the purpose), the other has no record
    assert (pulls_of(repos, follower), pulls_of(repos, stranger)) == (frozenset({celebrity}), None)


def test_recording_activity_keeps_the_pulls(repos: ApiDependencies) -> None:
    # Given a follower pulling a celebrity
    celebrity, follower = (add_user(repos, name).id for name in ("star", "fan"))
    repos.follows.follow(follower, celebrity)
    repos.timelines.start_pulling([follower], celebrity)
    # When its reading is recorded
    repos.timelines.record_activity(follower, TimelineActivity(last_seen_ms=5, rebuilt_at_ms=3))
    # Then the record has both
    assert repos.timelines.activity([follower])[follower] == TimelineActivity(5, 3, frozenset({celebrity}))


def test_unfollowing_a_celebrity_stops_pulling_it_at_once(repos: ApiDependencies) -> None:
    # Given a follower pulling two celebrities
    first, second, follower = (add_user(repos, name).id for name in ("star", "idol", "fan"))
    for celebrity in (first, second):
        repos.follows.follow(follower, celebrity)
        repos.timelines.start_pulling([follower], celebrity)
    # When it unfollows one of them (before any fan-out has run)
    repos.follows.unfollow(follower, first)
    # Then its next read pulls only the other
    assert pulls_of(repos, follower) == frozenset({second})


def test_an_owner_who_unfollows_and_follows_again_pulls_the_author_again(repos: ApiDependencies) -> None:
    # Given two followers pulling a celebrity
    celebrity, gone, back = (add_user(repos, name).id for name in ("star", "gone", "back"))
    for follower in (gone, back):
        repos.follows.follow(follower, celebrity)
    repos.timelines.start_pulling([gone, back], celebrity)
    # When both unfollow, and one follows again (the fan-out's start_pulling follows its follow)
    for follower in (gone, back):
        repos.follows.unfollow(follower, celebrity)
    repos.follows.follow(back, celebrity)
    repos.timelines.start_pulling([back], celebrity)
    # Then only the one who still follows pulls it
    assert (pulls_of(repos, gone), pulls_of(repos, back)) == (frozenset(), frozenset({celebrity}))


def test_stop_pulling_a_demoted_author_drops_it_and_makes_no_record(repos: ApiDependencies) -> None:
    # Given a follower pulling a celebrity, and a reader with no activity record
    celebrity, follower, nobody = (add_user(repos, name).id for name in ("star", "fan", "nobody"))
    repos.follows.follow(follower, celebrity)
    repos.timelines.start_pulling([follower], celebrity)
    # When the author is demoted for both
    repos.timelines.stop_pulling([follower, nobody], celebrity)
    # Then the follower no longer pulls it, and no record was made for the other
    assert (pulls_of(repos, follower), pulls_of(repos, nobody)) == (frozenset(), None)


def test_a_post_trims_its_authors_recent_tweets_itself_once_they_reach_the_hard_limit(
    repos: ApiDependencies, author: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a hard limit of 4 kept tweets, 2 kept after a trim, and no fan-out function trimming
    monkeypatch.setattr(tweets_adapter, "RECENT_TWEETS_HARD_LIMIT", 4)
    tweets = DynamoTweetRepository(timeline_entry_ttl_seconds=3600, recent_tweets_kept=2)
    # When the author posts 10 tweets
    posted = []
    for number in range(10):
        tweet_id = new_id()
        posted.append(Tweet(id=tweet_id, author_id=author, text=f"t{number}", created_at_ms=id_timestamp_ms(tweet_id)))
        tweets.create(posted[-1])
    # Then every post was stored, and the item never held more than the limit: its newest tweets, older ones noted
    assert all(tweets.get(tweet.id) == tweet for tweet in posted)
    recent = recent_of(repos, author)
    assert 2 <= len(recent.tweets) <= 4
    assert recent.tweets == list(reversed(posted))[: len(recent.tweets)]
    assert recent.has_older


def test_a_post_trims_its_authors_recent_tweets_itself_once_they_would_pass_the_byte_limit(
    repos: ApiDependencies, author: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an item bounded at 3,000 bytes (1,500 kept after a trim), and tweets of ~500 bytes each as kept
    monkeypatch.setattr(tweets_adapter, "RECENT_TWEETS_BYTES_LIMIT", 3_000)
    monkeypatch.setattr(tweets_adapter, "RECENT_TWEETS_BYTES_KEPT", 1_500)
    tweets = DynamoTweetRepository(timeline_entry_ttl_seconds=3600, recent_tweets_kept=20)
    # When the author posts 12 of them, with no fan-out function trimming
    posted = []
    for number in range(12):
        tweet_id = new_id()
        text = f"{number:02d}" + "é" * 150  # 302 bytes of UTF-8
        posted.append(Tweet(id=tweet_id, author_id=author, text=text, created_at_ms=id_timestamp_ms(tweet_id)))
        tweets.create(posted[-1])
    # Then every post was stored, and the item kept only the newest that fit, older ones noted
    assert all(tweets.get(tweet.id) == tweet for tweet in posted)
    recent = recent_of(repos, author)
    assert 1 <= len(recent.tweets) <= 6
    assert recent.tweets == list(reversed(posted))[: len(recent.tweets)]
    assert recent.has_older


def test_the_fan_out_trim_keeps_a_heavy_authors_newest_tweets_within_the_bytes_kept(
    repos: ApiDependencies, author: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 5 tweets of ~470 bytes each as kept, fewer than keep + slack
    newest_first = [add_tweet(repos, author, f"{number} " + "x" * 270) for number in range(5)][::-1]
    monkeypatch.setattr(tweets_adapter, "RECENT_TWEETS_BYTES_KEPT", 1_200)
    # When the fan-out function trims (keep 20, slack 10)
    dropped = repos.tweets.trim_recent(author, keep=20, slack=10)
    # Then only the newest two (about 950 bytes) are kept
    assert dropped == 3
    recent = recent_of(repos, author)
    assert [tweet.id for tweet in recent.tweets] == [tweet.id for tweet in newest_first[:2]]
    assert recent.has_older


def test_page_contents_reads_a_young_tweet_an_eventually_consistent_read_missed_again_consistently(
    repos: ApiDependencies, author: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a tweet just posted and an old one since deleted, and a replica that has not caught up with the new one:
    # the page's eventually consistent read does not find it
    from chirp.adapters.dynamodb import timelines as timelines_adapter

    young = add_tweet(repos, author, "just posted")
    deleted_old_id = lowest_id_at(id_timestamp_ms(young.id) - 60_000)  # a minute older, and not in the table
    reads: list[dict[str, batch.TableRead]] = []

    def lagging(requested: dict[str, batch.TableRead]) -> dict[str, list[dict[str, Any]]]:
        reads.append(requested)
        found = batch.batch_get(requested)
        table = TweetItem.Meta.table_name
        if table in requested and not requested[table].consistent:
            found[table] = [raw for raw in found[table] if int(raw["tweet_id"]["N"]) != young.id]
        return found

    monkeypatch.setattr(timelines_adapter, "batch_get", lagging)
    # When a page's contents are read
    contents = DynamoTimelineRepository().page_contents([young.id, deleted_old_id], [author], [])
    # Then the young tweet is there, read again strongly consistent, alone; the old missing one is not read again
    assert contents.tweets == {young.id: young}
    assert reads[0][TweetItem.Meta.table_name].consistent is False
    (again,) = reads[1:]
    assert again[TweetItem.Meta.table_name].consistent is True
    assert again[TweetItem.Meta.table_name].keys == [{"tweet_id": {"N": str(young.id)}}]
