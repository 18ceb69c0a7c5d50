"""Blocking and muting users (idempotent), muting words, and the checks that enforce blocks.

A block is both ways in effect: neither user can follow the other (the follows between them are removed by
the block), nor like, retweet, reply to or quote the other's tweets; the blocked user gets 404 on the
blocker's tweets and profile timeline, and the blocker never sees the blocked user's tweets in its home
timeline, conversations, search results or notifications. A mute is silent and one way: the muted user's
tweets and retweets leave the muter's home timeline, and its activity the muter's notifications.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass

from chirp.concurrency import submit
from chirp.errors import Forbidden, InvalidInput, InvalidRequest, NotFound
from chirp.pages import Page, PageRequest
from chirp.relations.models import MUTED_WORDS_MAX, Hidden, normalized_word
from chirp.relations.repository import RelationRepository
from chirp.users.models import User
from chirp.users.repository import UserRepository


def block_user(relations: RelationRepository, blocker_id: int, blocked_id: int) -> bool:
    """Idempotent: blocking someone blocked already changes nothing."""
    if blocker_id == blocked_id:
        raise InvalidRequest("userId: you cannot block yourself")
    return relations.block(blocker_id, blocked_id)


def unblock_user(relations: RelationRepository, users: UserRepository, blocker_id: int, blocked_id: int) -> bool:
    """Idempotent: unblocking someone not blocked changes nothing."""
    if blocker_id == blocked_id:
        raise InvalidRequest("userId: you cannot unblock yourself")
    removed = relations.unblock(blocker_id, blocked_id)
    if not removed and users.get(blocked_id) is None:
        raise NotFound(f"user {blocked_id} does not exist")
    return removed


def mute_user(relations: RelationRepository, muter_id: int, muted_id: int) -> bool:
    if muter_id == muted_id:
        raise InvalidRequest("userId: you cannot mute yourself")
    return relations.mute(muter_id, muted_id)


def unmute_user(relations: RelationRepository, users: UserRepository, muter_id: int, muted_id: int) -> bool:
    if muter_id == muted_id:
        raise InvalidRequest("userId: you cannot unmute yourself")
    removed = relations.unmute(muter_id, muted_id)
    if not removed and users.get(muted_id) is None:
        raise NotFound(f"user {muted_id} does not exist")
    return removed


def list_blocking(relations: RelationRepository, users: UserRepository, user_id: int, page: PageRequest) -> Page[User]:
    return _hydrate(users, relations.blocking(user_id, page))


def list_muting(relations: RelationRepository, users: UserRepository, user_id: int, page: PageRequest) -> Page[User]:
    return _hydrate(users, relations.muting(user_id, page))


def mute_word(relations: RelationRepository, user_id: int, word: str) -> str:
    """The word as muted (normalized); idempotent. At most MUTED_WORDS_MAX words per user."""
    normalized = normalized_word(word)
    muted = relations.muted_words(user_id)
    if normalized not in muted and len(muted) >= MUTED_WORDS_MAX:
        raise InvalidInput(f"word: at most {MUTED_WORDS_MAX} muted words; unmute one first")
    relations.mute_word(user_id, normalized)
    return normalized


def unmute_word(relations: RelationRepository, user_id: int, word: str) -> bool:
    """Idempotent: unmuting a word not muted changes nothing."""
    return relations.unmute_word(user_id, normalized_word(word))


def refuse_if_blocked(hidden: Hidden, other_id: int, not_found: str) -> None:
    """Refuse an interaction with `other_id`'s content across a block: NotFound (`not_found`, the message)
    when `other_id` blocks the actor (its tweets do not exist for the actor), Forbidden when the actor
    blocks `other_id` (unblock first)."""
    hide_from_viewer(hidden, other_id, not_found)
    if other_id in hidden.blocked:
        raise Forbidden(f"you block user {other_id}: unblock them first")


def hide_from_viewer(hidden: Hidden, author_id: int, not_found: str) -> None:
    """A read across a block: the blocked user gets NotFound on the blocker's tweets (the blocker may still
    open a tweet of whom it blocks by its link, as on Twitter; lists leave them out)."""
    if author_id in hidden.blocked_by:
        raise NotFound(not_found)


def hidden_from_viewer(relations: RelationRepository, viewer_id: int | None) -> Future[Hidden]:
    """Start reading the viewer's blocks and mutes, beside the read that needs them (none for an anonymous
    viewer: a future that is already done)."""
    if viewer_id is None:
        done: Future[Hidden] = Future()
        done.set_result(Hidden())
        return done
    return submit(relations.hidden_from, viewer_id)


def _hydrate(users: UserRepository, ids: Page[int]) -> Page[User]:
    found = users.get_many(ids.items)
    return Page(items=[found[i] for i in ids.items if i in found], next_cursor=ids.next_cursor)


@dataclass(frozen=True)
class RelationsAudience:
    """The notifier's audience filter (chirp.notifications.service.AudienceFilter): a recipient hears nothing
    of what those it blocks or mutes do (a mention by a blocked user included)."""

    relations: RelationRepository

    def allows(self, recipient: int, actor: int) -> bool:
        return not self.relations.hides(recipient, actor)
