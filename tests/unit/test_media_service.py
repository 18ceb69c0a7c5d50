"""chirp.media.service: asking to upload (the declared type and size checked against Twitter's limits, the item
stored to expire a day later, the POST presigned for exactly its file), a media's state for its owner only, and
its alt text (bounded, fixed once posted). On an in-memory repository and a recording signer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest
from chirp.errors import InvalidInput, NotFound
from chirp.ids import EPOCH_MS
from chirp.media import service
from chirp.media.inputs import UploadRequest
from chirp.media.kinds import LIMITS, MB, MediaKind, declared_type
from chirp.media.models import (
    MAX_ALT_TEXT,
    UNATTACHED_LIFETIME_S,
    Attachment,
    Media,
    MediaState,
    ProcessingResult,
    Purpose,
)
from chirp.media.repository import MediaAlreadyAttached
from chirp.media.uploads import UPLOAD_EXPIRES_S, PresignedPost

OWNER, STRANGER = 11, 22
NOW_MS = EPOCH_MS + 5_000_123


@dataclass
class InMemoryMedia:
    """MediaRepository in a dict, with the DynamoDB adapter's rules for alt text (owner, not attached)."""

    items: dict[int, Media] = field(default_factory=dict)
    expires_at: dict[int, int] = field(default_factory=dict)

    def create(self, media: Media, expires_at_s: int) -> None:
        assert media.id not in self.items
        self.items[media.id] = media
        self.expires_at[media.id] = expires_at_s

    def get(self, media_id: int) -> Media | None:
        return self.items.get(media_id)

    def get_many(self, media_ids: Sequence[int]) -> dict[int, Media]:
        return {media_id: self.items[media_id] for media_id in media_ids if media_id in self.items}

    def record_processing(self, media_id: int, result: ProcessingResult) -> bool:
        raise NotImplementedError

    def set_alt_text(self, media_id: int, owner_id: int, alt_text: str) -> Media | None:
        current = self.items.get(media_id)
        if current is None or current.owner_id != owner_id:
            return None
        if current.attached_to is not None:
            raise MediaAlreadyAttached(current.attached_to)
        self.items[media_id] = replace(current, alt_text=alt_text)
        return self.items[media_id]

    def delete(self, media_id: int) -> None:
        self.items.pop(media_id, None)


@dataclass
class RecordingSigner:
    signed: list[tuple[str, str, int, int]] = field(default_factory=list)

    def presign_post(self, key: str, content_type: str, size: int, expires_in_s: int) -> PresignedPost:
        self.signed.append((key, content_type, size, expires_in_s))
        return PresignedPost(url="https://bucket.s3.us-east-1.amazonaws.com/", fields={"key": key})


@pytest.fixture
def repository() -> InMemoryMedia:
    return InMemoryMedia()


@pytest.fixture
def signer() -> RecordingSigner:
    return RecordingSigner()


def ask(repository: InMemoryMedia, signer: RecordingSigner, media_type: str, total_bytes: int) -> service.Upload:
    draft = UploadRequest(media_type=media_type, total_bytes=total_bytes)
    return service.create_upload(repository, signer, OWNER, draft, NOW_MS)


# ---------------------------------------------------------------- asking to upload


def test_an_upload_stores_a_processing_item_that_expires_a_day_later(
    repository: InMemoryMedia, signer: RecordingSigner
) -> None:
    # When
    upload = ask(repository, signer, "image/jpeg", 123_456)
    # Then the item is the owner's, processing, of the declared kind, type and size
    media = repository.items[upload.media.id]
    assert media == upload.media
    assert (media.owner_id, media.kind, media.content_type, media.size) == (
        OWNER,
        MediaKind.IMAGE,
        "image/jpeg",
        123_456,
    )
    assert (media.state, media.created_at_ms, media.alt_text, media.attached_to) == (
        MediaState.PROCESSING,
        NOW_MS,
        "",
        None,
    )
    # And it is forgotten a day after it was asked for, unless attached
    assert repository.expires_at[media.id] == NOW_MS // 1000 + UNATTACHED_LIFETIME_S


