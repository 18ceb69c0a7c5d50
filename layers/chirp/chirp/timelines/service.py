"""Reading a home timeline: the owner's pushed entries merged with the recent tweets of the
authors it pulls (the celebrities it follows, under the hybrid strategy).

A read costs two sequential DynamoDB round trips:
  1. Query the top of the owner's timeline: the activity record sits above the entries, so the first
     page's Query returns it too, and with it the celebrities the owner follows (its `pulls`)
  2. one BatchGetItem for everything those point at: the page's tweets (strongly consistent: a deleted
     tweet is never served), the authors, and each celebrity's recent tweets (the item kept beside
     their tweets, written in the tweets' own transactions, read strongly consistent)
A later page (a cursor) pulls with one consistent Query per celebrity instead; a pure-pull read does
so for every followee. A reader who has been away longer than the inactive window gets their
timeline rebuilt from their followees' recent tweets first (more round trips, once).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from functools import partial

from chirp.concurrency import submit
from chirp.errors import Forbidden
from chirp.pages import Page, PageRequest, encode_cursor
from chirp.timelines.models import (
    HomeTimelineItem,
    PageContents,
    Strategy,
    TimelineActivity,
    TimelineEntry,
    TimelineHead,
)
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineStores
from chirp.tweets.models import RecentTweets, Tweet
from chirp.users.models import User

ACTIVITY_REFRESH_MS = 3600 * 1000  # record a reader's activity at most once an hour


def home_timeline_page(
    stores: TimelineStores, settings: TimelineSettings, owner_id: int, request: PageRequest, now_ms: int | None = None
) -> Page[HomeTimelineItem]:
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    remaining = settings.timeline_max_entries - request.served
    if remaining <= 0:
        return Page(items=[], next_cursor=None)
    limit = min(request.limit, remaining)
    strategy = settings.timeline_strategy
    first_page = request.before is None

    # Round trip 1.
    following: Future[list[int]] | None = None
    if strategy is Strategy.PULL:
        following = submit(stores.follows.all_following, owner_id)
    pushed_limit = 0 if strategy is Strategy.PULL else limit + 1
    if first_page:
        head = stores.timelines.head(owner_id, pushed_limit)
    else:  # a later page needs the activity record only for the pulls (hybrid)
        activity = submit(stores.timelines.activity, [owner_id]) if strategy is Strategy.HYBRID else None
        entries = stores.timelines.newest(owner_id, request.before, pushed_limit) if pushed_limit else []
        head = TimelineHead(activity=activity.result().get(owner_id) if activity else None, entries=entries)
    pushed = head.entries
    authors = pulled_authors(strategy, owner_id, head.activity, following.result() if following else [])
    touched: Future[None] | None = None
    if first_page and strategy is not Strategy.PULL and is_inactive(head.activity, settings, now_ms):
        rebuild_home_timeline(stores, settings, owner_id, now_ms, pulled=set(authors))
        pushed = stores.timelines.newest(owner_id, None, pushed_limit)
    elif head.activity is not None and now_ms - head.activity.last_seen_ms > ACTIVITY_REFRESH_MS:
        seen = TimelineActivity(now_ms, head.activity.rebuilt_at_ms)
        touched = submit(stores.timelines.record_activity, owner_id, seen)

    # Round trip 2.
    windows = first_page and strategy is Strategy.HYBRID
    queried = submit_pull_queries(stores, [] if windows else authors, request.before, limit)
    people = {entry.author_id for entry in pushed} | {e.via_id for e in pushed if e.via_id} | set(authors)
    contents = stores.timelines.page_contents([entry.tweet_id for entry in pushed], people, authors if windows else [])
    pulled = recent_pages(stores, contents, authors, limit) if windows else [query() for query in queried]
    if touched is not None:
        touched.result()

    return _page(
        candidates=merge(pushed, contents.tweets, pulled),
        boundary=examined_down_to(pushed, [source.floor for source in pulled], limit),
        users=contents.users,
        limit=limit,
        served=request.served,
        cap=settings.timeline_max_entries,
    )


@dataclass(frozen=True)
class Pulled:
    """One pulled author's tweets a page may show, newest first, and `floor`: the lowest id down to
    which the author's tweets were read in full (None: read to the end)."""

    tweets: list[Tweet]
    floor: int | None


