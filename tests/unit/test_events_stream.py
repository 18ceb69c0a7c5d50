"""The one decoder of stream records (chirp.events.stream): each Chirp table's records, in Lambda's
format, to the domain events they mean."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from chirp.events.schema import (
    ProfileChanged,
    TweetDeleted,
    TweetLiked,
    TweetPosted,
    TweetQuoted,
    TweetRepliedTo,
    TweetRetweeted,
    TweetUnliked,
    TweetUnretweeted,
    UserDeleted,
    UserFollowed,
    UserMentioned,
    UserRegistered,
    UserUnfollowed,
)
from chirp.events.stream import Source, Sources, UndecodableRecord, decode_record, table_of
from chirp.ids import id_timestamp_ms

SOURCES = Sources(
    {
        "t-Tweets": Source.TWEETS,
        "t-Follows": Source.FOLLOWS,
        "t-Users": Source.USERS,
        "t-Engagements": Source.ENGAGEMENTS,
    }
)
TWEET_ID = 1_000_000_000_000_123
FOLLOW_ID = 1_000_000_000_000_456


def arn(table: str) -> str:
    return f"arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2026-11-27T00:00:00.000"


def record(
    table: str, name: str, old: dict[str, Any] | None = None, new: dict[str, Any] | None = None
) -> DynamoDBRecord:
    """A stream record as Lambda delivers it (images in DynamoDB JSON)."""
    dynamodb: dict[str, Any] = {"ApproximateCreationDateTime": 1_767_225_700, "SequenceNumber": "100", "SizeBytes": 10}
    if old is not None:
        dynamodb["OldImage"] = old
    if new is not None:
        dynamodb["NewImage"] = new
    return DynamoDBRecord(
        {
            "eventID": "ev-1",
            "eventName": name,
            "eventSource": "aws:dynamodb",
            "eventSourceARN": arn(table),
            "dynamodb": dynamodb,
        }
    )


def tweet_image(**extra: Any) -> dict[str, Any]:
    entities = {"hashtags": [{"start": 6, "end": 10, "tag": "tag"}], "mentions": [], "urls": [], "cashtags": []}
    return {
        "tweet_id": {"N": str(TWEET_ID)},
        "author_id": {"N": "7"},
        "text": {"S": "hello #tag"},
        "entities": {"S": json.dumps(entities)},
        **extra,
    }


def user_image(**fields: str) -> dict[str, Any]:
    values = {"username": "ada", "name": "Ada", "description": "", "location": "", "url": ""} | fields
    image = {"pk": {"S": "USER#7"}, "user_id": {"N": "7"}, "followers_count": {"N": "3"}}
    image.update({name: {"S": value} for name, value in values.items() if value})
    return image


def test_a_new_tweet_is_tweet_posted_with_its_text_and_entities_at_its_ids_time() -> None:
    # When
    (event,) = decode_record(record("t-Tweets", "INSERT", new=tweet_image()), SOURCES)
    # Then
    assert isinstance(event, TweetPosted)
    assert (event.id, event.tweet_id, event.author_id, event.text) == ("ev-1", TWEET_ID, 7, "hello #tag")
    assert event.entities["hashtags"] == [{"start": 6, "end": 10, "tag": "tag"}]
    assert event.time_ms == id_timestamp_ms(TWEET_ID)


def test_a_removed_tweet_is_tweet_deleted_at_the_records_time() -> None:
    # When
    (event,) = decode_record(record("t-Tweets", "REMOVE", old=tweet_image()), SOURCES)
    # Then
    assert event == TweetDeleted(id="ev-1", time_ms=1_767_225_700_000, tweet_id=TWEET_ID, author_id=7)


def media_attribute(*media_ids: int) -> dict[str, str]:
    """A tweet item's `media` as chirp.adapters.dynamodb.tweet_items writes it (the id first in each entry)."""
    entries: list[list[Any]] = [[media_id, "image", "image/png", 10, 4, 3, None, "", []] for media_id in media_ids]
    return {"S": json.dumps(entries)}