def test_the_post_is_presigned_for_exactly_the_declared_file_at_the_owners_upload_key(
    repository: InMemoryMedia, signer: RecordingSigner
) -> None:
    # When
    upload = ask(repository, signer, "video/mp4", 40 * MB)
    # Then one POST, for the owner's key of this media, the declared type and size, for 15 minutes
    assert signer.signed == [(f"uploads/{OWNER}/{upload.media.id}", "video/mp4", 40 * MB, UPLOAD_EXPIRES_S)]
    assert upload.post.fields == {"key": f"uploads/{OWNER}/{upload.media.id}"}
    # And its expiry is told in whole seconds, as the policy states it: never later than S3's
    assert upload.expires_at_ms == (NOW_MS - 123) + 15 * 60 * 1000


@pytest.mark.parametrize(
    ("declared", "kind", "stored"),
    [
        ("image/jpeg", MediaKind.IMAGE, "image/jpeg"),
        ("image/png", MediaKind.IMAGE, "image/png"),
        ("image/webp", MediaKind.IMAGE, "image/webp"),
        ("image/gif", MediaKind.GIF, "image/gif"),
        ("video/mp4", MediaKind.VIDEO, "video/mp4"),
        ("video/quicktime", MediaKind.VIDEO, "video/quicktime"),
        ("IMAGE/PNG; charset=binary", MediaKind.IMAGE, "image/png"),
    ],
)
def test_each_accepted_type_gives_its_kind_and_is_signed_as_its_canonical_name(
    repository: InMemoryMedia, signer: RecordingSigner, declared: str, kind: MediaKind, stored: str
) -> None:
    # When
    upload = ask(repository, signer, declared, 1000)
    # Then the kind follows the type, and the Content-Type the POST must carry is the type's plain name
    assert (upload.media.kind, upload.media.content_type) == (kind, stored)
    assert signer.signed[0][1] == stored


@pytest.mark.parametrize("declared", ["image/svg+xml", "text/html", "image/heic", "application/pdf", "", "jpeg"])
def test_a_type_that_is_not_accepted_is_refused_naming_the_accepted_ones(
    repository: InMemoryMedia, signer: RecordingSigner, declared: str
) -> None:
    # When
    with pytest.raises(InvalidInput) as refused:
        ask(repository, signer, declared, 1000)
    # Then the message names the field and every accepted type, and nothing was stored or signed
    message = refused.value.message
    assert message.startswith("media_type: ")
    for accepted in ("image/jpeg", "image/png", "image/webp", "image/gif", "video/mp4", "video/quicktime"):
        assert accepted in message
    assert (repository.items, signer.signed) == ({}, [])


def test_a_long_unknown_type_is_not_repeated_whole_in_the_message(
    repository: InMemoryMedia, signer: RecordingSigner
) -> None:
    # When
    with pytest.raises(InvalidInput) as refused:
        ask(repository, signer, "x" * 10_000, 1000)
    # Then
    assert len(refused.value.message) < 300


@pytest.mark.parametrize(
    ("declared", "limit", "mb"),
    [("image/jpeg", 5 * MB, 5), ("image/gif", 15 * MB, 15), ("video/quicktime", 512 * MB, 512)],
)
def test_each_kind_takes_up_to_its_limit_and_not_a_byte_more(
    repository: InMemoryMedia, signer: RecordingSigner, declared: str, limit: int, mb: int
) -> None:
    # Given the kind's limit, as kinds.LIMITS holds it
    real = declared_type(declared)
    assert real is not None and real.kind is not None
    assert limit == LIMITS[real.kind].max_bytes
    # When exactly the limit is declared, then one byte more
    accepted = ask(repository, signer, declared, limit)
    with pytest.raises(InvalidInput) as refused:
        ask(repository, signer, declared, limit + 1)
    # Then the first is taken; the second is refused, saying the limit
    assert accepted.media.size == limit
    assert refused.value.message.startswith("total_bytes: ")
    assert f"{limit:,} bytes ({mb} MB)" in refused.value.message
    assert len(repository.items) == 1


@pytest.mark.parametrize("total_bytes", [0, -1])
def test_an_empty_or_negative_size_is_refused(
    repository: InMemoryMedia, signer: RecordingSigner, total_bytes: int
) -> None:
    # When
    with pytest.raises(InvalidInput) as refused:
        ask(repository, signer, "image/png", total_bytes)
    # Then
    assert refused.value.message.startswith("total_bytes: an image may be 1 to ")
    assert repository.items == {}


