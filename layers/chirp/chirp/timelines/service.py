"""Reading a home timeline: the owner's pushed entries merged with the recent tweets of the
authors it pulls (the celebrities it follows, under the hybrid strategy).

A read costs two sequential DynamoDB round trips, each made of calls run side by side:
  1. Query the owner's timeline page · Query the celebrities it follows · Get its activity record
  2. BatchGet the page's tweets (strongly consistent: a deleted tweet is never served) ·
     Query each pulled author's newest tweets (author_index) and, beside it, the ids of those
     that exist (author_tweets, strongly consistent) · BatchGet the authors
A reader who has been away longer than the inactive window gets their timeline rebuilt
from their followees' recent tweets first (more round trips, once).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import Future

from chirp.concurrency import submit
from chirp.errors import Forbidden
from chirp.pages import Page, PageRequest, encode_cursor
from chirp.settings import Settings
from chirp.timelines.models import HomeTimelineItem, Strategy, TimelineActivity, TimelineEntry
from chirp.timelines.stores import TimelineStores
from chirp.tweets.models import Tweet
from chirp.users.models import User

ACTIVITY_REFRESH_MS = 3600 * 1000  # record a reader's activity at most once an hour


def home_timeline_page(
    stores: TimelineStores, settings: Settings, owner_id: int, request: PageRequest, now_ms: int | None = None
) -> Page[HomeTimelineItem]:
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    remaining = settings.timeline_max_entries - request.served
    if remaining <= 0:
        return Page(items=[], next_cursor=None)
    limit = min(request.limit, remaining)
    strategy = Strategy(settings.timeline_strategy)

    # Round trip 1.
    pushed_future = submit(pushed_entries, stores, strategy, owner_id, request.before, limit + 1)
    pulled_future = submit(pulled_authors, stores, strategy, owner_id)
    activity = stores.timelines.activity([owner_id]).get(owner_id)
    pushed: list[TimelineEntry] = pushed_future.result()
    authors: list[int] = pulled_future.result()
    touched: Future[None] | None = None
    if strategy is not Strategy.PULL and is_inactive(activity, settings, now_ms):
        rebuild_home_timeline(stores, settings, owner_id, now_ms, pulled=set(authors))
        pushed = stores.timelines.newest(owner_id, request.before, limit + 1)
    elif activity is not None and now_ms - activity.last_seen_ms > ACTIVITY_REFRESH_MS:
        touched = submit(stores.timelines.record_activity, owner_id, TimelineActivity(now_ms, activity.rebuilt_at_ms))

    # Round trip 2.
    tweets_future = submit(stores.tweets.get_many, [entry.tweet_id for entry in pushed])
    newest_pulled = PageRequest(limit=limit, before=request.before)
    pull_futures = [submit(stores.tweets.by_author, author, newest_pulled) for author in authors]
    live_futures = [submit(stores.tweets.live_ids, author, newest_pulled) for author in authors]
    people = {entry.author_id for entry in pushed} | {e.via_id for e in pushed if e.via_id} | set(authors)
    users = stores.users.get_many(people)
    tweets = tweets_future.result()
    pulled = [future.result() for future in pull_futures]
    live = [future.result() for future in live_futures]
    if touched is not None:
        touched.result()

    return _page(
        candidates=merge(pushed, tweets, [existing(page, ids) for page, ids in zip(pulled, live, strict=True)]),
        boundary=examined_down_to(pushed, [*pulled, *live], limit),
        users=users,
        limit=limit,
        served=request.served,
        cap=settings.timeline_max_entries,
    )


def existing(pulled: Page[Tweet], live: Page[int]) -> Page[Tweet]:
    """The pulled tweets that still exist: the index they came from lags deletes; `live` does not.
    A tweet below `live`'s window is kept: the page boundary (examined_down_to) stops above it."""
    ids = set(live.items)
    floor = live.items[-1] if live.next_cursor and live.items else 0
    return Page(items=[tweet for tweet in pulled.items if tweet.id in ids or tweet.id < floor], next_cursor=None)


