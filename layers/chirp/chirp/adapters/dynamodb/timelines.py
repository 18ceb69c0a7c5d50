"""TimelineRepository on the timelines table: entries keyed (owner_id, entry_id), plus one
activity record per owner at the top of its partition (ACTIVITY_ENTRY_ID). It also reads what a
page's entries point at, from the tweets, users, author-tweets and engagements tables, in one
BatchGetItem."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any

from cachetools import TTLCache
from pynamodb.exceptions import UpdateError
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.batch import TableRead, batch_get, batch_write, delete_request, put_request
from chirp.adapters.dynamodb.connection import run_transaction
from chirp.adapters.dynamodb.engagements import raw_summary
from chirp.adapters.dynamodb.models import (
    ACTIVITY_ENTRY_ID,
    LIKE,
    RETWEET,
    SUMMARY,
    TOP_OF_PARTITION,
    EngagementItem,
    FollowItem,
    RecentTweetsItem,
    TimelineActivityItem,
    TimelineItem,
    TweetItem,
    UserItem,
)
from chirp.adapters.dynamodb.relations import raw_hidden
from chirp.adapters.dynamodb.tweet_items import raw_tweet, recent_window
from chirp.adapters.dynamodb.users import user_key
from chirp.adapters.dynamodb.wire import wire
from chirp.engagements.models import AuthorSummary
from chirp.ids import id_timestamp_ms
from chirp.timelines.models import PageContents, TimelineActivity, TimelineEntry, TimelineHead, ViewerReads
from chirp.tweets.models import ViewerState
from chirp.users.models import User

# Entries have positive (Snowflake) ids. Timelines written before the activity record moved to the top
# of the partition hold it at entry_id 0: reads start above it.
FIRST_ENTRY_ID = 1
PROFILE_CACHE_SIZE = 20_000
# A tweet younger than this that an eventually consistent read did not find is read again, consistently.
FRESH_TWEET_MS = 5_000
# What a page shows of a person, and whether it is served at all (suspended or deleted: its tweets and retweets
# leave the page): a projection keeps the users' read small.
AUTHOR_PROJECTION = "user_id, username, #name, created_at_ms, suspended_at_ms, deleted_at_ms"
# What a timeline is read for: the entries and the activity record, not their keys and TTLs.
HEAD_PROJECTION = (
    "entry_id, tweet_id, author_id, via_id, quoted_id, quoted_author_id, last_seen_ms, rebuilt_at_ms, pulls, engaged, "
    "blocked, blocked_by, muted, muted_words"
)


def timeline_item(owner_id: int, entry: TimelineEntry, expires_at: int) -> TimelineItem:
    return TimelineItem(
        owner_id=owner_id,
        entry_id=entry.entry_id,
        tweet_id=entry.tweet_id,
        author_id=entry.author_id,
        via_id=entry.via_id,
        quoted_id=entry.quoted_id,
        quoted_author_id=entry.quoted_author_id,
        expires_at=expires_at,
    )


def _tweet_key(tweet_id: int) -> dict[str, Any]:
    return {"tweet_id": {"N": str(tweet_id)}}


def _late_tweets(wanted: Sequence[int], found: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The young tweets an eventually consistent read missed, read again consistently.

    A timeline entry is written after its tweet (the posting transaction, or the fan-out behind the tweet's stream
    record), so an entry seen while its tweet is not is either a deleted tweet's or a tweet under a second old that
    this read's replica has not caught up with (DynamoDB: usually within a second). Only the second kind is read
    again, strongly consistent, and only when it happens: the author's own just-posted tweet on their home timeline
    is read the way every other tweet is, and still never missing."""
    seen = {int(raw["tweet_id"]["N"]) for raw in found.get(TweetItem.Meta.table_name, [])}
    young_after = int(time.time() * 1000) - FRESH_TWEET_MS
    late = [tweet_id for tweet_id in wanted if tweet_id not in seen and id_timestamp_ms(tweet_id) >= young_after]
    if not late:
        return []
    again = batch_get({TweetItem.Meta.table_name: TableRead(keys=[_tweet_key(t) for t in late], consistent=True)})
    return again.get(TweetItem.Meta.table_name, [])