def test_a_tweet_with_media_is_posted_and_deleted_with_their_ids_in_order() -> None:
    # Given
    image = tweet_image(media=media_attribute(31, 30))
    # When
    (posted,) = decode_record(record("t-Tweets", "INSERT", new=image), SOURCES)
    (deleted,) = decode_record(record("t-Tweets", "REMOVE", old=image), SOURCES)
    # Then
    assert isinstance(posted, TweetPosted)
    assert posted.media_ids == [31, 30]
    assert deleted == TweetDeleted(
        id="ev-1", time_ms=1_767_225_700_000, tweet_id=TWEET_ID, author_id=7, media_ids=[31, 30]
    )


def test_a_tweet_without_media_carries_no_media_ids() -> None:
    # When
    (posted,) = decode_record(record("t-Tweets", "INSERT", new=tweet_image()), SOURCES)
    (deleted,) = decode_record(record("t-Tweets", "REMOVE", old=tweet_image()), SOURCES)
    # Then
    assert isinstance(posted, TweetPosted)
    assert isinstance(deleted, TweetDeleted)
    assert (posted.media_ids, deleted.media_ids) == ([], [])


def test_an_engagement_counter_update_means_nothing() -> None:
    # Given a tweet whose like count moved
    changed = record("t-Tweets", "MODIFY", old=tweet_image(), new=tweet_image(like_count={"N": "1"}))
    # Then
    assert decode_record(changed, SOURCES) == []


def n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def test_a_reply_that_quotes_and_mentions_says_so_to_each_user_it_concerns() -> None:
    # Given a reply by 7 to user 8's tweet 50 (thread root 40), quoting user 9's tweet 60, mentioning 8, 11 and 11 again
    mentions = [{"start": 0, "end": 2, "username": "b", "id": "8"}, {"start": 3, "end": 5, "username": "c", "id": "11"}]
    mentions.append({"start": 6, "end": 8, "username": "c", "id": "11"})
    mentions.append({"start": 9, "end": 11, "username": "nobody"})  # no such user: no id
    image = tweet_image(
        entities={"S": json.dumps({"mentions": mentions})},
        conversation_id=n(40),
        in_reply_to_tweet_id=n(50),
        in_reply_to_user_id=n(8),
        quoted_tweet_id=n(60),
        quoted_author_id=n(9),
    )
    # When
    events = decode_record(record("t-Tweets", "INSERT", new=image), SOURCES)
    # Then the tweet is posted with its references, and each user it concerns hears of it once, with an id of its own
    posted, replied, quoted, *mentioned = events
    assert isinstance(posted, TweetPosted)
    assert (posted.conversation_id, posted.in_reply_to_tweet_id, posted.in_reply_to_user_id) == (40, 50, 8)
    assert (posted.quoted_tweet_id, posted.quoted_author_id) == (60, 9)
    at = id_timestamp_ms(TWEET_ID)
    assert replied == TweetRepliedTo(
        id="ev-1:reply", time_ms=at, user_id=7, reply_id=TWEET_ID, tweet_id=50, author_id=8
    )
    assert quoted == TweetQuoted(id="ev-1:quote", time_ms=at, user_id=7, quote_id=TWEET_ID, tweet_id=60, author_id=9)
    assert mentioned == [
        UserMentioned(id=f"ev-1:mention:{user}", time_ms=at, user_id=user, tweet_id=TWEET_ID, author_id=7)
        for user in (8, 11)
    ]


def test_a_plain_tweet_is_its_own_conversation() -> None:
    # When
    (posted,) = decode_record(record("t-Tweets", "INSERT", new=tweet_image()), SOURCES)
    # Then
    assert isinstance(posted, TweetPosted)
    assert (posted.conversation_id, posted.in_reply_to_tweet_id, posted.quoted_tweet_id) == (TWEET_ID, None, None)


