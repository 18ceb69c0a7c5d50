"""Domain events on the wire (chirp.events.schema): the envelope, its attributes, and decoding that
refuses what it does not know rather than guessing."""

from __future__ import annotations

import json

import pytest
from chirp.events.schema import (
    EVENT_TYPES,
    ProfileChanged,
    TweetDeleted,
    TweetPosted,
    UnknownEvent,
    UserFollowed,
    attributes,
    decode,
    encode,
)

POSTED = TweetPosted(
    id="ev-1", time_ms=1_767_225_600_000, tweet_id=2**62, author_id=7, text="héllo 🐦", entities={"hashtags": []}
)


def test_an_event_travels_as_an_envelope_with_its_fields_under_data() -> None:
    # When
    envelope = json.loads(encode(POSTED))
    # Then
    assert envelope == {
        "type": "TweetPosted",
        "version": 1,
        "id": "ev-1",
        "time_ms": 1_767_225_600_000,
        "data": {
            "tweet_id": 2**62,
            "author_id": 7,
            "text": "héllo 🐦",
            "entities": {"hashtags": []},
            # what a reply or quote adds: null for a plain tweet
            "conversation_id": None,
            "in_reply_to_tweet_id": None,
            "in_reply_to_user_id": None,
            "quoted_tweet_id": None,
            "quoted_author_id": None,
            "media_ids": [],  # a tweet without media
        },
    }


def test_decoding_what_was_encoded_gives_the_same_event_back() -> None:
    # Then
    assert decode(encode(POSTED)) == POSTED


def test_a_message_from_before_media_decodes_with_none() -> None:
    # Given a TweetPosted, a TweetDeleted and a ProfileChanged as published before they carried media ids
    profile = {"user_id": 7, "username": "ada", "name": "Ada", "description": "", "location": "", "url": ""}
    messages = [
        ("TweetPosted", {"tweet_id": 1, "author_id": 7, "text": "hi", "entities": {}}),
        ("TweetDeleted", {"tweet_id": 1, "author_id": 7}),
        ("ProfileChanged", profile | {"changed": ["name"]}),
    ]
    # When
    posted, deleted, changed = (
        decode(json.dumps({"type": kind, "version": 1, "id": "ev", "time_ms": 0, "data": data}))
        for kind, data in messages
    )
    # Then
    assert isinstance(posted, TweetPosted)
    assert isinstance(deleted, TweetDeleted)
    assert isinstance(changed, ProfileChanged)
    assert (posted.media_ids, deleted.media_ids, changed.media_ids, changed.released_media_ids) == ([], [], [], [])


def test_the_attributes_subscriptions_filter_on_are_the_type_and_version() -> None:
    # Then
    assert attributes(POSTED) == {"type": "TweetPosted", "version": "1"}


def test_every_event_type_has_one_model_per_version() -> None:
    # Then
    assert all(name == model.TYPE and version == model.VERSION for (name, version), model in EVENT_TYPES.items())


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("not json", "not JSON"),
        ("[]", "not an event envelope"),
        ('{"type": "TweetPosted", "version": 1}', "not an event envelope"),
        ('{"type": "TweetFavorited", "version": 1, "id": "x", "time_ms": 0, "data": {}}', "no event 'TweetFavorited'"),
        ('{"type": "TweetPosted", "version": 2, "id": "x", "time_ms": 0, "data": {}}', "version 2"),
        ('{"type": "UserFollowed", "version": 1, "id": "x", "time_ms": 0, "data": {"follower_id": 1}}', "wrong fields"),
        (
            '{"type": "UserFollowed", "version": 1, "id": "x", "time_ms": 0,'
            ' "data": {"follower_id": 1, "followee_id": 2, "extra": 3}}',
            "wrong fields",
        ),
    ],
)
def test_a_message_that_is_not_a_known_event_is_refused_saying_why(body: str, reason: str) -> None:
    # When / Then
    with pytest.raises(UnknownEvent, match=reason):
        decode(body)


def test_events_are_immutable() -> None:
    # Given
    followed = UserFollowed(id="ev", time_ms=0, follower_id=1, followee_id=2)
    # When / Then
    with pytest.raises(ValueError, match="frozen"):
        followed.follower_id = 3  # type: ignore[misc]
