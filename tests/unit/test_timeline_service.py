"""The home timeline's read path (chirp.timelines.service): merging pushed and pulled tweets, the
inactive window, and a page read against in-memory stores."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import cast

import pytest
from chirp.engagements.models import AuthorSummary
from chirp.pages import Page, PageRequest, decode_cursor
from chirp.timelines.models import PageContents, TimelineActivity, TimelineEntry, TimelineHead, ViewerReads
from chirp.timelines.service import Pulled, examined_down_to, existing, home_timeline_page, is_inactive, merge, window
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineStores
from chirp.tweets.models import RecentTweets, Tweet, ViewerState
from chirp.tweets.shown import ShownTweet
from chirp.users.models import User

DAY_MS = 86_400_000
NOW_MS = 1_800_000_000_000


def tweet(tweet_id: int, author_id: int = 1) -> Tweet:
    return Tweet(id=tweet_id, author_id=author_id, text=f"tweet {tweet_id}", created_at_ms=0)


def entry(tweet_id: int, author_id: int = 1, entry_id: int | None = None, via_id: int | None = None) -> TimelineEntry:
    return TimelineEntry(entry_id or tweet_id, tweet_id, author_id, via_id)


def retweet(retweet_id: int, retweeter_id: int, original: Tweet) -> Tweet:
    return replace(
        tweet(retweet_id, retweeter_id), text="", retweet_of=original.id, retweet_of_author=original.author_id
    )


# ---------------------------------------------------------------- merge


def test_merge_orders_pushed_and_pulled_newest_first() -> None:
    # Given pushed entries and a pulled author's page that interleave
    pushed = [entry(50), entry(30)]
    pulled = [Pulled(tweets=[tweet(40, author_id=2), tweet(20, author_id=2)], floor=None)]
    # When they are merged
    merged = merge(pushed, {50: tweet(50), 30: tweet(30)}, pulled)
    # Then they come newest first
    assert [entry.entry_id for entry, _ in merged] == [50, 40, 30, 20]


def test_merge_shows_each_original_once() -> None:
    # Given a tweet that is both pushed (before a promotion) and pulled, and a retweet of another one
    pushed = [entry(40, author_id=2), entry(10, entry_id=35, via_id=3), entry(10)]
    pulled = [Pulled(tweets=[tweet(40, author_id=2)], floor=None)]
    tweets = {40: tweet(40, author_id=2), 10: tweet(10), 35: retweet(35, 3, tweet(10))}
    # When they are merged
    merged = merge(pushed, tweets, pulled)
    # Then each original appears once, at its newest entry
    assert [(entry.entry_id, tweet.id) for entry, tweet in merged] == [(40, 40), (35, 10)]


def test_merge_drops_entries_whose_tweet_is_gone() -> None:
    # Given two pushed entries, one of whose tweets was deleted (missing from the consistent read)
    # When they are merged
    merged = merge([entry(2), entry(1)], {1: tweet(1)}, [])
    # Then only the surviving tweet is left
    assert [tweet.id for _, tweet in merged] == [1]


def test_merge_drops_a_pushed_retweet_that_was_undone() -> None:
    # Given a tweet pushed itself and by two retweets, the newest of which was undone (missing from the read)
    pushed = [entry(10, entry_id=35, via_id=3), entry(10, entry_id=20, via_id=2), entry(10)]
    tweets = {10: tweet(10), 20: retweet(20, 2, tweet(10))}
    # When they are merged
    merged = merge(pushed, tweets, [])
    # Then the original is shown once, brought by the retweet that is still there
    assert [(entry.entry_id, tweet.id) for entry, tweet in merged] == [(20, 10)]


# ---------------------------------------------------------------- existing


def test_existing_drops_pulled_tweets_the_consistent_ids_no_longer_list() -> None:
    # Given a pulled page from the lagging index (30 was just deleted) and the author's live ids, read to the end
    pulled = Page(items=[tweet(40, author_id=2), tweet(30, author_id=2), tweet(20, author_id=2)], next_cursor="more")
    live = Page(items=[40, 20, 10], next_cursor=None)
    # When the pulled tweets are checked against them
    kept = existing(pulled, live)
    # Then the deleted tweet is gone, the others keep their order, and the author is known down to 20 only
    assert [t.id for t in kept.tweets] == [40, 20]
    assert kept.floor == 20


def test_existing_keeps_pulled_tweets_below_the_live_window_for_the_boundary_to_cut() -> None:
    # Given live ids read down to 30 only (more below), and pulled tweets reaching below that window
    pulled = Page(items=[tweet(40, author_id=2), tweet(35, author_id=2), tweet(20, author_id=2)], next_cursor=None)
    live = Page(items=[50, 40, 30], next_cursor="more")
    # When the pulled tweets are checked against them
    kept = existing(pulled, live)
    # Then 35 (inside the window, not live) is dropped; 20 (below it: unknown yet) is kept
    assert [t.id for t in kept.tweets] == [40, 20]
    # And the author is known down to 30 only, so 20 is not served from this page
    assert kept.floor == 30


# ---------------------------------------------------------------- window


@pytest.mark.parametrize(
    ("kept", "has_older", "limit", "served", "floor"),
    [
        ([50, 40, 30], False, 5, [50, 40, 30], None),  # every tweet the author has: read to the end
        ([50, 40, 30], True, 5, [50, 40, 30], 30),  # older ones were trimmed away: known down to 30
        ([50, 40, 30], False, 2, [50, 40], 40),  # cut by the page size: known down to 40
        ([], False, 5, [], None),  # an author with no tweets
    ],
)
def test_window_is_the_newest_recent_tweets_known_down_to_where_they_stop(
    kept: list[int], has_older: bool, limit: int, served: list[int], floor: int | None
) -> None:
    # Given an author's recent-tweets item
    recent = RecentTweets(tweets=[tweet(i, author_id=2) for i in kept], has_older=has_older)
    # When it is read as a page's window
    pulled = window(recent, limit)
    # Then it offers the newest tweets, and says how far down the author's tweets are known
    assert ([t.id for t in pulled.tweets], pulled.floor) == (served, floor)


# ---------------------------------------------------------------- examined_down_to


def test_examined_down_to_is_none_when_every_source_was_read_to_its_end() -> None:
    # Given no more than `limit` pushed entries, and pulled authors read to their ends
    # Then nothing is left unexamined
    assert examined_down_to([entry(50), entry(30)], [None, None], limit=2) is None


def test_examined_down_to_is_the_overfetched_pushed_entry() -> None:
    # Given limit + 1 pushed entries (the extra one proves there is more) and a pulled window read to its end
    pushed = [entry(50), entry(30), entry(10)]
    # Then the timeline is known down to the extra entry
    assert examined_down_to(pushed, [None], limit=2) == 10


def test_examined_down_to_stops_where_the_source_read_least_far_stops() -> None:
    # Given the pushed entries overfetched down to 10, and pulled authors known down to 35, 25 and 5
    pushed = [entry(50), entry(30), entry(10)]
    # Then only down to 35 was every source read in full
    assert examined_down_to(pushed, [35, 25, 5], limit=2) == 35


# ---------------------------------------------------------------- is_inactive


@pytest.mark.parametrize(
    ("last_seen_ms", "inactive"),
    [
        (None, True),
        (NOW_MS, False),
        (NOW_MS - 30 * DAY_MS, False),
        (NOW_MS - 30 * DAY_MS - 1, True),
        (NOW_MS - 31 * DAY_MS, True),
    ],
)
def test_is_inactive_after_the_window(last_seen_ms: int | None, inactive: bool) -> None:
    # Given a reader last seen then (None: never), and a 30-day window
    activity = None if last_seen_ms is None else TimelineActivity(last_seen_ms, last_seen_ms)
    settings = TimelineSettings(inactive_after_days=30)
    # Then it is inactive only once the window has fully passed
    assert is_inactive(activity, settings, NOW_MS) is inactive


# ---------------------------------------------------------------- a page on in-memory stores


@dataclass
class MemoryStores:
    """Just enough of TimelineStores for the read path, in memory. `index_lag` models author_index, a
    global secondary index, not yet caught up with deletions (GSIs are only eventually consistent);
    `live_ids` reads author_tweets consistently, so it never lists a deleted tweet."""

    users_by_id: dict[int, User] = field(default_factory=dict)
    tweets_by_id: dict[int, Tweet] = field(default_factory=dict)
    index_lag: dict[int, Tweet] = field(default_factory=dict)  # deleted, still in author_index
    following: dict[int, list[int]] = field(default_factory=dict)
    entries: dict[int, dict[int, TimelineEntry]] = field(default_factory=dict)
    activities: dict[int, TimelineActivity] = field(default_factory=dict)
    recent_size: int = 20  # tweets an author's recent-tweets item keeps
    # Recent-tweets items as they are, where they are not the newest `recent_size` (kept tweets deleted)
    recent_kept: dict[int, RecentTweets] = field(default_factory=dict)
    # What each viewer liked and retweeted, and its summaries (viewer, author) as the engagements table keeps them
    liked: set[tuple[int, int]] = field(default_factory=set)
    retweeted: set[tuple[int, int]] = field(default_factory=set)
    summaries: dict[tuple[int, int], AuthorSummary] = field(default_factory=dict)
    contents_reads: int = 0  # page_contents calls: one round trip each
    summaries_asked: list[set[int]] = field(default_factory=list)  # each page_contents call's summaries_of

    @property
    def users(self) -> MemoryUsers:
        return MemoryUsers(self)

    @property
    def tweets(self) -> MemoryTweets:
        return MemoryTweets(self)

    @property
    def follows(self) -> MemoryStores:
        return self

    @property
    def timelines(self) -> MemoryStores:
        return self

    # follows
    def all_following(self, user_id: int) -> list[int]:
        return list(self.following.get(user_id, []))

    # timelines
    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        entries = sorted(self.entries.get(owner_id, {}).values(), key=lambda e: e.entry_id, reverse=True)
        return [e for e in entries if before is None or e.entry_id < before][:limit]

    def head(self, owner_id: int, limit: int) -> TimelineHead:
        return TimelineHead(self.activities.get(owner_id), self.newest(owner_id, None, limit))

    def page_contents(
        self,
        tweet_ids: Iterable[int],
        user_ids: Iterable[int],
        recent_of: Iterable[int],
        viewer: ViewerReads | None = None,
    ) -> PageContents:
        """Tweets and recent-tweets items read strongly consistent: a deleted tweet is in neither."""
        self.contents_reads += 1
        summaries: dict[int, AuthorSummary] = {}
        states: dict[int, ViewerState] = {}
        if viewer is not None:
            reader = viewer.viewer_id
            self.summaries_asked.append(set(viewer.summaries_of))
            summaries = {a: self.summaries[reader, a] for a in viewer.summaries_of if (reader, a) in self.summaries}
            states = {
                t: ViewerState(liked=(reader, t) in self.liked, retweeted=(reader, t) in self.retweeted)
                for t in viewer.states_of
            }
        recent = {}
        for author in recent_of:
            newest = sorted((t for t in self.tweets_by_id.values() if t.author_id == author), key=lambda t: -t.id)
            if author in self.recent_kept:
                recent[author] = self.recent_kept[author]
            elif newest:  # an author who never tweeted has no item
                recent[author] = RecentTweets(newest[: self.recent_size], has_older=len(newest) > self.recent_size)
        return PageContents(
            tweets=self.tweets.get_many(tweet_ids),
            users=self.users.get_many(user_ids),
            recent=recent,
            summaries=summaries,
            states=states,
        )

    def write(self, owner_ids: Sequence[int], entries: Sequence[TimelineEntry], expires_at: int) -> None:
        for owner in owner_ids:
            self.entries.setdefault(owner, {}).update({e.entry_id: e for e in entries})

    def activity(self, owner_ids: Iterable[int]) -> dict[int, TimelineActivity]:
        return {owner: self.activities[owner] for owner in owner_ids if owner in self.activities}

    def record_activity(self, owner_id: int, activity: TimelineActivity) -> None:
        """Like the repository: the times are set, the pulls and the engaged authors left as they are."""
        known = self.activities.get(owner_id)
        if known is None:
            self.activities[owner_id] = activity
        else:
            self.activities[owner_id] = replace(activity, pulls=known.pulls, engaged=known.engaged)


@dataclass(frozen=True)
class MemoryUsers:
    memory: MemoryStores

    def get_many(self, ids: Iterable[int]) -> dict[int, User]:
        return {i: self.memory.users_by_id[i] for i in ids if i in self.memory.users_by_id}


@dataclass(frozen=True)
class MemoryTweets:
    memory: MemoryStores

    def get_many(self, ids: Iterable[int]) -> dict[int, Tweet]:
        """Strongly consistent, like BatchGetItem with ConsistentRead: a deleted tweet is gone."""
        return {i: self.memory.tweets_by_id[i] for i in ids if i in self.memory.tweets_by_id}

    def by_author(self, author_id: int, page: PageRequest) -> Page[Tweet]:
        """From the author index, which may still hold deleted tweets."""
        indexed = {**self.memory.tweets_by_id, **self.memory.index_lag}.values()
        newest = sorted(
            (t for t in indexed if t.author_id == author_id and (page.before is None or t.id < page.before)),
            key=lambda t: t.id,
            reverse=True,
        )
        return Page(items=newest[: page.limit], next_cursor="more" if len(newest) > page.limit else None)

    def live_ids(self, author_id: int, page: PageRequest) -> Page[int]:
        """From author_tweets, read consistently: a deleted tweet is gone at once."""
        stored = self.memory.tweets_by_id.values()
        newest = sorted(
            (t.id for t in stored if t.author_id == author_id and (page.before is None or t.id < page.before)),
            reverse=True,
        )
        return Page(items=newest[: page.limit], next_cursor="more" if len(newest) > page.limit else None)


READER, ORDINARY, CELEBRITY = 1, 2, 3


def world(tweets_by_author: dict[int, list[int]], celebrity_tweets: list[int]) -> MemoryStores:
    """A reader following an ordinary author (pushed) and a celebrity (pulled), active just now."""
    memory = MemoryStores(
        users_by_id={i: User(id=i, username=f"user{i}", name=f"User {i}", created_at_ms=0) for i in range(1, 4)},
        following={READER: [ORDINARY, CELEBRITY]},
        activities={READER: TimelineActivity(NOW_MS, NOW_MS, pulls=frozenset({CELEBRITY}))},
    )
    for author, ids in tweets_by_author.items():
        for tweet_id in ids:
            memory.tweets_by_id[tweet_id] = tweet(tweet_id, author)
            memory.write([READER], [entry(tweet_id, author)], 0)
    for tweet_id in celebrity_tweets:
        memory.tweets_by_id[tweet_id] = tweet(tweet_id, CELEBRITY)
    return memory


def read_all(memory: MemoryStores, settings: TimelineSettings, limit: int) -> list[list[int]]:
    pages: list[list[int]] = []
    request = PageRequest(limit=limit)
    while True:
        page = home_timeline_page(cast(TimelineStores, memory), settings, READER, request, now_ms=NOW_MS)
        pages.append([item.original.tweet.id for item in page.items])
        if page.next_cursor is None:
            return pages
        before, served = decode_cursor(page.next_cursor)
        request = replace(request, before=before, served=served)


def test_pages_merge_pushed_and_pulled_tweets_down_to_the_oldest() -> None:
    # Given a reader with pushed tweets 10, 30, 50 and a celebrity's tweets 20, 40 to pull
    memory = world({ORDINARY: [10, 30, 50]}, celebrity_tweets=[20, 40])
    # When it walks its timeline two at a time
    pages = read_all(memory, TimelineSettings(timeline_strategy="hybrid"), limit=2)
    # Then it gets every tweet once, newest first
    assert pages == [[50, 40], [30, 20], [10]]


def test_pages_stop_at_the_cap_counting_what_earlier_pages_served() -> None:
    # Given a reader with 5 pushed and 2 pulled tweets, and a cap of 4
    memory = world({ORDINARY: [10, 30, 50, 60, 70]}, celebrity_tweets=[20, 40])
    # When it walks its timeline three at a time
    pages = read_all(memory, TimelineSettings(timeline_max_entries=4), limit=3)
    # Then the cap cuts the second page short and ends the walk
    assert pages == [[70, 60, 50], [40]]


def test_a_celebritys_deleted_tweet_is_not_served_while_the_index_lags() -> None:
    # Given a celebrity whose just-deleted tweet 40 is still in the (lagging) author index
    memory = world({ORDINARY: [10]}, celebrity_tweets=[20])
    memory.index_lag[40] = tweet(40, CELEBRITY)
    # When the reader reads its timeline
    pages = read_all(memory, TimelineSettings(), limit=10)
    # Then the deleted tweet is not served
    assert pages == [[20, 10]]


def test_a_celebrity_whose_kept_tweets_were_all_deleted_is_queried_without_its_deleted_tweets() -> None:
    # Given a celebrity whose recent-tweets item lost every kept tweet (deleted: 40 still lags in the
    # author index) while an older one (20) exists below what the item kept
    memory = world({ORDINARY: [10]}, celebrity_tweets=[20])
    memory.index_lag[40] = tweet(40, CELEBRITY)
    memory.recent_kept[CELEBRITY] = RecentTweets(tweets=[], has_older=True)
    # When the reader reads its timeline
    pages = read_all(memory, TimelineSettings(), limit=10)
    # Then the older tweet is found by querying the author, and the deleted one is not served
    assert pages == [[20, 10]]


def test_a_first_page_pulls_a_celebritys_tweets_from_its_recent_tweets_item() -> None:
    # Given a celebrity with more tweets than its recent-tweets item keeps
    memory = world({ORDINARY: [10]}, celebrity_tweets=[20, 30, 40, 50])
    memory.recent_size = 2
    # When the reader walks its timeline
    pages = read_all(memory, TimelineSettings(), limit=10)
    # Then the first page stops where the item stops (50, 40), and the next page carries on below it
    assert pages == [[50, 40], [30, 20, 10]]


def test_a_later_page_of_a_celebritys_deleted_tweets_does_not_end_the_timeline() -> None:
    # Given a celebrity whose deleted tweet 50 is still in the lagging author index, below the first page
    memory = world({ORDINARY: [10, 60]}, celebrity_tweets=[20])
    memory.index_lag[50] = tweet(50, CELEBRITY)
    # When the reader walks its timeline one entry at a time (later pages query the author index)
    pages = read_all(memory, TimelineSettings(), limit=1)
    # Then the page the deleted tweet filled is empty but carries a cursor, and the walk reaches the oldest
    assert pages == [[60], [], [20], [10]]


def test_a_page_of_deleted_pushed_entries_does_not_end_the_timeline() -> None:
    # Given a reader whose two newest pushed entries point to deleted tweets (fan-out has not removed them yet)
    memory = world({ORDINARY: [10, 30, 50]}, celebrity_tweets=[])
    del memory.tweets_by_id[50], memory.tweets_by_id[30]
    # When it walks its timeline one entry at a time
    pages = read_all(memory, TimelineSettings(), limit=1)
    # Then the page the deleted entries filled is empty but carries a cursor, and the walk reaches the oldest
    assert pages == [[], [10]]


def test_a_returning_readers_activity_record_notes_the_rebuild() -> None:
    # Given a reader last seen 31 days ago
    memory = world({ORDINARY: [10]}, celebrity_tweets=[20])
    memory.activities[READER] = TimelineActivity(NOW_MS - 31 * DAY_MS, NOW_MS - 40 * DAY_MS, frozenset({CELEBRITY}))
    # When it reads again (its timeline is rebuilt)
    read_all(memory, TimelineSettings(), limit=10)
    # Then its record says it was seen and rebuilt now (the hourly refresh does not write the stale rebuild time
    # back), and still lists whom it pulls
    assert memory.activities[READER] == TimelineActivity(NOW_MS, NOW_MS, frozenset({CELEBRITY}))


@dataclass
class CountingEntries(MemoryStores):
    """Counts the pushed entries asked of the owner's timeline partition."""

    entries_asked: int = 0

    def head(self, owner_id: int, limit: int) -> TimelineHead:
        self.entries_asked += limit
        return super().head(owner_id, limit)

    def newest(self, owner_id: int, before: int | None, limit: int) -> list[TimelineEntry]:
        self.entries_asked += limit
        return super().newest(owner_id, before, limit)


