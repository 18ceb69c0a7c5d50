"""Pushing to a user's open connections (chirp.notifications.service.push_live, push_home_timeline_news)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from chirp.notifications.repository import PushFailed
from chirp.notifications.service import push_home_timeline_news, push_live


@dataclass
class MemoryConnections:
    open: dict[int, list[str]] = field(default_factory=dict)
    forgotten: list[tuple[int, str]] = field(default_factory=list)

    def connect(self, user_id: int, connection_id: str, now_s: int) -> None:
        self.open.setdefault(user_id, []).append(connection_id)

    def disconnect(self, connection_id: str) -> int | None:
        return None

    def forget(self, user_id: int, connection_id: str) -> None:
        self.forgotten.append((user_id, connection_id))
        self.open[user_id].remove(connection_id)

    def of_users(self, user_ids: Iterable[int], now_s: int) -> Mapping[int, list[str]]:
        return {user: list(self.open[user]) for user in user_ids if self.open.get(user)}


@dataclass
class Gateway:
    """Connections the gateway still has take messages; `gone` ones answer 410; `failing` ones time out."""

    gone: set[str] = field(default_factory=set)
    failing: set[str] = field(default_factory=set)
    delivered: dict[str, list[bytes]] = field(default_factory=dict)

    def post(self, connection_id: str, message: bytes) -> bool:
        if connection_id in self.failing:
            raise PushFailed("timed out")
        if connection_id in self.gone:
            return False
        self.delivered.setdefault(connection_id, []).append(message)
        return True


def test_a_gone_connection_is_forgotten_and_never_stops_the_others() -> None:
    # Given a user with three connections: one gone, one timing out, one open
    connections = MemoryConnections({7: ["gone=", "slow=", "open="]})
    gateway = Gateway(gone={"gone="}, failing={"slow="})
    # When a message is pushed to all of them
    delivered = push_live(connections, gateway, 7, ["gone=", "slow=", "open="], b"hello")
    # Then the open one got it, the gone one is forgotten, the one that timed out is kept for next time
    assert delivered is True
    assert gateway.delivered == {"open=": [b"hello"]}
    assert connections.forgotten == [(7, "gone=")]
    assert connections.open[7] == ["slow=", "open="]


def test_only_owners_with_an_open_connection_hear_how_many_new_tweets_wait() -> None:
    # Given owner 1 with two tabs open and owner 2 with none
    connections = MemoryConnections({1: ["a=", "b="]})
    gateway = Gateway()
    # When entries 10 and 30 land in owner 1's timeline and 20 in owner 2's
    told = push_home_timeline_news(connections, gateway, {1: [10, 30], 2: [20]}, now_s=0)
    # Then both of owner 1's tabs are told of two new tweets, the newest 30; nobody else is told
    assert told == 1
    expected = {"type": "home_timeline", "data": {"count": 2, "newest_id": "30"}}
    assert {tab: [json.loads(m) for m in messages] for tab, messages in gateway.delivered.items()} == {
        "a=": [expected],
        "b=": [expected],
    }