def recent_pages(stores: TimelineStores, contents: PageContents, authors: Sequence[int], limit: int) -> list[Pulled]:
    """Each pulled author's newest tweets from their recent-tweets item (none: the author never
    tweeted). An author whose kept tweets were all deleted while older ones exist is queried instead:
    a third round trip, for that read only."""
    pulled: list[Pulled] = []
    missing = []
    for author in authors:
        recent = contents.recent.get(author, RecentTweets(tweets=[], has_older=False))
        if recent.has_older and not recent.tweets:
            missing.append(author)
        else:
            pulled.append(window(recent, limit))
    return pulled + [query() for query in submit_pull_queries(stores, missing, None, limit)]


def window(recent: RecentTweets, limit: int) -> Pulled:
    """The newest `limit` of an author's recent tweets; read in full down to the last of them if the
    window was cut there or older tweets exist."""
    tweets = recent.tweets[:limit]
    cut = len(recent.tweets) > limit or recent.has_older
    return Pulled(tweets=tweets, floor=tweets[-1].id if cut and tweets else None)


def submit_pull_queries(
    stores: TimelineStores, authors: Sequence[int], before: int | None, limit: int
) -> list[Callable[[], Pulled]]:
    """Start reading each author's tweets below `before` that exist now, side by side; each returned
    call waits for one author's. The index they come from lags deletes, so the ids are checked
    against the author's tweets read strongly consistent. (Every call is submitted from here: a
    pooled call that waited on another pooled call could leave the pool waiting on itself.)"""
    newest = PageRequest(limit=limit, before=before)
    indexed = [submit(stores.tweets.by_author, author, newest) for author in authors]
    live = [submit(stores.tweets.live_ids, author, newest) for author in authors]
    return [partial(_existing_of, page, ids) for page, ids in zip(indexed, live, strict=True)]


def _existing_of(indexed: Future[Page[Tweet]], live: Future[Page[int]]) -> Pulled:
    return existing(indexed.result(), live.result())


def existing(indexed: Page[Tweet], live: Page[int]) -> Pulled:
    """The indexed tweets that still exist: the index lags deletes; `live` does not. A tweet below
    `live`'s window is kept: the floor (the higher of the two windows' ends) stops the page above it."""
    ids = set(live.items)
    live_floor = live.items[-1] if live.next_cursor and live.items else None
    indexed_floor = indexed.items[-1].id if indexed.next_cursor and indexed.items else None
    return Pulled(
        tweets=[tweet for tweet in indexed.items if tweet.id in ids or tweet.id < (live_floor or 0)],
        floor=max((floor for floor in (live_floor, indexed_floor) if floor is not None), default=None),
    )


def examined_down_to(pushed: Sequence[TimelineEntry], floors: Sequence[int | None], limit: int) -> int | None:
    """The lowest entry id down to which every source was read in full, or None when every
    source was read to its end. Entries at or above it are all known; those below are not,
    so a page never serves past it, and the next page starts there."""
    lowest = [pushed[-1].entry_id] if len(pushed) > limit else []
    lowest += [floor for floor in floors if floor is not None]
    return max(lowest, default=None)


def owners_home_timeline_page(
    stores: TimelineStores, settings: TimelineSettings, caller_id: int, owner_id: int, request: PageRequest
) -> Page[HomeTimelineItem]:
    """A home timeline is private: only its owner reads it."""
    if caller_id != owner_id:
        raise Forbidden("a home timeline can only be read by its owner")
    return home_timeline_page(stores, settings, owner_id, request)