def test_under_pull_the_read_pulls_every_followee_and_reads_no_pushed_entries() -> None:
    # Given a reader following an ordinary author and a celebrity, with a stale pushed entry of someone it
    # no longer follows (4), under the pull strategy
    memory = CountingEntries(
        users_by_id={i: User(id=i, username=f"user{i}", name=f"User {i}", created_at_ms=0) for i in range(1, 5)},
        tweets_by_id={10: tweet(10, ORDINARY), 20: tweet(20, CELEBRITY), 30: tweet(30, READER), 40: tweet(40, 4)},
        following={READER: [ORDINARY, CELEBRITY]},
        activities={READER: TimelineActivity(NOW_MS, NOW_MS)},
    )
    memory.write([READER], [entry(40, 4)], 0)
    # When it walks its timeline
    pages = read_all(memory, TimelineSettings(timeline_strategy="pull"), limit=2)
    # Then it is served its own and its followees' tweets, pulled, and no pushed entry is ever asked for
    assert pages == [[30, 20], [10]]
    assert memory.entries_asked == 0


def test_a_reader_who_never_read_gets_a_rebuild_without_the_celebrities_it_pulls() -> None:
    # Given a reader who never read, whose activity record so far only lists the celebrity it follows
    # (a follow of a celebrity creates it), following an ordinary author too
    memory = world({}, celebrity_tweets=[20])
    memory.tweets_by_id[10] = tweet(10, ORDINARY)
    memory.activities[READER] = TimelineActivity(0, 0, frozenset({CELEBRITY}))
    # When it reads for the first time
    pages = read_all(memory, TimelineSettings(), limit=10)
    # Then its timeline is rebuilt from the ordinary author only, and the celebrity's tweet is pulled, shown once
    assert pages == [[20, 10]]
    assert sorted(memory.entries[READER]) == [10]


