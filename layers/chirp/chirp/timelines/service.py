"""Reading a home timeline: the owner's pushed entries merged with the recent tweets of the
authors it pulls (the celebrities it follows, under the hybrid strategy).

A read costs two sequential DynamoDB round trips:
  1. Query the top of the owner's timeline: the activity record sits above the entries, so the first
     page's Query returns it too, and with it the celebrities the owner follows (its `pulls`)
  2. one BatchGetItem for everything those point at: the page's tweets (strongly consistent: a deleted
     tweet is never served) and the tweets they quote, the pushed retweets themselves (an undone retweet
     is never served either, whatever order its entry's changes reach the writer in), the people who
     wrote or brought them, each celebrity's recent tweets (the item kept beside their tweets, written
     in the tweets' own transactions, read strongly consistent), and the owner's summaries of those
     authors (what it liked and retweeted of each, written in the like's or retweet's own transaction)
A third, only when the page needs it: what the second's answers pointed at that was not known before
it (the originals of a celebrity's retweets, the tweets a celebrity quoted, and their authors), and
the owner's like and retweet edges of tweets no summary speaks for (a retweet's original by an author
the page has no summary of; a tweet older than what an author's summary keeps).

A later page (a cursor) pulls with one consistent Query per celebrity instead; a pure-pull read does
so for every followee. A reader who has been away longer than the inactive window gets their
timeline rebuilt from their followees' recent tweets first (more round trips, once).

What the owner blocks or mutes (chirp.relations) is left out with no further round trip: the activity
record read in round trip 1 carries whom the owner blocks and mutes, who blocks it, and the words it
mutes; an entry by, or brought in by, any of those users, or whose tweet says a muted word, is dropped
before the page is cut (a later page reads the record beside its entries). A quoted tweet by a user blocked
either way is shown unavailable (as a deleted one). A suspended or deleted account's tweets and retweets,
and the retweets of its tweets, are left out as well (`User.served`, from the people round trip 2 reads anyway);
a quoted tweet of it is unavailable.

A reply to someone else reaches a home timeline only if its owner follows both ends (Twitter's rule):
the writer checks pushed replies; a pulled celebrity's reply shows if it answers the owner or another
pulled celebrity (a read does not know whom else the owner follows: such a reply is left out).
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
from chirp.relations.models import Hidden
from chirp.timelines.models import (
    PageContents,
    Strategy,
    TimelineActivity,
    TimelineEntry,
    TimelineHead,
    ViewerReads,
)
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineStores
from chirp.tweets.models import RecentTweets, Tweet, ViewerState
from chirp.tweets.shown import ShownTweet
from chirp.users.models import User

ACTIVITY_REFRESH_MS = 3600 * 1000  # record a reader's activity at most once an hour


def home_timeline_page(
    stores: TimelineStores, settings: TimelineSettings, owner_id: int, request: PageRequest, now_ms: int | None = None
) -> Page[ShownTweet]:
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
    else:  # a later page reads the activity record beside its entries (the pulls, what the owner hides)
        activity = submit(stores.timelines.activity, [owner_id])
        entries = stores.timelines.newest(owner_id, request.before, pushed_limit) if pushed_limit else []
        head = TimelineHead(activity=activity.result().get(owner_id), entries=entries)
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
    page_authors = {entry.author_id for entry in pushed} | set(authors)
    contents = stores.timelines.page_contents(
        [
            *(entry.tweet_id for entry in pushed),
            *(entry.quoted_id for entry in pushed if entry.quoted_id),
            *(entry.entry_id for entry in pushed if entry.via_id is not None),  # is each retweet still there?
        ],
        page_authors | {entry.bringer for entry in pushed} | {e.quoted_author_id for e in pushed if e.quoted_author_id},
        authors if windows else [],
        ViewerReads(owner_id, summaries_of=summaries_to_read(head, page_authors, strategy, first_page=first_page)),
    )
    pulled = recent_pages(stores, contents, authors, limit) if windows else [query() for query in queried]
    if touched is not None:
        touched.result()

    hidden = head.activity.hidden if head.activity is not None else Hidden()
    page = _page(
        candidates=served(
            unhidden(merge(pushed, contents.tweets, reaching(pulled, owner_id, set(authors))), owner_id, hidden),
            contents.users,
        ),
        boundary=examined_down_to(pushed, [source.floor for source in pulled], limit),
        limit=limit,
        served=request.served,
        cap=settings.timeline_max_entries,
    )
    # Round trip 3, if the page needs it.
    items = shown(stores, owner_id, page.items, contents, page_authors, hidden=hidden)
    return Page(items=[item for item in items if not hides_words(hidden, owner_id, item)], next_cursor=page.next_cursor)


Candidate = tuple[TimelineEntry, Tweet]  # an entry and the tweet it was read with (pushed: the original)


def unhidden(candidates: list[Candidate], owner_id: int, hidden: Hidden) -> list[Candidate]:
    """The candidates the owner has not hidden: none by, or brought in by, a user it blocks or mutes or who
    blocks it, nor (the owner's own aside) an original whose text says a word it mutes. A pulled retweet's
    original is read later: `hides_words` checks the page's originals once shown."""
    return [
        (entry, tweet)
        for entry, tweet in candidates
        if not hidden.hides_author(entry.author_id)
        and not (entry.via_id is not None and hidden.hides_author(entry.via_id))
        and (tweet.is_retweet or entry.author_id == owner_id or not hidden.hides_text(tweet.text))
    ]


def served(candidates: list[Candidate], users: dict[int, User]) -> list[Candidate]:
    """The candidates not by, nor brought in by, a suspended or deleted account, as far as the people read so
    far tell (a pulled retweet's original author is read later: `shown` checks it)."""
    return [
        (entry, tweet)
        for entry, tweet in candidates
        if all(person not in users or users[person].served for person in (entry.author_id, entry.bringer))
    ]


def hides_words(hidden: Hidden, owner_id: int, item: ShownTweet) -> bool:
    """Whether the shown tweet's original (a retweet's, or itself) says a word the owner mutes (its own
    tweets are never hidden from it)."""
    original = item.retweeted or item
    return original.tweet.author_id != owner_id and hidden.hides_text(original.tweet.text)


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
) -> Page[ShownTweet]:
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


