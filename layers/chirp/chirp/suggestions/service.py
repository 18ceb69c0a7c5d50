"""Who to follow: precomputed per user from the follow events, served from one read, checked at read time.

**Refresh** (the suggestions function, on the bus's follow events). When F follows or unfollows X:

1. F's own list is recomputed from a bounded walk of the follows table: F's most recent
   WALKED_FOLLOWEES followees (one Query of following_by_time_index), and for each of them its most recent
   FOLLOWEES_PER_FOLLOWEE followees (one Query each, side by side). The edge F-X is read from the table
   itself (strongly consistent) rather than from the index, which may not have it yet. The candidates
   are tallied (`ranking.tally`); the RANKED_CANDIDATES most followed-by are checked against F's follows
   (F may follow some beyond the walked ones) while the users table is read for their followers counts,
   the tie-break; the best KEPT_CANDIDATES are stored with the walk's start time, and a list from a walk
   that started later is never overwritten.
   Cost per event, at most: 201 Queries of at most 101 keys (~0.5 RCU each), 3 consistent BatchGetItems
   of follow edges and 3 of users (one per 100 ids; ~1 and ~0.5 RCU an item), 1 PutItem of at most
   ~8 KB: about 400 RCU and 8 WCU, four round trips deep (the 200 Queries go 32 at a time).
2. The popular list (one item, POPULAR) takes X's current followers count (a consistent GetItem of X): the
   POPULAR_KEPT most followed accounts, written with an optimistic-concurrency check on its version, and
   only when the ranking changes or a count moves by more than 1% (`ranking.popular_changed`). It learns
   of an account only through that account's follow events: there is no backfill of accounts nobody
   followed or unfollowed since the list began.

A deleted account's list is dropped and the account leaves the popular list (UserDeleted); in others'
lists it stays until they are recomputed, and is never shown: the users read at request time drops it.

**Staleness accepted.** A user's list changes when they follow or unfollow someone, never because one of
their followees did: B following D reaches A's list at A's next follow or unfollow. Pushing every follow
to the follower's followers would cost a walk per follower (a million for a celebrity's follow); nothing
is published and nothing is swept. A list is served at any age: an old one is incomplete, never wrong,
since what it shows is checked at request time (below), and the popular list fills it up.

**Read** (`who_to_follow`, the API): one BatchGetItem reads the viewer's list and the popular list
together; the candidates (own first, then popular; never the viewer) go through the blocks hook
(`unblocked`), then the first `limit` of them are checked against the follows table (strongly consistent:
a follow made a second ago hides its account at once) while the users are read, side by side. Those
hidden by a follow are replaced from the next candidates, for at most READ_ROUNDS rounds: at most
1 + 2 * READ_ROUNDS calls, READ_ROUNDS + 1 round trips deep (two in the common case).
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from chirp.concurrency import submit
from chirp.errors import Retryable
from chirp.follows.repository import FollowRepository
from chirp.pages import PageRequest
from chirp.suggestions.models import Candidate, Suggestion
from chirp.suggestions.ranking import popular_changed, rank, shortlist, tally, with_followers_count
from chirp.suggestions.repository import SuggestionRepository
from chirp.users.repository import UserRepository

# The walk's bounds (see the module's docstring for what they cost).
WALKED_FOLLOWEES = 200
FOLLOWEES_PER_FOLLOWEE = 100
# How many of the tallied candidates are checked and read for their followers counts; the rest of a tie at
# that boundary is cut in the order reached (the owner's more recent follows' more recent follows first).
RANKED_CANDIDATES = 200
KEPT_CANDIDATES = 100
POPULAR_KEPT = 50
POPULAR_WRITE_ATTEMPTS = 5

DEFAULT_LIMIT = 20
MAX_LIMIT = 50
READ_ROUNDS = 3


# ---------------------------------------------------------------- refresh (the suggestions function)


def refresh_suggestions_of(
    suggestions: SuggestionRepository,
    follows: FollowRepository,
    users: UserRepository,
    owner_id: int,
    *,
    changed_followee_id: int,
    now_ms: int,
) -> int | None:
    """Recompute the owner's list after they followed or unfollowed `changed_followee_id`; how many
    candidates it stored (None: a list from a later walk is stored already, or the owner is gone)."""
    recent = submit(follows.following, owner_id, PageRequest(limit=WALKED_FOLLOWEES))
    changed_followed = suggestions.followed_among(owner_id, [changed_followee_id])
    followees = [followee for followee in recent.result().items if followee != changed_followee_id]
    if changed_followed:
        followees.insert(0, changed_followee_id)

    walked = [submit(follows.following, followee, PageRequest(limit=FOLLOWEES_PER_FOLLOWEE)) for followee in followees]
    walk = [(followee, found.result().items) for followee, found in zip(followees, walked, strict=True)]
    tallied = tally(owner_id, walk, excluded=set(followees))
    shortlisted = tallied[:RANKED_CANDIDATES]
    ids = [candidate.user_id for candidate in shortlisted]

    already = submit(suggestions.followed_among, owner_id, ids)
    found_users = users.get_many([owner_id, *ids])
    if owner_id not in found_users:
        suggestions.delete(owner_id)
        return None
    followed = already.result()
    counts = {user_id: user.metrics.followers_count for user_id, user in found_users.items() if user_id not in followed}
    ranked = rank(shortlisted, counts, KEPT_CANDIDATES)
    return len(ranked) if suggestions.save(owner_id, ranked, now_ms) else None


def refresh_popular(suggestions: SuggestionRepository, users: UserRepository, user_id: int, now_ms: int) -> bool:
    """Put the account at its current followers count on the popular list (off it, if it is gone); whether
    the list was written. Another write in between is retried on a fresh read, then Retryable."""
    found = users.get(user_id)
    followers_count = found.metrics.followers_count if found is not None else None
    for attempt in range(POPULAR_WRITE_ATTEMPTS):
        read = suggestions.popular()
        before = read.candidates if read is not None else ()
        after = with_followers_count(before, user_id, followers_count, POPULAR_KEPT)
        if not popular_changed(before, after):
            return False
        if suggestions.replace_popular(after, read, now_ms):
            return True
        time.sleep(random.uniform(0, 0.01 * 2**attempt))
    raise Retryable("the popular list kept changing under this write; retry the event")


def forget_user(suggestions: SuggestionRepository, users: UserRepository, user_id: int, now_ms: int) -> None:
    """A deleted account: its own list dropped, and off the popular list."""
    suggestions.delete(user_id)
    refresh_popular(suggestions, users, user_id, now_ms)


# ---------------------------------------------------------------- read (the API)


def unblocked(viewer_id: int, candidate_ids: Sequence[int]) -> list[int]:
    """The candidates the viewer may be suggested, in their order: the hook of trust and safety's blocks
    (issue 13), where an account the viewer blocked, or that blocked the viewer, is removed. There are no
    blocks yet: it removes none."""
    return list(candidate_ids)


def who_to_follow(
    suggestions: SuggestionRepository, users: UserRepository, viewer_id: int, limit: int
) -> list[Suggestion]:
    """Up to `limit` accounts to suggest to the viewer, best first (see the module's docstring)."""
    own, popular = suggestions.lists(viewer_id)
    listed = shortlist(viewer_id, own.candidates if own else (), popular.candidates if popular else ())
    allowed = set(unblocked(viewer_id, [candidate.user_id for candidate in listed]))
    listed = [candidate for candidate in listed if candidate.user_id in allowed]
    shown: list[Suggestion] = []
    start = 0
    for _ in range(READ_ROUNDS):
        chunk = listed[start : start + limit - len(shown)]
        if not chunk:
            break
        start += len(chunk)
        shown += _still_suggested(suggestions, users, viewer_id, chunk)
        if len(shown) == limit:
            break
    return shown


def _still_suggested(
    suggestions: SuggestionRepository, users: UserRepository, viewer_id: int, chunk: Sequence[Candidate]
) -> list[Suggestion]:
    """The candidates of `chunk` the viewer does not follow now and that still exist, as shown."""
    ids = [candidate.user_id for candidate in chunk]
    followed = submit(suggestions.followed_among, viewer_id, ids)
    found = users.get_many([*ids, *(user_id for candidate in chunk for user_id in candidate.followed_by)])
    hidden = followed.result()
    return [
        Suggestion(
            user=found[candidate.user_id],
            followed_by_count=candidate.followed_by_count,
            followed_by=[found[user_id] for user_id in candidate.followed_by if user_id in found],
        )
        for candidate in chunk
        if candidate.user_id in found and candidate.user_id not in hidden
    ]