@pytest.mark.parametrize("strategy", ["pull", "hybrid"])
def test_a_read_pulling_more_authors_than_the_io_pool_has_threads_completes(strategy: str) -> None:
    # Given a reader following (and, under hybrid, pulling) 60 authors with a tweet each: more authors
    # than the I/O pool has threads
    authors = list(range(100, 160))
    memory = MemoryStores(
        users_by_id={i: User(id=i, username=f"user{i}", name=f"User {i}", created_at_ms=0) for i in [READER, *authors]},
        tweets_by_id={1000 + a: tweet(1000 + a, a) for a in authors},
        following={READER: authors},
        activities={READER: TimelineActivity(NOW_MS, NOW_MS, pulls=frozenset(authors))},
    )
    pages: list[list[list[int]]] = []
    # When it walks its timeline (every page past the first queries each pulled author; pull does on every page)
    walker = threading.Thread(
        target=lambda: pages.append(read_all(memory, TimelineSettings(timeline_strategy=strategy), 25))
    )
    walker.start()
    walker.join(timeout=20)
    # Then the walk ends (no pooled call waits on a call queued behind it), with every tweet once
    assert not walker.is_alive(), "the read is stuck"
    assert sorted(i for page in pages[0] for i in page) == [1000 + a for a in authors]


