"""EngagementRepository on the engagements table: like edges and, beside them, each viewer's summary of
what it liked and retweeted of each author; the edges of retweets, replies and quotes (written by the
tweets repository, in those tweets' own transactions); and the lists the edges make.

No write here touches a tweet's item: its counts are the counter function's, from this table's stream.
A like writes the liker's edge, summary and like count: items of the liker's own, so two hundred people
liking one tweet at once conflict on nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pynamodb.exceptions import UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action

from chirp.adapters.dynamodb.batch import TableRead, batch_get
from chirp.adapters.dynamodb.connection import Step, run_steps
from chirp.adapters.dynamodb.models import (
    ACTIVITY_ENTRY_ID,
    LIKE,
    QUOTE,
    REPLY,
    RETWEET,
    SUMMARY,
    SUMMARY_KEPT,
    SUMMARY_LIMIT,
    EngagementItem,
    EngagementSummaryItem,
    TimelineActivityItem,
    TweetItem,
    UserItem,
)
from chirp.adapters.dynamodb.users import user_key
from chirp.engagements.models import AuthorSummary
from chirp.errors import NotFound, Retryable
from chirp.ids import new_id
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.tweets.models import Tweet, ViewerState


def edge_item(user_id: int, kind: str, tweet: Tweet) -> EngagementItem:
    """The edge a retweet, reply or quote (`tweet`, by `user_id`) makes to the tweet it refers to."""
    if kind == RETWEET:
        referred, author, edge = tweet.retweet_of, tweet.retweet_of_author, f"{RETWEET}{tweet.retweet_of}"
    elif kind == REPLY:
        referred, author, edge = tweet.in_reply_to_tweet_id, tweet.in_reply_to_user_id, f"{REPLY}{tweet.id}"
    elif kind == QUOTE:
        referred, author, edge = tweet.quoted_tweet_id, tweet.quoted_author_id, f"{QUOTE}{tweet.id}"
    else:
        raise ValueError(f"no edge of kind {kind!r} comes with a tweet")
    if referred is None or author is None:
        raise ValueError(f"tweet {tweet.id} refers to no tweet as a {kind} edge would need")
    return EngagementItem(
        user_id=user_id, edge=edge, tweet_id=referred, author_id=author, edge_id=tweet.id, target=f"{kind}{referred}"
    )


@dataclass(frozen=True)
class SummaryUpdate:
    """A change to a viewer's summary of an author, for a transaction."""

    item: EngagementSummaryItem
    author_id: int
    actions: list[Action]
    condition: Condition | None


def summary_update(
    user_id: int,
    author_id: int,
    *,
    liked_add: int | None = None,
    liked_remove: int | None = None,
    retweeted_add: int | None = None,
    retweeted_remove: int | None = None,
) -> SummaryUpdate:
    """Add or remove one tweet of `author_id` in what `user_id` liked or retweeted. An addition is refused
    once the summary holds SUMMARY_LIMIT ids (`trim_summary` makes room)."""
    item = EngagementSummaryItem(user_id=user_id, edge=f"{SUMMARY}{author_id}")
    actions: list[Action] = []
    if liked_add is not None:
        actions += [EngagementSummaryItem.liked.add({liked_add}), EngagementSummaryItem.kept.add(1)]
    if retweeted_add is not None:
        actions += [EngagementSummaryItem.retweeted.add({retweeted_add}), EngagementSummaryItem.kept.add(1)]
    if liked_remove is not None:
        actions.append(EngagementSummaryItem.liked.delete({liked_remove}))
    if retweeted_remove is not None:
        actions.append(EngagementSummaryItem.retweeted.delete({retweeted_remove}))
    adds = liked_add is not None or retweeted_add is not None
    condition = (
        (EngagementSummaryItem.kept.does_not_exist() | (EngagementSummaryItem.kept < SUMMARY_LIMIT)) if adds else None
    )
    return SummaryUpdate(item=item, author_id=author_id, actions=actions, condition=condition)


def engaged_with(user_id: int, author_id: int) -> Step:
    """The step of a like's or retweet's transaction that lists the author on the user's activity record
    (`engaged`): a home page then reads the user's summary of that author, and no other author's."""
    record = TimelineActivityItem(owner_id=user_id, entry_id=ACTIVITY_ENTRY_ID)
    return Step(lambda t: t.update(record, actions=[TimelineActivityItem.engaged.add({author_id})]))


