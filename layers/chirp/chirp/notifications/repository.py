"""What notifications need from storage, and from the live connections of a user."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from chirp.notifications.models import Activity, Notification, NotificationSettings
from chirp.notifications.push import PushSubscription
from chirp.pages import Page, PageRequest


class NotificationRepository(Protocol):
    def record(self, activity: Activity, sort_id: int) -> Notification | None:
        """Land the activity on its notification (created if need be, `sort_id` its new place in the list);
        None when it changes nothing: this actor is counted there already (a redelivered event, a
        like-unlike-like), or a reply already took the tweet's notification that a mention now asks for."""

    def get(self, user_id: int, key: str) -> Notification | None: ...

    def page(self, user_id: int, page: PageRequest) -> Page[Notification]:
        """The user's notifications, latest change first (a page's cursor is a `sort_id`)."""

    def read_mark(self, user_id: int) -> int:
        """The highest `sort_id` the user has read up to (0: nothing read)."""

    def mark_read(self, user_id: int, up_to: int) -> int:
        """Move the read mark up to `up_to` (never down); the mark as it is now."""

    def unread_count(self, user_id: int, read_mark: int, cap: int) -> int:
        """How many notifications changed after the read mark, counted up to `cap`."""

    def unread(self, user_id: int, read_mark: int, limit: int) -> list[Notification]:
        """The notifications changed after the read mark, latest change first, at most `limit`."""

    def settings(self, user_ids: Iterable[int]) -> dict[int, NotificationSettings]:
        """Each user's settings (the defaults for a user who never changed them)."""

    def save_settings(self, user_id: int, settings: NotificationSettings) -> None: ...

    def push_subscriptions(self, user_id: int) -> list[PushSubscription]: ...

    def add_push_subscription(self, user_id: int, subscription: PushSubscription) -> None:
        """Keep the subscription (a browser subscribing again with the same endpoint replaces its keys)."""

    def remove_push_subscription(self, user_id: int, endpoint: str) -> bool:
        """False if the user had no such endpoint."""


class LiveConnections(Protocol):
    """The WebSocket connections open right now, per user (API Gateway's connection ids)."""

    def connect(self, user_id: int, connection_id: str, now_s: int) -> None: ...

    def disconnect(self, connection_id: str) -> int | None:
        """Forget the connection; the user it was open for, None if it was unknown."""

    def forget(self, user_id: int, connection_id: str) -> None:
        """Forget a connection found gone while pushing to it."""

    def of_users(self, user_ids: Iterable[int], now_s: int) -> Mapping[int, list[str]]:
        """The open connections of each of the users that has one."""


class PushFailed(Exception):
    """A push that neither went through nor found the connection gone (throttled, timed out)."""


class LivePusher(Protocol):
    def post(self, connection_id: str, message: bytes) -> bool:
        """Send one message to one connection; False if the connection is gone (PushFailed otherwise)."""