# ---------------------------------------------------------------- retweets, quotes, replies, the reader's state


def first_page(memory: MemoryStores, limit: int = 10) -> Sequence[ShownTweet]:
    return home_timeline_page(
        cast(TimelineStores, memory), TimelineSettings(), READER, PageRequest(limit), NOW_MS
    ).items


def test_a_pushed_retweet_shows_its_original_inside_the_retweeters_retweet() -> None:
    # Given the ordinary author's retweet (entry 60) of the celebrity's tweet 20, pushed to the reader
    memory = world({}, celebrity_tweets=[20])
    memory.recent_kept[CELEBRITY] = RecentTweets(tweets=[], has_older=False)  # nothing of it pulled
    memory.tweets_by_id[60] = retweet(60, ORDINARY, memory.tweets_by_id[20])
    memory.write([READER], [entry(20, CELEBRITY, entry_id=60, via_id=ORDINARY)], 0)
    # When the reader reads its timeline
    (shown,) = first_page(memory)
    # Then it sees the ordinary author's retweet (id 60) of the celebrity's tweet, in two round trips
    assert (shown.tweet.id, shown.author.id, shown.tweet.retweet_of) == (60, ORDINARY, 20)
    assert shown.retweeted is not None
    assert (shown.retweeted.tweet.id, shown.retweeted.author.id) == (20, CELEBRITY)
    assert memory.contents_reads == 1


