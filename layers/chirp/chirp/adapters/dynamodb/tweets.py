"""TweetRepository on the tweets table (and the author's counter on the users table)."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.expressions.operand import Path
from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import run_transaction, shared_connection
from chirp.adapters.dynamodb.models import (
    RECENT_PREFIX,
    RECENT_TWEETS_HARD_LIMIT,
    TOP_OF_PARTITION,
    AuthorTweetItem,
    RecentTweetsItem,
    TimelineItem,
    TweetItem,
    UserItem,
    recent_attribute,
)
from chirp.adapters.dynamodb.timelines import timeline_item
from chirp.adapters.dynamodb.tweet_items import recent_entry, to_tweet
from chirp.adapters.dynamodb.users import user_key
from chirp.errors import NotFound, Retryable
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.timelines.models import TimelineEntry
from chirp.tweets.models import Tweet


class DynamoTweetRepository:
    def __init__(self, timeline_entry_ttl_seconds: int, recent_tweets_kept: int = 20) -> None:
        self._entry_ttl = timeline_entry_ttl_seconds
        self._recent_kept = recent_tweets_kept

    def create(self, tweet: Tweet) -> None:
        item = TweetItem(tweet_id=tweet.id, author_id=tweet.author_id, text=tweet.text, entities=tweet.entities)
        own_entry = timeline_item(tweet.author_id, TimelineEntry.for_tweet(tweet), int(time.time()) + self._entry_ttl)

        def write(transaction: TransactWrite) -> None:
            transaction.save(item, condition=TweetItem.tweet_id.does_not_exist())
            transaction.update(
                UserItem(pk=user_key(tweet.author_id)),
                actions=[UserItem.tweet_count.add(1)],
                condition=UserItem.pk.exists(),
            )
            transaction.save(own_entry)  # read-your-writes: the author's home timeline, same transaction
            transaction.save(AuthorTweetItem(author_id=tweet.author_id, tweet_id=tweet.id))
            transaction.update(
                RecentTweetsItem(author_id=tweet.author_id),
                actions=[Path([recent_attribute(tweet.id)]).set(recent_entry(tweet)), RecentTweetsItem.kept.add(1)],
                condition=RecentTweetsItem.kept.does_not_exist() | (RecentTweetsItem.kept < RECENT_TWEETS_HARD_LIMIT),
            )

        failed = run_transaction(write)
        if failed and failed[4] == "ConditionalCheckFailed":
            # The fan-out function has not trimmed the author's recent tweets for a long while: trim
            # them here rather than let the item grow towards DynamoDB's 400 KB limit.
            self.trim_recent(tweet.author_id, self._recent_kept, 0, recount=True)
            failed = run_transaction(write)
        if failed and failed[1] == "ConditionalCheckFailed":
            raise NotFound(f"user {tweet.author_id} does not exist")
        if failed and failed[0] == "ConditionalCheckFailed":
            raise RuntimeError(f"tweet id {tweet.id} was minted twice")
        if failed:
            raise Retryable(f"the recent tweets of user {tweet.author_id} are being trimmed; post again")

    def get(self, tweet_id: int) -> Tweet | None:
        try:
            return to_tweet(TweetItem.get(tweet_id, consistent_read=True))
        except TweetItem.DoesNotExist:
            return None

    def delete(self, tweet: Tweet) -> bool:
        def write(transaction: TransactWrite) -> None:
            transaction.delete(
                TweetItem(tweet_id=tweet.id),
                condition=TweetItem.tweet_id.exists() & (TweetItem.author_id == tweet.author_id),
            )
            transaction.update(UserItem(pk=user_key(tweet.author_id)), actions=[UserItem.tweet_count.add(-1)])
            transaction.delete(TimelineItem(owner_id=tweet.author_id, entry_id=tweet.id))
            transaction.delete(AuthorTweetItem(author_id=tweet.author_id, tweet_id=tweet.id))
            transaction.update(
                RecentTweetsItem(author_id=tweet.author_id),
                actions=[Path([recent_attribute(tweet.id)]).remove()],
            )

        return not run_transaction(write)

    def trim_recent(self, author_id: int, keep: int, slack: int, *, recount: bool = False) -> int:
        client: Any = shared_connection().client
        key = {"author_id": {"N": str(author_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}}
        item = client.get_item(TableName=RecentTweetsItem.Meta.table_name, Key=key, ConsistentRead=True).get("Item")
        newest_first = sorted(
            (int(name[len(RECENT_PREFIX) :]) for name in item or {} if name.startswith(RECENT_PREFIX)), reverse=True
        )
        surplus = newest_first[keep:] if len(newest_first) > keep + slack else []
        if not surplus and not (recount and item):
            return 0
        actions: list[Any] = [Path([recent_attribute(tweet_id)]).remove() for tweet_id in surplus]
        actions.append(RecentTweetsItem.kept.set(len(newest_first) - len(surplus)))
        if surplus:
            actions.append(RecentTweetsItem.has_older.set(True))
        RecentTweetsItem(author_id=author_id).update(actions=actions)
        return len(surplus)

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
