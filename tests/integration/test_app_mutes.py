"""Mutes through the API: muting and unmuting users (idempotent, silent: nothing else changes), the caller's
own list of whom it mutes, muted words (normalized, idempotent, validated), and an authorisation matrix.
What a mute hides (home timelines, notifications) is tested through the pipeline: test_relations_pipeline.py."""

from __future__ import annotations

import pytest

from tests.integration.api_client import Account, Api, assert_error


def mute(api: Api, muter: Account, muted: Account) -> None:
    reply = api.post(f"/api/users/{muted.id}/mute", token=muter.access_token)
    assert reply.status == 200, reply.body


def muting_ids(api: Api, account: Account) -> list[str]:
    return [user["id"] for page in api.walk("/api/users/me/muting", 100, account.access_token) for user in page]


def muted_words(api: Api, account: Account) -> list[str]:
    reply = api.get("/api/users/me/muted_words", token=account.access_token)
    assert reply.status == 200, reply.body
    return [entry["word"] for entry in reply.json()["data"]]


# ---------------------------------------------------------------- mute and unmute users


def test_mute_answers_muting_and_leaves_follows_and_interactions_alone(api: Api, alice: Account, bob: Account) -> None:
    # Given alice follows bob
    api.follow(alice, bob)
    tweet_id = api.tweet(bob, "bob's")["id"]
    # When alice mutes bob
    reply = api.post(f"/api/users/{bob.id}/mute", token=alice.access_token)
    # Then she still follows him, and either may still interact with the other (a mute is silent)
    assert reply.status == 200, reply.body
    assert reply.json() == {"data": {"muting": True}}
    assert api.metrics(bob.id)["followers_count"] == 1
    assert api.post(f"/api/tweets/{tweet_id}/like", token=alice.access_token).status == 200
    assert api.get(f"/api/tweets/{tweet_id}", token=alice.access_token).status == 200
    assert api.post(f"/api/users/{alice.id}/follow", token=bob.access_token).status == 200


def test_mute_twice_is_one_mute_and_unmute_twice_changes_nothing(api: Api, alice: Account, bob: Account) -> None:
    # Given
    mute(api, alice, bob)
    mute(api, alice, bob)
    assert muting_ids(api, alice) == [bob.id]
    # When
    first = api.delete(f"/api/users/{bob.id}/mute", token=alice.access_token)
    second = api.delete(f"/api/users/{bob.id}/mute", token=alice.access_token)
    # Then
    for reply in (first, second):
        assert reply.status == 200, reply.body
        assert reply.json() == {"data": {"muting": False}}
    assert muting_ids(api, alice) == []


def test_muting_yourself_is_a_400(api: Api, alice: Account) -> None:
    # When
    reply = api.post(f"/api/users/{alice.id}/mute", token=alice.access_token)
    # Then
    assert_error(reply, 400, "invalid_request", "yourself")


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_muting_or_unmuting_an_unknown_user_is_a_404(api: Api, alice: Account, method: str) -> None:
    # When
    reply = api.request(method, "/api/users/123456789/mute", token=alice.access_token)
    # Then
    assert_error(reply, 404, "not_found", "123456789")


def test_muting_lists_whom_the_caller_mutes_newest_first_in_pages(api: Api, alice: Account) -> None:
    # Given
    muted = [api.register() for _ in range(3)]
    for each in muted:
        mute(api, alice, each)
    # When
    pages = api.walk("/api/users/me/muting", 2, alice.access_token)
    # Then
    assert [[user["id"] for user in page] for page in pages] == [[muted[2].id, muted[1].id], [muted[0].id]]


def test_blocks_and_mutes_are_separate_lists(api: Api, alice: Account, bob: Account, carol: Account) -> None:
    # Given
    mute(api, alice, bob)
    assert api.post(f"/api/users/{carol.id}/block", token=alice.access_token).status == 200
    # When
    blocking = api.get("/api/users/me/blocking", token=alice.access_token).json()["data"]
    # Then
    assert muting_ids(api, alice) == [bob.id]
    assert [user["id"] for user in blocking] == [carol.id]


# ---------------------------------------------------------------- muted words


