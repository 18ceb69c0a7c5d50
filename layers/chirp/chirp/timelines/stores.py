"""The repositories timeline code works with (satisfied by `chirp.wiring.Repositories`)."""

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