def test_a_pulled_celebritys_retweet_reads_its_original_in_a_third_round_trip() -> None:
    # Given a celebrity whose newest tweet (50) retweets the ordinary author's tweet 10, not in the reader's timeline
    memory = world({}, celebrity_tweets=[])
    memory.tweets_by_id[10] = tweet(10, ORDINARY)
    memory.tweets_by_id[50] = replace(tweet(50, CELEBRITY), text="", retweet_of=10, retweet_of_author=ORDINARY)
    # When the reader reads its timeline
    (shown,) = first_page(memory)
    # Then it shows the retweet with the original's text and author, read in one more round trip
    assert shown.retweeted is not None
    assert (shown.tweet.id, shown.retweeted.tweet.text, shown.retweeted.author.id) == (50, "tweet 10", ORDINARY)
    assert memory.contents_reads == 2


def test_a_pulled_retweet_whose_original_was_deleted_is_left_out() -> None:
    # Given a celebrity's retweet (50) of a tweet deleted since, and a pushed tweet
    memory = world({ORDINARY: [30]}, celebrity_tweets=[])
    memory.tweets_by_id[50] = replace(tweet(50, CELEBRITY), text="", retweet_of=10, retweet_of_author=ORDINARY)
    # When the reader reads its timeline
    # Then only the pushed tweet is shown
    assert [item.original.tweet.id for item in first_page(memory)] == [30]


