"""RelationRepository on the relations table, with copies on the activity records of the timelines table.

The relations table is the source of truth: one item per (owner, relation), `relation` being `block#<id>`,
`mute#<id>` or `word#<word>`; its local index `by_time_index` (`listed`: `<kind>#<20-digit relation id>`)
lists each kind newest first. The same transaction copies the relation onto the activity records
(`TimelineActivityItem`: `blocked`, `blocked_by` on the blocked user's, `muted`, `muted_words`), which a
home-timeline read gets anyway: filtering costs it no extra round trip. A block also removes the follow
edges between the two users, with their counts, as an unfollow does (the follows table's stream then
tells the bus, and the timeline writer takes each one's entries out of the other's timeline).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.batch import TableRead, batch_get
from chirp.adapters.dynamodb.connection import CONDITIONAL, run_transaction
from chirp.adapters.dynamodb.models import ACTIVITY_ENTRY_ID, FollowItem, TimelineActivityItem, UserItem
from chirp.adapters.dynamodb.users import live_account, user_key
from chirp.errors import NotFound, Retryable
from chirp.ids import new_id
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.relations.models import Hidden

BLOCK = "block"
MUTE = "mute"
WORD = "word"
# A block that meets a follow made between its read of the edges and its write is written again.
BLOCK_ATTEMPTS = 3


class RelationsByTimeIndex(LocalSecondaryIndex["RelationItem"]):
    class Meta:
        index_name = "by_time_index"
        projection = AllProjection()

    owner_id = NumberAttribute(hash_key=True)
    listed = UnicodeAttribute(range_key=True)


class RelationItem(Model):
    class Meta:
        table_name = ""
        max_pool_connections = 32  # reads run side by side (chirp.concurrency)

    owner_id = NumberAttribute(hash_key=True)
    relation = UnicodeAttribute(range_key=True)
    listed = UnicodeAttribute()
    relation_id = NumberAttribute()
    other_id = NumberAttribute(null=True)
    word = UnicodeAttribute(null=True)
    by_time = RelationsByTimeIndex()


def bind_relations_table(table_name: str) -> None:
    """Point the model at its table (idempotent; resets its cached connection on change)."""
    if RelationItem.Meta.table_name != table_name:
        RelationItem.Meta.table_name = table_name
        RelationItem._connection = None


def relation_key(kind: str, other: int | str) -> str:
    return f"{kind}#{other}"


def _listed(kind: str, relation_id: int) -> str:
    return f"{kind}#{relation_id:020d}"


def _activity(owner_id: int) -> TimelineActivityItem:
    return TimelineActivityItem(owner_id=owner_id, entry_id=ACTIVITY_ENTRY_ID)


class DynamoRelationRepository:
    def block(self, blocker_id: int, blocked_id: int) -> bool:
        for _ in range(BLOCK_ATTEMPTS):
            # Which of the two follow edges exist: each is deleted on the condition that it exists, and each
            # absent one checked absent, so a follow that lands meanwhile fails the transaction (read again).
            keys = [(blocker_id, blocked_id), (blocked_id, blocker_id)]
            found = {
                (int(item.follower_id), int(item.followee_id))
                for item in FollowItem.batch_get(
                    keys, consistent_read=True, attributes_to_get=["follower_id", "followee_id"]
                )
            }
            failed = run_transaction(partial(_block, blocker_id=blocker_id, blocked_id=blocked_id, follows=found))
            if not failed:
                return True
            if failed[0] == CONDITIONAL:
                return False  # blocked already (and so no follows between them)
            if failed[1] == CONDITIONAL:
                raise NotFound(f"user {blocked_id} does not exist")
        raise Retryable("the follows between the two users keep changing; retry the request")

    def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        return self._remove(
            blocker_id,
            BLOCK,
            blocked_id,
            [
                (blocker_id, [TimelineActivityItem.blocked.delete({blocked_id})]),
                (blocked_id, [TimelineActivityItem.blocked_by.delete({blocker_id})]),
            ],
        )

    def mute(self, muter_id: int, muted_id: int) -> bool:
        def write(transaction: TransactWrite) -> None:
            _put_relation(transaction, muter_id, MUTE, muted_id)
            transaction.condition_check(UserItem, user_key(muted_id), condition=live_account())
            transaction.update(_activity(muter_id), actions=[TimelineActivityItem.muted.add({muted_id})])

        failed = run_transaction(write)
        if failed and failed[1] == CONDITIONAL:
            raise NotFound(f"user {muted_id} does not exist")
        return not failed

    def unmute(self, muter_id: int, muted_id: int) -> bool:
        return self._remove(muter_id, MUTE, muted_id, [(muter_id, [TimelineActivityItem.muted.delete({muted_id})])])

    def blocking(self, user_id: int, page: PageRequest) -> Page[int]:
        return _newest(user_id, BLOCK, page)

    def muting(self, user_id: int, page: PageRequest) -> Page[int]:
        return _newest(user_id, MUTE, page)

    def mute_word(self, user_id: int, word: str) -> bool:
        def write(transaction: TransactWrite) -> None:
            _put_relation(transaction, user_id, WORD, word)
            transaction.update(_activity(user_id), actions=[TimelineActivityItem.muted_words.add({word})])

        return not run_transaction(write)

    def unmute_word(self, user_id: int, word: str) -> bool:
        return self._remove(user_id, WORD, word, [(user_id, [TimelineActivityItem.muted_words.delete({word})])])

    def muted_words(self, user_id: int) -> list[str]:
        newest = _kind_range(WORD, None)
        items = RelationItem.by_time.query(
            user_id, range_key_condition=newest, scan_index_forward=False, consistent_read=True
        )
        return [str(item.word) for item in items]

    def hidden_from(self, user_id: int) -> Hidden:
        table = TimelineActivityItem.Meta.table_name
        keys = [{"owner_id": {"N": str(user_id)}, "entry_id": {"N": str(ACTIVITY_ENTRY_ID)}}]
        found = batch_get({table: TableRead(keys=keys, consistent=True, projection=HIDDEN_PROJECTION)})[table]
        return raw_hidden(found[0]) if found else Hidden()

    def hides(self, owner_id: int, other_id: int) -> bool:
        table = RelationItem.Meta.table_name
        keys = [
            {"owner_id": {"N": str(owner_id)}, "relation": {"S": relation_key(kind, other_id)}}
            for kind in (BLOCK, MUTE)
        ]
        return bool(batch_get({table: TableRead(keys=keys, consistent=True, projection="owner_id")})[table])

    @staticmethod
    def _remove(owner_id: int, kind: str, other: int | str, copies: list[tuple[int, list[Action]]]) -> bool:
        def write(transaction: TransactWrite) -> None:
            transaction.delete(
                RelationItem(owner_id=owner_id, relation=relation_key(kind, other)),
                condition=RelationItem.owner_id.exists(),
            )
            for record_owner, actions in copies:
                transaction.update(_activity(record_owner), actions=actions)

        return not run_transaction(write)


# What a read of the activity record takes for the hidden sets.
HIDDEN_PROJECTION = "blocked, blocked_by, muted, muted_words"


def raw_hidden(raw: dict[str, Any]) -> Hidden:
    """The hidden sets of an activity record read as raw DynamoDB JSON (absent sets: empty)."""
    return Hidden(
        blocked=frozenset(int(n) for n in raw["blocked"]["NS"]) if "blocked" in raw else frozenset(),
        blocked_by=frozenset(int(n) for n in raw["blocked_by"]["NS"]) if "blocked_by" in raw else frozenset(),
        muted=frozenset(int(n) for n in raw["muted"]["NS"]) if "muted" in raw else frozenset(),
        muted_words=frozenset(raw["muted_words"]["SS"]) if "muted_words" in raw else frozenset(),
    )


def _put_relation(transaction: TransactWrite, owner_id: int, kind: str, other: int | str) -> None:
    relation_id = new_id()
    item = RelationItem(
        owner_id=owner_id,
        relation=relation_key(kind, other),
        listed=_listed(kind, relation_id),
        relation_id=relation_id,
        other_id=other if isinstance(other, int) else None,
        word=other if isinstance(other, str) else None,
    )
    transaction.save(item, condition=RelationItem.owner_id.does_not_exist())


def _block(transaction: TransactWrite, blocker_id: int, blocked_id: int, follows: set[tuple[int, int]]) -> None:
    """The block (item 0), the blocked user's existence (item 1), the follow edges both ways (removed with
    their counts and pulls if `follows` has them, checked absent otherwise), and the activity copies."""
    _put_relation(transaction, blocker_id, BLOCK, blocked_id)
    counts: dict[int, list[Action]] = {blocker_id: [], blocked_id: []}
    pulls: dict[int, list[Action]] = {blocker_id: [], blocked_id: []}
    for follower, followee in ((blocker_id, blocked_id), (blocked_id, blocker_id)):
        if (follower, followee) in follows:
            counts[follower].append(UserItem.following_count.add(-1))
            counts[followee].append(UserItem.followers_count.add(-1))
            pulls[follower].append(TimelineActivityItem.pulls.delete({followee}))
    # The blocked user's item first: its condition (it exists) is item 1.
    blocked_user = UserItem(pk=user_key(blocked_id))
    if counts[blocked_id]:
        transaction.update(blocked_user, actions=counts[blocked_id], condition=live_account())
    else:
        transaction.condition_check(UserItem, user_key(blocked_id), condition=live_account())
    if counts[blocker_id]:
        transaction.update(UserItem(pk=user_key(blocker_id)), actions=counts[blocker_id])
    for follower, followee in ((blocker_id, blocked_id), (blocked_id, blocker_id)):
        if (follower, followee) in follows:
            transaction.delete(
                FollowItem(follower_id=follower, followee_id=followee), condition=FollowItem.follower_id.exists()
            )
        else:
            transaction.condition_check(
                FollowItem, follower, followee, condition=FollowItem.follower_id.does_not_exist()
            )
    transaction.update(
        _activity(blocker_id), actions=[TimelineActivityItem.blocked.add({blocked_id}), *pulls[blocker_id]]
    )
    transaction.update(
        _activity(blocked_id), actions=[TimelineActivityItem.blocked_by.add({blocker_id}), *pulls[blocked_id]]
    )


def _kind_range(kind: str, before: int | None) -> Any:
    highest = before - 1 if before is not None else 10**20 - 1
    return RelationItem.listed.between(_listed(kind, 0), _listed(kind, highest))


def _newest(user_id: int, kind: str, page: PageRequest) -> Page[int]:
    """One page of a kind's list, newest first; the cursor is the last relation's id."""
    condition = _kind_range(kind, page.before)
    items = list(
        RelationItem.by_time.query(
            user_id, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1, consistent_read=True
        )
    )
    listed = page_from_overfetch(items, page, lambda item: int(item.relation_id))
    return Page(items=[int(item.other_id) for item in listed.items], next_cursor=listed.next_cursor)
