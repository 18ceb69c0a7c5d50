"""Notifications: the caller's list (grouped, newest change first), its unread count, marking read,
the switches per kind, and the browsers subscribed to Web Push. Stored and pushed by the notifier
function (functions/notifier), from the domain-event bus."""

from __future__ import annotations

from chirp.errors import Forbidden, InvalidInput, NotFound, Retryable
from chirp.http import schemas, views
from chirp.ids import parse_id
from chirp.notifications import service as notifications
from chirp.notifications.inputs import MarkRead, PushSubscriptionInput, PushUnsubscribe, SettingsChange
from chirp.notifications.push import parse_subscription
from chirp.wiring.api import dependencies

from routes.routing import ApiBlueprint

blueprint = ApiBlueprint(__name__)


def _page(user_id: int) -> schemas.NotificationPage:
    store = dependencies()
    found = notifications.notifications_page(store.notification_reader(), user_id=user_id, page=blueprint.page())
    return views.notification_page_json(found, store.settings.media_base_url)


# Reading notifications reads the reader's blocks and mutes with a batch read (chirp.relations): busy, a 503.
@blueprint.operation(
    "/api/notifications",
    "GET",
    "The caller's notifications, newest change first",
    auth=True,
    paginated=True,
    raises=(Retryable,),
)
def my_notifications() -> schemas.NotificationPage:
    return _page(blueprint.caller_id())


@blueprint.operation(
    "/api/users/{userId}/notifications",
    "GET",
    "A user's notifications (its owner only)",
    auth=True,
    paginated=True,
    raises=(Forbidden, Retryable),
)
def user_notifications(userId: str) -> schemas.NotificationPage:  # noqa: N803 (the path's parameter name)
    owner = parse_id(userId, "userId")
    if owner != blueprint.caller_id():
        raise Forbidden("notifications can only be read by their owner")
    return _page(owner)


@blueprint.operation(
    "/api/notifications/unread_count", "GET", "How many notifications are unread", auth=True, raises=(Retryable,)
)
def unread_count() -> schemas.UnreadCountResponse:
    reader = dependencies().notification_reader()
    return {"data": {"unread_count": notifications.unread_count(reader, blueprint.caller_id())}}


@blueprint.operation(
    "/api/notifications/read",
    "POST",
    "Mark read every notification up to one (or all)",
    body=MarkRead,
    auth=True,
    raises=(NotFound, Retryable),
)
def mark_read() -> schemas.UnreadCountResponse:
    store = dependencies()
    request = blueprint.body(MarkRead)
    notifications.mark_read(store.notifications, blueprint.caller_id(), request.up_to_id)
    return {"data": {"unread_count": notifications.unread_count(store.notification_reader(), blueprint.caller_id())}}


@blueprint.operation(
    "/api/users/me/notification_settings", "GET", "The caller's notification switches, one per kind", auth=True
)
def notification_settings() -> schemas.NotificationSettingsResponse:
    found = notifications.settings_of(dependencies().notifications, blueprint.caller_id())
    return {"data": views.notification_settings_json(found)}


@blueprint.operation(
    "/api/users/me/notification_settings",
    "PATCH",
    "Switch kinds of notification on or off",
    body=SettingsChange,
    auth=True,
    raises=(InvalidInput,),
)
def change_notification_settings() -> schemas.NotificationSettingsResponse:
    changes = blueprint.body(SettingsChange).model_dump(exclude_none=True)
    changed = notifications.change_settings(dependencies().notifications, blueprint.caller_id(), changes)
    return {"data": views.notification_settings_json(changed)}


@blueprint.operation("/api/notifications/push_key", "GET", "The VAPID public key browsers subscribe to Web Push with")
def push_key() -> schemas.PushKeyResponse:
    return {"data": {"application_server_key": dependencies().vapid_public_key()}}


@blueprint.operation(
    "/api/users/me/push_subscriptions",
    "POST",
    "Subscribe a browser to Web Push (its PushSubscription.toJSON())",
    status=201,
    body=PushSubscriptionInput,
    auth=True,
    raises=(InvalidInput,),
)
def subscribe_to_push() -> schemas.PushSubscribedResponse:
    store = dependencies()
    request = blueprint.body(PushSubscriptionInput)
    subscription = parse_subscription(request.model_dump(), store.settings.allowed_push_services)
    store.notifications.add_push_subscription(blueprint.caller_id(), subscription)
    return {"data": {"subscribed": True}}


@blueprint.operation(
    "/api/users/me/push_subscriptions",
    "DELETE",
    "Unsubscribe a browser from Web Push (idempotent)",
    body=PushUnsubscribe,
    auth=True,
)
def unsubscribe_from_push() -> schemas.PushSubscribedResponse:
    request = blueprint.body(PushUnsubscribe)
    dependencies().notifications.remove_push_subscription(blueprint.caller_id(), request.endpoint)
    return {"data": {"subscribed": False}}
