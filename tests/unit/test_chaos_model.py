"""bench/chaos_model.py: what `make chaos` expects of each derived state, and how it counts what it finds."""

from __future__ import annotations

from bench.chaos_model import (
    Entry,
    FollowPeriod,
    Tally,
    compare_counters,
    compare_home,
    compare_notifications,
    compare_occurrences,
    expected_home,
    notification_counts,
)


def post(entry_id: int, bringer: str, at: float, original: int | None = None, live: bool = True) -> Entry:
    return Entry(entry_id, original or entry_id, bringer, sent=at, answered=at + 0.1, live=live)


def test_a_followees_posts_after_the_follow_are_required_and_its_older_ones_only_within_the_backfill() -> None:
    # Given bob posted 5 tweets before ann followed him (at t=10) and 2 after
    bob = [post(i, "bob", float(i)) for i in range(1, 6)] + [post(20, "bob", 20.0), post(21, "bob", 21.0)]
    # When ann's timeline is expected with a backfill of 4
    required, possible = expected_home("ann", {"bob": bob}, {"bob": FollowPeriod(10.0, 10.5)}, backfill=4)
    # Then the posts after the follow are required, and of the older ones only the newest 4 - 2 (the 2 later
    # posts may have taken backfill slots, depending on when the backfill ran); every one of bob's is possible
    assert required == {20, 21, 5, 4}
    assert possible == {1, 2, 3, 4, 5, 20, 21}


def test_a_post_racing_the_follow_is_possible_but_not_required() -> None:
    # Given bob's post was sent while ann's follow was in flight
    bob = [post(7, "bob", 10.2)]
    # When ann's timeline is expected (backfill 0: nothing older is required)
    required, possible = expected_home("ann", {"bob": bob}, {"bob": FollowPeriod(10.0, 10.5)}, backfill=0)
    # Then it may or may not be there
    assert required == set()
    assert possible == {7}


def test_own_entries_and_live_retweets_count_by_their_original_and_undone_retweets_not_at_all() -> None:
    # Given ann posted 1, retweeted 50 (live) and 60 (undone); bob (not followed) posted 70
    entries = {
        "ann": [post(1, "ann", 1.0), post(2, "ann", 2.0, original=50), post(3, "ann", 3.0, original=60, live=False)],
        "bob": [post(70, "bob", 4.0)],
    }
    # When her timeline is expected
    required, possible = expected_home("ann", entries, {}, backfill=20)
    # Then her tweet and the live retweet's original are, nothing else
    assert required == possible == {1, 50}


def test_compare_home_counts_lost_duplicated_wrong_and_tolerated() -> None:
    # Given 1 and 2 required, 3 possible only
    tally = Tally("home timelines")
    # When one page showed 1 twice (two entries), 3, and 9 (not possible), and not 2
    compare_home(tally, "ann", [[(11, 1), (3, 3), (1, 1), (9, 9)]], required={1, 2}, possible={1, 2, 3})
    # Then
    assert (tally.expected, tally.found, tally.lost, tally.duplicated, tally.wrong, tally.tolerated) == (
        2,
        3,
        1,
        1,
        1,
        1,
    )
    assert not tally.clean


def test_compare_home_tolerates_an_original_a_later_page_shows_again_and_flags_an_entry_shown_twice() -> None:
    # Given 1 and 3 required
    again, twice = Tally("home timelines"), Tally("home timelines")
    # When a retweet (11) of 1 is on the first page and 1 itself on the second
    compare_home(again, "ann", [[(11, 1), (3, 3)], [(1, 1)]], required={1, 3}, possible={1, 3})
    # And when one entry comes on both pages (a cursor that went back)
    compare_home(twice, "ann", [[(11, 1), (3, 3)], [(3, 3)]], required={1, 3}, possible={1, 3})
    # Then the first is clean, its repeat counted apart; the second is a duplicate
    assert (again.duplicated, again.again, again.clean) == (0, 1, True)
    assert (twice.duplicated, twice.again, twice.clean) == (1, 0, False)


def test_compare_counters_splits_short_and_over_and_a_missing_counter_is_all_lost() -> None:
    tally = Tally("counts")
    compare_counters(tally, {"a": 3, "b": 1, "c": 2, "d": 4}, {"a": 3, "b": 2, "c": 0})
    assert (tally.lost, tally.duplicated) == (2 + 4, 1)
    assert tally.expected == 10 and tally.found == 5


def test_compare_occurrences_finds_missing_doubled_and_other_ids() -> None:
    tally = Tally("search")
    compare_occurrences(tally, {"t1": 1, "t2": 2, "t3": 3, "t4": 4}, {"t1": [1], "t2": [2, 22], "t4": [44]})
    assert (tally.lost, tally.duplicated, tally.wrong) == (1, 1, 2)  # t3; t2 twice; t2's 22 and t4's 44


def test_notifications_group_likes_retweets_and_follows_by_actor_and_never_count_ones_own() -> None:
    # Given bob liked ann's tweet 5 twice (a like, unlike, like), cat once, ann herself once; dan followed ann,
    # ann mentioned bob in 6 and herself in 7
    expected = notification_counts(
        likes=[("bob", 5, "ann", [1]), ("bob", 5, "ann", [1]), ("cat", 5, "ann", [1]), ("ann", 5, "ann", [1])],
        retweets=[("cat", 5, "ann", [1])],
        follows=[("dan", "ann", [1, 2]), ("eve", "ann", [2])],
        mentions=[("ann", 6, "bob"), ("ann", 7, "ann")],
    )
    # Then each group counts its distinct actors, at most once per window each may have acted in (dan's follow
    # may fall in either of two windows), and one's own actions notify no one
    assert expected == {"ann|like|5": (2, 2), "ann|retweet|5": (1, 1), "ann|follow|": (2, 3), "bob|mention|6": (1, 1)}


def test_compare_notifications_adds_up_a_group_split_across_windows_and_flags_the_unexpected() -> None:
    tally = Tally("notifications")
    expected = {"ann|like|5": (3, 3), "ann|follow|": (2, 2), "bob|mention|6": (1, 1), "ann|retweet|5": (1, 2)}
    found = {
        "ann|like|5": [2, 1],
        "ann|follow|": [3],
        "bob|mention|6": [1, 1],
        "cat|like|9": [1],
        "ann|retweet|5": [1, 1],
    }
    compare_notifications(tally, expected, found)
    # like: 2 + 1 = 3 (two windows); follow: one over; mention: listed twice; cat's: not expected; the retweeter
    # counted in two windows it may have acted in: tolerated
    assert (tally.lost, tally.duplicated, tally.wrong, tally.tolerated) == (0, 1 + 1, 1, 1)
