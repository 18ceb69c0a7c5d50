"""TweetRepository on the tweets table, with what each write must change with it atomically: the author's
counter (users table), the author's own home timeline, the author's tweets and recent tweets (author-tweets
table), for a reply, a quote or a retweet, its engagement edge (engagements table), and for a tweet with media,
each media item marked attached to it (media table).

A post is one transaction of at most 13 items (DynamoDB allows 100): the tweet, the author's counter, own
entry, author-tweet and recent tweets, a reply's and a quote's check and edge (4), and up to 4 media. Its
media are attached in it, conditioned on their owner, state and attachment as the service checked them, and on
not having expired: of two tweets racing for one media item, the loser is refused whole (nothing of it written).
Deleting a tweet leaves its media items attached to it: the media cleanup consumer erases them, objects first,
from the TweetDeleted event."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.attaching import attaching
from chirp.adapters.dynamodb.batch import TableRead, batch_get
from chirp.adapters.dynamodb.connection import Step, run_steps, shared_connection
from chirp.adapters.dynamodb.engagements import edge_item, engaged_with, summary_update, trim_summary
from chirp.adapters.dynamodb.models import (
    COUNT_PREFIXES,
    QUOTE,
    RECENT_PREFIX,
    RECENT_TWEETS_BYTES_KEPT,
    RECENT_TWEETS_BYTES_LIMIT,
    RECENT_TWEETS_HARD_LIMIT,
    REPLY,
    RETWEET,
    TOP_OF_PARTITION,
    AuthorTweetItem,
    EngagementItem,
    PostClaimItem,
    RecentTweetsItem,
    TimelineItem,
    TweetItem,
    UserItem,
    recent_attribute,
)
from chirp.adapters.dynamodb.timelines import timeline_item
from chirp.adapters.dynamodb.tweet_items import raw_tweet, recent_entry, to_tweet, tweet_item
from chirp.adapters.dynamodb.users import user_key
from chirp.errors import NotFound, Retryable
from chirp.ids import IdTaken
from chirp.media.models import Attachment, Purpose
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.timelines.models import TimelineEntry
from chirp.tweets.models import Tweet
from chirp.tweets.repository import IDEMPOTENCY_KEY_LIFETIME_S, AlreadyRetweeted, PostedBefore

# Tweets a trim of a recent-tweets item removes per UpdateItem.
TRIMMED_PER_UPDATE = 20


class DynamoTweetRepository:
    def __init__(self, timeline_entry_ttl_seconds: int, recent_tweets_kept: int = 20) -> None:
        self._entry_ttl = timeline_entry_ttl_seconds
        self._recent_kept = recent_tweets_kept

    # ------------------------------------------------------------------ writes
    def create(self, tweet: Tweet, idempotency_key: str | None = None) -> None:
        """A tweet, reply, quote or retweet, with everything that changes with it, in one transaction (and the
        claim of the post's Idempotency-Key, first: its refusal is the one that counts when others fail too)."""
        claim = [] if idempotency_key is None else [_claiming(tweet, idempotency_key)]
        run_steps([*claim, *self._posting_steps(tweet)])

    def _posting_steps(self, tweet: Tweet) -> list[Step]:
        author = tweet.author_id
        own_entry = timeline_item(author, TimelineEntry.for_tweet(tweet), int(time.time()) + self._entry_ttl)
        steps: list[Step] = []
        if tweet.retweet_of is not None:  # one retweet per user and tweet: its edge, first
            edge = edge_item(author, RETWEET, tweet)
            steps.append(
                Step(lambda t: t.save(edge, condition=EngagementItem.user_id.does_not_exist()), AlreadyRetweeted)
            )
        item = tweet_item(tweet)
        entry = recent_entry(tweet)
        entry_bytes = recent_bytes(tweet.id, entry)
        steps += [
            Step(
                lambda t: t.save(item, condition=TweetItem.tweet_id.does_not_exist()),
                lambda: IdTaken(f"tweet id {tweet.id} is taken; post again"),
            ),
            Step(
                lambda t: t.update(
                    UserItem(pk=user_key(author)),
                    actions=[UserItem.tweet_count.add(1)],
                    condition=UserItem.pk.exists(),
                ),
                lambda: NotFound(f"user {author} does not exist"),
            ),
            Step(lambda t: t.save(own_entry)),  # read-your-writes: the author's home timeline, same transaction
            Step(lambda t: t.save(AuthorTweetItem(author_id=author, tweet_id=tweet.id))),
            Step(
                lambda t: t.update(
                    RecentTweetsItem(author_id=author),
                    actions=[
                        Path([recent_attribute(tweet.id)]).set(entry),
                        RecentTweetsItem.kept.add(1),
                        RecentTweetsItem.kept_bytes.add(entry_bytes),
                    ],
                    condition=(
                        RecentTweetsItem.kept.does_not_exist() | (RecentTweetsItem.kept < RECENT_TWEETS_HARD_LIMIT)
                    )
                    & (
                        RecentTweetsItem.kept_bytes.does_not_exist()
                        | (RecentTweetsItem.kept_bytes <= RECENT_TWEETS_BYTES_LIMIT - entry_bytes)
                    ),
                ),
                lambda: Retryable(f"the recent tweets of user {author} are being trimmed; post again"),
                make_room=lambda: self.trim_recent(author, self._recent_kept, 0, recount=True),
            ),
        ]
        checked: set[int] = set()
        for referred, kind, what in _references(tweet):
            if referred not in checked:  # a reply may quote its parent: one check (a transaction touches an item once)
                checked.add(referred)
                steps.append(Step(_exists(referred), _missing(referred, what)))
            if kind != RETWEET:
                steps.append(Step(_saving(edge_item(author, kind, tweet))))
        attachment = Attachment(Purpose.TWEET, tweet.id)
        steps += [attaching(media.id, author, attachment, "media.media_ids") for media in tweet.media]
        if tweet.retweet_of is not None and tweet.retweet_of_author is not None:
            summary = summary_update(author, tweet.retweet_of_author, retweeted_add=tweet.retweet_of)
            steps.append(
                Step(
                    lambda t: t.update(summary.item, actions=summary.actions, condition=summary.condition),
                    lambda: Retryable("the user's retweets are being tidied; retweet again"),
                    make_room=lambda: trim_summary(author, summary.author_id),
                )
            )
            steps.append(engaged_with(author, tweet.retweet_of_author))
        return steps

    def delete(self, tweet: Tweet) -> bool:
        author = tweet.author_id
        steps = [
            Step(
                lambda t: t.delete(
                    TweetItem(tweet_id=tweet.id),
                    condition=TweetItem.tweet_id.exists() & (TweetItem.author_id == author),
                ),
            ),
            Step(lambda t: t.update(UserItem(pk=user_key(author)), actions=[UserItem.tweet_count.add(-1)])),
            Step(lambda t: t.delete(TimelineItem(owner_id=author, entry_id=tweet.id))),
            Step(lambda t: t.delete(AuthorTweetItem(author_id=author, tweet_id=tweet.id))),
            Step(
                lambda t: t.update(
                    RecentTweetsItem(author_id=author),
                    actions=[Path([name]).remove() for name in recent_attributes(tweet.id)],
                )
            ),
        ]
        for _referred, kind, _what in _references(tweet):
            key = tweet.retweet_of if kind == RETWEET else tweet.id
            steps.append(Step(_deleting(EngagementItem(user_id=author, edge=f"{kind}{key}"))))
        if tweet.retweet_of is not None and tweet.retweet_of_author is not None:
            summary = summary_update(author, tweet.retweet_of_author, retweeted_remove=tweet.retweet_of)
            steps.append(Step(lambda t: t.update(summary.item, actions=summary.actions)))
        return not run_steps(steps, raise_refusals=False)

    def trim_recent(self, author_id: int, keep: int, slack: int, *, recount: bool = False) -> int:
        client: Any = shared_connection().client
        key = {"author_id": {"N": str(author_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}}
        item = client.get_item(TableName=RecentTweetsItem.Meta.table_name, Key=key, ConsistentRead=True).get("Item")
        sizes = {
            tweet_id: recent_bytes(tweet_id, value["S"])
            for name, value in (item or {}).items()
            if name.startswith(RECENT_PREFIX) and (tweet_id := int(name[len(RECENT_PREFIX) :]))
        }
        newest_first = sorted(sizes, reverse=True)
        kept = fitting(newest_first, sizes, keep)
        heavy = sum(sizes.values()) > RECENT_TWEETS_BYTES_KEPT
        surplus = newest_first[kept:] if len(newest_first) > keep + slack or heavy else []
        if not surplus and not (recount and item):
            return 0
        # Oldest first, a few tweets per update: each update's expression stays small (DynamoDB caps one at
        # 4 KB; a tweet is five attributes), and one that fails leaves the newer tweets kept.
        oldest_first = surplus[::-1]
        for start in range(0, len(oldest_first), TRIMMED_PER_UPDATE):
            chunk = oldest_first[start : start + TRIMMED_PER_UPDATE]
            actions: list[Any] = [Path([name]).remove() for tweet_id in chunk for name in recent_attributes(tweet_id)]
            actions.append(RecentTweetsItem.has_older.set(True))
            RecentTweetsItem(author_id=author_id).update(actions=actions)
        left = newest_first[: len(newest_first) - len(surplus)]
        RecentTweetsItem(author_id=author_id).update(
            actions=[
                RecentTweetsItem.kept.set(len(left)),
                RecentTweetsItem.kept_bytes.set(sum(sizes[tweet_id] for tweet_id in left)),
            ]
        )
        return len(surplus)

    # ------------------------------------------------------------------ reads
    def get(self, tweet_id: int) -> Tweet | None:
        try:
            return to_tweet(TweetItem.get(tweet_id, consistent_read=True))
        except TweetItem.DoesNotExist:
            return None

    def get_many(self, tweet_ids: Iterable[int]) -> dict[int, Tweet]:
        keys = [{"tweet_id": {"N": str(tweet_id)}} for tweet_id in dict.fromkeys(tweet_ids)]
        if not keys:
            return {}
        found = batch_get({TweetItem.Meta.table_name: TableRead(keys=keys, consistent=True)})
        return {tweet.id: tweet for tweet in map(raw_tweet, found[TweetItem.Meta.table_name])}

    def retweet_of(self, user_id: int, tweet_id: int) -> int | None:
        """The id of `user_id`'s retweet of `tweet_id`, if there is one (strongly consistent)."""
        try:
            return int(EngagementItem.get(user_id, f"{RETWEET}{tweet_id}", consistent_read=True).edge_id)
        except EngagementItem.DoesNotExist:
            return None

    def by_author(self, author_id: int, page: PageRequest) -> Page[Tweet]:
        condition = TweetItem.tweet_id < page.before if page.before is not None else None
        items = TweetItem.by_author.query(
            author_id, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1
        )
        return page_from_overfetch([to_tweet(item) for item in items], page, lambda tweet: tweet.id)

    def live_ids(self, author_id: int, page: PageRequest) -> Page[int]:
        below = page.before if page.before is not None else TOP_OF_PARTITION  # the recent-tweets item is at the top
        items = AuthorTweetItem.query(
            author_id,
            range_key_condition=AuthorTweetItem.tweet_id < below,
            scan_index_forward=False,
            limit=page.limit + 1,
            consistent_read=True,
        )
        return page_from_overfetch([int(item.tweet_id) for item in items], page, int)


def recent_bytes(tweet_id: int, entry: str) -> int:
    """What one tweet takes of its author's recent-tweets item, as DynamoDB counts an item's size (names and
    UTF-8 values), with room for its four counts."""
    return len(recent_attribute(tweet_id)) + len(entry.encode()) + COUNTS_ROOM


# Four counts beside a tweet at most: each a name (prefix and id) and a number (up to 21 bytes).
COUNTS_ROOM = sum(len(prefix) + 19 + 21 for prefix in COUNT_PREFIXES.values())


def fitting(newest_first: list[int], sizes: dict[int, int], keep: int) -> int:
    """How many of the newest tweets a trim keeps: at most `keep`, within RECENT_TWEETS_BYTES_KEPT (the newest
    one whatever its size)."""
    total = 0
    for position, tweet_id in enumerate(newest_first[:keep]):
        total += sizes[tweet_id]
        if total > RECENT_TWEETS_BYTES_KEPT and position > 0:
            return position
    return min(keep, len(newest_first))


def recent_attributes(tweet_id: int) -> list[str]:
    """What a recent-tweets item holds of one tweet: the tweet, and its counts."""
    return [recent_attribute(tweet_id), *(f"{prefix}{tweet_id}" for prefix in COUNT_PREFIXES.values())]


def _missing(tweet_id: int, what: str) -> Callable[[], Exception]:
    return lambda: NotFound(f"tweet {tweet_id} ({what}) does not exist")


def _saving(item: EngagementItem) -> Callable[[TransactWrite], None]:
    return lambda transaction: transaction.save(item)


def _deleting(item: EngagementItem) -> Callable[[TransactWrite], None]:
    return lambda transaction: transaction.delete(item)


def _claiming(tweet: Tweet, idempotency_key: str) -> Step:
    """The post's Idempotency-Key claimed for this tweet; PostedBefore, naming the tweet made, when it was already."""
    claim = PostClaimItem(
        id=f"TWEET#{tweet.author_id}#{idempotency_key}",
        tweet_id=tweet.id,
        expires_at=int(time.time()) + IDEMPOTENCY_KEY_LIFETIME_S,
    )

    def posted_before() -> Exception:
        made = PostClaimItem.get(claim.id, consistent_read=True)
        return PostedBefore(int(made.tweet_id))

    return Step(lambda t: t.save(claim, condition=PostClaimItem.id.does_not_exist()), posted_before)


def _exists(tweet_id: int) -> Callable[[TransactWrite], None]:
    return lambda transaction: transaction.condition_check(TweetItem, tweet_id, condition=TweetItem.tweet_id.exists())


def _references(tweet: Tweet) -> list[tuple[int, str, str]]:
    """(referred tweet, edge kind, what it is to the tweet) for each tweet this one refers to."""
    found = []
    if tweet.retweet_of is not None:
        found.append((tweet.retweet_of, RETWEET, "retweeted"))
    if tweet.in_reply_to_tweet_id is not None:
        found.append((tweet.in_reply_to_tweet_id, REPLY, "replied to"))
    if tweet.quoted_tweet_id is not None:
        found.append((tweet.quoted_tweet_id, QUOTE, "quoted"))
    return found


def bind_post_claims_table(table_name: str) -> None:
    """Point the Idempotency-Key claims of posts at the function's IdempotencyTable."""
    if table_name and PostClaimItem.Meta.table_name != table_name:
        PostClaimItem.Meta.table_name = table_name
        PostClaimItem._connection = None