def trim_summary(user_id: int, author_id: int) -> None:
    """Keep the SUMMARY_KEPT highest ids of the two sets together (a tweet liked and retweeted counts
    twice), and say from which id up they are still exact: above every id dropped."""
    try:
        found = EngagementSummaryItem.get(user_id, f"{SUMMARY}{author_id}", consistent_read=True)
    except EngagementSummaryItem.DoesNotExist:
        return
    liked, retweeted = {int(i) for i in found.liked or ()}, {int(i) for i in found.retweeted or ()}
    entries = sorted([(i, "liked") for i in liked] + [(i, "retweeted") for i in retweeted], reverse=True)
    dropped = entries[SUMMARY_KEPT:]
    complete_from = max([int(found.complete_from or 0)] + [tweet_id + 1 for tweet_id, _ in dropped])
    actions: list[Action] = [
        EngagementSummaryItem.kept.set(len(entries) - len(dropped)),
        EngagementSummaryItem.complete_from.set(complete_from),
    ]
    dropped_liked = {tweet_id for tweet_id, kind in dropped if kind == "liked"}
    dropped_retweeted = {tweet_id for tweet_id, kind in dropped if kind == "retweeted"}
    if dropped_liked:
        actions.append(EngagementSummaryItem.liked.delete(dropped_liked))
    if dropped_retweeted:
        actions.append(EngagementSummaryItem.retweeted.delete(dropped_retweeted))
    try:
        found.update(actions=actions, condition=EngagementSummaryItem.kept == found.kept)
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise  # else another request trimmed it, or added to it meanwhile: the next addition tries again


def like_item(user_id: int, tweet: Tweet, like_id: int) -> EngagementItem:
    return EngagementItem(
        user_id=user_id,
        edge=f"{LIKE}{tweet.id}",
        tweet_id=tweet.id,
        author_id=tweet.author_id,
        edge_id=like_id,
        target=f"{LIKE}{tweet.id}",
        actor=f"{LIKE}{user_id}",
    )


def raw_summary(raw: dict[str, Any]) -> AuthorSummary:
    """A raw EngagementSummaryItem (DynamoDB JSON, as BatchGetItem returns it)."""
    return AuthorSummary(
        author_id=int(raw["edge"]["S"][len(SUMMARY) :]),
        liked=frozenset(int(value) for value in raw.get("liked", {}).get("NS", ())),
        retweeted=frozenset(int(value) for value in raw.get("retweeted", {}).get("NS", ())),
        complete_from=int(raw["complete_from"]["N"]) if "complete_from" in raw else 0,
    )


