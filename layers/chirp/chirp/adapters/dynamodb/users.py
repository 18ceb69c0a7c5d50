"""UserRepository on the users table: user items plus unique-handle claims. A profile change that sets an
avatar or a banner attaches its media item in the same transaction (media table)."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.attaching import attaching
from chirp.adapters.dynamodb.connection import Step, run_steps, run_transaction
from chirp.adapters.dynamodb.models import EMAIL_PREFIX, USER_PREFIX, USERNAME_PREFIX, HandleClaim, UserItem
from chirp.errors import Conflict, NotFound
from chirp.ids import IdTaken
from chirp.media.models import Attachment, Purpose
from chirp.users.models import (
    ImageChange,
    NewAccount,
    ProfileChanges,
    ProfileImage,
    PublicMetrics,
    TokenState,
    User,
)

_PROFILE_FIELDS = ("name", "description", "location", "url")
# Each profile image's attributes (media id, shown variant's key) and what its media is attached as.
_IMAGES = {
    "avatar": (UserItem.avatar_media_id, UserItem.avatar_key, Purpose.AVATAR),
    "banner": (UserItem.banner_media_id, UserItem.banner_key, Purpose.BANNER),
}


def user_key(user_id: int) -> str:
    return f"{USER_PREFIX}{user_id}"


def live_account() -> Any:
    """The condition on a user's item that it exists and is not deleted: what a write that makes something of
    the user (a follow of them, a block or mute of them) requires, so nothing new of an account appears while its
    erasure runs (chirp.erasure)."""
    return UserItem.pk.exists() & UserItem.deleted_at_ms.does_not_exist()


def to_user(item: UserItem) -> User:
    return User(
        id=int(item.user_id),
        username=item.username,
        name=item.name,
        created_at_ms=int(item.created_at_ms),
        description=item.description or "",
        location=item.location or "",
        url=item.url or "",
        metrics=PublicMetrics(
            followers_count=int(item.followers_count),
            following_count=int(item.following_count),
            tweet_count=int(item.tweet_count),
            like_count=int(item.like_count or 0),
        ),
        celebrity=bool(item.celebrity),
        avatar=_image(item.avatar_media_id, item.avatar_key),
        banner=_image(item.banner_media_id, item.banner_key),
        moderator=bool(item.moderator),
        suspended=item.suspended_at_ms is not None,
        deleted=item.deleted_at_ms is not None,
    )


def _image(media_id: float | None, key: str | None) -> ProfileImage | None:
    return ProfileImage(int(media_id), key) if media_id is not None and key is not None else None


class DynamoUserRepository:
    def create(self, account: NewAccount) -> None:
        user = account.user
        item = UserItem(
            pk=user_key(user.id),
            user_id=user.id,
            username=user.username,
            email=account.email,
            password_hash=account.password_hash,
            name=user.name,
            description=user.description or None,
            location=user.location or None,
            url=user.url or None,
            created_at_ms=user.created_at_ms,
        )
        username_claim = HandleClaim(pk=f"{USERNAME_PREFIX}{user.username.lower()}", user_id=user.id)
        email_claim = HandleClaim(pk=f"{EMAIL_PREFIX}{account.email.lower()}", user_id=user.id)

        # A deleted account's username is free once its grace period is over, even before TTL removes its claim.
        free = HandleClaim.pk.does_not_exist() | (HandleClaim.expires_at < int(time.time()))

        def write(transaction: TransactWrite) -> None:
            transaction.save(username_claim, condition=free)
            transaction.save(email_claim, condition=free)
            transaction.save(item, condition=UserItem.pk.does_not_exist())

        failed = run_transaction(write)
        if failed and failed[0] == "ConditionalCheckFailed":
            raise Conflict(f"username '{user.username}' is already taken")
        if failed and failed[1] == "ConditionalCheckFailed":
            raise Conflict("email is already registered")
        if failed:
            raise IdTaken(f"user id {user.id} is taken; register again")

    def get(self, user_id: int) -> User | None:
        try:
            return to_user(UserItem.get(user_key(user_id), consistent_read=True))
        except UserItem.DoesNotExist:
            return None

    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]:
        keys = [user_key(user_id) for user_id in dict.fromkeys(user_ids)]
        if not keys:
            return {}
        users = (to_user(item) for item in UserItem.batch_get(keys))
        return {user.id: user for user in users}

    def find_id_by_username(self, username: str) -> int | None:
        return self._claim_owner(f"{USERNAME_PREFIX}{username.lower()}")

    def ids_by_username(self, usernames: Iterable[str]) -> dict[str, int]:
        keys = list(dict.fromkeys(f"{USERNAME_PREFIX}{username.lower()}" for username in usernames))
        if not keys:
            return {}
        claims = HandleClaim.batch_get(keys)
        return {claim.pk[len(USERNAME_PREFIX) :]: int(claim.user_id) for claim in claims if claim.user_id is not None}

    def find_credentials(self, login: str) -> tuple[int, str] | None:
        prefix = EMAIL_PREFIX if "@" in login else USERNAME_PREFIX
        user_id = self._claim_owner(f"{prefix}{login.lower()}")
        if user_id is None:
            return None
        try:
            item = UserItem.get(user_key(user_id), consistent_read=True, attributes_to_get=["password_hash"])
        except UserItem.DoesNotExist:
            return None
        return user_id, item.password_hash

    def update_profile(self, user_id: int, changes: ProfileChanges) -> User:
        item = UserItem(pk=user_key(user_id))
        values = changes.as_dict()
        actions = [
            getattr(UserItem, field).set(values[field]) if values[field] else getattr(UserItem, field).remove()
            for field in _PROFILE_FIELDS
            if field in values
        ]
        if changes.images:
            return self._update_with_images(user_id, actions, changes.images)
        if not actions:
            found = self.get(user_id)
            if found is None:
                raise NotFound(f"user {user_id} does not exist")
            return found
        try:
            item.update(actions=actions, condition=UserItem.pk.exists())
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(f"user {user_id} does not exist") from None
            raise
        return to_user(item)

    def _update_with_images(self, user_id: int, actions: list[Any], images: dict[str, ImageChange]) -> User:
        """The profile's update and each image's attachment, in one transaction; the user read back after."""
        steps: list[Step] = []
        for name, change in images.items():
            media_attribute, key_attribute, purpose = _IMAGES[name]
            if change.image is None:
                actions += [media_attribute.remove(), key_attribute.remove()]
                continue
            actions += [media_attribute.set(change.image.media_id), key_attribute.set(change.image.key)]
            attachment = Attachment(purpose, user_id)
            steps.append(attaching(change.image.media_id, user_id, attachment, f"{name}_media_id"))
        profile = Step(
            lambda t: t.update(UserItem(pk=user_key(user_id)), actions=actions, condition=UserItem.pk.exists()),
            lambda: NotFound(f"user {user_id} does not exist"),
        )
        run_steps([profile, *steps])
        found = self.get(user_id)
        if found is None:
            raise NotFound(f"user {user_id} does not exist")
        return found

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        UserItem(pk=user_key(user_id)).update(
            actions=[UserItem.password_hash.set(password_hash)], condition=UserItem.pk.exists()
        )

    def set_celebrity(self, user_id: int, celebrity: bool) -> None:
        UserItem(pk=user_key(user_id)).update(
            actions=[UserItem.celebrity.set(celebrity)], condition=UserItem.pk.exists()
        )

    def password_hash(self, user_id: int) -> str | None:
        try:
            item = UserItem.get(user_key(user_id), consistent_read=True, attributes_to_get=["password_hash"])
            return item.password_hash
        except UserItem.DoesNotExist:
            return None

    def token_state(self, user_id: int) -> TokenState | None:
        try:
            item = UserItem.get(
                user_key(user_id),
                consistent_read=True,
                attributes_to_get=["pk", "token_version", "suspended_at_ms", "deleted_at_ms"],
            )
        except UserItem.DoesNotExist:
            return None
        return TokenState(
            version=int(item.token_version or 0),
            suspended=item.suspended_at_ms is not None,
            deleted=item.deleted_at_ms is not None,
        )

    def change_password(self, user_id: int, old_hash: str, new_hash: str) -> int | None:
        item = UserItem(pk=user_key(user_id))
        try:
            item.update(
                actions=[UserItem.password_hash.set(new_hash), UserItem.token_version.add(1)],
                condition=UserItem.pk.exists() & (UserItem.password_hash == old_hash),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return int(item.token_version or 0)

    def suspend(self, user_id: int) -> int:
        item = UserItem(pk=user_key(user_id))
        try:
            item.update(
                actions=[UserItem.suspended_at_ms.set(int(time.time() * 1000)), UserItem.token_version.add(1)],
                condition=UserItem.pk.exists(),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                raise NotFound(f"user {user_id} does not exist") from None
            raise
        return int(item.token_version or 0)

    def mark_deleted(self, user_id: int, password_hash: str, now_ms: int) -> bool:
        item = UserItem(pk=user_key(user_id))
        try:
            item.update(
                actions=[
                    UserItem.deleted_at_ms.set(now_ms),
                    UserItem.erasing.set(1),
                    UserItem.token_version.add(1),
                ],
                condition=UserItem.pk.exists()
                & UserItem.deleted_at_ms.does_not_exist()
                & (UserItem.password_hash == password_hash),
            )
        except UpdateError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_moderator(self, user_id: int, moderator: bool) -> None:
        UserItem(pk=user_key(user_id)).update(
            actions=[UserItem.moderator.set(True) if moderator else UserItem.moderator.remove()],
            condition=UserItem.pk.exists(),
        )

    @staticmethod
    def _claim_owner(pk: str) -> int | None:
        try:
            owner = HandleClaim.get(pk, consistent_read=True).user_id
        except HandleClaim.DoesNotExist:
            return None
        return int(owner) if owner is not None else None  # None: a deleted account's, in its grace period
