"""The API over HTTP on the local runtime, as a client uses it: every route and its error paths,
and the concurrency guarantees (unique usernames, exact follow counters)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.e2e.accounts import auth, register, unique_name

pytestmark = pytest.mark.e2e


def assert_error(response: httpx.Response, status: int, code: str, mentions: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert mentions in error["message"]


def test_health_answers_ok(api: httpx.Client) -> None:
    # When
    response = api.get("/health")
    # Then
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_openapi_document_lists_every_route(api: httpx.Client) -> None:
    # When
    document = api.get("/openapi.json").json()
    # Then
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]["/api/tweets/{tweetId}"]) == {"get", "delete"}
    assert "post" in document["paths"]["/api/users/register"]


def test_register_log_in_refresh_and_log_out(api: httpx.Client) -> None:
    # Given a new account
    account = register(api)
    username = account["data"]["username"]
    assert account["token"]["token_type"] == "Bearer"
    # When it logs in by email, with other letter case
    login = api.post("/users/login", json={"username": f"{username.upper()}@EXAMPLE.COM", "password": "password-123"})
    # Then it gets a token response
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert set(tokens) == {"access_token", "refresh_token", "token_type", "expires_in"}
    # When it refreshes, the refresh token rotates
    rotated = api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert rotated.status_code == 200
    assert rotated.json()["refresh_token"] != tokens["refresh_token"]
    # When the spent token is replayed, the whole family is revoked, the successor too
    assert_error(api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]}), 401, "not_authenticated")
    successor = rotated.json()["refresh_token"]
    assert_error(api.post("/auth/refresh", json={"refresh_token": successor}), 401, "not_authenticated")
    # When a fresh login logs out, its refresh token stops working
    fresh = api.post("/users/login", json={"username": username, "password": "password-123"}).json()
    assert api.post("/auth/logout", json={"refresh_token": fresh["refresh_token"]}).status_code == 204
    assert_error(api.post("/auth/refresh", json={"refresh_token": fresh["refresh_token"]}), 401, "not_authenticated")


@pytest.mark.parametrize(
    ("body", "status", "code", "mentions"),
    [
        (
            {"username": "has space", "email": "a@example.com", "password": "password-123"},
            422,
            "invalid_input",
            "username",
        ),
        (
            {"username": "x" * 16, "email": "a@example.com", "password": "password-123"},
            422,
            "invalid_input",
            "username",
        ),
        ({"username": "okname", "email": "not-an-email", "password": "password-123"}, 422, "invalid_input", "email"),
        ({"username": "okname", "email": "a@example.com", "password": "short"}, 422, "invalid_input", "password"),
        ({"username": 12345, "email": "a@example.com", "password": "password-123"}, 422, "invalid_input", "username"),
        (
            {"username": "okname", "email": "a@example.com", "password": "password-123", "admin": True},
            422,
            "invalid_input",
            "admin",
        ),
    ],
)
def test_register_rejects_bad_fields(
    api: httpx.Client, body: dict[str, Any], status: int, code: str, mentions: str
) -> None:
    # When / Then
    assert_error(api.post("/users/register", json=body), status, code, mentions)


@pytest.mark.parametrize(
    ("content", "headers", "status", "code"),
    [
        (b'{"username": ', {"content-type": "application/json"}, 400, "malformed_request"),
        (b"[1, 2]", {"content-type": "application/json"}, 400, "malformed_request"),
        (b'{"username": "\\ud800"}', {"content-type": "application/json"}, 400, "malformed_request"),
        (b"\xff\xfe", {"content-type": "application/json"}, 400, "malformed_request"),
        (b"[" * 10000, {"content-type": "application/json"}, 400, "malformed_request"),
        (b"username=x", {"content-type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"),
        (b'{"pad": "' + b"x" * 70000 + b'"}', {"content-type": "application/json"}, 413, "payload_too_large"),
    ],
)
def test_unreadable_bodies_get_4xx(
    api: httpx.Client, content: bytes, headers: dict[str, str], status: int, code: str
) -> None:
    # When / Then
    assert_error(api.post("/users/register", content=content, headers=headers), status, code)


def test_username_and_email_are_unique_ignoring_case(api: httpx.Client) -> None:
    # Given
    account = register(api)
    username = account["data"]["username"]
    # When another registration takes the same username in capitals, or the same email
    same_name = {"username": username.upper(), "email": f"other{username}@example.com", "password": "password-123"}
    same_email = {"username": unique_name(), "email": f"{username.upper()}@example.com", "password": "password-123"}
    # Then both conflict
    assert_error(api.post("/users/register", json=same_name), 409, "conflict", "username")
    assert_error(api.post("/users/register", json=same_email), 409, "conflict", "email")


def test_wrong_credentials_and_bad_tokens_get_401(api: httpx.Client) -> None:
    # Given
    account = register(api)
    # Then
    wrong = api.post("/users/login", json={"username": account["data"]["username"], "password": "wrong-password"})
    unknown = api.post("/users/login", json={"username": "nobody_here_x", "password": "wrong-password"})
    assert_error(wrong, 401, "not_authenticated")
    assert wrong.json() == unknown.json()
    assert_error(api.post("/tweets", json={"text": "hi"}), 401, "not_authenticated")
    assert_error(
        api.post("/tweets", json={"text": "hi"}, headers={"authorization": "Basic abc"}), 401, "not_authenticated"
    )
    forged = account["token"]["access_token"][:-4] + "AAAA"
    assert_error(
        api.post("/tweets", json={"text": "hi"}, headers={"authorization": f"Bearer {forged}"}),
        401,
        "not_authenticated",
    )


def test_profiles_read_and_update(api: httpx.Client) -> None:
    # Given
    account = register(api)
    user_id = account["data"]["id"]
    # When the user changes their profile
    patched = api.patch(
        "/users/me", json={"name": "Ada L.", "description": "math", "url": "https://ada.dev"}, headers=auth(account)
    )
    # Then every read shows it
    assert patched.status_code == 200, patched.text
    by_id = api.get(f"/users/{user_id}").json()["data"]
    by_name = api.get(f"/users/by/username/{account['data']['username'].upper()}").json()["data"]
    me = api.get("/users/me", headers=auth(account)).json()["data"]
    assert by_id == by_name == me
    assert (by_id["name"], by_id["description"], by_id["url"]) == ("Ada L.", "math", "https://ada.dev")
    # And bad input is refused
    assert_error(api.patch("/users/me", json={"url": "ftp://x"}, headers=auth(account)), 422, "invalid_input", "url")
    assert_error(api.patch("/users/me", json={"name": "x" * 51}, headers=auth(account)), 422, "invalid_input", "name")
    assert_error(api.patch("/users/me", json={"bio": "x"}, headers=auth(account)), 422, "invalid_input", "bio")
    assert_error(api.get("/users/1"), 404, "not_found")
    assert_error(api.get("/users/by/username/nobody_at_all"), 404, "not_found")
    for bad in ("abc", "-1", "0", "99999999999999999999999"):
        assert_error(api.get(f"/users/{bad}"), 400, "malformed_request", "userId")


def test_tweets_post_read_delete(api: httpx.Client) -> None:
    # Given
    author, other = register(api), register(api)
    # When the author posts a tweet with every kind of entity
    text = "🎉 launch #Chirp with @ada and $AWS https://example.com/launch"
    posted = api.post("/tweets", json={"text": text}, headers=auth(author))
    # Then it is stored with its entities in code points
    assert posted.status_code == 201, posted.text
    tweet = posted.json()["data"]
    assert tweet["entities"]["hashtags"] == [{"start": 9, "end": 15, "tag": "Chirp"}]
    assert tweet["entities"]["mentions"][0]["username"] == "ada"
    assert tweet["entities"]["cashtags"][0]["tag"] == "AWS"
    assert tweet["entities"]["urls"][0]["url"] == "https://example.com/launch"
    assert tweet["conversation_id"] == tweet["id"]
    assert (tweet["in_reply_to_user_id"], tweet["referenced_tweets"]) == (None, [])
    # And it reads back as posted, with its author (and, for its author, the author's own state of it)
    author_json = {key: author["data"][key] for key in ("id", "username", "name")}
    shown = {**tweet, "author": author_json, "retweeted_tweet": None, "quoted_tweet": None}
    assert api.get(f"/tweets/{tweet['id']}").json()["data"] == {**shown, "viewer": None}
    viewer = {"liked": False, "retweeted": False}
    assert api.get(f"/tweets/{tweet['id']}", headers=auth(author)).json()["data"] == {**shown, "viewer": viewer}
    assert api.get(f"/users/{author['data']['id']}/tweets").json()["data"] == [{**shown, "viewer": None}]
    assert api.get(f"/users/{author['data']['id']}").json()["data"]["public_metrics"]["tweet_count"] == 1
    # And only its author can delete it
    assert_error(api.delete(f"/tweets/{tweet['id']}", headers=auth(other)), 403, "forbidden")
    assert api.delete(f"/tweets/{tweet['id']}", headers=auth(author)).status_code == 204
    assert_error(api.get(f"/tweets/{tweet['id']}"), 404, "not_found")
    assert_error(api.delete(f"/tweets/{tweet['id']}", headers=auth(author)), 404, "not_found")
    assert api.get(f"/users/{author['data']['id']}").json()["data"]["public_metrics"]["tweet_count"] == 0


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("a" * 280, True),
        ("a" * 281, False),
        ("漢" * 140, True),
        ("漢" * 141, False),
        ("https://example.com/" + "x" * 300 + " " + "a" * 256, True),  # a URL counts 23 whatever its length
        ("   \n\t ", False),
        ("", False),
    ],
)
def test_tweet_length_is_twitters_weighted_length(api: httpx.Client, text: str, accepted: bool) -> None:
    # Given
    account = register(api)
    # When
    response = api.post("/tweets", json={"text": text}, headers=auth(account))
    # Then
    if accepted:
        assert response.status_code == 201, response.text
    else:
        assert_error(response, 422, "invalid_input", "text")


def test_follows_are_idempotent_and_counted(api: httpx.Client) -> None:
    # Given
    ada, bob = register(api), register(api)
    ada_id, bob_id = ada["data"]["id"], bob["data"]["id"]
    # When ada follows bob twice
    assert api.post(f"/users/{bob_id}/follow", headers=auth(ada)).status_code == 200
    assert api.post(f"/users/{bob_id}/follow", headers=auth(ada)).status_code == 200
    # Then the edge counts once, and both lists show it
    assert api.get(f"/users/{bob_id}").json()["data"]["public_metrics"]["followers_count"] == 1
    assert api.get(f"/users/{ada_id}").json()["data"]["public_metrics"]["following_count"] == 1
    assert [u["id"] for u in api.get(f"/users/{bob_id}/followers").json()["data"]] == [ada_id]
    assert [u["id"] for u in api.get(f"/users/{ada_id}/following").json()["data"]] == [bob_id]
    # When ada unfollows twice, the counts go back to zero
    assert api.delete(f"/users/{bob_id}/follow", headers=auth(ada)).status_code == 200
    assert api.delete(f"/users/{bob_id}/follow", headers=auth(ada)).status_code == 200
    assert api.get(f"/users/{bob_id}").json()["data"]["public_metrics"]["followers_count"] == 0
    # And the edge cases are refused
    assert_error(api.post(f"/users/{ada_id}/follow", headers=auth(ada)), 400, "invalid_request", "yourself")
    assert_error(api.post("/users/12345/follow", headers=auth(ada)), 404, "not_found")
    assert_error(api.post(f"/users/{bob_id}/follow"), 401, "not_authenticated")


def test_user_timeline_pages_newest_first(api: httpx.Client) -> None:
    # Given an author with 7 tweets
    author = register(api)
    posted = [
        api.post("/tweets", json={"text": f"tweet {n}"}, headers=auth(author)).json()["data"]["id"] for n in range(7)
    ]
    # When a reader walks the timeline 3 at a time
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = api.get(f"/users/{author['data']['id']}/tweets", params=params).json()
        seen += [tweet["id"] for tweet in page["data"]]
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    # Then it sees every tweet once, newest first
    assert seen == list(reversed(posted))
    # And bad paging is refused
    for params in ({"limit": "0"}, {"limit": "101"}, {"limit": "abc"}, {"cursor": "forged!"}):
        assert_error(api.get(f"/users/{author['data']['id']}/tweets", params=params), 400, "malformed_request")
    assert_error(api.get("/users/424242/tweets"), 404, "not_found")


def test_concurrent_registrations_of_one_username_admit_exactly_one(api: httpx.Client) -> None:
    # Given 100 clients racing for one username
    username = unique_name()

    def attempt(n: int) -> int:
        body = {"username": username, "email": f"{username}{n}@example.com", "password": "password-123"}
        return api.post("/users/register", json=body).status_code

    # When
    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(attempt, range(100)))
    # Then exactly one wins and every other gets 409
    assert statuses.count(201) == 1
    assert statuses.count(409) == 99


def test_concurrent_follows_and_unfollows_keep_counts_exact(api: httpx.Client) -> None:
    # Given two users, and 50 concurrent follow/unfollow requests between them
    ada, bob = register(api), register(api)
    ada_id, bob_id = ada["data"]["id"], bob["data"]["id"]

    def toggle(n: int) -> int:
        call = api.post if n % 2 == 0 else api.delete
        return call(f"/users/{bob_id}/follow", headers=auth(ada)).status_code

    # When
    with ThreadPoolExecutor(max_workers=25) as pool:
        statuses = list(pool.map(toggle, range(50)))
    # Then every request succeeded and the counters equal the true edges
    assert set(statuses) == {200}
    edges = len(api.get(f"/users/{ada_id}/following").json()["data"])
    assert api.get(f"/users/{ada_id}").json()["data"]["public_metrics"]["following_count"] == edges
    assert api.get(f"/users/{bob_id}").json()["data"]["public_metrics"]["followers_count"] == edges
