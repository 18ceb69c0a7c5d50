"""What an account's erasure is: the phases it goes through, in order, and how far one has got."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Phase(StrEnum):
    """The erasure's phases, in the order they run. Each undoes one kind of the account's data the way its owner
    would (unfollow, delete a tweet, unlike, unblock), so what follows from that on the domain-event bus (counts,
    others' timelines, search documents, media objects) follows as it does every day; what has no such path
    (partitions of the account's own, sessions) is deleted directly. The account's own item goes last: the
    record of the erasure's progress lives on it until then."""

    FOLLOWING = "following"  # whom it follows: each unfollowed (counts, its home timeline's sources)
    FOLLOWERS = "followers"  # who follows it: each follow removed (counts; its entries out of their timelines)
    TWEETS = "tweets"  # its tweets, replies, quotes and retweets, each deleted as by its author
    LIKES = "likes"  # each unliked (the tweets' like counts)
    RELATIONS = "relations"  # its blocks, mutes and muted words
    OTHERS_RELATIONS = "others_relations"  # others' blocks and mutes of it
    MEDIA = "media"  # its media items and objects (a tweet's are erased with the tweet; these are the rest)
    REPORTS = "reports"  # the reports it filed
    EXPORTS = "exports"  # its data exports (items and archives)
    SESSIONS = "sessions"  # its refresh tokens and their families
    PARTITIONS = "partitions"  # its home timeline, notifications, engagement summaries, live connections
    ACCOUNT = "account"  # its item and email claim; its username held by nobody through the grace period


PHASES: tuple[Phase, ...] = tuple(Phase)


@dataclass(frozen=True)
class Progress:
    """An account being erased, as its item records it: the phase it is in and where in it (`cursor`: the phase's
    own position, None at its start), and until when a worker holds it (`lease_until_ms`, 0: nobody)."""

    user_id: int
    username: str
    email: str
    phase: Phase
    cursor: str | None
    lease_until_ms: int

    def next_phase(self) -> Phase | None:
        position = PHASES.index(self.phase)
        return PHASES[position + 1] if position + 1 < len(PHASES) else None
