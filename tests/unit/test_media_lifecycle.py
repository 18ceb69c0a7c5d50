"""chirp.media.lifecycle: which media a tweet or profile keeps, and what letting go of media deletes, on an
in-memory repository and bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from chirp.media.kinds import MediaKind
from chirp.media.lifecycle import ATTACHED_TAG, erase, keep
from chirp.media.models import Attachment, Media, MediaState, ProcessingResult, Purpose, StoredVariant

OWNER = 7
TWEET = Attachment(Purpose.TWEET, 100)


class Repository:
    def __init__(self, *items: Media) -> None:
        self.items = {item.id: item for item in items}

    def create(self, media: Media, expires_at_s: int) -> None:
        self.items[media.id] = media

    def get(self, media_id: int) -> Media | None:
        return self.items.get(media_id)

    def get_many(self, media_ids: Sequence[int]) -> dict[int, Media]:
        return {media_id: self.items[media_id] for media_id in media_ids if media_id in self.items}

    def record_processing(self, media_id: int, result: ProcessingResult) -> bool:
        raise AssertionError("not used by the lifecycle")

    def set_alt_text(self, media_id: int, owner_id: int, alt_text: str) -> Media | None:
        raise AssertionError("not used by the lifecycle")

    def delete(self, media_id: int) -> None:
        self.items.pop(media_id, None)


class Bucket:
    def __init__(self, *keys: str) -> None:
        self.tags = dict.fromkeys(keys, "unattached")

    def tag(self, keys: Sequence[str], value: str) -> None:
        for key in keys:
            if key in self.tags:
                self.tags[key] = value

    def delete(self, keys: Sequence[str]) -> None:
        for key in keys:
            self.tags.pop(key, None)


def media(media_id: int, attached_to: Attachment | None) -> Media:
    variants = tuple(
        StoredVariant(name, f"media/{media_id}/{name}.webp", "image/webp", 10, 10) for name in ("thumb", "680")
    )
    return Media(
        id=media_id,
        owner_id=OWNER,
        kind=MediaKind.IMAGE,
        content_type="image/jpeg",
        size=1000,
        created_at_ms=0,
        state=MediaState.READY,
        variants=variants,
        attached_to=attached_to,
    )


def keys_of(*items: Media) -> list[str]:
    return [key for item in items for key in (*(v.key for v in item.variants), item.upload_key)]


def test_keeping_retags_the_variants_of_media_attached_to_that_tweet_only() -> None:
    # Given media 1 attached to the tweet, media 2 to another tweet, media 3 to none
    one, two, three = media(1, TWEET), media(2, Attachment(Purpose.TWEET, 999)), media(3, None)
    bucket = Bucket(*keys_of(one, two, three))
    # When the tweet's TweetPosted names all three (and an id that does not exist)
    kept = keep(Repository(one, two, three), bucket, [1, 2, 3, 4], TWEET)
    # Then only media 1's variants are tagged attached; its upload, and the others, are untouched
    assert kept == 1
    assert {key for key, tag in bucket.tags.items() if tag == ATTACHED_TAG} == {v.key for v in one.variants}


def test_erasing_deletes_variants_upload_and_item_of_the_media_attached_there() -> None:
    # Given media 1 attached to the tweet and media 2 attached to another one
    one, two = media(1, TWEET), media(2, Attachment(Purpose.TWEET, 999))
    repository, bucket = Repository(one, two), Bucket(*keys_of(one, two))
    # When the tweet is deleted, its event naming both
    erased = erase(repository, bucket, [1, 2], {TWEET})
    # Then media 1 is gone, objects and item; media 2, not the tweet's, is untouched
    assert erased == 1
    assert set(repository.items) == {2}
    assert set(bucket.tags) == set(keys_of(two))


def test_erasing_twice_is_a_no_op_the_second_time() -> None:
    # Given a tweet's media erased once
    one = media(1, TWEET)
    repository, bucket = Repository(one), Bucket(*keys_of(one))
    erase(repository, bucket, [1], {TWEET})
    # When the event is delivered again
    erased = erase(repository, bucket, [1], {TWEET})
    # Then nothing more is erased, and nothing fails
    assert erased == 0
    assert repository.items == {} and bucket.tags == {}


def test_a_profile_erases_the_avatar_it_let_go_but_not_another_users() -> None:
    # Given user 7's old avatar, and a media of user 8's attached as user 8's avatar
    mine = media(1, Attachment(Purpose.AVATAR, OWNER))
    theirs = replace(media(2, Attachment(Purpose.AVATAR, 8)), owner_id=8)
    repository = Repository(mine, theirs)
    profile = {Attachment(Purpose.AVATAR, OWNER), Attachment(Purpose.BANNER, OWNER)}
    # When user 7's ProfileChanged releases both ids (the second cannot be theirs to release)
    erased = erase(repository, Bucket(*keys_of(mine, theirs)), [1, 2], profile)
    # Then only user 7's old avatar is erased
    assert erased == 1
    assert set(repository.items) == {2}
