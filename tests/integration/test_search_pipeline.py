"""Search on moto, through the real pipeline: the event publisher puts the tables' changes on the bus, the
search indexer consumes its queue (under its own IAM policies, in Lambda's event format) into the embedded
engine, and the API's search routes answer from it, read back from the tables."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.api_client import Account, Api, assert_error
from tests.integration.pipeline import PUBLISHER_FUNCTION, Pipeline, StartPipeline

INDEXER_FUNCTION = "SearchIndexerFunction"


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, INDEXER_FUNCTION))


def search(api: Api, q: str, token: str | None = None, **query: str) -> list[dict[str, Any]]:
    reply = api.get("/api/search/tweets", query={"q": q, **query}, token=token)
    assert reply.status == 200, reply.body
    found: list[dict[str, Any]] = reply.json()["data"]
    return found


def texts(found: list[dict[str, Any]]) -> list[str]:
    return [tweet["text"] for tweet in found]


def post(api: Api, account: Account, text: str, **refers: Any) -> str:
    reply = api.post("/api/tweets", json_body={"text": text, **refers}, token=account.access_token)
    assert reply.status == 201, reply.body
    tweet_id: str = reply.json()["data"]["id"]
    return tweet_id


def test_a_posted_tweet_is_found_by_its_words_tags_mentions_and_author_with_the_readers_flags(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given tweets posted and indexed, one liked by bob
    first = post(api, alice, "Serverless Python on a CAFÉ terrace #Serverless")
    post(api, bob, f"@{alice.username} 東京都に行きます 🎉")
    assert api.post(f"/api/tweets/{first}/like", token=bob.access_token).status == 200
    pipeline.run_until_quiet()
    # Then each way of asking finds them, newest first, as timelines show tweets
    assert texts(search(api, "cafe")) == ["Serverless Python on a CAFÉ terrace #Serverless"]
    assert texts(search(api, "serverless")) == texts(search(api, "#serverless"))
    assert texts(search(api, "京都")) == [f"@{alice.username} 東京都に行きます 🎉"]
    assert texts(search(api, "🎉")) == texts(search(api, f"@{alice.username}"))
    assert len(search(api, f"from:{alice.username}")) == 1
    found = search(api, "python", token=bob.access_token)
    assert found[0]["author"]["username"] == alice.username
    assert found[0]["viewer"] == {"liked": True, "retweeted": False}
    assert found[0]["public_metrics"]["like_count"] in (0, 1)  # counted by the counter function, not run here
    # And the seed's path answers the same
    reply = api.get("/api/search", query={"q": "cafe", "type": "tweets"})
    assert [t["id"] for t in reply.json()["data"]] == [first]


def test_a_deleted_tweet_is_never_returned_once_its_delete_has_answered(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    # Given an indexed tweet
    tweet_id = post(api, alice, "ephemeral words")
    pipeline.run_until_quiet()
    assert len(search(api, "ephemeral")) == 1
    # When it is deleted, before the indexer has heard of it
    assert api.delete(f"/api/tweets/{tweet_id}", token=alice.access_token).status == 204
    # Then search no longer returns it (results are read back from the tables), and after the indexer ran,
    # the index no longer holds it either
    assert search(api, "ephemeral") == []
    pipeline.run_until_quiet()
    assert search(api, "ephemeral") == []


def test_a_renamed_user_is_found_by_the_new_name_and_no_longer_by_the_old(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    # Given alice, indexed under the name Ada Lovelace
    assert api.patch("/api/users/me", json_body={"name": "Ada Lovelace"}, token=alice.access_token).status == 200
    pipeline.run_until_quiet()
    assert [user["id"] for user in api.get("/api/users/search", query={"q": "lovel"}).json()["data"]] == [alice.id]
    # When she renames herself
    assert api.patch("/api/users/me", json_body={"name": "Grace Hopper"}, token=alice.access_token).status == 200
    pipeline.run_until_quiet()
    # Then the new name finds her, the old one does not
    assert [user["id"] for user in api.get("/api/users/search", query={"q": "hopp"}).json()["data"]] == [alice.id]
    assert api.get("/api/users/search", query={"q": "lovel"}).json()["data"] == []


def test_users_autocomplete_from_the_first_letter_exact_username_first_then_by_followers(
    api: Api, pipeline: Pipeline
) -> None:
    # Given ada, adam (2 followers) and bob "Bob Adams" (1 follower)
    ada, adam, bob = api.register("ada"), api.register("adam"), api.register("bob")
    api.patch("/api/users/me", json_body={"name": "Bob Adams"}, token=bob.access_token)
    carol, dan = api.register("carol"), api.register("dan")
    api.follow(carol, adam)
    api.follow(dan, adam)
    api.follow(carol, bob)
    pipeline.run_until_quiet()

    # Then
    def names(q: str) -> list[str]:
        reply = api.get("/api/users/search", query={"q": q})
        assert reply.status == 200, reply.body
        return [user["username"] for user in reply.json()["data"]]

    assert names("a") == ["adam", "bob", "ada"]
    assert names("ada") == ["ada", "adam", "bob"]
    assert names("ADAMS") == ["bob"]
    assert [u["username"] for u in api.get("/api/search", query={"q": "ad", "type": "users"}).json()["data"]] == [
        "adam",
        "bob",
        "ada",
    ]
    assert ada.username == "ada"


def test_relevance_ranks_the_better_match_first_and_pages_through_the_ranking(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    weak = post(api, alice, "a long tweet that mentions rust once among many other words here")
    strong = post(api, alice, "rust rust rust")
    newer = post(api, alice, "nothing to see")
    pipeline.run_until_quiet()
    first = api.get("/api/search/tweets", query={"q": "rust", "sort": "relevant", "limit": "1"}).json()
    assert [t["id"] for t in first["data"]] == [strong]
    second = api.get(
        "/api/search/tweets",
        query={"q": "rust", "sort": "relevant", "limit": "1", "cursor": first["meta"]["next_cursor"]},
    ).json()
    assert [t["id"] for t in second["data"]] == [weak] and second["meta"].get("next_cursor") is None
    assert newer not in {t["id"] for t in search(api, "rust")}


@pytest.mark.parametrize(
    ("q", "mentioned"),
    [
        ('"unbalanced', "no closing quote"),
        ("x" * 2000, "at most 500"),
        ("from:", "from: needs a value"),
        ("since:yesterday cats", "not a date"),
        ("-only -excluded", "asks for nothing"),
    ],
)
def test_a_bad_query_is_a_400_that_names_the_problem(api: Api, q: str, mentioned: str) -> None:
    assert_error(api.get("/api/search/tweets", query={"q": q}), 400, "malformed_request", mentioned)


def test_missing_and_wrong_parameters_are_400s_and_a_query_matching_nothing_is_an_empty_page(api: Api) -> None:
    assert_error(api.get("/api/search/tweets"), 400, "malformed_request", "q is required")
    assert_error(api.get("/api/search", query={"q": "x", "type": "hashtags"}), 400, "malformed_request", "type")
    assert_error(api.get("/api/search", query={"q": "x", "sort": "best"}), 400, "malformed_request", "sort")
    assert_error(api.get("/api/users/search", query={"q": "  "}), 400, "malformed_request", "q")
    reply = api.get("/api/search/tweets", query={"q": "from:nobody_here"})
    assert (reply.status, reply.json()["data"]) == (200, [])
    reply = api.get("/api/search/tweets", query={"q": "zzzz"})
    assert (reply.status, reply.json()["data"], reply.json()["meta"].get("next_cursor")) == (200, [], None)
