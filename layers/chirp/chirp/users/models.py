"""The user aggregate as the domain sees it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PublicMetrics:
    followers_count: int = 0
    following_count: int = 0
    tweet_count: int = 0
    like_count: int = 0


@dataclass(frozen=True)
class ProfileImage:
    """A profile's avatar or banner: the media item it is (attached to the profile), and the key of the
    variant the profile shows (chirp.users.service: AVATAR_VARIANTS, BANNER_VARIANTS)."""

    media_id: int
    key: str


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    created_at_ms: int
    description: str = ""
    location: str = ""
    url: str = ""
    metrics: PublicMetrics = field(default_factory=PublicMetrics)
    # Pulled into followers' home timelines at read time instead of fanned out.
    celebrity: bool = False
    avatar: ProfileImage | None = None
    banner: ProfileImage | None = None
    # Granted by an operator (`make moderator`), never through the API: may list and resolve reports.
    moderator: bool = False
    # Suspended by a moderator: cannot log in, its tokens are refused, its tweets are not served.
    suspended: bool = False
    # Deleted by its owner (`DELETE /api/users/me`), its data being erased (chirp.erasure): as suspended, and
    # for good.
    deleted: bool = False

    @property
    def served(self) -> bool:
        """Whether its profile and its tweets are shown to anyone: neither suspended nor deleted."""
        return not (self.suspended or self.deleted)


@dataclass(frozen=True)
class TokenState:
    """What decides whether a user's tokens still hold: the current token version (bumped by a password change
    and by a suspension; tokens issued under an older one are refused), and whether the account is suspended."""

    version: int = 0
    suspended: bool = False
    # Deleted by its owner: its tokens are refused, and it cannot log in (as if it did not exist).
    deleted: bool = False


@dataclass(frozen=True)
class NewAccount:
    user: User
    email: str
    password_hash: str


@dataclass(frozen=True)
class ImageChange:
    """A profile image set to a media item (`image`, to attach in the same write), or removed (None)."""

    image: ProfileImage | None


@dataclass(frozen=True)
class ProfileChanges:
    """Only the fields a client sent; None means "leave as it is"."""

    name: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None
    avatar: ImageChange | None = None
    banner: ImageChange | None = None

    def as_dict(self) -> dict[str, str]:
        """The text fields sent."""
        return {key: value for key, value in vars(self).items() if isinstance(value, str)}

    @property
    def images(self) -> dict[str, ImageChange]:
        """The images sent, by name (`avatar`, `banner`)."""
        return {name: change for name, change in (("avatar", self.avatar), ("banner", self.banner)) if change}
