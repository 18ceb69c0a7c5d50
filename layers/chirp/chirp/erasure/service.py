"""Deleting an account: `delete_account` makes it unusable at once (one write: tokens dead, profile and tweets
not served, login refused) and queues its erasure; `erase` then undoes its data phase by phase
(chirp.erasure.models.Phase), a chunk at a time, recording after each chunk how far it got on the account's own
item. A worker killed halfway leaves that record: the queue's redelivery, or the sweeper (`resume_stalled`, on a
schedule) for a message that was lost, starts a worker that goes on from there. Each chunk is idempotent (it undoes
what is still there), so a chunk done twice changes nothing.

A lease on the account's item keeps two workers from erasing one account at once (a message delivered twice); a
worker that dies loses it when it runs out, after which the sweeper hands the account to another.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, TypeVar

from aws_lambda_powertools import Logger

from chirp.engagements.repository import EngagementRepository
from chirp.erasure.models import Phase, Progress
from chirp.erasure.store import ErasureStore, Partition
from chirp.errors import Forbidden, NotFound
from chirp.follows.repository import FollowRepository
from chirp.media.lifecycle import MediaObjects
from chirp.media.repository import MediaRepository
from chirp.pages import PageRequest, decode_cursor
from chirp.relations.repository import RelationRepository
from chirp.settings import PasswordSettings
from chirp.tweets.repository import TweetRepository
from chirp.users import passwords
from chirp.users.repository import UserRepository

logger = Logger(child=True)

# Items undone per chunk: each chunk's progress is one write, and a chunk redone after a crash is at most this.
CHUNK = 25
# Left to a worker when it stops taking chunks: enough to record its progress and queue its successor.
RESERVED_MS = 10_000

RemainingMs = Callable[[], int]
T = TypeVar("T")


class ErasureQueue(Protocol):
    def start(self, user_ids: Sequence[int]) -> None:
        """Ask for a worker to erase (or go on erasing) each account."""

    def settle(self, user_id: int, delay_s: int) -> None:
        """Ask for the account's partitions to be swept once more, `delay_s` from now (`sweep_partitions`)."""


@dataclass(frozen=True)
class ErasurePorts:
    tweets: TweetRepository
    follows: FollowRepository
    engagements: EngagementRepository
    relations: RelationRepository
    media: MediaRepository
    media_objects: MediaObjects
    store: ErasureStore
    # The user's data exports, erased (chirp.exports.service.erase_exports, bound to its stores).
    erase_exports: Callable[[int], None]
    # How long a worker holds an account (the function's timeout and a margin: it cannot outlive it).
    lease_ms: int
    # How long a deleted account's username stays held by nobody before anyone may register it.
    username_grace_s: int
    # How many of a chunk's writes run side by side.
    parallelism: int = 8


def delete_account(
    users: UserRepository, settings: PasswordSettings, queue: ErasureQueue, *, user_id: int, password: str, now_ms: int
) -> None:
    """Delete the caller's account, given its password (Forbidden when wrong): from this write on its tokens are
    refused, its profile answers 404, its tweets are served nowhere, and nobody can log in to it; its data is erased
    by the erasure job this queues (and the sweeper, should the message be lost)."""
    password_hash = users.password_hash(user_id)
    if password_hash is None:
        raise NotFound(f"user {user_id} does not exist")
    if not passwords.verify_password(settings, password_hash, password):
        raise Forbidden("password is incorrect")
    if not users.mark_deleted(user_id, password_hash, now_ms):
        # Deleted meanwhile (tokens already dead), or its password changed between the read and the write.
        raise Forbidden("the account was deleted, or its password changed, while this request ran")
    try:
        queue.start([user_id])
    except Exception:
        # The deletion stands (it is the write above); the sweeper finds the account within its period.
        logger.exception("the erasure could not be queued; the sweeper will start it", extra={"user_id": user_id})