def reaching(pulled: Sequence[Pulled], owner_id: int, pulls: set[int]) -> list[Pulled]:
    """The pulled tweets the owner may see: a reply to someone else only if it answers the owner or
    someone else the owner pulls (whom else the owner follows, a read does not know)."""
    return [
        Pulled(
            tweets=[tweet for tweet in source.tweets if TimelineEntry.for_tweet(tweet).may_reach(owner_id, pulls)],
            floor=source.floor,
        )
        for source in pulled
    ]


def merge(pushed: Sequence[TimelineEntry], tweets: dict[int, Tweet], pulled: Sequence[Pulled]) -> list[Candidate]:
    """Newest first, each original once (the newest entry that brings it), deleted tweets dropped, and
    undone retweets: a pushed retweet's entry counts only while the retweet itself is in `tweets` (its
    removal may reach the writer before its addition, which would otherwise bring it back for good).
    A pushed entry comes with its original; a pulled tweet as it is (a retweet, for a retweet)."""
    pairs = [
        (entry, tweets[entry.tweet_id])
        for entry in pushed
        if entry.tweet_id in tweets and (entry.via_id is None or entry.entry_id in tweets)
    ]
    pairs += [(TimelineEntry.for_tweet(tweet), tweet) for source in pulled for tweet in source.tweets]
    pairs.sort(key=lambda pair: pair[0].entry_id, reverse=True)
    seen: set[int] = set()
    unique = []
    for entry, tweet in pairs:
        if entry.tweet_id not in seen:
            seen.add(entry.tweet_id)
            unique.append((entry, tweet))
    return unique


def _page(
    *,
    candidates: list[Candidate],
    boundary: int | None,
    limit: int,
    served: int,
    cap: int,
) -> Page[Candidate]:
    known = [(entry, tweet) for entry, tweet in candidates if boundary is None or entry.entry_id >= boundary]
    items = known[:limit]
    served += len(items)
    if len(known) > limit:
        next_from: int | None = known[limit - 1][0].entry_id
    else:
        # A short page (deleted tweets dropped) still continues below the boundary if there is more.
        next_from = boundary
    if next_from is None or served >= cap:
        return Page(items=items, next_cursor=None)
    return Page(items=items, next_cursor=encode_cursor(next_from, served))