def test_a_retweet_is_retweeted_and_its_removal_unretweeted_not_posted_or_deleted() -> None:
    # Given user 7's retweet (TWEET_ID) of user 8's tweet 50
    image = tweet_image(text={"S": ""}, retweet_of=n(50), retweet_of_author=n(8))
    # When
    (retweeted,) = decode_record(record("t-Tweets", "INSERT", new=image), SOURCES)
    (unretweeted,) = decode_record(record("t-Tweets", "REMOVE", old=image), SOURCES)
    # Then
    fields = {"user_id": 7, "retweet_id": TWEET_ID, "tweet_id": 50, "author_id": 8}
    assert retweeted == TweetRetweeted(id="ev-1", time_ms=id_timestamp_ms(TWEET_ID), **fields)
    assert unretweeted == TweetUnretweeted(id="ev-1", time_ms=1_767_225_700_000, **fields)


def test_a_like_edge_is_liked_and_its_removal_unliked() -> None:
    # Given user 7's like (edge id FOLLOW_ID) of user 8's tweet 50
    edge = {"user_id": n(7), "edge": {"S": "L#50"}, "tweet_id": n(50), "author_id": n(8), "edge_id": n(FOLLOW_ID)}
    # When
    (liked,) = decode_record(record("t-Engagements", "INSERT", new=edge), SOURCES)
    (unliked,) = decode_record(record("t-Engagements", "REMOVE", old=edge), SOURCES)
    # Then
    assert liked == TweetLiked(id="ev-1", time_ms=id_timestamp_ms(FOLLOW_ID), user_id=7, tweet_id=50, author_id=8)
    assert unliked == TweetUnliked(id="ev-1", time_ms=1_767_225_700_000, user_id=7, tweet_id=50, author_id=8)


@pytest.mark.parametrize("edge", ["R#50", "P#90", "Q#90", "A#8"])
def test_other_engagement_items_mean_nothing_on_their_own(edge: str) -> None:
    # Given a retweet, reply or quote edge (their tweets' records tell it) or a viewer's summary
    image = {"user_id": n(7), "edge": {"S": edge}, "tweet_id": n(50), "author_id": n(8), "edge_id": n(90)}
    # Then
    assert decode_record(record("t-Engagements", "INSERT", new=image), SOURCES) == []


def test_follows_and_unfollows() -> None:
    # Given
    edge = {"follower_id": {"N": "1"}, "followee_id": {"N": "2"}, "follow_id": {"N": str(FOLLOW_ID)}}
    # When
    (followed,) = decode_record(record("t-Follows", "INSERT", new=edge), SOURCES)
    (unfollowed,) = decode_record(record("t-Follows", "REMOVE", old=edge), SOURCES)
    # Then
    assert followed == UserFollowed(id="ev-1", time_ms=id_timestamp_ms(FOLLOW_ID), follower_id=1, followee_id=2)
    assert unfollowed == UserUnfollowed(id="ev-1", time_ms=1_767_225_700_000, follower_id=1, followee_id=2)


def test_a_new_user_item_is_user_registered_and_a_removed_one_user_deleted() -> None:
    # When
    (registered,) = decode_record(record("t-Users", "INSERT", new=user_image()), SOURCES)
    (deleted,) = decode_record(record("t-Users", "REMOVE", old=user_image()), SOURCES)
    # Then
    assert registered == UserRegistered(id="ev-1", time_ms=1_767_225_700_000, user_id=7, username="ada", name="Ada")
    assert deleted == UserDeleted(id="ev-1", time_ms=1_767_225_700_000, user_id=7, username="ada")


def test_a_profile_change_names_the_fields_it_touched_and_carries_the_whole_profile() -> None:
    # When
    changed = record("t-Users", "MODIFY", old=user_image(), new=user_image(name="Ada L.", url="https://ada.dev"))
    (event,) = decode_record(changed, SOURCES)
    # Then
    assert isinstance(event, ProfileChanged)
    assert event.changed == ["name", "url"]
    assert (event.username, event.name, event.url, event.description) == ("ada", "Ada L.", "https://ada.dev", "")