def examined_down_to(
    pushed: Sequence[TimelineEntry], windows: Sequence[Page[Tweet] | Page[int]], limit: int
) -> int | None:
    """The lowest entry id down to which every source was read in full, or None when every
    source was read to its end. Entries at or above it are all known; those below are not,
    so a page never serves past it, and the next page starts there."""
    lowest = [pushed[-1].entry_id] if len(pushed) > limit else []
    lowest += [_id_of(window.items[-1]) for window in windows if window.next_cursor and window.items]
    return max(lowest, default=None)


def _id_of(item: Tweet | int) -> int:
    return item if isinstance(item, int) else item.id


def owners_home_timeline_page(
    stores: TimelineStores, settings: Settings, caller_id: int, owner_id: int, request: PageRequest
) -> Page[HomeTimelineItem]:
    """A home timeline is private: only its owner reads it."""
    if caller_id != owner_id:
        raise Forbidden("a home timeline can only be read by its owner")
    return home_timeline_page(stores, settings, owner_id, request)


def pushed_entries(
    stores: TimelineStores, strategy: Strategy, owner_id: int, before: int | None, limit: int
) -> list[TimelineEntry]:
    """The entries fan-out wrote into the owner's timeline (none are read under pure pull)."""
    return [] if strategy is Strategy.PULL else stores.timelines.newest(owner_id, before, limit)


def pulled_authors(stores: TimelineStores, strategy: Strategy, owner_id: int) -> list[int]:
    """Whose tweets the reader pulls at read time, instead of receiving them by fan-out."""
    if strategy is Strategy.PULL:
        return [owner_id, *stores.follows.all_following(owner_id)]
    if strategy is Strategy.HYBRID:
        return stores.follows.celebrity_followees(owner_id)
    return []


def merge(
    pushed: Sequence[TimelineEntry], tweets: dict[int, Tweet], pulled: Sequence[Page[Tweet]]
) -> list[tuple[TimelineEntry, Tweet]]:
    """Newest first, each original once, deleted tweets dropped."""
    pairs = [(entry, tweets[entry.tweet_id]) for entry in pushed if entry.tweet_id in tweets]
    pairs += [(TimelineEntry.for_tweet(tweet), tweet) for page in pulled for tweet in page.items]
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


def is_inactive(activity: TimelineActivity | None, settings: Settings, now_ms: int) -> bool:
    return activity is None or now_ms - activity.last_seen_ms > settings.inactive_after_days * 86_400_000


def rebuild_home_timeline(
    stores: TimelineStores, settings: Settings, owner_id: int, now_ms: int, pulled: set[int] | None = None
) -> int:
    """Refill a returning reader's timeline from the recent tweets of those it follows (and its own),
    except the authors it pulls at read time anyway (`pulled`, looked up when not given).
    Returns how many entries were written."""
    strategy = Strategy(settings.timeline_strategy)
    following: Future[list[int]] = submit(stores.follows.all_following, owner_id)
    if pulled is None:
        pulled = set(pulled_authors(stores, strategy, owner_id))
    authors = [owner_id, *(author for author in following.result() if author not in pulled)]
    recent = PageRequest(limit=settings.timeline_backfill_per_author)
    pages = [submit(stores.tweets.by_author, author, recent) for author in authors]
    entries = sorted(
        (TimelineEntry.for_tweet(tweet) for page in pages for tweet in page.result().items),
        key=lambda entry: entry.entry_id,
        reverse=True,
    )[: settings.timeline_max_entries]
    expires_at = now_ms // 1000 + settings.timeline_entry_ttl_days * 86_400
    stores.timelines.write([owner_id], entries, expires_at)
    stores.timelines.record_activity(owner_id, TimelineActivity(last_seen_ms=now_ms, rebuilt_at_ms=now_ms))
    return len(entries)
