"""Recording notifications, serving them, and pushing them to whoever should see them now.

`notify` is the notifier's whole job for one activity: the recipient's switch for the kind and its
filter (whom it blocks or mutes: chirp.relations) and both accounts (`still_there`) are asked first, side by
side; the activity lands on its notification (idempotently: `NotificationRepository.record`); a notification
that changed is pushed to every open WebSocket of the recipient, or, when none is open, by Web Push to each
browser that subscribed (a subscription the push service says is gone is deleted).

Pushing is best effort, behind circuit breakers (chirp.resilience, per sandbox): one for the WebSocket API's
management endpoint, one per push service (its origin). When pushes keep failing (PUSH_BREAKER_FAILURES in a
row), the breaker opens and, for its cool-down, the notifier stores notifications and skips their pushes at once
(Delivery.PUSH_SKIPPED, counted as the Notifications_push_skipped metric) rather than waiting out a timeout per
message: the notification is shown on the recipient's next visit. Nothing else waits on the notifier: it is a
consumer of its own queue (template.yaml: NotifierQueue, its own subscription to the bus, its own DLQ), beside
search's and the others'; the home timelines' fan-out reads the tables' stream.

Reading applies the same filter to what was stored before a block or a mute, and to accounts suspended or
deleted since: an actor the reader blocks, mutes or is blocked by, or who is not served, is left out of a
notification, and a notification left with no actor is not listed, nor counted in the unread badge
(`unread_count` and the list agree).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from chirp.concurrency import submit
from chirp.engagements.repository import EngagementRepository
from chirp.errors import InvalidInput, NotFound
from chirp.ids import id_timestamp_ms, new_id
from chirp.notifications.models import (
    ACTORS_SHOWN,
    UNREAD_COUNT_CAP,
    Activity,
    Kind,
    Notification,
    NotificationSettings,
)
from chirp.notifications.push import PushOutcome, PushSender
from chirp.notifications.repository import LiveConnections, LivePusher, NotificationRepository, PushFailed
from chirp.pages import Page, PageRequest
from chirp.relations.models import Hidden
from chirp.relations.repository import RelationRepository
from chirp.relations.service import hidden_from_viewer
from chirp.resilience import CircuitBreaker, CircuitOpen
from chirp.tweets.models import Tweet
from chirp.tweets.repository import TweetRepository
from chirp.tweets.shown import ShownTweet, show
from chirp.users.models import User
from chirp.users.repository import UserRepository

logger = logging.getLogger(__name__)

# How long a push service keeps a notification for an offline browser.
PUSH_TTL_SECONDS = 24 * 3600
# The largest payload sent whole by Web Push (what every push service accepts once encrypted).
WEB_PUSH_PAYLOAD_BYTES = 2800
# Pushes failed in a row (the first within the window) that open a push breaker, and how long it stays open.
PUSH_BREAKER_FAILURES = 5
PUSH_BREAKER_WINDOW_S = 30.0
PUSH_BREAKER_COOL_DOWN_S = 30.0


class AudienceFilter(Protocol):
    """Whether `recipient` wants to hear from `actor` at all (trust and safety's blocks and mutes)."""

    def allows(self, recipient: int, actor: int) -> bool: ...


class Delivery(StrEnum):
    SKIPPED = "skipped"  # one's own action, a switched-off kind, a filtered actor, an account deleted meanwhile
    UNCHANGED = "unchanged"  # seen before: nothing to store or push
    STORED = "stored"  # stored; the recipient has no live connection and no push subscription
    LIVE = "live"  # pushed to at least one open WebSocket
    WEB_PUSH = "web_push"  # sent by Web Push to at least one browser
    PUSH_SKIPPED = "push_skipped"  # stored; its pushes skipped, their breakers open (see the module's docstring)


def push_breaker(name: str) -> CircuitBreaker:
    return CircuitBreaker(
        name, failures=PUSH_BREAKER_FAILURES, window_s=PUSH_BREAKER_WINDOW_S, cool_down_s=PUSH_BREAKER_COOL_DOWN_S
    )


class PushBreakers:
    """This sandbox's push breakers: the WebSocket API's, and one per push service, made as first needed."""

    def __init__(self) -> None:
        self.live = push_breaker("live push")
        self._web_push: dict[str, CircuitBreaker] = {}

    def web_push(self, endpoint: str) -> CircuitBreaker:
        parts = urlsplit(endpoint)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._web_push:
            self._web_push[origin] = push_breaker(f"web push to {origin}")
        return self._web_push[origin]


@dataclass(frozen=True)
class Notifier:
    notifications: NotificationRepository
    users: UserRepository
    connections: LiveConnections
    pusher: LivePusher
    web_push: PushSender | None
    audience: AudienceFilter
    breakers: PushBreakers = field(default_factory=PushBreakers)


def notify(notifier: Notifier, activity: Activity, now_s: int) -> Delivery:
    """Record the activity and push what changed (see the module's docstring). The reads that do not depend
    on each other run side by side: the recipient's switches with its open connections, then its unread
    count with the actors' names."""
    recipient = activity.recipient
    live_future = submit(notifier.connections.of_users, [recipient], now_s)
    allowed = submit(notifier.audience.allows, recipient, activity.actor)
    people = submit(notifier.users.get_many, (recipient, activity.actor))
    settings = notifier.notifications.settings([recipient])[recipient]
    if not settings.allows(activity.kind) or not allowed.result() or not still_there(people.result(), activity):
        return Delivery.SKIPPED
    notification = notifier.notifications.record(activity, new_id())
    if notification is None:
        return Delivery.UNCHANGED
    unread_future = submit(stored_unread_count, notifier.notifications, recipient)
    actors = notifier.users.get_many(notification.actors)
    message = notification_message(notification, actors, read=False, unread_count=unread_future.result())
    return pushed(notifier, recipient, live_future.result().get(recipient, []), message)


def still_there(people: Mapping[int, User], activity: Activity) -> bool:
    """Whether the activity's recipient still has an account and its actor is served. An event can reach the
    notifier after either account was deleted (its queue lagging): stored for a deleted recipient, it would land in
    a partition its erasure has already swept (chirp.erasure: `sweep_partitions` runs once); from an actor deleted
    or suspended, it would never be shown. A suspended recipient's are kept: a suspension can be lifted."""
    recipient, actor = people.get(activity.recipient), people.get(activity.actor)
    return recipient is not None and not recipient.deleted and actor is not None and actor.served


def pushed(notifier: Notifier, recipient: int, live: Sequence[str], message: dict[str, Any]) -> Delivery:
    """The message pushed to the recipient's open connections, else by Web Push; PUSH_SKIPPED when a breaker
    skipped a push and nothing took it."""
    breakers, skipped = notifier.breakers, False
    try:
        encoded = encode_message(message)
        if live and push_live(notifier.connections, notifier.pusher, recipient, live, encoded, breaker=breakers.live):
            return Delivery.LIVE
    except CircuitOpen:
        skipped = True
    sender, payload = notifier.web_push, web_push_message(message)
    try:
        if sender is not None and send_web_push(notifier.notifications, sender, recipient, payload, breakers=breakers):
            return Delivery.WEB_PUSH
    except CircuitOpen:
        skipped = True
    return Delivery.PUSH_SKIPPED if skipped else Delivery.STORED


def push_live(
    connections: LiveConnections,
    pusher: LivePusher,
    user_id: int,
    connection_ids: Sequence[str],
    message: bytes,
    *,
    breaker: CircuitBreaker | None = None,
) -> bool:
    """Send to every open connection of the user (each tab gets every message); a gone one is forgotten and
    never stops the others. True if at least one took it. With a `breaker`: a failed push counts on it, and
    once it is open the rest are skipped (CircuitOpen if none took it)."""
    delivered = False
    for connection_id in connection_ids:
        try:
            if breaker is None:
                took = pusher.post(connection_id, message)
            else:
                took = breaker.call(partial(pusher.post, connection_id, message), counts=_push_failure)
            if took:
                delivered = True
            else:
                connections.forget(user_id, connection_id)
        except PushFailed as error:
            logger.warning("a live push failed", extra={"user_id": user_id, "error": str(error)})
        except CircuitOpen:
            if delivered:
                return True
            raise
    return delivered


def _push_failure(error: Exception) -> bool:
    return isinstance(error, PushFailed)


def send_web_push(
    notifications: NotificationRepository,
    sender: PushSender,
    user_id: int,
    message: bytes,
    *,
    breakers: PushBreakers | None = None,
) -> bool:
    """Send the message to each browser the user subscribed; a subscription the push service refuses for
    good (404, 410, another 4xx) is deleted. Best effort: one the service cannot take now (429, 5xx, a
    timeout) is logged and skipped (the notification is stored, and shown on the next visit). With `breakers`:
    a push service's failures count on its breaker, and while it is open its browsers are skipped (CircuitOpen
    if one was skipped and none took the message)."""
    delivered = skipped = False
    for subscription in notifications.push_subscriptions(user_id):
        breaker = breakers.web_push(subscription.endpoint) if breakers is not None else None
        try:
            if breaker is not None:
                breaker.before()
        except CircuitOpen:
            skipped = True
            continue
        outcome = sender.send(subscription, message, PUSH_TTL_SECONDS)
        if outcome is PushOutcome.GONE:
            notifications.remove_push_subscription(user_id, subscription.endpoint)
        elif outcome is PushOutcome.RETRY:
            logger.warning("a push service could not take a notification now", extra={"user_id": user_id})
        if breaker is not None:
            breaker.failed() if outcome is PushOutcome.RETRY else breaker.succeeded()
        delivered |= outcome is PushOutcome.DELIVERED
    if skipped and not delivered:
        raise CircuitOpen("the push services of the user's browsers are failing", int(PUSH_BREAKER_COOL_DOWN_S))
    return delivered


def web_push_message(message: dict[str, Any]) -> bytes:
    """The message as a Web Push payload: whole when it fits the size every push service takes (Firefox for
    Android refuses bodies over ~3,000 bytes), else its notification's id, kind and count only."""
    whole = encode_message(message)
    if len(whole) <= WEB_PUSH_PAYLOAD_BYTES:
        return whole
    data = message["data"]
    return encode_message({**message, "data": {key: data[key] for key in ("id", "kind", "count")}})


def push_home_timeline_news(
    connections: LiveConnections, pusher: LivePusher, added: Mapping[int, list[int]], now_s: int
) -> int:
    """Tell each owner with an open connection that entries landed in its home timeline (how many, and the
    newest id), so a client shows "3 new tweets" without polling. How many owners were told."""
    live = connections.of_users(added, now_s)
    told = 0
    for owner_id, connection_ids in live.items():
        entry_ids = added[owner_id]
        message = encode_message(
            {"type": "home_timeline", "data": {"count": len(entry_ids), "newest_id": str(max(entry_ids))}}
        )
        told += push_live(connections, pusher, owner_id, connection_ids, message)
    return told


# ---------------------------------------------------------------------- reading


@dataclass(frozen=True)
class ShownNotification:
    """`tweet`: the tweet it is about, as a list shows it (for a like or a retweet the recipient's tweet;
    for a reply, a quote or a mention the new tweet); None for a follow."""

    notification: Notification
    actors: list[User]
    tweet: ShownTweet | None
    read: bool


@dataclass(frozen=True)
class NotificationReader:
    """What reading notifications needs: the notifications, and what decides which of them are shown (the
    actors, the tweets, the reader's state of them, the reader's blocks and mutes)."""

    notifications: NotificationRepository
    users: UserRepository
    tweets: TweetRepository
    engagements: EngagementRepository
    relations: RelationRepository


def notifications_page(reader: NotificationReader, *, user_id: int, page: PageRequest) -> Page[ShownNotification]:
    """The user's notifications, latest first, as the module's docstring filters them; one whose tweet is gone
    (the liked tweet, the reply, the mention) is not served either. The reader's blocks and mutes are read
    beside the page (no extra round trip); a page may come out shorter than asked, its cursor going on."""
    hidden_future = hidden_from_viewer(reader.relations, user_id)
    found = reader.notifications.page(user_id, page)
    mark = submit(reader.notifications.read_mark, user_id)
    people = submit(reader.users.get_many, {actor for item in found.items for actor in item.actors})
    listed = reader.tweets.get_many({tweet_id for item in found.items for tweet_id in item.tweet_ids})
    hidden = hidden_future.result()
    shown_tweets = {
        shown.tweet.id: shown
        for shown in show(
            reader.tweets, reader.users, reader.engagements, user_id, list(listed.values()), hidden=hidden
        )
    }
    shown = []
    for item in found.items:
        actors = visible_actors(item, people.result(), hidden)
        tweet = shown_tweets.get(item.tweet_id) if item.tweet_id is not None else None
        if not listable(item, actors, tweet.tweet if tweet is not None else None, people.result(), hidden):
            continue
        shown.append(ShownNotification(item, actors, tweet, read=item.sort_id <= mark.result()))
    return Page(items=shown, next_cursor=found.next_cursor)


def visible_actors(notification: Notification, people: Mapping[int, User], hidden: Hidden) -> list[User]:
    """The notification's actors the reader may see: existing, served, neither blocked either way nor muted."""
    return [
        people[actor]
        for actor in notification.actors
        if actor in people and people[actor].served and not hidden.hides_author(actor)
    ]


def listable(
    notification: Notification, actors: Sequence[User], tweet: Tweet | None, people: Mapping[int, User], hidden: Hidden
) -> bool:
    """Whether the notification is listed (and counted unread): some actor is visible, and the tweet it is about,
    if any, exists and is not by a user the reader hides, nor by one not served (a reply, a quote or a
    mention by such a user is the user's own tweet)."""
    if not actors:
        return False
    if notification.tweet_id is None:
        return True
    if tweet is None or hidden.hides_author(tweet.author_id):
        return False
    author = people.get(tweet.author_id)
    return author is None or author.served


def unread_count(reader: NotificationReader, user_id: int) -> int:
    """Notifications changed since the user's read mark that the list shows (`listable`), up to UNREAD_COUNT_CAP
    (a client shows "99+"; hidden ones among the latest UNREAD_COUNT_CAP can make it show a little less).

    Cheap for a badge: the reader's relations are read beside its read mark, then the unread notifications,
    then (side by side) their tweets and, for each notification, its first actor the reader does not hide; only
    a notification whose that actor is not served has its other actors read (rare: a suspended or deleted
    account)."""
    hidden_future = hidden_from_viewer(reader.relations, user_id)
    unread = reader.notifications.unread(user_id, reader.notifications.read_mark(user_id), UNREAD_COUNT_CAP)
    hidden = hidden_future.result()
    candidates = {item.key: [a for a in item.actors if not hidden.hides_author(a)] for item in unread}
    found_tweets = submit(reader.tweets.get_many, {tweet_id for item in unread for tweet_id in item.tweet_ids})
    people = dict(reader.users.get_many({actors[0] for actors in candidates.values() if actors}))
    rest = {
        actor
        for actors in candidates.values()
        if actors and not (actors[0] in people and people[actors[0]].served)
        for actor in actors[1:]
    }
    people |= reader.users.get_many(rest - people.keys()) if rest - people.keys() else {}
    tweets = found_tweets.result()
    return sum(
        1
        for item in unread
        if listable(
            item,
            visible_actors(item, people, hidden),
            tweets.get(item.tweet_id) if item.tweet_id is not None else None,
            people,
            hidden,
        )
    )


def stored_unread_count(notifications: NotificationRepository, user_id: int) -> int:
    """The notifier's count pushed with a new notification: every notification stored since the read mark, up
    to UNREAD_COUNT_CAP. Notifications stored since then are filtered at storage (`notify`), but one stored
    before a block or mute, or from an account suspended since, still counts here until the client reads the
    filtered `unread_count` (the notifier reads neither the reader's relations nor tweets)."""
    return notifications.unread_count(user_id, notifications.read_mark(user_id), UNREAD_COUNT_CAP)


def mark_read(notifications: NotificationRepository, user_id: int, up_to_key: str | None) -> int:
    """Mark read every notification up to the named one (its latest change included), or all of them."""
    if up_to_key is None:
        return notifications.mark_read(user_id, new_id())
    target = notifications.get(user_id, up_to_key)
    if target is None:
        raise NotFound(f"no notification {up_to_key!r}")
    return notifications.mark_read(user_id, target.sort_id)


def settings_of(notifications: NotificationRepository, user_id: int) -> NotificationSettings:
    return notifications.settings([user_id])[user_id]


def change_settings(
    notifications: NotificationRepository, user_id: int, changes: Mapping[str, object]
) -> NotificationSettings:
    """Switch kinds on or off: `{"like": false}`. Every key a kind, every value a boolean."""
    if not changes:
        raise InvalidInput(f"name at least one kind to switch: {', '.join(kind.value for kind in Kind)}")
    switched: dict[Kind, bool] = {}
    for name, value in changes.items():
        if name not in Kind.__members__.values():
            raise InvalidInput(f"{name!r} is not a kind of notification: {', '.join(kind.value for kind in Kind)}")
        if not isinstance(value, bool):
            raise InvalidInput(f"{name} must be true or false")
        switched[Kind(name)] = value
    settings = settings_of(notifications, user_id).with_changes(switched)
    notifications.save_settings(user_id, settings)
    return settings


# ---------------------------------------------------------------------- messages


def notification_message(
    notification: Notification, actors: Mapping[int, User], *, read: bool, unread_count: int
) -> dict[str, Any]:
    """What an open WebSocket (or a browser's service worker) receives for a new or grown notification."""
    return {
        "type": "notification",
        "data": notification_summary(notification, [actors[a] for a in notification.actors if a in actors], read=read),
        "unread_count": unread_count,
    }


def notification_summary(notification: Notification, actors: Iterable[User], *, read: bool) -> dict[str, Any]:
    return {
        "id": notification.key,
        "kind": notification.kind.value,
        "count": notification.count,
        "actors": [{"id": str(user.id), "username": user.username, "name": user.name} for user in actors][
            :ACTORS_SHOWN
        ],
        "tweet_id": str(notification.tweet_id) if notification.tweet_id is not None else None,
        "about_tweet_id": str(notification.about_tweet_id) if notification.about_tweet_id is not None else None,
        "updated_at_ms": id_timestamp_ms(notification.sort_id),
        "read": read,
    }


def encode_message(message: Mapping[str, Any]) -> bytes:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode()
