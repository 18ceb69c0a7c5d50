"""Request bodies of the notification routes."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from chirp.users.inputs import StrictInput


class MarkRead(StrictInput):
    up_to_id: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = Field(
        None, description="mark read this notification and every older one; omitted: all of them"
    )


class SettingsChange(StrictInput):
    """One switch per kind; the kinds not named keep their setting."""

    follow: bool | None = None
    like: bool | None = None
    retweet: bool | None = None
    quote: bool | None = None
    reply: bool | None = None
    mention: bool | None = None


class SubscriptionKeys(StrictInput):
    p256dh: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    auth: Annotated[str, StringConstraints(min_length=1, max_length=100)]


class PushSubscriptionInput(StrictInput):
    """A browser's `PushSubscription.toJSON()`."""

    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
    keys: SubscriptionKeys
    expirationTime: int | None = None  # noqa: N815 (the browser's own name)


class PushUnsubscribe(StrictInput):
    endpoint: Annotated[str, StringConstraints(min_length=1, max_length=2048)]
