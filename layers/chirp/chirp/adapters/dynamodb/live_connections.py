"""Who is online: the open WebSocket connections per user (LiveConnectionsTable).

Each user with an open connection has one presence item whose attributes are its connections
(`c:<connection id>` = when API Gateway will have closed it, at the latest), so that the timeline writer
and the notifier learn who of a hundred users is online with one BatchGetItem. Beside it, one item per
connection names its user: `$disconnect` is told only the connection's id. A connection that ended
without a `$disconnect` (a dropped sandbox) expires with its two-hour maximum, or is forgotten the first
time a push finds it gone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping

from pynamodb.exceptions import DeleteError
from pynamodb.expressions.operand import Path

from chirp.adapters.dynamodb.batch import TableRead, batch_get
from chirp.adapters.dynamodb.models import (
    CONNECTION_ATTRIBUTE_PREFIX,
    CONNECTION_LIFETIME_SECONDS,
    CONNECTION_PREFIX,
    USER_PREFIX,
    LiveConnectionItem,
    LivePresenceItem,
)


class DynamoLiveConnections:
    def connect(self, user_id: int, connection_id: str, now_s: int) -> None:
        closes_at = now_s + CONNECTION_LIFETIME_SECONDS
        LiveConnectionItem(pk=CONNECTION_PREFIX + connection_id, user_id=user_id, expires_at=closes_at).save()
        presence = LivePresenceItem(pk=USER_PREFIX + str(user_id))
        # The item outlives its newest connection by a day: TTL deletes an abandoned one eventually.
        presence.update(
            actions=[_attribute(connection_id).set(closes_at), LivePresenceItem.expires_at.set(closes_at + 86_400)]
        )

    def disconnect(self, connection_id: str) -> int | None:
        try:
            item = LiveConnectionItem.get(CONNECTION_PREFIX + connection_id, consistent_read=True)
        except LiveConnectionItem.DoesNotExist:
            return None
        user_id = int(item.user_id)
        self.forget(user_id, connection_id)
        with contextlib.suppress(DeleteError):  # it expires by TTL anyway
            item.delete()
        return user_id

    def forget(self, user_id: int, connection_id: str) -> None:
        LivePresenceItem(pk=USER_PREFIX + str(user_id)).update(actions=[_attribute(connection_id).remove()])

    def of_users(self, user_ids: Iterable[int], now_s: int) -> Mapping[int, list[str]]:
        wanted = list(dict.fromkeys(user_ids))
        if not wanted:
            return {}
        table = LivePresenceItem.Meta.table_name
        keys = [{"pk": {"S": USER_PREFIX + str(user_id)}} for user_id in wanted]
        found = batch_get({table: TableRead(keys=keys)})[table]
        live: dict[int, list[str]] = {}
        for raw in found:
            connections = [
                name[len(CONNECTION_ATTRIBUTE_PREFIX) :]
                for name, value in raw.items()
                if name.startswith(CONNECTION_ATTRIBUTE_PREFIX) and int(value["N"]) > now_s
            ]
            if connections:
                live[int(raw["pk"]["S"][len(USER_PREFIX) :])] = connections
        return live


def _attribute(connection_id: str) -> Path:
    """The presence item's attribute for one connection (a name passed through ExpressionAttributeNames)."""
    return Path([CONNECTION_ATTRIBUTE_PREFIX + connection_id])
