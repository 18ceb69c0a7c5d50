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


@dataclass(frozen=True)
class NewAccount:
    user: User
    email: str
    password_hash: str


@dataclass(frozen=True)
class ProfileChanges:
    """Only the fields a client sent; None means "leave as it is"."""

    name: str | None = None
    description: str | None = None
    location: str | None = None
    url: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {key: value for key, value in vars(self).items() if value is not None}
