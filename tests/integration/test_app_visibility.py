"""What a block, a mute or a suspension hides beyond the new interactions they refuse: notifications stored
before them (the list and its unread count alike), a blocked user's tweet embedded in a third party's quote or
retweet (on a tweet's page, a profile timeline, the home timeline), user search, a suspended author's tweets
in home timelines (pushed and pulled), and suspended users in lists of people."""

from __future__ import annotations

from typing import Any

import pytest
from chirp.wiring.api import dependencies

from tests.integration.api_client import Account, Api
from tests.integration.pipeline import PUBLISHER_FUNCTION, Pipeline, StartPipeline, home, readers

NOTIFIER_FUNCTION = "NotifierFunction"
INDEXER_FUNCTION = "SearchIndexerFunction"


def act(api: Api, account: Account, method: str, path: str, **options: Any) -> Any:
    reply = api.request(method, path, token=account.access_token, **options)
    assert reply.status in {200, 201, 204}, reply.body
    return reply.json() if reply.body else None


def post(api: Api, account: Account, text: str, **refers: Any) -> str:
    tweet_id: str = act(api, account, "POST", "/api/tweets", json_body={"text": text, **refers})["data"]["id"]
    return tweet_id


def retweet(api: Api, account: Account, tweet_id: str) -> str:
    retweet_id: str = act(api, account, "POST", f"/api/tweets/{tweet_id}/retweet")["data"]["retweet_id"]
    return retweet_id


@pytest.fixture(autouse=True)
def no_profile_cache(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> None:
    """A sandbox keeps the profiles home timelines show for PROFILE_CACHE_SECONDS (60 s by default): a suspension
    leaves its home timelines once that is over; these tests read at once."""
    monkeypatch.setenv("PROFILE_CACHE_SECONDS", "0")
    dependencies.cache_clear()


def suspend(api: Api, moderator: Account, reporter: Account, target: Account) -> None:
    """`reporter` reports `target`, and the moderator suspends it on that report."""
    body = {"target": {"type": "user", "id": target.id}, "reason": "abuse", "comment": "look"}
    report = act(api, reporter, "POST", "/api/reports", json_body=body)["data"]
    act(api, moderator, "POST", f"/api/moderation/reports/{report['id']}/resolve", json_body={"action": "suspend_user"})


# ---------------------------------------------------------------- notifications


@pytest.fixture
def notifying(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, NOTIFIER_FUNCTION))


def notifications(api: Api, account: Account) -> list[tuple[str, list[str]]]:
    """(kind, actors' usernames sorted) of each notification listed, sorted."""
    items = act(api, account, "GET", "/api/notifications", query={"limit": "100"})["data"]
    return sorted((item["kind"], sorted(actor["username"] for actor in item["actors"])) for item in items)


def unread(api: Api, account: Account) -> int:
    count: int = act(api, account, "GET", "/api/notifications/unread_count")["data"]["unread_count"]
    return count


