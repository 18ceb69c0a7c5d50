"""What each upstream change asks of whose timelines (chirp.timelines.fanout): who is fanned out, and
when an author is promoted to or demoted from celebrity (with hysteresis)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import pytest
from chirp.pages import Page, PageRequest
from chirp.timelines.changes import TimelineChange
from chirp.timelines.fanout import (
    fan_out_deleted,
    fan_out_posted,
    is_fanned_out,
    on_followed,
    on_follower_count,
    on_unfollowed,
)
from chirp.timelines.models import TimelineEntry
from chirp.timelines.settings import TimelineSettings
from chirp.timelines.stores import TimelineStores
from chirp.tweets.models import Tweet
from chirp.users.models import PublicMetrics, User

AUTHOR = 7


def user(celebrity: bool, followers: int = 0) -> User:
    return User(
        id=AUTHOR,
        username="author",
        name="Author",
        created_at_ms=0,
        celebrity=celebrity,
        metrics=PublicMetrics(followers_count=followers),
    )


@dataclass
class RecordingStores:
    """An author with followers and tweets; records what the fan-out changes and publishes."""

    author: User
    follower_ids: list[int] = field(default_factory=list)
    tweet_ids: list[int] = field(default_factory=list)
    celebrity_set: list[bool] = field(default_factory=list)
    published: list[TimelineChange] = field(default_factory=list)
    trimmed: list[tuple[int, int, int]] = field(default_factory=list)
    pulling: list[tuple[list[int], int]] = field(default_factory=list)

    @property
    def stores(self) -> TimelineStores:
        """This partial fake as the stores the fan-out takes (it implements only what the fan-out calls)."""
        return cast(TimelineStores, self)

    @property
    def users(self) -> RecordingStores:
        return self

    @property
    def follows(self) -> RecordingStores:
        return self

    @property
    def tweets(self) -> RecordingStores:
        return self

    @property
    def timelines(self) -> RecordingStores:
        return self

    def get(self, user_id: int) -> User | None:
        return self.author if user_id == self.author.id else None

    def set_celebrity(self, user_id: int, celebrity: bool) -> None:
        self.celebrity_set.append(celebrity)

    def follower_id_chunks(self, user_id: int, size: int) -> Iterator[list[int]]:
        for start in range(0, len(self.follower_ids), size):
            yield self.follower_ids[start : start + size]

    def by_author(self, author_id: int, page: PageRequest) -> Page[Tweet]:
        newest = sorted(self.tweet_ids, reverse=True)[: page.limit]
        return Page(
            items=[Tweet(id=i, author_id=author_id, text="t", created_at_ms=0) for i in newest], next_cursor=None
        )

    def trim_recent(self, author_id: int, keep: int, slack: int) -> int:
        self.trimmed.append((author_id, keep, slack))
        return 0

    def publish(self, changes: Sequence[TimelineChange]) -> None:
        self.published.extend(changes)

    def start_pulling(self, owner_ids: Sequence[int], author_id: int) -> None:
        self.pulling.append((list(owner_ids), author_id))


@pytest.mark.parametrize(
    ("strategy", "celebrity", "fanned_out"),
    [
        ("hybrid", False, True),
        ("hybrid", True, False),
        ("push", True, True),
        ("pull", False, False),
    ],
)
def test_is_fanned_out_by_strategy_and_celebrity(strategy: str, celebrity: bool, fanned_out: bool) -> None:
    # Given an author and a strategy
    # Then it is pushed to followers unless pulled (a celebrity under hybrid, anyone under pull)
    assert is_fanned_out(user(celebrity), TimelineSettings(timeline_strategy=strategy)) is fanned_out


@pytest.mark.parametrize("strategy", ["hybrid", "push", "pull"])
def test_every_post_trims_its_authors_recent_tweets(strategy: str) -> None:
    # Given an author, under any strategy (the posting transaction adds to the recent tweets under every one)
    stores = RecordingStores(user(celebrity=False), follower_ids=[1])
    # When it posts
    fan_out_posted(
        stores.stores,
        stores,
        TimelineSettings(timeline_strategy=strategy, recent_tweets_kept=7),
        TimelineEntry(100, 100, AUTHOR),
    )
    # Then its recent-tweets item is trimmed back to the number kept
    assert stores.trimmed == [(AUTHOR, 7, TimelineSettings().recent_tweets_slack)]


def test_a_post_reaches_every_follower_once_in_chunks() -> None:
    # Given an ordinary author with 5 followers, and 2 owners per message
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2, 3, 4, 5])
    entry = TimelineEntry(100, 100, AUTHOR)
    # When it posts
    sent = fan_out_posted(stores.stores, stores, TimelineSettings(fanout_owners_per_message=2), entry)
    # Then adds of the entry, at most 2 owners each, reach every follower exactly once: 4 messages, the
    # author's own first (so the writer trims its timeline too), then 3 for the 5 followers
    assert sent == len(stores.published) == 4
    assert all(change.op == "add" and [m.to_entry() for m in change.entries] == [entry] for change in stores.published)
    assert all(len(change.owners) <= 2 for change in stores.published)
    assert stores.published[0].owners == [AUTHOR]
    owners = [owner for change in stores.published for owner in change.owners]
    assert sorted(owners) == [1, 2, 3, 4, 5, AUTHOR]


def test_a_celebritys_post_reaches_none_of_its_followers() -> None:
    # Given a celebrity with followers
    stores = RecordingStores(user(celebrity=True), follower_ids=[1, 2, 3])
    entry = TimelineEntry(100, 100, AUTHOR)
    # When it posts
    sent = fan_out_posted(stores.stores, stores, TimelineSettings(), entry)
    # Then no change is addressed to any follower (they pull it at read time): the one message, whatever the
    # number of followers, is the author's own (so the writer trims the author's timeline)
    assert not {owner for change in stores.published for owner in change.owners} & set(stores.follower_ids)
    assert sent == 1
    assert [(c.op, c.owners, [m.to_entry() for m in c.entries]) for c in stores.published] == [
        ("add", [AUTHOR], [entry])
    ]


def test_under_pull_a_post_is_fanned_out_to_nobody() -> None:
    # Given the pull strategy and an ordinary author with followers
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2, 3])
    # When it posts
    sent = fan_out_posted(
        stores.stores, stores, TimelineSettings(timeline_strategy="pull"), TimelineEntry(100, 100, AUTHOR)
    )
    # Then nothing is published, not even to the author (pull reads no pushed entries)
    assert sent == 0
    assert stores.published == []


@pytest.mark.parametrize(
    ("celebrity", "followers", "outcome"),
    [
        (False, 2, None),  # below the threshold
        (False, 3, "promoted"),  # at the threshold
        (False, 4, "promoted"),
        (True, 3, None),  # still at the threshold
        (True, 2, None),  # between the floor (2) and the threshold: no flapping
        (True, 1, "demoted"),  # below the floor
    ],
)
def test_celebrity_status_changes_with_hysteresis(celebrity: bool, followers: int, outcome: str | None) -> None:
    # Given a threshold of 3 (so a floor of 2) and an author with that many followers
    stores = RecordingStores(user(celebrity), follower_ids=list(range(1, followers + 1)), tweet_ids=[100, 200])
    settings = TimelineSettings(celebrity_threshold=3)
    # When its follower count is seen by the fan-out
    result = on_follower_count(
        stores.stores, stores, settings, user_id=AUTHOR, followers_count=followers, celebrity=celebrity
    )
    # Then it is promoted at the threshold, demoted only below the floor, left alone in between
    assert result == outcome
    assert stores.celebrity_set == ([] if outcome is None else [outcome == "promoted"])


def test_promotion_marks_every_followers_edge() -> None:
    # Given an author reaching the threshold of 3
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2, 3])
    # When promoted
    on_follower_count(
        stores.stores,
        stores,
        TimelineSettings(celebrity_threshold=3),
        user_id=AUTHOR,
        followers_count=3,
        celebrity=False,
    )
    # Then its followers' edges are marked as pulled
    assert [(c.op, c.owners, c.author_id, c.celebrity) for c in stores.published] == [
        ("mark_celebrity", [1, 2, 3], AUTHOR, True)
    ]


def test_demotion_pushes_recent_tweets_before_unmarking_the_edges() -> None:
    # Given a celebrity with one follower left (floor 2) and two tweets
    stores = RecordingStores(user(celebrity=True), follower_ids=[1], tweet_ids=[100, 200])
    # When demoted
    on_follower_count(
        stores.stores,
        stores,
        TimelineSettings(celebrity_threshold=3),
        user_id=AUTHOR,
        followers_count=1,
        celebrity=True,
    )
    # Then its recent tweets are pushed to the follower, then the edge is unmarked
    add, unmark = stores.published
    assert (add.op, add.owners, [e.tweet_id for e in add.entries]) == ("add", [1], [200, 100])
    assert (unmark.op, unmark.owners, unmark.celebrity) == ("mark_celebrity", [1], False)


def test_an_explicit_demotion_floor_wins_over_ninety_percent() -> None:
    # Given threshold 10 with CELEBRITY_DEMOTE_BELOW=5, and a celebrity down to 8 then 4 followers
    settings = TimelineSettings(celebrity_threshold=10, celebrity_demote_below=5)
    stores = RecordingStores(user(celebrity=True), follower_ids=[1])
    # Then it stays a celebrity at 8 (though below 90%) and is demoted at 4
    assert on_follower_count(stores.stores, stores, settings, user_id=AUTHOR, followers_count=8, celebrity=True) is None
    assert (
        on_follower_count(stores.stores, stores, settings, user_id=AUTHOR, followers_count=4, celebrity=True)
        == "demoted"
    )


@pytest.mark.parametrize("strategy", ["push", "pull"])
def test_only_the_hybrid_strategy_has_celebrities(strategy: str) -> None:
    # Given a strategy other than hybrid and an author far above the threshold
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2, 3])
    settings = TimelineSettings(timeline_strategy=strategy, celebrity_threshold=1)
    # Then nothing is promoted
    assert (
        on_follower_count(stores.stores, stores, settings, user_id=AUTHOR, followers_count=3, celebrity=False) is None
    )
    assert stores.published == [] and stores.celebrity_set == []


def test_the_follow_that_reaches_the_threshold_promotes_the_followee_and_its_follower_pulls_it() -> None:
    # Given a threshold of 3 and an author whose third follower just followed (its count reads 3)
    stores = RecordingStores(user(celebrity=False, followers=3), follower_ids=[1, 2, 3], tweet_ids=[100])
    # When the fan-out sees that follow
    on_followed(stores.stores, stores, TimelineSettings(celebrity_threshold=3), follower_id=3, followee_id=AUTHOR)
    # Then the author is promoted (every follower's edge marked), and the new follower pulls it rather than
    # getting its tweets pushed
    assert stores.celebrity_set == [True]
    assert [(c.op, c.owners, c.celebrity) for c in stores.published] == [("mark_celebrity", [1, 2, 3], True)]
    assert stores.pulling == [([3], AUTHOR)]


def test_a_follow_below_the_threshold_backfills_the_followees_recent_tweets() -> None:
    # Given an ordinary author with two tweets and two followers
    stores = RecordingStores(user(celebrity=False, followers=2), follower_ids=[1, 2], tweet_ids=[100, 200])
    # When the second follower's follow is seen
    on_followed(stores.stores, stores, TimelineSettings(celebrity_threshold=3), follower_id=2, followee_id=AUTHOR)
    # Then no promotion, and the follower gets the recent tweets
    assert stores.celebrity_set == [] and stores.pulling == []
    assert [(c.op, c.owners, [e.tweet_id for e in c.entries]) for c in stores.published] == [("add", [2], [200, 100])]


def test_the_unfollow_that_takes_a_celebrity_below_the_floor_demotes_it() -> None:
    # Given a celebrity (threshold 3, floor 2) left with one follower by an unfollow
    stores = RecordingStores(user(celebrity=True, followers=1), follower_ids=[1], tweet_ids=[100])
    # When the fan-out sees the unfollow
    on_unfollowed(stores.stores, stores, TimelineSettings(celebrity_threshold=3), follower_id=2, followee_id=AUTHOR)
    # Then the unfollower's entries of it go, and it is demoted (its tweets pushed to the one follower left)
    assert [c.op for c in stores.published] == ["remove_author", "add", "mark_celebrity"]
    assert stores.published[0].owners == [2]
    assert stores.celebrity_set == [False]


def test_a_retweet_is_fanned_out_to_the_retweeters_followers_and_trims_the_retweeters_recent_tweets() -> None:
    # Given an ordinary retweeter with followers, retweeting (retweet 100) someone else's tweet 50
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2])
    entry = TimelineEntry(100, 50, author_id=99, via_id=AUTHOR)
    # When the retweet is fanned out
    fan_out_posted(stores.stores, stores, TimelineSettings(), entry)
    # Then the retweeter's followers (and the retweeter) get the entry, and the retweeter's recent tweets are trimmed
    assert sorted(owner for change in stores.published for owner in change.owners) == [1, 2, AUTHOR]
    assert all([m.to_entry() for m in change.entries] == [entry] for change in stores.published)
    assert [author for author, _, _ in stores.trimmed] == [AUTHOR]


def test_an_undone_retweet_is_removed_by_its_own_id_from_the_retweeters_followers() -> None:
    # Given an ordinary retweeter with followers
    stores = RecordingStores(user(celebrity=False), follower_ids=[1, 2])
    # When its retweet 100 of tweet 50 is undone
    fan_out_deleted(stores.stores, stores, TimelineSettings(), TimelineEntry(100, 50, author_id=99, via_id=AUTHOR))
    # Then the retweet's entry (not the original's) leaves the retweeter's and its followers' timelines
    assert [(c.op, c.entry_ids) for c in stores.published] == [("remove", [100])] * len(stores.published)
    assert sorted(owner for change in stores.published for owner in change.owners) == [1, 2, AUTHOR]