class DynamoEngagementRepository:
    def like(self, user_id: int, tweet: Tweet) -> bool:
        edge = like_item(user_id, tweet, new_id())
        summary = summary_update(user_id, tweet.author_id, liked_add=tweet.id)
        steps = [
            Step(
                lambda t: t.condition_check(TweetItem, tweet.id, condition=TweetItem.tweet_id.exists()),
                lambda: NotFound(f"tweet {tweet.id} does not exist"),
            ),
            Step(lambda t: t.save(edge, condition=EngagementItem.user_id.does_not_exist())),
            Step(
                lambda t: t.update(summary.item, actions=summary.actions, condition=summary.condition),
                lambda: Retryable("the user's likes are being tidied; like again"),
                make_room=lambda: trim_summary(user_id, tweet.author_id),
            ),
            Step(
                lambda t: t.update(
                    UserItem(pk=user_key(user_id)), actions=[UserItem.like_count.add(1)], condition=UserItem.pk.exists()
                ),
                lambda: NotFound(f"user {user_id} does not exist"),
            ),
            engaged_with(user_id, tweet.author_id),
        ]
        failed = run_steps(steps)
        return not failed  # a failed edge condition: liked already, nothing changed

    def unlike(self, user_id: int, tweet: Tweet) -> bool:
        summary = summary_update(user_id, tweet.author_id, liked_remove=tweet.id)
        steps = [
            Step(
                lambda t: t.delete(
                    EngagementItem(user_id=user_id, edge=f"{LIKE}{tweet.id}"),
                    condition=EngagementItem.user_id.exists(),
                )
            ),
            Step(lambda t: t.update(summary.item, actions=summary.actions)),
            Step(lambda t: t.update(UserItem(pk=user_key(user_id)), actions=[UserItem.like_count.add(-1)])),
        ]
        return not run_steps(steps)  # a failed edge condition: not liked, nothing changed

    def drop_empty_summary(self, user_id: int, author_id: int) -> bool:
        # DynamoDB removes a set emptied by DELETE: an empty summary has neither attribute.
        empty = EngagementSummaryItem.liked.does_not_exist() & EngagementSummaryItem.retweeted.does_not_exist()
        record = TimelineActivityItem(owner_id=user_id, entry_id=ACTIVITY_ENTRY_ID)
        steps = [
            Step(
                lambda t: t.delete(
                    EngagementSummaryItem(user_id=user_id, edge=f"{SUMMARY}{author_id}"),
                    condition=EngagementSummaryItem.user_id.exists() & empty,
                )
            ),
            Step(lambda t: t.update(record, actions=[TimelineActivityItem.engaged.delete({author_id})])),
        ]
        return not run_steps(steps, raise_refusals=False)

    # ------------------------------------------------------------------ lists
    def liking_users(self, tweet_id: int, page: PageRequest) -> Page[int]:
        return _newest(EngagementItem.by_target, f"{LIKE}{tweet_id}", page, lambda item: int(item.user_id))

    def retweeters(self, tweet_id: int, page: PageRequest) -> Page[int]:
        return _newest(EngagementItem.by_target, f"{RETWEET}{tweet_id}", page, lambda item: int(item.user_id))

    def replies(self, tweet_id: int, page: PageRequest) -> Page[int]:
        return _newest(EngagementItem.by_target, f"{REPLY}{tweet_id}", page, lambda item: int(item.edge_id))

    def liked_tweets(self, user_id: int, page: PageRequest) -> Page[int]:
        return _newest(EngagementItem.by_actor, f"{LIKE}{user_id}", page, lambda item: int(item.edge[len(LIKE) :]))

    # ------------------------------------------------------------------ a viewer's state
    def viewer_states(self, viewer_id: int, tweet_ids: Iterable[int]) -> dict[int, ViewerState]:
        """Whether the viewer liked and retweeted each tweet: its edges, read strongly consistent."""
        wanted = list(dict.fromkeys(tweet_ids))
        keys = [
            {"user_id": {"N": str(viewer_id)}, "edge": {"S": f"{kind}{tweet_id}"}}
            for tweet_id in wanted
            for kind in (LIKE, RETWEET)
        ]
        if not keys:
            return {}
        table = EngagementItem.Meta.table_name
        found = batch_get({table: TableRead(keys=keys, consistent=True, projection="edge")})[table]
        edges = {raw["edge"]["S"] for raw in found}
        return {
            tweet_id: ViewerState(liked=f"{LIKE}{tweet_id}" in edges, retweeted=f"{RETWEET}{tweet_id}" in edges)
            for tweet_id in wanted
        }

    def summaries(self, viewer_id: int, author_ids: Iterable[int]) -> dict[int, AuthorSummary]:
        """The viewer's summaries of those authors (those it has one of)."""
        keys = [
            {"user_id": {"N": str(viewer_id)}, "edge": {"S": f"{SUMMARY}{author_id}"}}
            for author_id in dict.fromkeys(author_ids)
        ]
        if not keys:
            return {}
        table = EngagementSummaryItem.Meta.table_name
        found = batch_get({table: TableRead(keys=keys, consistent=True)})[table]
        return {summary.author_id: summary for summary in map(raw_summary, found)}


def _newest(index: Any, key: str, page: PageRequest, value_of: Any) -> Page[int]:
    """A list off one of the table's indexes, newest edge first, below the cursor's edge id."""
    condition = EngagementItem.edge_id < page.before if page.before is not None else None
    items = list(index.query(key, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1))
    kept = items[: page.limit + 1]
    page_items = page_from_overfetch(kept, page, lambda item: int(item.edge_id))
    return Page(items=[value_of(item) for item in page_items.items], next_cursor=page_items.next_cursor)