def test_muted_words_are_normalized_listed_newest_first_and_idempotent(api: Api, alice: Account) -> None:
    # When
    for word in ("Spoilers", "  the   Finale ", "#Cats", "spoilers"):
        reply = api.post("/api/users/me/muted_words", json_body={"word": word}, token=alice.access_token)
        assert reply.status == 200, reply.body
    # Then
    assert reply.json() == {"data": {"word": "spoilers"}}
    assert muted_words(api, alice) == ["#cats", "the finale", "spoilers"]


def test_unmuting_a_word_takes_it_off_the_list_and_twice_changes_nothing(api: Api, alice: Account) -> None:
    # Given
    for word in ("spoilers", "#cats"):
        api.post("/api/users/me/muted_words", json_body={"word": word}, token=alice.access_token)
    # When
    first = api.delete("/api/users/me/muted_words", query={"word": "Spoilers"}, token=alice.access_token)
    second = api.delete("/api/users/me/muted_words", query={"word": "spoilers"}, token=alice.access_token)
    # Then
    assert (first.status, second.status) == (204, 204)
    assert muted_words(api, alice) == ["#cats"]


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"word": ""}, "word"),
        ({"word": "   "}, "word"),
        ({"word": "x" * 101}, "word"),
        ({"word": 7}, "word"),
        ({"word": "ok", "extra": 1}, "extra"),
        ({}, "word"),
    ],
    ids=["empty", "blank", "too-long", "not-a-string", "unknown-field", "missing"],
)
def test_a_bad_muted_word_is_refused_naming_the_field(
    api: Api, alice: Account, body: dict[str, object], mentions: str
) -> None:
    # When
    reply = api.post("/api/users/me/muted_words", json_body=body, token=alice.access_token)
    # Then: 422 for a value that breaks a rule, 400 for a body that cannot be read as the model (the API's mapping)
    assert (reply.status, reply.error["code"]) in {(422, "invalid_input"), (400, "malformed_request")}, reply.body
    assert mentions in reply.error["message"]
    assert muted_words(api, alice) == []


def test_unmuting_a_word_needs_the_word(api: Api, alice: Account) -> None:
    # When
    reply = api.delete("/api/users/me/muted_words", token=alice.access_token)
    # Then
    assert_error(reply, 400, "malformed_request", "word")


# ---------------------------------------------------------------- who may read and change them


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/users/{other}/mute"),
        ("DELETE", "/api/users/{other}/mute"),
        ("GET", "/api/users/me/muting"),
        ("GET", "/api/users/me/muted_words"),
        ("POST", "/api/users/me/muted_words"),
        ("DELETE", "/api/users/me/muted_words"),
    ],
)
def test_every_mute_route_refuses_an_anonymous_caller(api: Api, bob: Account, method: str, path: str) -> None:
    # When
    reply = api.request(method, path.format(other=bob.id), json_body={"word": "x"}, query={"word": "x"})
    # Then
    assert_error(reply, 401, "not_authenticated")


def test_another_users_mutes_and_muted_words_cannot_be_read_nor_changed(
    api: Api, alice: Account, bob: Account, carol: Account
) -> None:
    # Given bob mutes carol and the word "cats"
    mute(api, bob, carol)
    api.post("/api/users/me/muted_words", json_body={"word": "cats"}, token=bob.access_token)
    # When alice tries bob's lists by his id, and unmutes carol and "cats" herself
    reads = [
        api.get(f"/api/users/{bob.id}/muting", token=alice.access_token),
        api.get(f"/api/users/{bob.id}/muted_words", token=alice.access_token),
    ]
    api.delete(f"/api/users/{carol.id}/mute", token=alice.access_token)
    api.delete("/api/users/me/muted_words", query={"word": "cats"}, token=alice.access_token)
    # Then no route serves another's lists, alice's own are empty, and bob's are as he left them
    for reply in reads:
        assert reply.status in {403, 404}, reply.body
    assert muting_ids(api, alice) == []
    assert muted_words(api, alice) == []
    assert muting_ids(api, bob) == [carol.id]
    assert muted_words(api, bob) == ["cats"]
