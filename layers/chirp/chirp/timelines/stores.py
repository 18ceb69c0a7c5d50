"""The repositories timeline code works with (satisfied by the functions' dependencies, `chirp.wiring`)."""

from __future__ import annotations

from typing import Protocol

from chirp.follows.repository import FollowRepository
from chirp.timelines.repository import TimelineRepository
from chirp.tweets.repository import TweetRepository
from chirp.users.repository import UserRepository


class TimelineStores(Protocol):
    @property
    def users(self) -> UserRepository: ...

    @property
    def tweets(self) -> TweetRepository: ...

    @property
    def follows(self) -> FollowRepository: ...

    @property
    def timelines(self) -> TimelineRepository: ...


class TimelineWriteStores(Protocol):
    """What the timeline writer needs: the timelines it writes, and the follow edges it checks."""

    @property
    def timelines(self) -> TimelineRepository: ...

    @property
    def follows(self) -> FollowRepository: ...