def test_each_upload_gets_its_own_id(repository: InMemoryMedia, signer: RecordingSigner) -> None:
    # When
    ids = {ask(repository, signer, "image/png", 10).media.id for _ in range(50)}
    # Then
    assert len(ids) == 50


# ---------------------------------------------------------------- a media's state


def test_the_owner_reads_their_media(repository: InMemoryMedia, signer: RecordingSigner) -> None:
    # Given
    upload = ask(repository, signer, "image/png", 10)
    # When
    found = service.get_media(repository, OWNER, upload.media.id)
    # Then
    assert found == upload.media


def test_anyone_else_gets_not_found_as_for_a_media_that_does_not_exist(
    repository: InMemoryMedia, signer: RecordingSigner
) -> None:
    # Given
    upload = ask(repository, signer, "image/png", 10)
    # When
    with pytest.raises(NotFound) as strangers:
        service.get_media(repository, STRANGER, upload.media.id)
    with pytest.raises(NotFound) as missing:
        service.get_media(repository, OWNER, upload.media.id + 1)
    # Then both answers read alike: nothing tells a stranger the media exists
    assert strangers.value.message == f"media {upload.media.id} not found"
    assert missing.value.message == f"media {upload.media.id + 1} not found"


# ---------------------------------------------------------------- alt text


def test_the_owner_sets_and_removes_the_alt_text(repository: InMemoryMedia, signer: RecordingSigner) -> None:
    # Given
    media_id = ask(repository, signer, "image/png", 10).media.id
    # When
    described = service.set_alt_text(repository, OWNER, media_id, "A dog on a beach")
    removed = service.set_alt_text(repository, OWNER, media_id, "")
    # Then
    assert described.alt_text == "A dog on a beach"
    assert removed.alt_text == ""
    assert repository.items[media_id].alt_text == ""


def test_alt_text_takes_1000_characters_and_refuses_1001(repository: InMemoryMedia, signer: RecordingSigner) -> None:
    # Given a media, and texts of 1,000 and 1,001 characters (astral ones: characters, not UTF-16 units)
    media_id = ask(repository, signer, "image/png", 10).media.id
    longest, too_long = "🐶" * MAX_ALT_TEXT, "🐶" * (MAX_ALT_TEXT + 1)
    # When
    described = service.set_alt_text(repository, OWNER, media_id, longest)
    with pytest.raises(InvalidInput) as refused:
        service.set_alt_text(repository, OWNER, media_id, too_long)
    # Then the first is kept, the second refused saying the limit, and the first still stands
    assert described.alt_text == longest
    assert refused.value.message == "alt_text: at most 1,000 characters; got 1,001"
    assert repository.items[media_id].alt_text == longest


def test_a_stranger_cannot_set_the_alt_text(repository: InMemoryMedia, signer: RecordingSigner) -> None:
    # Given
    media_id = ask(repository, signer, "image/png", 10).media.id
    # When
    with pytest.raises(NotFound):
        service.set_alt_text(repository, STRANGER, media_id, "mine now")
    # Then
    assert repository.items[media_id].alt_text == ""


def test_alt_text_of_a_media_that_does_not_exist_is_not_found(repository: InMemoryMedia) -> None:
    with pytest.raises(NotFound):
        service.set_alt_text(repository, OWNER, 12345, "text")


@pytest.mark.parametrize(
    ("purpose", "named"),
    [(Purpose.TWEET, "a tweet"), (Purpose.AVATAR, "a profile's avatar"), (Purpose.BANNER, "a profile's banner")],
)
def test_once_attached_the_alt_text_is_fixed_as_posted(
    repository: InMemoryMedia, signer: RecordingSigner, purpose: Purpose, named: str
) -> None:
    # Given a media with alt text, then attached
    media_id = ask(repository, signer, "image/png", 10).media.id
    service.set_alt_text(repository, OWNER, media_id, "as posted")
    repository.items[media_id] = replace(repository.items[media_id], attached_to=Attachment(purpose, 99))
    # When
    with pytest.raises(service.MediaAttached) as refused:
        service.set_alt_text(repository, OWNER, media_id, "changed")
    # Then a conflict (409) naming what took it, and the alt text is unchanged
    assert refused.value.code == "media_attached"
    assert named in refused.value.message
    assert repository.items[media_id].alt_text == "as posted"