def test_a_pushed_quote_embeds_the_quoted_tweet_read_in_the_same_round_trip() -> None:
    # Given the ordinary author's quote (30) of the celebrity's tweet 20, pushed with the quoted ids in its entry
    memory = world({}, celebrity_tweets=[20])
    memory.recent_kept[CELEBRITY] = RecentTweets(tweets=[], has_older=False)
    memory.tweets_by_id[30] = replace(tweet(30, ORDINARY), quoted_tweet_id=20, quoted_author_id=CELEBRITY)
    memory.write([READER], [TimelineEntry(30, 30, ORDINARY, quoted_id=20, quoted_author_id=CELEBRITY)], 0)
    # When the reader reads its timeline
    (shown,) = first_page(memory)
    # Then the quote embeds the quoted tweet and its author, without a third round trip
    assert shown.quoted is not None
    assert (shown.quoted.tweet.id, shown.quoted.author.id) == (20, CELEBRITY)
    assert memory.contents_reads == 1


def test_a_quote_of_a_deleted_tweet_shows_without_it() -> None:
    # Given a pushed quote of a tweet deleted since
    memory = world({}, celebrity_tweets=[])
    memory.tweets_by_id[30] = replace(tweet(30, ORDINARY), quoted_tweet_id=20, quoted_author_id=CELEBRITY)
    memory.write([READER], [TimelineEntry(30, 30, ORDINARY, quoted_id=20, quoted_author_id=CELEBRITY)], 0)
    # When the reader reads its timeline
    (shown,) = first_page(memory)
    # Then the quote is shown, with nothing embedded
    assert (shown.tweet.id, shown.quoted) == (30, None)