def shown(
    stores: TimelineStores,
    owner_id: int,
    items: Sequence[Candidate],
    contents: PageContents,
    summarised: set[int],
    *,
    hidden: Hidden,
) -> list[ShownTweet]:
    """The page's entries as the owner sees them (as `chirp.tweets.shown.show` shows any list of
    tweets), reading what round trip 2 could not know to ask for in one more BatchGetItem, if any:
    the originals of pulled retweets, the tweets pulled quotes quote, their authors, and the owner's
    edges of the tweets no summary speaks for (`summarised`: the authors whose summaries were asked for, or
    are known not to exist). An original or a retweet by an account not served is left out; a quoted tweet by
    one, or by someone blocked either way (`hidden`), is unavailable."""
    tweets = contents.tweets | {tweet.id: tweet for _, tweet in items}
    users = contents.users
    quoted_ids = {entry.entry_id: quoted_of(entry, tweet) for entry, tweet in items}
    missing_tweets = {entry.tweet_id for entry, _ in items} | {q[0] for q in quoted_ids.values() if q}
    missing_tweets -= tweets.keys()
    wanted_people = {entry.author_id for entry, _ in items} | {entry.bringer for entry, _ in items}
    wanted_people |= {q[1] for q in quoted_ids.values() if q}
    states = {entry.tweet_id: known_state(contents, summarised, entry) for entry, _ in items}
    exact = [tweet_id for tweet_id, state in states.items() if state is None]
    if missing_tweets or exact or wanted_people - users.keys():
        more = stores.timelines.page_contents(
            missing_tweets, wanted_people - users.keys(), [], ViewerReads(owner_id, states_of=tuple(exact))
        )
        tweets, users = tweets | more.tweets, users | more.users
        states |= more.states
    page = []
    for entry, tweet in items:
        original, author = tweets.get(entry.tweet_id), users.get(entry.author_id)
        if original is None or author is None or not author.served:
            continue  # deleted since (a pulled retweet's original), or an author gone or suspended
        viewer = states.get(entry.tweet_id) or ViewerState()
        if entry.via_id is None:
            quoted = quoted_ids[entry.entry_id]
            embedded = _embedded(tweets, users, quoted[0], hidden) if quoted else None
            page.append(ShownTweet(tweet=original, author=author, viewer=viewer, quoted=embedded))
            continue
        retweeter = users.get(entry.via_id)
        retweet = tweet if tweet.is_retweet else tweets.get(entry.entry_id)  # pushed: read with the original
        if retweeter is None or not retweeter.served or retweet is None:
            continue
        nested = ShownTweet(tweet=original, author=author, viewer=viewer)
        page.append(ShownTweet(tweet=retweet, author=retweeter, viewer=viewer, retweeted=nested))
    return page


def quoted_of(entry: TimelineEntry, tweet: Tweet) -> tuple[int, int] | None:
    """The (tweet, author) a quote's entry embeds: none for a retweet (its original embeds nothing
    more, as everywhere a retweet is shown)."""
    if entry.via_id is not None:
        return None
    if entry.quoted_id is not None and entry.quoted_author_id is not None:
        return entry.quoted_id, entry.quoted_author_id
    if tweet.quoted_tweet_id is not None and tweet.quoted_author_id is not None:
        return tweet.quoted_tweet_id, tweet.quoted_author_id
    return None


def summaries_to_read(
    head: TimelineHead, page_authors: set[int], strategy: Strategy, *, first_page: bool
) -> frozenset[int]:
    """The page's authors whose summaries the owner has (its activity record lists them: `engaged`); all of
    them when the record was not read (a later page of the push strategy). An author left out has had
    nothing liked or retweeted by the owner."""
    if first_page or strategy is Strategy.HYBRID:
        engaged = head.activity.engaged if head.activity is not None else frozenset()
        return frozenset(page_authors & engaged)
    return frozenset(page_authors)


def known_state(contents: PageContents, summarised: set[int], entry: TimelineEntry) -> ViewerState | None:
    """The owner's state for the entry's original as its summaries tell it; None: they cannot tell.
    An author whose summary was read and is absent has had nothing liked or retweeted by the owner."""
    if entry.author_id not in summarised:
        return None
    summary = contents.summaries.get(entry.author_id)
    return ViewerState() if summary is None else summary.state(entry.tweet_id)


def _embedded(tweets: dict[int, Tweet], users: dict[int, User], tweet_id: int, hidden: Hidden) -> ShownTweet | None:
    """The quoted tweet as embedded; None (unavailable) when it is deleted, its author is not served, or the
    owner blocks its author or is blocked by it."""
    quoted = tweets.get(tweet_id)
    author = users.get(quoted.author_id) if quoted is not None else None
    if quoted is None or author is None or not author.served or hidden.blocks_either_way(author.id):
        return None
    return ShownTweet(tweet=quoted, author=author)


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
    followed = set(following.result())
    authors = [owner_id, *(author for author in followed if author not in pulled)]
    recent = stores.timelines.page_contents([], [], authors).recent
    newest = (kept.tweets[: settings.timeline_backfill_per_author] for kept in recent.values())
    candidates = (TimelineEntry.for_tweet(tweet) for tweets in newest for tweet in tweets)
    entries = sorted(
        (entry for entry in candidates if entry.may_reach(owner_id, followed)),
        key=lambda entry: entry.entry_id,
        reverse=True,
    )[: settings.timeline_max_entries]
    expires_at = now_ms // 1000 + settings.timeline_entry_ttl_days * 86_400
    stores.timelines.write([owner_id], entries, expires_at)
    stores.timelines.record_activity(owner_id, TimelineActivity(last_seen_ms=now_ms, rebuilt_at_ms=now_ms))
    return len(entries)