def test_notifications_stored_before_a_block_or_a_mute_leave_the_list_and_the_unread_count(
    api: Api, notifying: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob, carol and dave like alice's tweet; bob replies to it; carol mentions her; dave and erin follow her
    dave, erin = api.register("dave"), api.register("erin")
    tweet_id = post(api, alice, "hello")
    for liker in (bob, carol, dave):
        act(api, liker, "POST", f"/api/tweets/{tweet_id}/like")
    post(api, bob, "hi", reply={"in_reply_to_tweet_id": tweet_id})
    post(api, carol, f"hey @{alice.username}")
    api.follow(dave, alice)
    api.follow(erin, alice)
    notifying.run_until_quiet()
    assert notifications(api, alice) == [
        ("follow", ["dave", "erin"]),
        ("like", ["bob", "carol", "dave"]),
        ("mention", ["carol"]),
        ("reply", ["bob"]),
    ]
    assert unread(api, alice) == 4
    # When alice blocks bob and mutes carol, and erin blocks alice
    act(api, alice, "POST", f"/api/users/{bob.id}/block")
    act(api, alice, "POST", f"/api/users/{carol.id}/mute")
    act(api, erin, "POST", f"/api/users/{alice.id}/block")
    # Then their actions leave the stored notifications: the reply and the mention are gone, the groups keep dave
    assert notifications(api, alice) == [("follow", ["dave"]), ("like", ["dave"])]
    # And the unread count agrees with the list
    assert unread(api, alice) == 2
    # And unmuting carol brings her back (nothing was erased)
    act(api, alice, "DELETE", f"/api/users/{carol.id}/mute")
    assert ("mention", ["carol"]) in notifications(api, alice)
    assert unread(api, alice) == 3


def test_a_suspended_actors_notifications_leave_the_list_and_the_unread_count(
    api: Api, notifying: Pipeline, moderator: Account, alice: Account, bob: Account
) -> None:
    # Given bob and carol like alice's tweet, and bob mentions her
    carol = api.register("carol")
    tweet_id = post(api, alice, "hello")
    act(api, bob, "POST", f"/api/tweets/{tweet_id}/like")
    act(api, carol, "POST", f"/api/tweets/{tweet_id}/like")
    post(api, bob, f"hey @{alice.username}")
    notifying.run_until_quiet()
    assert unread(api, alice) == 2
    # When bob is suspended
    suspend(api, moderator, alice, bob)
    # Then only carol's like is listed, and counted
    assert notifications(api, alice) == [("like", ["carol"])]
    assert unread(api, alice) == 1


# ---------------------------------------------------------------- quotes and retweets across a block


def test_a_third_partys_quote_and_retweet_of_a_tweet_across_a_block_are_unavailable_on_both_sides(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given carol quotes and retweets a tweet of alice's and one of bob's
    dave = api.register("dave")
    by_alice, by_bob = post(api, alice, "alice's"), post(api, bob, "bob's")
    quotes = {
        author: post(api, carol, "look", quote_tweet_id=tweet) for author, tweet in (("a", by_alice), ("b", by_bob))
    }
    retweets = {author: retweet(api, carol, tweet) for author, tweet in (("a", by_alice), ("b", by_bob))}
    # When alice blocks bob
    act(api, alice, "POST", f"/api/users/{bob.id}/block")
    # Then on carol's quote of the other's tweet, each sees the quoted tweet as unavailable; a bystander sees it
    for viewer, others in ((alice, "b"), (bob, "a")):
        quote = act(api, viewer, "GET", f"/api/tweets/{quotes[others]}")["data"]
        assert quote["quoted_tweet"] is None
    for own, viewer in (("a", alice), ("b", bob)):
        assert act(api, viewer, "GET", f"/api/tweets/{quotes[own]}")["data"]["quoted_tweet"] is not None
    for tweet in quotes.values():
        assert act(api, dave, "GET", f"/api/tweets/{tweet}")["data"]["quoted_tweet"] is not None
    # And carol's profile timeline shows each the quote without it, and not the retweet of the other's tweet
    for viewer, others, own in ((alice, "b", "a"), (bob, "a", "b")):
        listed = {item["id"]: item for item in act(api, viewer, "GET", f"/api/users/{carol.id}/tweets")["data"]}
        assert retweets[others] not in listed
        assert retweets[own] in listed
        assert listed[quotes[others]]["quoted_tweet"] is None
        assert listed[quotes[own]]["quoted_tweet"]["id"] == (by_alice if own == "a" else by_bob)
    assert len(act(api, dave, "GET", f"/api/users/{carol.id}/tweets")["data"]) == 4


def test_tweets_liked_by_a_third_party_leave_out_those_across_a_block(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given carol likes a tweet of bob's and one of her own
    by_bob, by_carol = post(api, bob, "bob's"), post(api, carol, "carol's")
    for tweet in (by_bob, by_carol):
        act(api, carol, "POST", f"/api/tweets/{tweet}/like")
    # When alice blocks bob
    act(api, alice, "POST", f"/api/users/{bob.id}/block")
    # Then alice sees carol's liked tweets without bob's
    liked = act(api, alice, "GET", f"/api/users/{carol.id}/liked_tweets")["data"]
    assert [item["id"] for item in liked] == [by_carol]


# ---------------------------------------------------------------- home timelines


def home_entries(api: Api, reader: Account) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in home(api, reader)[0]}


def test_a_quote_in_the_home_timeline_embeds_a_blocked_users_tweet_as_unavailable(api: Api, pipeline: Pipeline) -> None:
    # Given a reader following carol, who quotes a tweet of bob's
    (reader,) = readers(api, 1)
    bob, carol = api.register(), api.register()
    api.follow(reader, carol)
    quote = post(api, carol, "look", quote_tweet_id=post(api, bob, "bob's"))
    pipeline.run_until_quiet()
    assert home_entries(api, reader)[quote]["quoted_tweet"] is not None
    # When the reader blocks bob
    act(api, reader, "POST", f"/api/users/{bob.id}/block")
    # Then the quote stays, its quoted tweet unavailable
    assert home_entries(api, reader)[quote]["quoted_tweet"] is None


def test_a_suspended_authors_tweets_and_the_retweets_of_them_leave_the_home_timeline(
    api: Api, pipeline: Pipeline, moderator: Account
) -> None:
    # Given a reader following bob and carol; carol retweets and quotes one of bob's tweets
    (reader,) = readers(api, 1)
    bob, carol = api.register(), api.register()
    api.follow(reader, bob)
    api.follow(reader, carol)
    own = post(api, bob, "bob's own")
    by_bob = post(api, bob, "bob's retweeted")
    brought = retweet(api, carol, by_bob)
    quote = post(api, carol, "look", quote_tweet_id=by_bob)
    by_carol = post(api, carol, "carol's")
    pipeline.run_until_quiet()
    assert set(home_entries(api, reader)) == {own, brought, quote, by_carol}
    # When bob is suspended
    suspend(api, moderator, reader, bob)
    # Then neither his tweets nor carol's retweet of one show; her quote shows with its quoted tweet unavailable
    entries = home_entries(api, reader)
    assert set(entries) == {quote, by_carol}
    assert entries[quote]["quoted_tweet"] is None


def test_a_suspended_celebritys_pulled_tweets_and_a_pulled_retweet_of_a_suspended_author_leave_the_home_timeline(
    api: Api, start_pipeline: StartPipeline, moderator: Account
) -> None:
    # Given CelebrityThreshold=3, a celebrity followed by three readers, with a tweet of its own and a retweet of
    # a tweet by bob, whom no reader follows; and another celebrity with a tweet
    pipeline = start_pipeline({"CelebrityThreshold": "3"})
    followers = readers(api, 3)
    celebrity, other, bob = api.register(), api.register(), api.register()
    for follower in followers:
        api.follow(follower, celebrity)
        api.follow(follower, other)
    pipeline.run_until_quiet()
    famous = post(api, celebrity, "famous")
    brought = retweet(api, celebrity, post(api, bob, "bob's"))
    kept = post(api, other, "the other's")
    pipeline.run_until_quiet()
    assert set(home_entries(api, followers[0])) == {famous, brought, kept}
    # When bob is suspended
    suspend(api, moderator, followers[0], bob)
    # Then the celebrity's retweet of his tweet leaves every follower's home timeline
    for follower in followers:
        assert set(home_entries(api, follower)) == {famous, kept}
    # And when the celebrity is suspended too, its own tweet leaves as well
    suspend(api, moderator, followers[0], celebrity)
    for follower in followers:
        assert set(home_entries(api, follower)) == {kept}


# ---------------------------------------------------------------- user search


@pytest.fixture
def indexing(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, INDEXER_FUNCTION))


def found_users(api: Api, prefix: str, viewer: Account | None = None) -> list[str]:
    token = viewer.access_token if viewer is not None else None
    reply = api.get("/api/search/users", query={"q": prefix}, token=token)
    assert reply.status == 200, reply.body
    return sorted(user["username"] for user in reply.json()["data"])


def test_user_search_leaves_out_users_blocked_either_way_and_suspended_ones(
    api: Api, indexing: Pipeline, moderator: Account, alice: Account
) -> None:
    # Given four users whose names start alike; alice blocks one, another blocks her, a third is suspended
    blocked, blocker, suspended, plain = (
        api.register(name) for name in ("zed_one", "zed_two", "zed_three", "zed_four")
    )
    indexing.run_until_quiet()
    assert found_users(api, "zed") == ["zed_four", "zed_one", "zed_three", "zed_two"]
    # When
    act(api, alice, "POST", f"/api/users/{blocked.id}/block")
    act(api, blocker, "POST", f"/api/users/{alice.id}/block")
    suspend(api, moderator, plain, suspended)
    # Then alice finds only the fourth; an anonymous searcher every one but the suspended user
    assert found_users(api, "zed", alice) == ["zed_four"]
    assert found_users(api, "zed") == ["zed_four", "zed_one", "zed_two"]
    # And the autocomplete path answers alike
    reply = api.get("/api/users/search", query={"q": "zed"}, token=alice.access_token)
    assert [user["username"] for user in reply.json()["data"]] == ["zed_four"]


# ---------------------------------------------------------------- lists of people


def usernames(api: Api, path: str) -> list[str]:
    reply = api.get(path)
    assert reply.status == 200, reply.body
    return sorted(user["username"] for user in reply.json()["data"])


def test_lists_of_people_leave_out_a_suspended_user(
    api: Api, moderator: Account, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob and carol follow alice, like and retweet her tweet; alice follows both
    tweet_id = post(api, alice, "hello")
    for fan in (bob, carol):
        api.follow(fan, alice)
        api.follow(alice, fan)
        act(api, fan, "POST", f"/api/tweets/{tweet_id}/like")
        retweet(api, fan, tweet_id)
    assert usernames(api, f"/api/users/{alice.id}/followers") == ["bob", "carol"]
    # When bob is suspended
    suspend(api, moderator, alice, bob)
    # Then every list of people leaves him out
    for path in (
        f"/api/users/{alice.id}/followers",
        f"/api/users/{alice.id}/following",
        f"/api/tweets/{tweet_id}/liking_users",
        f"/api/tweets/{tweet_id}/retweeted_by",
    ):
        assert usernames(api, path) == ["carol"], path