def _key(owner_id: int, entry_id: int) -> dict[str, Any]:
    return {"owner_id": {"N": str(owner_id)}, "entry_id": {"N": str(entry_id)}}


def _newest_items(owner_id: int, highest: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` raw items of the owner's partition from `highest` down, newest first: entries, and
    the activity record if `highest` reaches it (one consistent Query, read-your-writes: the posting
    transaction wrote the author's own entry)."""
    response = wire().query(
        TableName=TimelineItem.Meta.table_name,
        KeyConditionExpression="owner_id = :owner AND entry_id BETWEEN :first AND :highest",
        ExpressionAttributeValues={
            ":owner": {"N": str(owner_id)},
            ":first": {"N": str(FIRST_ENTRY_ID)},
            ":highest": {"N": str(highest)},
        },
        ScanIndexForward=False,
        Limit=limit,
        ConsistentRead=True,
        ProjectionExpression=HEAD_PROJECTION,
    )
    items: list[dict[str, Any]] = response.get("Items", [])
    return items


def _raw_entry(raw: dict[str, Any]) -> TimelineEntry:
    via, quoted, quoted_author = raw.get("via_id"), raw.get("quoted_id"), raw.get("quoted_author_id")
    return TimelineEntry(
        int(raw["entry_id"]["N"]),
        int(raw["tweet_id"]["N"]),
        int(raw["author_id"]["N"]),
        int(via["N"]) if via else None,
        int(quoted["N"]) if quoted else None,
        int(quoted_author["N"]) if quoted_author else None,
    )


def _raw_activity(raw: dict[str, Any]) -> TimelineActivity:
    last_seen, rebuilt, pulls = raw.get("last_seen_ms"), raw.get("rebuilt_at_ms"), raw.get("pulls")
    engaged = raw.get("engaged")
    return TimelineActivity(
        int(last_seen["N"]) if last_seen else 0,
        int(rebuilt["N"]) if rebuilt else 0,
        frozenset(int(author) for author in pulls["NS"]) if pulls else frozenset(),
        frozenset(int(author) for author in engaged["NS"]) if engaged else frozenset(),
        raw_hidden(raw),
    )


def _raw_author(raw: dict[str, Any]) -> User:
    return User(
        id=int(raw["user_id"]["N"]),
        username=raw["username"]["S"],
        name=raw["name"]["S"],
        created_at_ms=int(raw["created_at_ms"]["N"]),
        suspended="suspended_at_ms" in raw,
        deleted="deleted_at_ms" in raw,
    )


def _viewer_keys(viewer: ViewerReads | None) -> list[dict[str, Any]]:
    """The viewer's summaries of those authors and like and retweet edges of those tweets: one table."""
    if viewer is None:
        return []
    user = {"N": str(viewer.viewer_id)}
    edges = [f"{SUMMARY}{author_id}" for author_id in dict.fromkeys(viewer.summaries_of)]
    edges += [f"{kind}{tweet_id}" for tweet_id in dict.fromkeys(viewer.states_of) for kind in (LIKE, RETWEET)]
    return [{"user_id": user, "edge": {"S": edge}} for edge in edges]


def _viewer_findings(
    viewer: ViewerReads | None, found: list[dict[str, Any]]
) -> tuple[dict[int, AuthorSummary], dict[int, ViewerState]]:
    if viewer is None:
        return {}, {}
    edges = {raw["edge"]["S"] for raw in found}
    read = (raw_summary(raw) for raw in found if raw["edge"]["S"].startswith(SUMMARY))
    summaries = {summary.author_id: summary for summary in read}
    states = {
        tweet_id: ViewerState(liked=f"{LIKE}{tweet_id}" in edges, retweeted=f"{RETWEET}{tweet_id}" in edges)
        for tweet_id in dict.fromkeys(viewer.states_of)
    }
    return summaries, states


class DynamoTimelineRepository:
    def __init__(self, profile_cache_seconds: int = 0) -> None:
        # The author profiles pages show (username, name), kept per sandbox for a while: the people a
        # sandbox's readers follow repeat from read to read, and a rename, or a suspension or deletion taking the
        # author's tweets out of home timelines, may take that long to show.
        self._profiles: TTLCache[int, User] | None = (
            TTLCache(maxsize=PROFILE_CACHE_SIZE, ttl=profile_cache_seconds) if profile_cache_seconds > 0 else None
        )
        self._profiles_lock = threading.Lock()

    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        below = before if before is not None else ACTIVITY_ENTRY_ID
        return [_raw_entry(raw) for raw in _newest_items(owner_id, below - 1, limit)]

    def head(self, owner_id: int, limit: int) -> TimelineHead:
        items = _newest_items(owner_id, ACTIVITY_ENTRY_ID, limit + 1)
        if items and int(items[0]["entry_id"]["N"]) == ACTIVITY_ENTRY_ID:
            return TimelineHead(activity=_raw_activity(items[0]), entries=[_raw_entry(raw) for raw in items[1:]])
        return TimelineHead(activity=None, entries=[_raw_entry(raw) for raw in items[:limit]])

    def page_contents(
        self,
        tweet_ids: Iterable[int],
        user_ids: Iterable[int],
        recent_of: Iterable[int],
        viewer: ViewerReads | None = None,
    ) -> PageContents:
        known, user_ids = self._cached_profiles(user_ids)
        wanted = list(dict.fromkeys(tweet_ids))
        reads = {
            # Eventually consistent: half the read units of the page's largest read. Tweets change only in their
            # deletion; the one a page could miss is one written an instant ago (`_late_tweets`).
            TweetItem.Meta.table_name: TableRead(keys=[_tweet_key(tweet_id) for tweet_id in wanted]),
            UserItem.Meta.table_name: TableRead(
                keys=[{"pk": {"S": user_key(user_id)}} for user_id in dict.fromkeys(user_ids)],
                projection=AUTHOR_PROJECTION,
                names={"#name": "name"},
            ),
            RecentTweetsItem.Meta.table_name: TableRead(
                keys=[
                    {"author_id": {"N": str(author_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}}
                    for author_id in dict.fromkeys(recent_of)
                ],
                consistent=True,
            ),
            EngagementItem.Meta.table_name: TableRead(keys=_viewer_keys(viewer), consistent=True),
        }
        found = batch_get({table: read for table, read in reads.items() if read.keys})
        tweets = (raw_tweet(raw) for raw in [*found.get(TweetItem.Meta.table_name, []), *_late_tweets(wanted, found)])
        authors = (_raw_author(raw) for raw in found.get(UserItem.Meta.table_name, []))
        recent = {
            int(raw["author_id"]["N"]): recent_window(int(raw["author_id"]["N"]), raw)
            for raw in found.get(RecentTweetsItem.Meta.table_name, [])
        }
        summaries, states = _viewer_findings(viewer, found.get(EngagementItem.Meta.table_name, []))
        fetched = {user.id: user for user in authors}
        if self._profiles is not None:
            with self._profiles_lock:
                self._profiles.update(fetched)
        return PageContents(
            tweets={tweet.id: tweet for tweet in tweets},
            users=known | fetched,
            recent=recent,
            summaries=summaries,
            states=states,
        )

    def _cached_profiles(self, user_ids: Iterable[int]) -> tuple[dict[int, User], list[int]]:
        """The cached profiles among `user_ids`, and the ids left to read."""
        wanted = list(dict.fromkeys(user_ids))
        if self._profiles is None:
            return {}, wanted
        with self._profiles_lock:
            known = {user_id: user for user_id in wanted if (user := self._profiles.get(user_id)) is not None}
        return known, [user_id for user_id in wanted if user_id not in known]

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        requests = [
            put_request(timeline_item(owner, entry, expires_at).serialize()) for owner in owner_ids for entry in entries
        ]
        batch_write(TimelineItem.Meta.table_name, requests)

    def remove(self, owner_ids: Sequence[int], entry_ids: Sequence[int]) -> None:
        requests = [delete_request(_key(owner, entry_id)) for owner in owner_ids for entry_id in entry_ids]
        batch_write(TimelineItem.Meta.table_name, requests)

    def remove_author(self, owner_id: int, author_id: int) -> int:
        matching = TimelineItem.query(
            owner_id,
            range_key_condition=TimelineItem.entry_id.between(FIRST_ENTRY_ID, ACTIVITY_ENTRY_ID - 1),
            # What the author brought (TimelineEntry.bringer): its tweets, its retweets; not another's
            # retweet of its tweet, which the owner still sees for following the retweeter.
            filter_condition=(TimelineItem.via_id == author_id)
            | ((TimelineItem.author_id == author_id) & TimelineItem.via_id.does_not_exist()),
            attributes_to_get=["owner_id", "entry_id"],
        )
        entry_ids = [int(item.entry_id) for item in matching]
        self.remove([owner_id], entry_ids)
        return len(entry_ids)

    def trim(self, owner_id: int, keep: int) -> int:
        newest_first = TimelineItem.query(
            owner_id,
            range_key_condition=TimelineItem.entry_id.between(FIRST_ENTRY_ID, ACTIVITY_ENTRY_ID - 1),
            scan_index_forward=False,
            attributes_to_get=["owner_id", "entry_id"],
        )
        surplus = [int(item.entry_id) for position, item in enumerate(newest_first) if position >= keep]
        self.remove([owner_id], surplus)
        return len(surplus)

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        keys = [_key(owner, ACTIVITY_ENTRY_ID) for owner in dict.fromkeys(owner_ids)]
        if not keys:
            return {}
        found = batch_get({TimelineItem.Meta.table_name: TableRead(keys=keys)})[TimelineItem.Meta.table_name]
        return {int(raw["owner_id"]["N"]): _raw_activity(raw) for raw in found}

    def record_activity(self, owner_id: int, activity: TimelineActivity) -> None:
        TimelineActivityItem(owner_id=owner_id, entry_id=ACTIVITY_ENTRY_ID).update(
            actions=[
                TimelineActivityItem.last_seen_ms.set(activity.last_seen_ms),
                TimelineActivityItem.rebuilt_at_ms.set(activity.rebuilt_at_ms),
            ]
        )

    def start_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        for owner_id in dict.fromkeys(owner_ids):

            def write(transaction: TransactWrite, owner_id: int = owner_id) -> None:
                transaction.condition_check(FollowItem, owner_id, author_id, condition=FollowItem.follower_id.exists())
                transaction.update(
                    TimelineActivityItem(owner_id=owner_id, entry_id=ACTIVITY_ENTRY_ID),
                    actions=[TimelineActivityItem.pulls.add({author_id})],
                )

            run_transaction(write)  # a failed check: unfollowed meanwhile, nothing to pull

    def stop_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        for owner_id in dict.fromkeys(owner_ids):
            try:
                TimelineActivityItem(owner_id=owner_id, entry_id=ACTIVITY_ENTRY_ID).update(
                    actions=[TimelineActivityItem.pulls.delete({author_id})],
                    condition=TimelineActivityItem.owner_id.exists(),
                )
            except UpdateError as error:
                if error.cause_response_code != "ConditionalCheckFailedException":
                    raise  # anything but "no record: nothing to drop"