def test_a_new_avatar_is_a_profile_change_carrying_its_media_and_the_one_it_replaced() -> None:
    # Given the avatar replaced (media 21 by 22) and a banner set (media 31)
    old = user_image() | {"avatar_media_id": n(21), "avatar_key": {"S": "media/21/small.webp"}}
    new = user_image() | {"avatar_media_id": n(22), "avatar_key": {"S": "media/22/small.webp"}}
    new |= {"banner_media_id": n(31), "banner_key": {"S": "media/31/medium.webp"}}
    # When
    (event,) = decode_record(record("t-Users", "MODIFY", old=old, new=new), SOURCES)
    # Then
    assert isinstance(event, ProfileChanged)
    assert event.changed == ["avatar", "banner"]
    assert (event.media_ids, event.released_media_ids) == ([22, 31], [21])


def test_a_removed_banner_releases_its_media_and_attaches_none() -> None:
    # Given
    old = user_image() | {"banner_media_id": n(31), "banner_key": {"S": "media/31/medium.webp"}}
    # When
    (event,) = decode_record(record("t-Users", "MODIFY", old=old, new=user_image(name="Ada L.")), SOURCES)
    # Then
    assert isinstance(event, ProfileChanged)
    assert event.changed == ["name", "banner"]
    assert (event.media_ids, event.released_media_ids) == ([], [31])


def test_a_profile_change_without_images_carries_no_media() -> None:
    # Given an avatar kept as it was
    image = user_image() | {"avatar_media_id": n(21), "avatar_key": {"S": "media/21/small.webp"}}
    # When
    (event,) = decode_record(record("t-Users", "MODIFY", old=image, new=image | {"name": {"S": "Ada L."}}), SOURCES)
    # Then
    assert isinstance(event, ProfileChanged)
    assert (event.changed, event.media_ids, event.released_media_ids) == (["name"], [], [])


def test_a_counter_or_the_celebrity_flag_on_a_user_means_nothing() -> None:
    # Given
    new = user_image() | {"followers_count": {"N": "4"}, "celebrity": {"BOOL": True}}
    # Then
    assert decode_record(record("t-Users", "MODIFY", old=user_image(), new=new), SOURCES) == []


def test_username_and_email_claims_mean_nothing() -> None:
    # Given
    claim = {"pk": {"S": "USERNAME#ada"}, "user_id": {"N": "7"}}
    # Then
    assert decode_record(record("t-Users", "INSERT", new=claim), SOURCES) == []


def test_a_record_from_a_table_the_function_does_not_read_is_refused_naming_it() -> None:
    # When / Then
    with pytest.raises(UndecodableRecord, match="t-Likes"):
        decode_record(record("t-Likes", "INSERT", new={}), SOURCES)


def test_a_record_without_the_image_it_needs_is_refused_naming_what_is_missing() -> None:
    # Given a KEYS_ONLY-like record of a new tweet
    keys_only = record("t-Tweets", "INSERT", new={"tweet_id": {"N": str(TWEET_ID)}})
    # When / Then
    with pytest.raises(UndecodableRecord, match="author_id, text"):
        decode_record(keys_only, SOURCES)


@pytest.mark.parametrize(
    ("source_arn", "table"),
    [
        ("arn:aws:dynamodb:us-east-1:123456789012:table/chirp-TweetsTable-1A2B/stream/2026-11-21T10:00:00.000",
         "chirp-TweetsTable-1A2B"),
        ("arn:aws:dynamodb:ddblocal:000000000000:table/chirp-local-FollowsTable/stream/2026-11-21T10:00:00.000",
         "chirp-local-FollowsTable"),
        (None, ""),
        ("", ""),
    ],
)  # fmt: skip
def test_table_of_reads_the_table_name_from_a_stream_arn(source_arn: str | None, table: str) -> None:
    # Given a record's event source ARN (AWS's, DynamoDB Local's, or none)
    # Then the table is the name between ":table/" and "/stream/"
    assert table_of(source_arn) == table
