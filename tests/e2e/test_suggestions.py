"""Who to follow over the local runtime, as a client sees it: follows made through the API reach the
suggestions function through the bus (the follows stream -> the event publisher -> SNS -> its queue), which
recomputes the follower's list; `GET /api/users/me/suggestions` serves it.

A list is recomputed when its owner follows or unfollows (chirp.suggestions.service: the staleness
accepted), so the second-degree follows are made before the owner's own."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.e2e.accounts import auth, register

pytestmark = pytest.mark.e2e

DEADLINE_SECONDS = 10.0


def follow(api: httpx.Client, follower: dict[str, Any], followee: dict[str, Any]) -> None:
    response = api.post(f"/users/{followee['data']['id']}/follow", headers=auth(follower))
    assert response.status_code == 200, response.text


def suggestions(api: httpx.Client, viewer: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.get("/users/me/suggestions", headers=auth(viewer))
    assert response.status_code == 200, response.text
    shown: list[dict[str, Any]] = response.json()["data"]
    return shown


def summary(shown: list[dict[str, Any]]) -> list[tuple[str, int, list[str]]]:
    return [(s["username"], s["followed_by_count"], [a["username"] for a in s["followed_by"]]) for s in shown]


def test_the_accounts_your_follows_follow_are_suggested_most_followed_by_first(api: httpx.Client) -> None:
    # Given fresh users: b and c follow d, b follows e; then a follows b and c
    a, b, c, d, e = (register(api) for _ in range(5))
    username = {key: person["data"]["username"] for key, person in zip("abcde", (a, b, c, d, e), strict=True)}
    for follower, followee in ((b, d), (c, d), (b, e), (a, b), (a, c)):
        follow(api, follower, followee)

    # When a asks, until the suggestions function has handled its follows (within 10 s)
    expected = [(username["d"], 2, [username["c"], username["b"]]), (username["e"], 1, [username["b"]])]
    deadline = time.monotonic() + DEADLINE_SECONDS
    while (shown := summary(suggestions(api, a)))[:2] != expected and time.monotonic() < deadline:
        time.sleep(0.2)

    # Then d comes first, followed by both of a's follows (the more recent named first), then e
    assert shown[:2] == expected, shown
    # And never a itself, nor b or c, whom a follows (popular accounts fill up the rest)
    assert not {username["a"], username["b"], username["c"]} & {name for name, _, _ in shown}

    # When a follows d
    follow(api, a, d)
    # Then d is no longer suggested, at once
    assert username["d"] not in {name for name, _, _ in summary(suggestions(api, a))}