@pytest.mark.parametrize(
    ("replied_to", "shown"),
    [(READER, True), (CELEBRITY, True), (ORDINARY, False), (4, False)],
)
def test_a_pulled_reply_shows_only_if_it_answers_the_reader_or_the_author_or_another_pulled_author(
    replied_to: int, shown: bool
) -> None:
    # Given a celebrity's reply (40) to someone's tweet
    memory = world({}, celebrity_tweets=[])
    memory.tweets_by_id[40] = replace(tweet(40, CELEBRITY), in_reply_to_tweet_id=5, in_reply_to_user_id=replied_to)
    # When the reader reads its timeline
    # Then the reply shows when the reader is sure to follow both ends (itself; a self-reply; a pulled author)
    assert [item.tweet.id for item in first_page(memory)] == ([40] if shown else [])


def summarise(memory: MemoryStores, summary: AuthorSummary) -> None:
    """The reader's summary of an author, and the author listed on its activity record, as a like writes them."""
    memory.summaries[READER, summary.author_id] = summary
    activity = memory.activities[READER]
    memory.activities[READER] = replace(activity, engaged=activity.engaged | {summary.author_id})


def test_the_readers_state_comes_from_its_summaries_of_the_pages_authors() -> None:
    # Given a reader who liked the ordinary author's tweet 30 and retweeted the celebrity's 20 (its summaries say so)
    memory = world({ORDINARY: [10, 30]}, celebrity_tweets=[20])
    summarise(memory, AuthorSummary(ORDINARY, liked=frozenset({30})))
    summarise(memory, AuthorSummary(CELEBRITY, retweeted=frozenset({20})))
    # When the reader reads its timeline
    states = {item.tweet.id: item.viewer for item in first_page(memory)}
    # Then each tweet shows what the reader did to it, in two round trips
    assert states == {
        30: ViewerState(liked=True),
        20: ViewerState(retweeted=True),
        10: ViewerState(),
    }
    assert memory.contents_reads == 1


