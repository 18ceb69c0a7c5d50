"""FollowRepository on the follows table (and both users' counters on the users table)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import run_transaction
from chirp.adapters.dynamodb.models import (
    ACTIVITY_ENTRY_ID,
    FollowersByTimeIndex,
    FollowingByTimeIndex,
    FollowItem,
    TimelineActivityItem,
    UserItem,
)
from chirp.adapters.dynamodb.relations import BLOCK, RelationItem, relation_key
from chirp.adapters.dynamodb.users import live_account, user_key
from chirp.errors import Forbidden, NotFound
from chirp.ids import new_id
from chirp.pages import Page, PageRequest, page_from_overfetch


class DynamoFollowRepository:
    def follow(self, follower_id: int, followee_id: int) -> bool:
        edge = FollowItem(follower_id=follower_id, followee_id=followee_id, follow_id=new_id())

        def write(transaction: TransactWrite) -> None:
            transaction.save(edge, condition=FollowItem.follower_id.does_not_exist())
            transaction.update(
                UserItem(pk=user_key(follower_id)),
                actions=[UserItem.following_count.add(1)],
                condition=live_account(),
            )
            transaction.update(
                UserItem(pk=user_key(followee_id)),
                actions=[UserItem.followers_count.add(1)],
                condition=live_account(),
            )
            # No block between the two, either way (checked in the transaction: a block removes follows).
            for owner_id, other_id in ((follower_id, followee_id), (followee_id, follower_id)):
                unblocked = RelationItem.owner_id.does_not_exist()
                transaction.condition_check(RelationItem, owner_id, relation_key(BLOCK, other_id), condition=unblocked)

        failed = run_transaction(write)
        if not failed:
            return True
        if failed[2] == "ConditionalCheckFailed":
            raise NotFound(f"user {followee_id} does not exist")
        if failed[1] == "ConditionalCheckFailed":
            raise NotFound(f"user {follower_id} does not exist")
        if failed[3] == "ConditionalCheckFailed":
            raise Forbidden(f"you block user {followee_id}: unblock them first")
        if failed[4] == "ConditionalCheckFailed":
            raise Forbidden(f"user {followee_id} blocks you: you cannot follow them")
        return False  # the edge already existed

    def unfollow(self, follower_id: int, followee_id: int) -> bool:
        def write(transaction: TransactWrite) -> None:
            transaction.delete(
                FollowItem(follower_id=follower_id, followee_id=followee_id),
                condition=FollowItem.follower_id.exists(),
            )
            transaction.update(UserItem(pk=user_key(follower_id)), actions=[UserItem.following_count.add(-1)])
            transaction.update(UserItem(pk=user_key(followee_id)), actions=[UserItem.followers_count.add(-1)])
            # A celebrity unfollowed is no longer pulled from the next read on (a no-op otherwise).
            transaction.update(
                TimelineActivityItem(owner_id=follower_id, entry_id=ACTIVITY_ENTRY_ID),
                actions=[TimelineActivityItem.pulls.delete({followee_id})],
            )

        return not run_transaction(write)

    def followers(self, user_id: int, page: PageRequest) -> Page[int]:
        return _newest_follows(FollowItem.followers, user_id, page, lambda item: int(item.follower_id))

    def following(self, user_id: int, page: PageRequest) -> Page[int]:
        return _newest_follows(FollowItem.following, user_id, page, lambda item: int(item.followee_id))

    def all_following(self, user_id: int) -> list[int]:
        return [int(item.followee_id) for item in FollowItem.query(user_id, attributes_to_get=["followee_id"])]

    def follower_id_chunks(self, user_id: int, size: int) -> Iterator[list[int]]:
        chunk: list[int] = []
        for item in FollowItem.followers.query(user_id):
            chunk.append(int(item.follower_id))
            if len(chunk) == size:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def which_follow(self, follower_ids: Sequence[int], followee_id: int) -> set[int]:
        keys = [(follower, followee_id) for follower in dict.fromkeys(follower_ids)]
        if not keys:
            return set()
        return {
            int(item.follower_id)
            for item in FollowItem.batch_get(keys, consistent_read=True, attributes_to_get=["follower_id"])
        }


def _newest_follows(
    index: FollowersByTimeIndex | FollowingByTimeIndex,
    user_id: int,
    page: PageRequest,
    other_end: Callable[[FollowItem], int],
) -> Page[int]:
    """One page of an edge list, newest follow first; the cursor is the last edge's follow_id."""
    condition = FollowItem.follow_id < page.before if page.before is not None else None
    items = list(index.query(user_id, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1))
    edges = page_from_overfetch(items, page, lambda item: int(item.follow_id))
    return Page(items=[other_end(item) for item in edges.items], next_cursor=edges.next_cursor)