def erase(ports: ErasurePorts, user_id: int, now_ms: Callable[[], int], remaining_ms: RemainingMs) -> bool:
    """Erase the account from where its erasure got to, while the invocation has time. True when there is nothing
    more for this worker to do: the account is gone (or was never deleted), or another worker holds it; False when
    time ran out (its progress is recorded and the account released: the caller queues a successor)."""
    progress = ports.store.progress(user_id)
    if progress is None:
        return True
    if not ports.store.take_lease(user_id, now_ms(), now_ms() + ports.lease_ms):
        logger.info("erasure held by another worker", extra={"user_id": user_id})
        return True  # the holder goes on; should it die, the sweeper hands the account on
    while remaining_ms() > RESERVED_MS:
        finished, cursor = _chunk(ports, progress, now_ms() // 1000)
        if progress.phase is Phase.ACCOUNT and finished:
            logger.info("account erased", extra={"user_id": user_id})
            return True
        phase = progress.phase
        if finished:
            phase, cursor = progress.next_phase() or Phase.ACCOUNT, None
        ports.store.advance(user_id, phase, cursor, now_ms() + ports.lease_ms)
        progress = Progress(progress.user_id, progress.username, progress.email, phase, cursor, 0)
    ports.store.advance(user_id, progress.phase, progress.cursor, 0)  # released: its successor takes it at once
    return False


def sweep_partitions(store: ErasureStore, user_id: int) -> int:
    """The settling sweep, a while after an erasure finished: what messages already in flight when it ran (a
    follower's tweet fanned out to its home timeline, a like notified) wrote into the account's own partitions
    since, deleted. Nothing else of the account can appear by then (its item is gone, and every write that makes
    something of a user requires it). How many items it deleted; nothing if the account exists (not erased)."""
    if store.exists(user_id):
        return 0
    deleted = 0
    for partition in Partition:
        while (count := store.delete_partition(partition, user_id, CHUNK)) == CHUNK:
            deleted += count
        deleted += count
    return deleted


def resume_stalled(store: ErasureStore, queue: ErasureQueue, now_ms: int, limit: int = 100) -> list[int]:
    """Queue a worker for each erasure nobody holds (its message lost, its worker dead): the sweeper's run."""
    stalled = store.stalled(now_ms, limit)
    if stalled:
        queue.start(stalled)
    return stalled


# ---------------------------------------------------------------------- one chunk of each phase

Done = tuple[bool, str | None]  # whether the phase is done, and its cursor for the next chunk


@dataclass(frozen=True)
class _Chunk:
    """What a phase's chunk is given: the account, where the phase got to (`page`: below the last item undone, for
    the phases that list what they undo: what was undone is not listed again, even by an index that has not caught
    up with the deletes yet), and the time."""

    ports: ErasurePorts
    progress: Progress
    now_s: int

    @property
    def user_id(self) -> int:
        return self.progress.user_id

    @property
    def parallelism(self) -> int:
        return self.ports.parallelism

    @property
    def page(self) -> PageRequest:
        cursor = self.progress.cursor
        return PageRequest(limit=CHUNK, before=decode_cursor(cursor)[0] if cursor else None)


def _chunk(ports: ErasurePorts, progress: Progress, now_s: int) -> Done:
    """Undo up to CHUNK items of the phase from its cursor."""
    return _PHASE_CHUNKS[progress.phase](_Chunk(ports, progress, now_s))


def _following(chunk: _Chunk) -> Done:
    listed = chunk.ports.follows.following(chunk.user_id, chunk.page)
    _each(lambda followee: chunk.ports.follows.unfollow(chunk.user_id, followee), listed.items, chunk.parallelism)
    return _paged(listed.items, listed.next_cursor)


def _followers(chunk: _Chunk) -> Done:
    listed = chunk.ports.follows.followers(chunk.user_id, chunk.page)
    _each(lambda follower: chunk.ports.follows.unfollow(follower, chunk.user_id), listed.items, chunk.parallelism)
    return _paged(listed.items, listed.next_cursor)


def _tweets(chunk: _Chunk) -> Done:
    tweets = chunk.ports.tweets
    ids = tweets.live_ids(chunk.user_id, chunk.page)
    _each(tweets.delete, tweets.get_many(ids.items).values(), chunk.parallelism)
    return _paged(ids.items, ids.next_cursor)


def _likes(chunk: _Chunk) -> Done:
    liked = chunk.ports.engagements.liked_tweets(chunk.user_id, chunk.page)
    tweets = chunk.ports.tweets.get_many(liked.items).values()
    _each(lambda tweet: chunk.ports.engagements.unlike(chunk.user_id, tweet), tweets, chunk.parallelism)
    # A like of a tweet deleted meanwhile is undone by the engagement clean-up; an edge it left, PARTITIONS takes.
    return _paged(liked.items, liked.next_cursor)


def _relations(chunk: _Chunk) -> Done:
    relations, user_id, first = chunk.ports.relations, chunk.user_id, PageRequest(limit=CHUNK)
    blocking = relations.blocking(user_id, first).items
    for blocked in blocking:
        relations.unblock(user_id, blocked)
    muting = relations.muting(user_id, first).items
    for muted in muting:
        relations.unmute(user_id, muted)
    words = relations.muted_words(user_id)[:CHUNK]
    for word in words:
        relations.unmute_word(user_id, word)
    return not (blocking or muting or words), None


def _others_relations(chunk: _Chunk) -> Done:
    others = chunk.ports.store.others_relations(chunk.user_id, CHUNK)
    for owner, kind in others:
        if kind == "block":
            chunk.ports.relations.unblock(owner, chunk.user_id)
        else:
            chunk.ports.relations.unmute(owner, chunk.user_id)
    return len(others) < CHUNK, None


def _media(chunk: _Chunk) -> Done:
    media_ids = chunk.ports.store.media_of(chunk.user_id, CHUNK)
    for media in chunk.ports.media.get_many(media_ids).values():
        # Its objects first, then its item: a crash in between leaves the item, which the next chunk finds again.
        chunk.ports.media_objects.delete([*(variant.key for variant in media.variants), media.upload_key])
        chunk.ports.media.delete(media.id)
    return len(media_ids) < CHUNK, None


def _reports(chunk: _Chunk) -> Done:
    return chunk.ports.store.delete_reports_by(chunk.user_id, CHUNK) < CHUNK, None


def _exports(chunk: _Chunk) -> Done:
    chunk.ports.erase_exports(chunk.user_id)
    return True, None


def _sessions(chunk: _Chunk) -> Done:
    return chunk.ports.store.delete_sessions(chunk.user_id, CHUNK) < CHUNK, None


def _partitions(chunk: _Chunk) -> Done:
    """The partitions one after the other (the cursor names the one being emptied)."""
    cursor = chunk.progress.cursor
    partition = Partition(cursor) if cursor else Partition.HOME_TIMELINE
    if chunk.ports.store.delete_partition(partition, chunk.user_id, CHUNK) == CHUNK:
        return False, partition.value
    order = list(Partition)
    position = order.index(partition)
    if position + 1 == len(order):
        return True, None
    return False, order[position + 1].value


def _account(chunk: _Chunk) -> Done:
    progress = chunk.progress
    chunk.ports.store.finish(
        progress.user_id, progress.username, progress.email, chunk.now_s + chunk.ports.username_grace_s
    )
    return True, None


_PHASE_CHUNKS: dict[Phase, Callable[[_Chunk], Done]] = {
    Phase.FOLLOWING: _following,
    Phase.FOLLOWERS: _followers,
    Phase.TWEETS: _tweets,
    Phase.LIKES: _likes,
    Phase.RELATIONS: _relations,
    Phase.OTHERS_RELATIONS: _others_relations,
    Phase.MEDIA: _media,
    Phase.REPORTS: _reports,
    Phase.EXPORTS: _exports,
    Phase.SESSIONS: _sessions,
    Phase.PARTITIONS: _partitions,
    Phase.ACCOUNT: _account,
}


def _paged(items: Sequence[int], next_cursor: str | None) -> Done:
    """A list read newest first: done when it had no more pages; else on from its next page (the list's own
    cursor: below the last item's position in the list, which is not always its id)."""
    if next_cursor is None or not items:
        return True, None
    return False, next_cursor


def _each(undo: Callable[[T], object], items: Iterable[T], parallelism: int) -> None:
    """Undo each item, `parallelism` side by side (each is a write of its own: a chunk costs a few round trips,
    not 25); the first failure is raised."""
    if parallelism <= 1:
        for item in items:
            undo(item)
        return
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="chirp-erasure") as pool:
        for _ in pool.map(undo, items):
            pass
