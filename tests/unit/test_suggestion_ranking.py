"""Ranking who to follow (chirp.suggestions.ranking): second-degree candidates tallied and ranked, the
popular list kept, and what a viewer may be shown, as pure functions."""

from __future__ import annotations

from chirp.suggestions.models import Candidate
from chirp.suggestions.ranking import popular_changed, rank, shortlist, tally, with_followers_count

OWNER = 1


def ids(candidates: list[Candidate]) -> list[int]:
    return [candidate.user_id for candidate in candidates]


# ---------------------------------------------------------------- tally: who the followees follow


def test_candidates_are_ranked_by_how_many_followees_follow_them_naming_the_most_recent_two() -> None:
    # Given the owner follows 10, 11 and 12 (most recent first); all three follow 40, two follow 30
    walk = [(10, [30, 40]), (11, [40, 50]), (12, [30, 40])]
    # When
    tallied = tally(OWNER, walk, excluded={10, 11, 12})
    # Then 40 (3) comes before 30 (2) and 50 (1), each named with the first two followees reaching it
    assert [(c.user_id, c.followed_by_count, c.followed_by) for c in tallied] == [
        (40, 3, (10, 11)),
        (30, 2, (10, 12)),
        (50, 1, (11,)),
    ]


def test_the_owner_and_whom_the_owner_follows_are_never_candidates() -> None:
    # Given followees that follow the owner, each other, and someone the owner follows beyond the walk (99)
    walk = [(10, [OWNER, 11, 99, 30]), (11, [OWNER, 10, 30])]
    # When
    tallied = tally(OWNER, walk, excluded={10, 11, 99})
    # Then only 30 is a candidate
    assert ids(tallied) == [30]


def test_no_follows_means_no_candidates() -> None:
    # Then
    assert tally(OWNER, [], excluded=set()) == []


# ---------------------------------------------------------------- rank: ties and the gone


def test_ties_are_broken_by_followers_then_by_the_older_account() -> None:
    # Given four candidates each followed by one followee, and one followed by two
    candidates = [Candidate(30, 1), Candidate(31, 1), Candidate(32, 1), Candidate(33, 2), Candidate(34, 1)]
    counts = {30: 5, 31: 50, 32: 5, 33: 1, 34: 0}
    # When
    ranked = rank(candidates, counts, kept=10)
    # Then the followed-by count first, then the followers count, then the smaller (older) id
    assert ids(ranked) == [33, 31, 30, 32, 34]
    assert ranked[1].followers_count == 50


def test_a_candidate_without_a_followers_count_is_gone_and_left_out_and_at_most_kept_remain() -> None:
    # Given three candidates, one of which no longer exists
    candidates = [Candidate(30, 3), Candidate(31, 2), Candidate(32, 1)]
    # When
    ranked = rank(candidates, {30: 1, 32: 1}, kept=1)
    # Then
    assert ids(ranked) == [30]


# ---------------------------------------------------------------- the popular list


def test_a_followed_account_enters_the_popular_list_at_its_place() -> None:
    # Given a list of two
    popular = [Candidate(20, followers_count=9), Candidate(21, followers_count=3)]
    # When 22 is followed by its fifth follower
    updated = with_followers_count(popular, 22, 5, kept=50)
    # Then it sits between them
    assert ids(updated) == [20, 22, 21]
    assert popular_changed(popular, updated)


def test_a_full_popular_list_keeps_out_an_account_with_fewer_followers_than_its_last() -> None:
    # Given a full list of two
    popular = [Candidate(20, followers_count=9), Candidate(21, followers_count=3)]
    # When
    updated = with_followers_count(popular, 22, 2, kept=2)
    # Then nothing changed, and nothing is worth writing
    assert updated == popular
    assert not popular_changed(popular, updated)


def test_an_account_with_no_followers_left_or_gone_leaves_the_popular_list() -> None:
    # Given
    popular = [Candidate(20, followers_count=9), Candidate(21, followers_count=1)]
    # Then
    assert ids(with_followers_count(popular, 21, 0, kept=50)) == [20]
    assert ids(with_followers_count(popular, 20, None, kept=50)) == [21]


def test_popular_ties_go_to_the_older_account() -> None:
    # Given
    popular = [Candidate(25, followers_count=4)]
    # When
    updated = with_followers_count(popular, 21, 4, kept=50)
    # Then
    assert ids(updated) == [21, 25]


def test_a_count_that_moves_by_at_most_one_percent_without_reordering_is_not_worth_a_write() -> None:
    # Given a celebrity at 1,000,000 followers, far ahead of the next
    popular = [Candidate(20, followers_count=1_000_000), Candidate(21, followers_count=10)]
    # Then a thousand more followers is not worth a write; twenty thousand is; a one-follower account's next is
    assert not popular_changed(popular, with_followers_count(popular, 20, 1_001_000, kept=50))
    assert popular_changed(popular, with_followers_count(popular, 20, 1_020_000, kept=50))
    assert popular_changed(popular, with_followers_count(popular, 21, 11, kept=50))


# ---------------------------------------------------------------- what a viewer may be shown


def test_the_own_list_comes_first_then_popular_accounts_fill_up_each_once_never_the_viewer() -> None:
    # Given an own list and a popular list that overlap, the popular one naming the viewer
    own = [Candidate(30, 2, (10, 11)), Candidate(31, 1, (10,))]
    popular = [
        Candidate(OWNER, followers_count=99),
        Candidate(31, followers_count=50),
        Candidate(32, followers_count=9),
    ]
    # When
    listed = shortlist(OWNER, own, popular)
    # Then own first (31 keeps its own place and its followed-by), then 32; never the viewer
    assert ids(listed) == [30, 31, 32]
    assert listed[1].followed_by == (10,)


def test_a_new_account_is_shown_the_popular_list() -> None:
    # Given no own list
    popular = [Candidate(20, followers_count=9), Candidate(21, followers_count=3)]
    # Then
    assert ids(shortlist(OWNER, (), popular)) == [20, 21]