def pulled_authors(
    strategy: Strategy, owner_id: int, activity: TimelineActivity | None, following: Sequence[int]
) -> list[int]:
    """Whose tweets the reader pulls at read time, instead of receiving them by fan-out: under pull,
    itself and everyone it follows; under hybrid, the celebrities its activity record lists."""
    if strategy is Strategy.PULL:
        return [owner_id, *following]
    if strategy is Strategy.HYBRID and activity is not None:
        return sorted(activity.pulls)
    return []


def merge(
    pushed: Sequence[TimelineEntry], tweets: dict[int, Tweet], pulled: Sequence[Pulled]
) -> list[tuple[TimelineEntry, Tweet]]:
    """Newest first, each original once, deleted tweets dropped."""
    pairs = [(entry, tweets[entry.tweet_id]) for entry in pushed if entry.tweet_id in tweets]
    pairs += [(TimelineEntry.for_tweet(tweet), tweet) for source in pulled for tweet in source.tweets]
    pairs.sort(key=lambda pair: pair[0].entry_id, reverse=True)
    seen: set[int] = set()
    unique = []
    for entry, tweet in pairs:
        if tweet.id not in seen:
            seen.add(tweet.id)
            unique.append((entry, tweet))
    return unique


def _page(
    *,
    candidates: list[tuple[TimelineEntry, Tweet]],
    boundary: int | None,
    users: dict[int, User],
    limit: int,
    served: int,
    cap: int,
) -> Page[HomeTimelineItem]:
    known = [(entry, tweet) for entry, tweet in candidates if boundary is None or entry.entry_id >= boundary]
    items = [
        HomeTimelineItem(
            entry=entry,
            tweet=tweet,
            author=users[tweet.author_id],
            via=users.get(entry.via_id) if entry.via_id else None,
        )
        for entry, tweet in known[:limit]
        if tweet.author_id in users
    ]
    served += len(items)
    if len(known) > limit:
        next_from: int | None = known[limit - 1][0].entry_id
    else:
        # A short page (deleted tweets dropped) still continues below the boundary if there is more.
        next_from = boundary
    if next_from is None or served >= cap:
        return Page(items=items, next_cursor=None)
    return Page(items=items, next_cursor=encode_cursor(next_from, served))


def is_inactive(activity: TimelineActivity | None, settings: TimelineSettings, now_ms: int) -> bool:
    return activity is None or now_ms - activity.last_seen_ms > settings.inactive_after_days * 86_400_000


def rebuild_home_timeline(
    stores: TimelineStores, settings: TimelineSettings, owner_id: int, now_ms: int, pulled: set[int] | None = None
) -> int:
    """Refill a returning reader's timeline from the recent tweets of those it follows (and its own),
    except the authors it pulls at read time anyway (`pulled`, looked up when not given): their
    recent-tweets items, a hundred per BatchGetItem. Returns how many entries were written."""
    strategy = settings.timeline_strategy
    following: Future[list[int]] = submit(stores.follows.all_following, owner_id)
    if pulled is None:
        activity = stores.timelines.activity([owner_id]).get(owner_id)
        pulled = set(pulled_authors(strategy, owner_id, activity, []))
    authors = [owner_id, *(author for author in following.result() if author not in pulled)]
    recent = stores.timelines.page_contents([], [], authors).recent
    newest = (kept.tweets[: settings.timeline_backfill_per_author] for kept in recent.values())
    entries = sorted(
        (TimelineEntry.for_tweet(tweet) for tweets in newest for tweet in tweets),
        key=lambda entry: entry.entry_id,
        reverse=True,
    )[: settings.timeline_max_entries]
    expires_at = now_ms // 1000 + settings.timeline_entry_ttl_days * 86_400
    stores.timelines.write([owner_id], entries, expires_at)
    stores.timelines.record_activity(owner_id, TimelineActivity(last_seen_ms=now_ms, rebuilt_at_ms=now_ms))
    return len(entries)
