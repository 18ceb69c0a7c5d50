"""ErasureStore on the tables an account's data lives in (chirp.erasure).

The erasure's progress lives on the account's own item (`erasure_phase`, `erasure_cursor`, the lease); the
sparse `erasing_index` of the users table lists the accounts being erased. The lookups no everyday path makes
read indexes kept for the erasure alone: `by_owner_index` (media), `by_other_index` (relations: others' blocks
and mutes of a user), `by_reporter_index` (reports), `by_user_index` (sessions). Whole partitions are emptied a
chunk at a time: a Query of keys, then one BatchWriteItem of deletes.

Every call goes through the low-level client (keys in, keys out: no model of another aggregate is needed here),
to the tables this function was given (ErasureTables), which its role in template.yaml names one by one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.batch import batch_write, delete_request
from chirp.adapters.dynamodb.connection import run_transaction, shared_connection
from chirp.adapters.dynamodb.live_connections import CONNECTION_ATTRIBUTE_PREFIX, CONNECTION_PREFIX
from chirp.adapters.dynamodb.models import EMAIL_PREFIX, USER_PREFIX, USERNAME_PREFIX, HandleClaim, UserItem
from chirp.adapters.dynamodb.reports import claim_key
from chirp.adapters.dynamodb.users import user_key
from chirp.erasure.models import Phase, Progress
from chirp.erasure.store import Partition

CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass(frozen=True)
class ErasureTables:
    users: str
    timelines: str
    notifications: str
    engagements: str
    author_tweets: str
    live_connections: str
    sessions: str
    relations: str
    media: str
    reports: str


class DynamoErasureStore:
    def __init__(self, tables: ErasureTables) -> None:
        self._tables = tables

    @property
    def _client(self) -> Any:
        return shared_connection().client

    # ------------------------------------------------------------------ progress, on the account's item
    def progress(self, user_id: int) -> Progress | None:
        try:
            item = UserItem.get(user_key(user_id), consistent_read=True)
        except UserItem.DoesNotExist:
            return None
        if item.deleted_at_ms is None:
            return None
        return Progress(
            user_id=user_id,
            username=item.username,
            email=item.email,
            phase=Phase(item.erasure_phase) if item.erasure_phase else Phase.FOLLOWING,
            cursor=item.erasure_cursor,
            lease_until_ms=int(item.erasure_lease_until_ms or 0),
        )

    def exists(self, user_id: int) -> bool:
        key = {"pk": {"S": user_key(user_id)}}
        found = self._client.get_item(
            TableName=self._tables.users, Key=key, ConsistentRead=True, ProjectionExpression="pk"
        )
        return "Item" in found

    def take_lease(self, user_id: int, now_ms: int, until_ms: int) -> bool:
        free = UserItem.erasure_lease_until_ms.does_not_exist() | (UserItem.erasure_lease_until_ms < now_ms)
        try:
            UserItem(pk=user_key(user_id)).update(
                actions=[UserItem.erasure_lease_until_ms.set(until_ms)],
                condition=UserItem.deleted_at_ms.exists() & free,
            )
        except UpdateError as error:
            if error.cause_response_code == CONDITION_FAILED:
                return False
            raise
        return True

    def advance(self, user_id: int, phase: Phase, cursor: str | None, lease_until_ms: int) -> None:
        UserItem(pk=user_key(user_id)).update(
            actions=[
                UserItem.erasure_phase.set(phase.value),
                UserItem.erasure_cursor.set(cursor) if cursor else UserItem.erasure_cursor.remove(),
                UserItem.erasure_lease_until_ms.set(lease_until_ms),
            ],
            condition=UserItem.deleted_at_ms.exists(),
        )

    def stalled(self, now_ms: int, limit: int) -> list[int]:
        response = self._client.query(
            TableName=self._tables.users,
            IndexName="erasing_index",
            KeyConditionExpression="erasing = :one",
            FilterExpression="attribute_not_exists(erasure_lease_until_ms) OR erasure_lease_until_ms < :now",
            ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(now_ms)}},
            Limit=limit,
        )
        return [int(raw["pk"]["S"][len(USER_PREFIX) :]) for raw in response.get("Items", [])]

    def finish(self, user_id: int, username: str, email: str, username_free_at_s: int) -> None:
        held = HandleClaim(pk=f"{USERNAME_PREFIX}{username.lower()}", expires_at=username_free_at_s)

        def write(transaction: TransactWrite) -> None:
            transaction.delete(UserItem(pk=user_key(user_id)), condition=UserItem.deleted_at_ms.exists())
            transaction.delete(
                HandleClaim(pk=f"{EMAIL_PREFIX}{email.lower()}"),
                condition=HandleClaim.pk.does_not_exist() | (HandleClaim.user_id == user_id),
            )
            transaction.save(held, condition=HandleClaim.pk.does_not_exist() | (HandleClaim.user_id == user_id))

        failed = run_transaction(write)
        if failed and failed[0] is None:
            raise RuntimeError(f"the erasure of user {user_id} could not finish: {failed}")
        # failed[0] set: the account's item was gone already (a finish that ran twice): nothing to do.

    # ------------------------------------------------------------------ lookups by the erasure's own indexes
    def others_relations(self, user_id: int, limit: int) -> list[tuple[int, str]]:
        found = self._keys(self._tables.relations, "by_other_index", "other_id", {"N": str(user_id)}, limit)
        return [(int(raw["owner_id"]["N"]), raw["relation"]["S"].split("#", 1)[0]) for raw in found]

    def media_of(self, owner_id: int, limit: int) -> list[int]:
        found = self._keys(self._tables.media, "by_owner_index", "owner_id", {"N": str(owner_id)}, limit)
        return [int(raw["media_id"]["N"]) for raw in found]

    def delete_reports_by(self, reporter_id: int, limit: int) -> int:
        found = self._keys(self._tables.reports, "by_reporter_index", "reporter_id", {"N": str(reporter_id)}, limit)
        requests = [delete_request({"pk": raw["pk"]}) for raw in found]
        claims = [
            delete_request({"pk": {"S": claim_key(reporter_id, raw["target_type"]["S"], int(raw["target_id"]["N"]))}})
            for raw in found
        ]
        if requests:
            batch_write(self._tables.reports, [*requests, *claims])
        return len(found)

    def delete_sessions(self, user_id: int, limit: int) -> int:
        found = self._keys(self._tables.sessions, "by_user_index", "user_id", {"N": str(user_id)}, limit)
        if found:
            batch_write(self._tables.sessions, [delete_request({"pk": raw["pk"]}) for raw in found])
        return len(found)

    def _keys(self, table: str, index: str, attribute: str, value: dict[str, str], limit: int) -> list[Any]:
        response = self._client.query(
            TableName=table,
            IndexName=index,
            KeyConditionExpression="#a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": value},
            Limit=limit,
        )
        items: list[Any] = response.get("Items", [])
        return items

    # ------------------------------------------------------------------ the account's own partitions
    def delete_partition(self, partition: Partition, user_id: int, limit: int) -> int:
        if partition is Partition.LIVE:
            return self._delete_live(user_id)
        table, hash_name, range_name = {
            Partition.HOME_TIMELINE: (self._tables.timelines, "owner_id", "entry_id"),
            Partition.NOTIFICATIONS: (self._tables.notifications, "user_id", "key"),
            Partition.AUTHOR_TWEETS: (self._tables.author_tweets, "author_id", "tweet_id"),
            Partition.ENGAGEMENTS: (self._tables.engagements, "user_id", "edge"),
        }[partition]
        response = self._client.query(
            TableName=table,
            KeyConditionExpression="#h = :v",
            ExpressionAttributeNames={"#h": hash_name, "#r": range_name},
            ExpressionAttributeValues={":v": {"N": str(user_id)}},
            ProjectionExpression="#h, #r",
            ConsistentRead=True,
            Limit=limit,
        )
        found = response.get("Items", [])
        if found:
            batch_write(table, [delete_request(raw) for raw in found])
        return len(found)

    def _delete_live(self, user_id: int) -> int:
        """The presence item and the connection items it names (each also expires by TTL within a day)."""
        presence_key = {"pk": {"S": USER_PREFIX + str(user_id)}}
        table = self._tables.live_connections
        item = self._client.get_item(TableName=table, Key=presence_key, ConsistentRead=True).get("Item")
        if not item:
            return 0
        connections = [
            delete_request({"pk": {"S": CONNECTION_PREFIX + name[len(CONNECTION_ATTRIBUTE_PREFIX) :]}})
            for name in item
            if name.startswith(CONNECTION_ATTRIBUTE_PREFIX)
        ]
        batch_write(table, [*connections, delete_request(presence_key)])
        return 0  # one read empties it: the phase moves on
