"""TweetRepository on the tweets table (and the author's counter on the users table)."""

from __future__ import annotations

import time
from collections.abc import Iterable

from pynamodb.transactions import TransactWrite

from chirp.adapters.dynamodb.connection import run_transaction
from chirp.adapters.dynamodb.models import AuthorTweetItem, TimelineItem, TweetItem, UserItem
from chirp.adapters.dynamodb.timelines import timeline_item
from chirp.adapters.dynamodb.users import user_key
from chirp.errors import NotFound
from chirp.ids import id_timestamp_ms
from chirp.pages import Page, PageRequest, page_from_overfetch
from chirp.timelines.models import TimelineEntry
from chirp.tweets.models import Tweet, TweetMetrics


def to_tweet(item: TweetItem) -> Tweet:
    tweet_id = int(item.tweet_id)
    return Tweet(
        id=tweet_id,
        author_id=int(item.author_id),
        text=item.text,
        created_at_ms=id_timestamp_ms(tweet_id),
        entities=item.entities or {},
        metrics=TweetMetrics(
            retweet_count=int(item.retweet_count),
            reply_count=int(item.reply_count),
            like_count=int(item.like_count),
            quote_count=int(item.quote_count),
        ),
    )


class DynamoTweetRepository:
    def __init__(self, timeline_entry_ttl_seconds: int) -> None:
        self._entry_ttl = timeline_entry_ttl_seconds

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

        failed = run_transaction(write)
        if failed and failed[1] == "ConditionalCheckFailed":
            raise NotFound(f"user {tweet.author_id} does not exist")
        if failed:
            raise RuntimeError(f"tweet id {tweet.id} was minted twice")

    def get(self, tweet_id: int) -> Tweet | None:
        try:
            return to_tweet(TweetItem.get(tweet_id, consistent_read=True))
        except TweetItem.DoesNotExist:
            return None

    def get_many(self, tweet_ids: Iterable[int]) -> dict[int, Tweet]:
        keys = list(dict.fromkeys(tweet_ids))
        if not keys:
            return {}
        tweets = (to_tweet(item) for item in TweetItem.batch_get(keys, consistent_read=True))
        return {tweet.id: tweet for tweet in tweets}

    def delete(self, tweet: Tweet) -> bool:
        def write(transaction: TransactWrite) -> None:
            transaction.delete(
                TweetItem(tweet_id=tweet.id),
                condition=TweetItem.tweet_id.exists() & (TweetItem.author_id == tweet.author_id),
            )
            transaction.update(UserItem(pk=user_key(tweet.author_id)), actions=[UserItem.tweet_count.add(-1)])
            transaction.delete(TimelineItem(owner_id=tweet.author_id, entry_id=tweet.id))
            transaction.delete(AuthorTweetItem(author_id=tweet.author_id, tweet_id=tweet.id))

        return not run_transaction(write)

    def by_author(self, author_id: int, page: PageRequest) -> Page[Tweet]:
        condition = TweetItem.tweet_id < page.before if page.before is not None else None
        items = TweetItem.by_author.query(
            author_id, range_key_condition=condition, scan_index_forward=False, limit=page.limit + 1
        )
        return page_from_overfetch([to_tweet(item) for item in items], page, lambda tweet: tweet.id)

    def live_ids(self, author_id: int, page: PageRequest) -> Page[int]:
        condition = AuthorTweetItem.tweet_id < page.before if page.before is not None else None
        items = AuthorTweetItem.query(
            author_id,
            range_key_condition=condition,
            scan_index_forward=False,
            limit=page.limit + 1,
            consistent_read=True,
        )
        return page_from_overfetch([int(item.tweet_id) for item in items], page, int)
