"""What a tweet may carry (chirp.tweets.media_rules: Twitter's mix of 4 images, or 1 GIF, or 1 video; empty text
only with media), which media a user may attach (chirp.media.attaching: own, ready, attached to nothing), and the
body that names them (chirp.tweets.inputs)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from chirp.errors import ChirpError, Conflict, InvalidInput, InvalidRequest, NotFound
from chirp.http.errors import status_for
from chirp.ids import EPOCH_MS
from chirp.media.attaching import (
    MediaAttachedElsewhere,
    MediaFailed,
    MediaNotReady,
    WrongMediaKind,
    attachable,
    profile_image,
)
from chirp.media.kinds import MediaKind
from chirp.media.models import Attachment, Media, MediaState, Purpose
from chirp.tweets.inputs import TweetDraft
from chirp.tweets.media_rules import check_media_mix, tweet_text
from pydantic import ValidationError

OWNER = 7
STRANGER = 8


def media(media_id: int, kind: MediaKind = MediaKind.IMAGE, **fields: Any) -> Media:
    ready = Media(
        id=media_id,
        owner_id=OWNER,
        kind=kind,
        content_type="image/jpeg",
        size=1000,
        created_at_ms=EPOCH_MS,
        state=MediaState.READY,
    )
    return replace(ready, **fields)


IMAGE, GIF, VIDEO = MediaKind.IMAGE, MediaKind.GIF, MediaKind.VIDEO


# ---------------------------------------------------------------- the mix


@pytest.mark.parametrize(
    "kinds",
    [[IMAGE], [IMAGE] * 2, [IMAGE] * 3, [IMAGE] * 4, [GIF], [VIDEO]],
    ids=["1 image", "2 images", "3 images", "4 images", "1 gif", "1 video"],
)
def test_a_tweet_carries_up_to_four_images_or_one_gif_or_one_video(kinds: list[MediaKind]) -> None:
    # Then no error
    check_media_mix([media(position, kind) for position, kind in enumerate(kinds, 1)])


@pytest.mark.parametrize(
    ("kinds", "named"),
    [
        ([IMAGE] * 5, "5 images"),
        ([IMAGE, GIF], "1 gif, 1 image"),
        ([IMAGE, VIDEO], "1 image, 1 video"),
        ([GIF, GIF], "2 gifs"),
        ([VIDEO, VIDEO], "2 videos"),
        ([GIF, VIDEO], "1 gif, 1 video"),
    ],
    ids=["5 images", "image and gif", "image and video", "2 gifs", "2 videos", "gif and video"],
)
def test_any_other_mix_is_a_400_that_says_the_rule_and_what_was_sent(kinds: list[MediaKind], named: str) -> None:
    # When
    with pytest.raises(WrongMediaKind) as refused:
        check_media_mix([media(position, kind) for position, kind in enumerate(kinds, 1)])
    # Then
    assert status_for(refused.value) == 400
    assert "up to 4 images, or 1 GIF, or 1 video" in refused.value.message
    assert named in refused.value.message
    assert refused.value.message.startswith("media.media_ids:")


# ---------------------------------------------------------------- the text


@pytest.mark.parametrize("text", ["", "  \n "])
def test_a_tweet_with_media_may_have_empty_text_stored_as_empty(text: str) -> None:
    # When
    parsed = tweet_text(text, carries_media=True)
    # Then
    assert parsed.text == ""
    assert parsed.entities.as_dict() == {"hashtags": [], "mentions": [], "urls": [], "cashtags": []}


@pytest.mark.parametrize("text", ["", "  \n "])
def test_a_tweet_without_media_still_needs_text(text: str) -> None:
    # Then
    with pytest.raises(InvalidInput, match="text: must not be empty"):
        tweet_text(text, carries_media=False)


def test_text_beside_media_obeys_the_text_rules() -> None:
    # When
    parsed = tweet_text("look #cats", carries_media=True)
    # Then
    assert parsed.text == "look #cats"
    assert parsed.entities.hashtags == [{"start": 5, "end": 10, "tag": "cats"}]
    with pytest.raises(InvalidInput, match="weighted characters"):
        tweet_text("a" * 281, carries_media=True)


# ---------------------------------------------------------------- who may attach what


def test_the_owners_ready_unattached_media_are_attachable_in_the_order_asked() -> None:
    # Given
    found = {1: media(1), 2: media(2)}
    # When
    usable = attachable(found, [2, 1], OWNER, "media.media_ids")
    # Then
    assert [item.id for item in usable] == [2, 1]


@pytest.mark.parametrize(
    ("stored", "error", "status", "said"),
    [
        (None, NotFound, 404, "media 1 does not exist"),
        (media(1, owner_id=STRANGER), NotFound, 404, "media 1 does not exist"),
        (media(1, state=MediaState.PROCESSING), MediaNotReady, 409, "still processing"),
        (media(1, state=MediaState.FAILED, reason="the file is an HTML document"), MediaFailed, 400, "HTML document"),
        (media(1, attached_to=Attachment(Purpose.TWEET, 99)), MediaAttachedElsewhere, 409, "attached"),
    ],
    ids=["unknown", "a stranger's", "processing", "failed", "attached"],
)
def test_media_that_cannot_be_attached_is_refused_saying_why(
    stored: Media | None, error: type[ChirpError], status: int, said: str
) -> None:
    # Given
    found = {1: stored} if stored is not None else {}
    # When
    with pytest.raises(error) as refused:
        attachable(found, [1], OWNER, "media.media_ids")
    # Then
    assert status_for(refused.value) == status
    assert said in refused.value.message
    assert refused.value.message.startswith("media.media_ids: ")


def test_a_strangers_media_is_refused_exactly_as_an_unknown_one() -> None:
    # When
    with pytest.raises(NotFound) as strangers:
        attachable({1: media(1, owner_id=STRANGER)}, [1], OWNER, "f")
    with pytest.raises(NotFound) as unknown:
        attachable({}, [1], OWNER, "f")
    # Then nothing tells them apart
    assert strangers.value.message == unknown.value.message


def test_the_errors_codes_tell_a_client_what_to_do() -> None:
    # Then
    assert (MediaNotReady.code, issubclass(MediaNotReady, Conflict)) == ("media_not_ready", True)
    assert (MediaAttachedElsewhere.code, issubclass(MediaAttachedElsewhere, Conflict)) == ("media_attached", True)
    assert (MediaFailed.code, issubclass(MediaFailed, InvalidRequest)) == ("media_failed", True)


@pytest.mark.parametrize("kind", [GIF, VIDEO])
def test_a_profile_takes_only_an_image(kind: MediaKind) -> None:
    # When
    with pytest.raises(WrongMediaKind, match=f"is a {kind.value}; a profile takes an image"):
        profile_image({1: media(1, kind)}, 1, OWNER, "avatar_media_id")
    # Then an image is taken
    assert profile_image({1: media(1)}, 1, OWNER, "avatar_media_id").id == 1


# ---------------------------------------------------------------- the body


def test_a_draft_names_one_to_four_distinct_media_ids() -> None:
    # When
    draft = TweetDraft.model_validate({"text": "", "media": {"media_ids": ["1", "2", "3", "4"]}})
    # Then
    assert draft.media is not None
    assert draft.media.media_ids == ["1", "2", "3", "4"]


@pytest.mark.parametrize(
    ("media_ids", "said"),
    [
        ([], "at least 1"),
        (["1", "2", "3", "4", "5"], "at most 4"),
        (["1", "1"], "must not name a media id twice"),
        (["0"], "must be a media id"),
        ([1], "string"),
    ],
    ids=["none", "five", "twice", "zero", "a number"],
)
def test_a_draft_with_wrong_media_ids_is_refused_naming_the_rule(media_ids: list[object], said: str) -> None:
    # Then
    with pytest.raises(ValidationError, match=said):
        TweetDraft.model_validate({"text": "hi", "media": {"media_ids": media_ids}})
