"""Keeping the search backend in step with the tables: what the search indexer does with a batch of domain
events from its queue.

| event                          | tweets index                  | users index                               |
|--------------------------------|-------------------------------|-------------------------------------------|
| TweetPosted                    | put the tweet                 |                                           |
| TweetDeleted                   | delete it                     |                                           |
| UserRegistered, ProfileChanged | (tweets keep the author's id) | put the user as the users table has it now |
| UserFollowed, UserUnfollowed   |                               | the followee's, for its followers count   |
| UserDeleted                    | delete every tweet of theirs  | delete the user                            |

A batch is folded first (the last word on a tweet wins; each user is read once from the users table, so
what is indexed is the user as it is, whatever order the events came in: an event about a user is a
reminder to look, not a copy to trust), then written in one bulk request per index. The backend may
refuse some documents: a throttled request, or throttled documents, are tried again with backoff while
the invocation has time; what is still refused fails the messages it came from, which the queue delivers
again alone and, after its maxReceiveCount, moves to the DLQ; each refusal is logged with its reason.

Retweets are not indexed: a retweet's text is its original's, which is. Search results are read back from
the tables (`chirp.search.service`), so a tweet indexed after its deletion (events may come out of order)
is never shown.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger

from chirp.errors import Retryable
from chirp.events.schema import (
    DomainEvent,
    ProfileChanged,
    TweetDeleted,
    TweetPosted,
    UserDeleted,
    UserFollowed,
    UserRegistered,
    UserUnfollowed,
)
from chirp.search.index import Rejected, TweetDocument, TweetIndex, UserDocument, UserIndex
from chirp.tweets.models import Tweet
from chirp.users.repository import UserRepository

logger = Logger(child=True)

HANDLED = (TweetPosted, TweetDeleted, UserRegistered, ProfileChanged, UserFollowed, UserUnfollowed, UserDeleted)
FIRST_BACKOFF_SECONDS = 0.2
MAX_BACKOFF_SECONDS = 5.0
# Left to the function after the last try: enough to answer with the messages that failed.
RESERVED_MS = 2_000

RemainingMs = Callable[[], int]


@dataclass
class IndexChanges:
    """A batch folded into what the indexes must do, and which messages asked for each change."""

    tweets: dict[int, TweetDocument | None] = field(default_factory=dict)  # None: delete
    users: set[int] = field(default_factory=set)  # read from the users table, then put or delete
    authors_deleted: set[int] = field(default_factory=set)
    asked_by: dict[tuple[str, int], set[str]] = field(default_factory=dict)

    def ask(self, key: tuple[str, int], message_id: str) -> None:
        self.asked_by.setdefault(key, set()).add(message_id)

    def add(self, message_id: str, event: DomainEvent) -> None:
        match event:
            case TweetPosted():
                self.tweets[event.tweet_id] = tweet_document(event)
                self.ask(("tweet", event.tweet_id), message_id)
            case TweetDeleted():
                self.tweets[event.tweet_id] = None
                self.ask(("tweet", event.tweet_id), message_id)
            case UserRegistered() | ProfileChanged():
                self.users.add(event.user_id)
                self.ask(("user", event.user_id), message_id)
            case UserFollowed() | UserUnfollowed():
                self.users.add(event.followee_id)
                self.ask(("user", event.followee_id), message_id)
            case UserDeleted():
                self.users.add(event.user_id)
                self.authors_deleted.add(event.user_id)
                self.ask(("user", event.user_id), message_id)
                self.ask(("author", event.user_id), message_id)
            case _:
                raise TypeError(f"the search indexer does not handle {event.TYPE}")


def tweet_document(event: TweetPosted) -> TweetDocument:
    return document_of(
        event.tweet_id,
        event.author_id,
        event.text,
        event.entities,
        event.in_reply_to_user_id,
        has_media=bool(event.media_ids),
    )


def document_of_tweet(tweet: Tweet) -> TweetDocument | None:
    """A stored tweet as indexed (`make reindex`); None for a retweet (its original is indexed)."""
    if tweet.is_retweet:
        return None
    return document_of(
        tweet.id, tweet.author_id, tweet.text, tweet.entities, tweet.in_reply_to_user_id, has_media=bool(tweet.media)
    )


def document_of(
    tweet_id: int,
    author_id: int,
    text: str,
    entities: dict[str, list[dict[str, Any]]],
    reply_to: int | None,
    *,
    has_media: bool = False,
) -> TweetDocument:
    return TweetDocument(
        tweet_id=tweet_id,
        author_id=author_id,
        text=text,
        hashtags=tuple(str(tag["tag"]) for tag in entities.get("hashtags", [])),
        cashtags=tuple(str(tag["tag"]) for tag in entities.get("cashtags", [])),
        mentions=tuple(str(mention["username"]) for mention in entities.get("mentions", [])),
        reply_to_user_id=reply_to if reply_to != author_id else None,  # a thread of one's own is no reply to anyone
        has_media=has_media,  # `has:media` finds it
    )


@dataclass(frozen=True)
class IndexOutcome:
    tweets_put: int
    tweets_deleted: int
    users_put: int
    users_deleted: int
    failed_messages: set[str]
    rejections: list[Rejected]


def apply_changes(
    changes: IndexChanges,
    tweets: TweetIndex,
    users: UserIndex,
    user_rows: UserRepository,
    remaining_ms: RemainingMs,
) -> IndexOutcome:
    """Write a folded batch to both indexes; the messages whose changes could not be written are failed."""
    failed: set[str] = set()
    rejections: list[Rejected] = []

    def settle(kind: str, refused: Sequence[Rejected]) -> None:
        for rejection in refused:
            rejections.append(rejection)
            failed.update(changes.asked_by.get((kind, rejection.id), ()))
            logger.warning(
                "search backend refused a document",
                extra={"index": kind, "id": rejection.id, "status": rejection.status, "reason": rejection.reason},
            )

    puts = [document for document in changes.tweets.values() if document is not None]
    deletes = [tweet_id for tweet_id, document in changes.tweets.items() if document is None]
    settle("tweet", _with_backoff(tweets.put, puts, lambda d: d.tweet_id, remaining_ms))
    settle("tweet", _with_backoff(tweets.delete, deletes, lambda i: i, remaining_ms))
    for author_id in sorted(changes.authors_deleted):
        try:
            _retrying(functools.partial(tweets.delete_by_author, author_id), remaining_ms)
        except Retryable as error:
            settle("author", [Rejected(author_id, 503, str(error))])

    found = user_rows.get_many(changes.users) if changes.users else {}
    documents = [
        UserDocument(user.id, user.username, user.name, user.metrics.followers_count)
        for user_id, user in found.items()
        if user_id not in changes.authors_deleted
    ]
    gone = sorted(user_id for user_id in changes.users if user_id not in found or user_id in changes.authors_deleted)
    settle("user", _with_backoff(users.put, documents, lambda d: d.user_id, remaining_ms))
    settle("user", _with_backoff(users.delete, gone, lambda i: i, remaining_ms))
    return IndexOutcome(
        tweets_put=len(puts),
        tweets_deleted=len(deletes),
        users_put=len(documents),
        users_deleted=len(gone),
        failed_messages=failed,
        rejections=rejections,
    )


def _with_backoff[T](
    write: Callable[[list[T]], Sequence[Rejected]],
    items: list[T],
    id_of: Callable[[T], int],
    remaining_ms: RemainingMs,
) -> list[Rejected]:
    """Write `items`; throttled ones (429, or the whole request) are written again, alone, after a growing
    pause, while the invocation has time. What is refused for good, or still throttled, is returned."""
    final: list[Rejected] = []
    pending, delay = items, FIRST_BACKOFF_SECONDS
    while pending:
        try:
            refused = list(write(pending))
        except Retryable as error:
            refused = [Rejected(id_of(item), 429, str(error)) for item in pending]
        final += [rejection for rejection in refused if rejection.status != 429]
        throttled = {rejection.id: rejection for rejection in refused if rejection.status == 429}
        if not throttled:
            break
        if remaining_ms() - delay * 1000 < RESERVED_MS:
            final += throttled.values()
            break
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF_SECONDS)
        pending = [item for item in pending if id_of(item) in throttled]
    return final


def _retrying(action: Callable[[], None], remaining_ms: RemainingMs) -> None:
    delay = FIRST_BACKOFF_SECONDS
    while True:
        try:
            action()
            return
        except Retryable:
            if remaining_ms() - delay * 1000 < RESERVED_MS:
                raise
            time.sleep(delay)
            delay = min(delay * 2, MAX_BACKOFF_SECONDS)
