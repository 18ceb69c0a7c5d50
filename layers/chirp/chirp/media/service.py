"""Media as its owner handles it before posting: asking to upload a file, following what became of it, and
describing it (alt text).

Only the owner sees a media before it is posted: its state, its reason for failing, and that it exists at
all (anyone else gets 404, as for an id that does not exist). Once attached to a tweet or a profile it is
fixed as it was posted, alt text included (409).

The rules answer 400, as Twitter's upload does (INIT with an unknown `media_type` or a `total_bytes` over the
limit): an unknown type is a 400 rather than a 415, which this API keeps for a request body that is not JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

from chirp.errors import Conflict, InvalidInput, NotFound
from chirp.ids import minted
from chirp.media.inputs import UploadRequest
from chirp.media.kinds import ACCEPTED_CONTENT_TYPES, LIMITS, MB, MediaKind, declared_type
from chirp.media.models import MAX_ALT_TEXT, UNATTACHED_LIFETIME_S, Media, Purpose
from chirp.media.repository import MediaAlreadyAttached, MediaRepository
from chirp.media.uploads import UPLOAD_EXPIRES_S, PresignedPost, UploadSigner

_KIND_NAMES = {MediaKind.IMAGE: "an image", MediaKind.GIF: "a GIF", MediaKind.VIDEO: "a video"}
_ATTACHED_TO = {Purpose.TWEET: "a tweet", Purpose.AVATAR: "a profile's avatar", Purpose.BANNER: "a profile's banner"}
_SHOWN_TYPE_LENGTH = 60  # how much of an unknown media_type the error message repeats


class MediaAttached(Conflict):
    """The media was posted (in a tweet, as an avatar or a banner): it no longer changes."""

    code = "media_attached"


@dataclass(frozen=True)
class Upload:
    """A media item waiting for its file, and the POST that uploads it (admitted until `expires_at_ms`)."""

    media: Media
    post: PresignedPost
    expires_at_ms: int


def create_upload(
    media: MediaRepository, signer: UploadSigner, owner_id: int, draft: UploadRequest, now_ms: int
) -> Upload:
    """A new media item (processing, forgotten a day later unless attached) and the presigned POST that admits
    exactly its file: the declared type and size, at the owner's upload key. InvalidInput (422) for a type that is
    not accepted, or a size outside 1 to the kind's limit."""
    real = declared_type(draft.media_type)
    kind = real.kind if real is not None else None
    if real is None or kind is None:
        shown = draft.media_type[:_SHOWN_TYPE_LENGTH]
        raise InvalidInput(f"media_type: {shown!r} is not accepted; send one of {', '.join(ACCEPTED_CONTENT_TYPES)}")
    limit = LIMITS[kind].max_bytes
    if not 1 <= draft.total_bytes <= limit:
        raise InvalidInput(
            f"total_bytes: {_KIND_NAMES[kind]} may be 1 to {limit:,} bytes ({limit // MB} MB); "
            f"got {draft.total_bytes:,}"
        )

    def create(media_id: int) -> Upload:  # again under a fresh id should the id be taken (chirp.ids)
        item = Media(
            id=media_id,
            owner_id=owner_id,
            kind=kind,
            content_type=real.value,
            size=draft.total_bytes,
            created_at_ms=now_ms,
        )
        # Signed first: it makes no call, and a failure leaves no item behind.
        post = signer.presign_post(item.upload_key, item.content_type, item.size, UPLOAD_EXPIRES_S)
        media.create(item, expires_at_s=now_ms // 1000 + UNATTACHED_LIFETIME_S)
        # Whole seconds, as the policy states its expiration (signed a moment later): never later than S3's.
        return Upload(media=item, post=post, expires_at_ms=(now_ms // 1000 + UPLOAD_EXPIRES_S) * 1000)

    return minted(create)


def get_media(media: MediaRepository, owner_id: int, media_id: int) -> Media:
    """The owner's media; NotFound for anyone else's, as for one that does not exist (or expired)."""
    found = media.get(media_id)
    if found is None or found.owner_id != owner_id:
        raise NotFound(f"media {media_id} not found")
    return found


def set_alt_text(media: MediaRepository, owner_id: int, media_id: int, alt_text: str) -> Media:
    """The owner's media with its alt text replaced ("" removes it). InvalidInput (422) past MAX_ALT_TEXT characters,
    NotFound for anyone else's media, MediaAttached once it is posted."""
    if len(alt_text) > MAX_ALT_TEXT:
        raise InvalidInput(f"alt_text: at most {MAX_ALT_TEXT:,} characters; got {len(alt_text):,}")
    try:
        changed = media.set_alt_text(media_id, owner_id, alt_text)
    except MediaAlreadyAttached as attached:
        raise MediaAttached(
            f"media {media_id} is attached to {_ATTACHED_TO[attached.attachment.purpose]}: "
            "its alt text stays as it was posted"
        ) from None
    if changed is None:
        raise NotFound(f"media {media_id} not found")
    return changed
