"""Notifications and home-timeline news over the WebSocket API, on the local runtime, with a real WebSocket
client: the URL from `<data>/endpoints.json`, the access token in the query string, messages pushed by the
notifier and the timeline writer through the management API the runtime serves on the same port."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import ClientConnection, connect

from tests.e2e.accounts import auth, register
from tests.e2e.conftest import RunningRuntime

pytestmark = pytest.mark.e2e

# Delivery runs through stream pollers (four reads a second), the bus and a queue. The runtime is shared with
# the other e2e tests (a hot tweet's 200 likes queue 200 notifications ahead of these): a generous wait.
# The latency itself is make bench-notifications' figure.
MESSAGE_TIMEOUT_SECONDS = 60.0


def websocket_url(runtime: RunningRuntime) -> str:
    (stage,) = runtime.endpoints()["websockets"].values()
    url: str = stage["url"]
    return url


def token(account: dict[str, Any]) -> str:
    access: str = account["token"]["access_token"]
    return access


@pytest.fixture
def tabs(chirp_runtime: RunningRuntime) -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


def open_tab(runtime: RunningRuntime, tabs: ExitStack, account: dict[str, Any]) -> ClientConnection:
    return tabs.enter_context(connect(f"{websocket_url(runtime)}?token={token(account)}", open_timeout=10))


def next_message(tab: ClientConnection, kind: str, timeout: float = MESSAGE_TIMEOUT_SECONDS) -> dict[str, Any]:
    """The next message of the given type (others are skipped), within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while (left := deadline - time.monotonic()) > 0:
        message: dict[str, Any] = json.loads(tab.recv(timeout=left))
        if message["type"] == kind:
            return message
    raise AssertionError(f"no {kind} message within {timeout} s")


def post(api: httpx.Client, account: dict[str, Any], text: str) -> str:
    response = api.post("/tweets", json={"text": text}, headers=auth(account))
    assert response.status_code == 201, response.text
    tweet_id: str = response.json()["data"]["id"]
    return tweet_id


@pytest.mark.parametrize("query", ["", "?token=", "?token=not.a.jwt"])
def test_a_connection_without_a_valid_token_is_refused_at_the_handshake(
    chirp_runtime: RunningRuntime, query: str
) -> None:
    with pytest.raises(InvalidStatus) as refused:
        connect(f"{websocket_url(chirp_runtime)}{query}", open_timeout=10)
    assert refused.value.response.status_code == 401


def test_both_tabs_of_a_user_receive_a_likes_notification_with_the_unread_count_the_api_answers(
    chirp_runtime: RunningRuntime, api: httpx.Client, tabs: ExitStack
) -> None:
    # Given alice with two tabs open, and a tweet of hers
    alice, bob = register(api), register(api)
    first, second = open_tab(chirp_runtime, tabs, alice), open_tab(chirp_runtime, tabs, alice)
    tweet_id = post(api, alice, "like me, live")
    # When bob likes it
    assert api.post(f"/tweets/{tweet_id}/like", headers=auth(bob)).status_code == 200
    # Then each tab gets the notification, naming bob, with an unread count of one
    for tab in (first, second):
        message = next_message(tab, "notification")
        assert (message["data"]["kind"], message["data"]["count"]) == ("like", 1)
        assert [actor["username"] for actor in message["data"]["actors"]] == [bob["data"]["username"]]
        assert message["unread_count"] == 1
    # And the API's count and list agree with it
    assert api.get("/notifications/unread_count", headers=auth(alice)).json()["data"]["unread_count"] == 1
    listed = api.get("/notifications", headers=auth(alice)).json()["data"]
    assert [(item["kind"], item["read"], item["tweet"]["id"]) for item in listed] == [("like", False, tweet_id)]


def test_a_closed_tab_never_stops_delivery_to_the_open_one(
    chirp_runtime: RunningRuntime, api: httpx.Client, tabs: ExitStack
) -> None:
    # Given alice opened two tabs and closed one
    alice, bob = register(api), register(api)
    closed = connect(f"{websocket_url(chirp_runtime)}?token={token(alice)}", open_timeout=10)
    still_open = open_tab(chirp_runtime, tabs, alice)
    closed.close()
    # When bob follows her
    assert api.post(f"/users/{alice['data']['id']}/follow", headers=auth(bob)).status_code == 200
    # Then the open tab gets the follow
    assert next_message(still_open, "notification")["data"]["kind"] == "follow"


def test_a_followee_posting_tells_an_open_tab_how_many_new_tweets_wait(
    chirp_runtime: RunningRuntime, api: httpx.Client, tabs: ExitStack
) -> None:
    # Given alice follows bob, reads her home timeline once (so she is active), and has a tab open
    alice, bob = register(api), register(api)
    assert api.post(f"/users/{bob['data']['id']}/follow", headers=auth(alice)).status_code == 200
    assert api.get("/timeline", headers=auth(alice)).status_code == 200
    tab = open_tab(chirp_runtime, tabs, alice)
    # When bob posts
    tweet_id = post(api, bob, "fresh off the press")
    # Then alice's tab is told one new tweet waits, and which is the newest
    message = next_message(tab, "home_timeline")
    assert message["data"] == {"count": 1, "newest_id": tweet_id}
    # And her home timeline shows it
    assert api.get("/timeline", headers=auth(alice)).json()["data"][0]["id"] == tweet_id
