"""Notifications in DynamoDB (NotificationsTable: one partition per recipient).

A grouped notification (likes, retweets, follows) takes a new actor in one transaction: the marker
`<key>@<actor>` is put only if absent, and the notification's count, actors and place in the list
move with it; so an actor is counted once per notification however often its event arrives. A
notification keeps its ACTORS_KEPT most recent actors: when it holds that many, the transaction's
condition fails, the list is cut to half (`trim_actors`), and it is written again. A reply, a quote or
a mention is one item per tweet, put only if absent (or, for a reply or a quote, over a mention of the
same tweet).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from typing import Any, cast

from pynamodb.exceptions import DeleteError, PutError, UpdateError
from pynamodb.expressions.condition import Condition, size
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import CONDITIONAL, Step, run_steps
from chirp.adapters.dynamodb.models import (
    MARKER_SEPARATOR,
    NOTIFICATION_TTL_SECONDS,
    PUSH_PREFIX,
    STATE_KEY,
    NotificationItem,
    NotificationMarkerItem,
    NotificationStateItem,
    PushSubscriptionItem,
)
from chirp.notifications.models import (
    GROUPED_KINDS,
    GROUPING_WINDOW_MS,
    TWEET_KIND_RANK,
    Activity,
    Kind,
    Notification,
    NotificationSettings,
)
from chirp.notifications.push import PushSubscription
from chirp.pages import Page, PageRequest, page_from_overfetch

# The actors a grouped notification keeps (a few are shown; the rest keep names when some are deleted).
ACTORS_KEPT = 20


class DynamoNotificationRepository:
    # ------------------------------------------------------------------ recording
    def record(self, activity: Activity, sort_id: int) -> Notification | None:
        if activity.kind in GROUPED_KINDS:
            return self._record_grouped(activity, sort_id)
        return self._record_one(activity, sort_id)

    def _record_grouped(self, activity: Activity, sort_id: int) -> Notification | None:
        key = activity.key
        window_end_s = ((activity.time_ms // GROUPING_WINDOW_MS) + 1) * GROUPING_WINDOW_MS // 1000
        marker = NotificationMarkerItem(
            user_id=activity.recipient, key=f"{key}{MARKER_SEPARATOR}{activity.actor}", expires_at=window_end_s + 86_400
        )
        item = NotificationItem(user_id=activity.recipient, key=key)
        actions: list[Any] = [
            NotificationItem.kind.set(activity.kind.value),
            NotificationItem.sort_id.set(sort_id),
            NotificationItem.actor_count.add(1),
            NotificationItem.actors.set((NotificationItem.actors | []).prepend([activity.actor])),
            NotificationItem.expires_at.set(_expiry()),
        ]
        if activity.tweet_id is not None:
            actions.append(NotificationItem.tweet_id.set(activity.tweet_id))

        def put_marker(transaction: TransactWrite) -> None:
            transaction.save(marker, condition=NotificationMarkerItem.key.does_not_exist())

        def update(transaction: TransactWrite) -> None:
            room = NotificationItem.actors.does_not_exist() | (size(NotificationItem.actors) < ACTORS_KEPT)
            transaction.update(item, actions=actions, condition=room)

        failed = run_steps(
            [
                Step(put_marker),
                Step(update, make_room=lambda: trim_actors(activity.recipient, key)),
            ],
            raise_refusals=False,
        )
        if failed and failed[0] == CONDITIONAL:
            return None  # this actor is counted on it already
        if failed:
            raise RuntimeError(f"the notification {key} stayed full after a trim: {failed}")
        return self.get(activity.recipient, key)

    def _record_one(self, activity: Activity, sort_id: int) -> Notification | None:
        item = NotificationItem(
            user_id=activity.recipient,
            key=activity.key,
            kind=activity.kind.value,
            sort_id=sort_id,
            actor_count=1,
            actors=[activity.actor],
            tweet_id=activity.tweet_id,
            about_tweet_id=activity.about_tweet_id,
            expires_at=_expiry(),
        )
        condition: Condition = NotificationItem.key.does_not_exist()
        outranked = [kind.value for kind, rank in TWEET_KIND_RANK.items() if rank < TWEET_KIND_RANK[activity.kind]]
        if outranked:
            condition = condition | NotificationItem.kind.is_in(*outranked)
        try:
            item.save(condition=condition)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return None
            raise
        return _notification(item)

    # ------------------------------------------------------------------ reading
    def get(self, user_id: int, key: str) -> Notification | None:
        try:
            item = NotificationItem.get(user_id, key, consistent_read=True)
        except NotificationItem.DoesNotExist:
            return None
        return _notification(item)

    def page(self, user_id: int, page: PageRequest) -> Page[Notification]:
        condition = NotificationItem.sort_id < page.before if page.before is not None else None
        items = list(
            NotificationItem.by_sort.query(
                user_id, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1
            )
        )[: page.limit + 1]
        return page_from_overfetch([_notification(item) for item in items], page, lambda found: found.sort_id)

    def read_mark(self, user_id: int) -> int:
        state = self._state(user_id)
        return int(state.read_mark or 0) if state else 0

    def mark_read(self, user_id: int, up_to: int) -> int:
        item = NotificationStateItem(user_id=user_id, key=STATE_KEY)
        try:
            item.update(
                actions=[NotificationStateItem.read_mark.set(up_to)],
                condition=NotificationStateItem.read_mark.does_not_exist() | (NotificationStateItem.read_mark < up_to),
            )
        except UpdateError as error:
            if error.cause_response_code != "ConditionalCheckFailedException":
                raise
            return self.read_mark(user_id)  # it was there already, or beyond
        return up_to

    def unread_count(self, user_id: int, read_mark: int, cap: int) -> int:
        return NotificationItem.by_sort.count(
            user_id, range_key_condition=NotificationItem.sort_id > read_mark, limit=cap
        )

    def unread(self, user_id: int, read_mark: int, limit: int) -> list[Notification]:
        items = NotificationItem.by_sort.query(
            user_id, range_key_condition=NotificationItem.sort_id > read_mark, scan_index_forward=False, limit=limit
        )
        return [_notification(item) for item in list(items)[:limit]]

    # ------------------------------------------------------------------ settings
    def settings(self, user_ids: Iterable[int]) -> dict[int, NotificationSettings]:
        wanted = list(dict.fromkeys(user_ids))
        found = {
            int(item.user_id): item
            for item in NotificationStateItem.batch_get([(user_id, STATE_KEY) for user_id in wanted])
        }
        result = {}
        for user_id in wanted:
            off = found[user_id].switched_off or set() if user_id in found else set()
            result[user_id] = NotificationSettings({kind: kind.value not in off for kind in Kind})
        return result

    def save_settings(self, user_id: int, settings: NotificationSettings) -> None:
        off = {kind.value for kind in Kind if not settings.allows(kind)}
        action = NotificationStateItem.switched_off.set(off) if off else NotificationStateItem.switched_off.remove()
        NotificationStateItem(user_id=user_id, key=STATE_KEY).update(actions=[action])

    def _state(self, user_id: int) -> NotificationStateItem | None:
        try:
            return NotificationStateItem.get(user_id, STATE_KEY, consistent_read=True)
        except NotificationStateItem.DoesNotExist:
            return None

    # ------------------------------------------------------------------ Web Push subscriptions
    def push_subscriptions(self, user_id: int) -> list[PushSubscription]:
        items = PushSubscriptionItem.query(
            user_id, range_key_condition=PushSubscriptionItem.key.startswith(PUSH_PREFIX)
        )
        return [PushSubscription(endpoint=item.endpoint, p256dh=item.p256dh, auth=item.auth) for item in items]

    def add_push_subscription(self, user_id: int, subscription: PushSubscription) -> None:
        PushSubscriptionItem(
            user_id=user_id,
            key=_push_key(subscription.endpoint),
            endpoint=subscription.endpoint,
            p256dh=subscription.p256dh,
            auth=subscription.auth,
        ).save()

    def remove_push_subscription(self, user_id: int, endpoint: str) -> bool:
        item = PushSubscriptionItem(user_id=user_id, key=_push_key(endpoint))
        try:
            item.delete(condition=PushSubscriptionItem.key.exists())
        except DeleteError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True


def trim_actors(user_id: int, key: str) -> None:
    """Keep the newest half of a full notification's actors (a concurrent change wins; the caller writes
    again either way)."""
    try:
        found = NotificationItem.get(user_id, key, consistent_read=True)
    except NotificationItem.DoesNotExist:
        return
    actors = list(found.actors or [])
    if len(actors) < ACTORS_KEPT:
        return
    try:
        found.update(
            actions=[NotificationItem.actors.set(actors[: ACTORS_KEPT // 2])],
            condition=NotificationItem.actor_count == found.actor_count,
        )
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise


def _notification(item: NotificationItem) -> Notification:
    return Notification(
        key=item.key,
        kind=Kind(item.kind),
        sort_id=int(item.sort_id),
        count=int(item.actor_count or 0),
        actors=tuple(int(cast(float, actor)) for actor in item.actors or ()),
        tweet_id=int(item.tweet_id) if item.tweet_id is not None else None,
        about_tweet_id=int(item.about_tweet_id) if item.about_tweet_id is not None else None,
    )


def _push_key(endpoint: str) -> str:
    return PUSH_PREFIX + hashlib.sha256(endpoint.encode()).hexdigest()


def _expiry() -> int:
    return int(time.time()) + NOTIFICATION_TTL_SECONDS
