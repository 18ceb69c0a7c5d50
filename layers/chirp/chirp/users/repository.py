"""What the users aggregate needs from storage."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from chirp.users.models import NewAccount, ProfileChanges, TokenState, User


class UserRepository(Protocol):
    def create(self, account: NewAccount) -> None:
        """Store a new user; raise Conflict naming `username` or `email` if either is taken, chirp.ids.IdTaken if its
        id is another user's (nothing written)."""

    def get(self, user_id: int) -> User | None: ...

    def get_many(self, user_ids: Iterable[int]) -> dict[int, User]: ...

    def find_id_by_username(self, username: str) -> int | None: ...

    def ids_by_username(self, usernames: Iterable[str]) -> dict[str, int]:
        """The ids of those usernames that exist, keyed by the username in lower case (one read)."""

    def find_credentials(self, login: str) -> tuple[int, str] | None:
        """(user id, password hash) for a username or email, ignoring case."""

    def update_profile(self, user_id: int, changes: ProfileChanges) -> User:
        """Apply the changes, attaching each image set in the same write (its media item: the user's own,
        ready, attached to nothing, else MediaAttachedElsewhere); raise NotFound if the user does not exist."""

    def set_password_hash(self, user_id: int, password_hash: str) -> None: ...

    def set_celebrity(self, user_id: int, celebrity: bool) -> None: ...

    def password_hash(self, user_id: int) -> str | None:
        """The user's password hash (None: no such user)."""

    def token_state(self, user_id: int) -> TokenState | None:
        """The user's token version and suspension (one strongly consistent read of two attributes)."""

    def change_password(self, user_id: int, old_hash: str, new_hash: str) -> int | None:
        """Set the new hash and bump the token version, in one write conditioned on the hash still being
        `old_hash` (a concurrent change wins once); the new version, or None if the condition failed."""

    def suspend(self, user_id: int) -> int:
        """Mark the user suspended and bump the token version (idempotent); the new version. NotFound if gone."""

    def mark_deleted(self, user_id: int, password_hash: str, now_ms: int) -> bool:
        """Mark the account deleted (its erasure to begin) and bump its token version, in one write conditioned on
        the password hash still being `password_hash` and the account not deleted already; False if it was not."""

    def set_moderator(self, user_id: int, moderator: bool) -> None: ...
