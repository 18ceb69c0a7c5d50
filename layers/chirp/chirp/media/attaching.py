"""Which media a user may attach (to a tweet, or as a profile's avatar or banner), and the errors that say why not.

Only the user's own media, only once processed (`ready`: a tweet or a profile never shows an upload that may
still fail), and only media attached to nothing yet (a media item belongs to one tweet or one profile image; its
objects are deleted with it). Another user's media answers as if it did not exist: ids are not secrets, but
whose uploads exist is nobody else's business.

The repositories check owner, state and attachment again in the write that attaches them, so a media item taken
by a concurrent tweet between this check and that write refuses the loser (MediaAttachedElsewhere).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chirp.errors import Conflict, InvalidRequest, NotFound
from chirp.media.kinds import MediaKind
from chirp.media.models import Media, MediaState


class MediaNotReady(Conflict):
    """Still processing (or waiting for its upload): try again once GET /api/media/{id} says `ready`."""

    code = "media_not_ready"


class MediaFailed(InvalidRequest):
    """Processing refused the upload; the message says why. It will never be ready."""

    code = "media_failed"


class MediaAttachedElsewhere(Conflict):
    """The media belongs to a tweet or a profile image already."""

    code = "media_attached"


class WrongMediaKind(InvalidRequest):
    """Media of a kind the place does not take (a video as an avatar), or a mix a tweet does not carry."""

    code = "media_kind"


def attachable(found: Mapping[int, Media], wanted: Sequence[int], owner_id: int, field: str) -> list[Media]:
    """The media `wanted`, in that order, read into `found`, if the owner may attach every one of them; the
    first that may not raises (NotFound, MediaFailed, MediaNotReady, MediaAttachedElsewhere) naming `field`."""
    usable = []
    for media_id in wanted:
        media = found.get(media_id)
        if media is None or media.owner_id != owner_id:
            raise NotFound(f"{field}: media {media_id} does not exist")
        if media.state is MediaState.FAILED:
            raise MediaFailed(f"{field}: media {media_id} could not be processed: {media.reason or 'no reason given'}")
        if media.state is not MediaState.READY:
            raise MediaNotReady(f"{field}: media {media_id} is still processing; post it once it is ready")
        if media.attached_to is not None:
            raise MediaAttachedElsewhere(f"{field}: media {media_id} is attached to a tweet or a profile already")
        usable.append(media)
    return usable


def profile_image(found: Mapping[int, Media], media_id: int, owner_id: int, field: str) -> Media:
    """The media a profile takes as its avatar or banner: attachable, and an image (not a GIF or a video)."""
    (media,) = attachable(found, [media_id], owner_id, field)
    if media.kind is not MediaKind.IMAGE:
        raise WrongMediaKind(f"{field}: media {media_id} is a {media.kind.value}; a profile takes an image")
    return media
