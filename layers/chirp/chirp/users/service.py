"""Registering users and reading or changing their profiles.

A profile's avatar and banner are media (POST /api/media), set by id: the caller's own, ready images attached to
nothing else (chirp.media.attaching), attached to the profile in the same write as the change. The one replaced
or removed stays attached to the profile until the media cleanup consumer erases it (ProfileChanged's
`released_media_ids`). A profile shows one variant of each: the avatar its `small` one (680 pixels on the long
edge, uncropped: sharp at the 130-odd pixels a profile page shows it at twice over; clients crop it round), the
banner its `medium` one (1200 on the long edge: a 600-pixel-wide header at twice over), each the largest there is
when the upload was smaller.
"""

from __future__ import annotations

from dataclasses import replace

from chirp.errors import InvalidInput, InvalidRequest, NotFound
from chirp.ids import id_timestamp_ms, minted, parse_id
from chirp.media.attaching import profile_image
from chirp.media.models import Media, StoredVariant
from chirp.media.repository import MediaRepository
from chirp.settings import PasswordSettings
from chirp.users import passwords
from chirp.users.inputs import ProfileUpdate, Registration
from chirp.users.models import ImageChange, NewAccount, ProfileChanges, ProfileImage, User
from chirp.users.repository import UserRepository

# The variant a profile shows of each image, by preference (processing writes `small` for every image, and
# `medium` for one over 680 pixels on its long edge).
AVATAR_VARIANTS = ("small", "thumb")
BANNER_VARIANTS = ("medium", "small")
IMAGE_FIELDS = {"avatar": ("avatar_media_id", AVATAR_VARIANTS), "banner": ("banner_media_id", BANNER_VARIANTS)}
TEXT_FIELDS = ("name", "description", "location", "url")


def register_user(users: UserRepository, settings: PasswordSettings, registration: Registration) -> User:
    email = str(registration.email)
    password_hash = passwords.hash_password(settings, registration.password)

    def create(user_id: int) -> User:  # again under a fresh id should the id be taken (chirp.ids)
        user = User(
            id=user_id,
            username=registration.username,
            name=registration.name or registration.username,
            created_at_ms=id_timestamp_ms(user_id),
        )
        users.create(NewAccount(user=user, email=email, password_hash=password_hash))
        return user

    return minted(create)


def get_user(users: UserRepository, user_id: int) -> User:
    """The user, as anyone may see it: NotFound for a suspended or deleted account too."""
    user = users.get(user_id)
    if user is None or not user.served:
        raise NotFound(f"user {user_id} does not exist")
    return user


def get_user_by_username(users: UserRepository, username: str) -> User:
    user_id = users.find_id_by_username(username)
    user = users.get(user_id) if user_id is not None else None
    if user is None or not user.served:
        raise NotFound(f"no user is called '{username}'")
    return user


def update_profile(users: UserRepository, media: MediaRepository, user_id: int, update: ProfileUpdate) -> User:
    """Change the fields sent; NotFound if the user is gone, and for an image the errors of
    chirp.media.attaching (an image taken by another write meanwhile: MediaAttachedElsewhere, from the write)."""
    sent = update.model_fields_set
    changes = ProfileChanges(**update.model_dump(include=set(TEXT_FIELDS) & sent))
    if changes.name is None and "name" in sent:
        raise InvalidInput("name: cannot be null; send a string of 1-50 characters")
    requested = {
        image: parse_id(raw, field) if (raw := getattr(update, field)) is not None else None
        for image, (field, _) in IMAGE_FIELDS.items()
        if field in sent
    }
    if requested:
        images = image_changes(users, media, user_id, requested)
        changes = replace(changes, avatar=images.get("avatar"), banner=images.get("banner"))
    return users.update_profile(user_id, changes)


def image_changes(
    users: UserRepository, media: MediaRepository, user_id: int, requested: dict[str, int | None]
) -> dict[str, ImageChange]:
    """The changes of the images requested (`avatar`, `banner`: a media id, or None to remove it) that change
    something: setting the avatar the profile has, or removing one it does not have, is no change."""
    current = get_user(users, user_id)
    now = {image: getattr(current, image).media_id if getattr(current, image) else None for image in IMAGE_FIELDS}
    differs = {image: media_id for image, media_id in requested.items() if media_id != now[image]}
    to_attach = {image: media_id for image, media_id in differs.items() if media_id is not None}
    if len(set(to_attach.values())) < len(to_attach):
        raise InvalidRequest("banner_media_id: the avatar and the banner cannot be the same media")
    found = media.get_many(list(to_attach.values())) if to_attach else {}
    changes = {}
    for image, media_id in differs.items():
        field, variants = IMAGE_FIELDS[image]
        taken = profile_image(found, media_id, user_id, field) if media_id is not None else None
        changes[image] = ImageChange(ProfileImage(taken.id, shown_variant(taken, variants).key) if taken else None)
    return changes


def shown_variant(media: Media, preferred: tuple[str, ...]) -> StoredVariant:
    """The first of the `preferred` variants the media has; its largest image otherwise."""
    for name in preferred:
        variant = media.variant(name)
        if variant is not None:
            return variant
    stills = [variant for variant in media.variants if variant.content_type.startswith("image/")]
    if not stills:
        raise InvalidRequest(f"media {media.id} has no image a profile can show")
    return max(stills, key=lambda variant: variant.width * variant.height)