def test_a_page_asks_only_for_the_summaries_of_the_authors_the_reader_engaged_with() -> None:
    # Given a reader who liked a tweet of the celebrity's, and nothing of the ordinary author's
    memory = world({ORDINARY: [10, 30]}, celebrity_tweets=[20])
    summarise(memory, AuthorSummary(CELEBRITY, liked=frozenset({20})))
    # When the reader reads its timeline
    states = {item.tweet.id: item.viewer for item in first_page(memory)}
    # Then the page asked for the celebrity's summary only, and still shows every state, in two round trips
    assert memory.summaries_asked == [{CELEBRITY}]
    assert states == {30: ViewerState(), 20: ViewerState(liked=True), 10: ViewerState()}
    assert memory.contents_reads == 1


def test_a_tweet_older_than_what_a_summary_keeps_reads_the_readers_edges() -> None:
    # Given a summary exact only from tweet 25 up, and a like of the older tweet 10
    memory = world({ORDINARY: [10, 30]}, celebrity_tweets=[])
    summarise(memory, AuthorSummary(ORDINARY, liked=frozenset({30}), complete_from=25))
    memory.liked.add((READER, 10))
    # When the reader reads its timeline
    states = {item.tweet.id: item.viewer for item in first_page(memory)}
    # Then both likes show: the older one from the edge, read in a third round trip
    assert states == {30: ViewerState(liked=True), 10: ViewerState(liked=True)}
    assert memory.contents_reads == 2


def test_a_rebuild_leaves_out_replies_to_people_the_reader_does_not_follow() -> None:
    # Given a returning reader following the ordinary author, who replied to the reader, to user 4 (not
    # followed) and to itself; and the reader's own reply to user 4
    memory = world({}, celebrity_tweets=[])
    memory.users_by_id[4] = User(id=4, username="user4", name="User 4", created_at_ms=0)
    memory.activities[READER] = TimelineActivity(0, 0, frozenset({CELEBRITY}))
    for tweet_id, author, replied_to in [
        (10, ORDINARY, READER),
        (20, ORDINARY, 4),
        (30, ORDINARY, ORDINARY),
        (40, READER, 4),
    ]:
        memory.tweets_by_id[tweet_id] = replace(
            tweet(tweet_id, author), in_reply_to_tweet_id=1, in_reply_to_user_id=replied_to
        )
    # When it reads (its timeline is rebuilt)
    read = [item.tweet.id for item in first_page(memory)]
    # Then the reply to user 4 by someone else is left out
    assert read == [40, 30, 10]
