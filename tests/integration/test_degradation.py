"""Graceful degradation on moto: with the search backend down, posting and home timelines work and the search
routes answer 503 with Retry-After at once (then, the breaker open, without calling the backend); with the
notifier failing, nothing else waits on it; with live pushes failing, the notifier stores and skips them.

The failing search backend is a real one reached through the wiring (SEARCH_ENDPOINT): a TCP server that drops
every connection, or one that never answers."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from chirp.adapters.dynamodb.notifications import DynamoNotificationRepository
from chirp.adapters.live_push import ApiGatewayPusher
from chirp.adapters.search.guarded import SEARCH_BREAKER_COOL_DOWN_S, SEARCH_BREAKER_FAILURES
from chirp.notifications.repository import PushFailed
from chirp.notifications.service import PUSH_BREAKER_FAILURES

from tests.integration.api_client import Account, Api, Reply, assert_error
from tests.integration.conftest import clear_settings_caches
from tests.integration.pipeline import (
    FANOUT_FUNCTION,
    PUBLISHER_FUNCTION,
    TIMELINE_FUNCTIONS,
    WRITER_FUNCTION,
    Pipeline,
    StartPipeline,
    home_ids,
)
from tests.integration.test_notifications import LIVE_FUNCTION, NOTIFIER_FUNCTION, open_connection

INDEXER_FUNCTION = "SearchIndexerFunction"


class DeadSearchBackend:
    """A TCP server on localhost standing in for a search domain that is down: it accepts each connection and
    drops it (`hang=False`: the client sees the connection reset at once) or holds it without a word (`hang=True`:
    the client waits out its timeout). Counts the connections that reached it."""

    def __init__(self, *, hang: bool) -> None:
        self.hang = hang
        self.connections = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self._server.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            if self.hang:
                self._held.append(connection)
            else:
                connection.close()

    def close(self) -> None:
        self._server.close()
        for connection in self._held:
            connection.close()


@pytest.fixture
def dead_search(monkeypatch: pytest.MonkeyPatch, aws: dict[str, str]) -> Iterator[DeadSearchBackend]:
    backend = DeadSearchBackend(hang=False)
    monkeypatch.setenv("SEARCH_ENDPOINT", backend.endpoint)
    clear_settings_caches()
    yield backend
    backend.close()


def search(api: Api, q: str = "hello") -> tuple[Reply, float]:
    started = time.perf_counter()
    reply = api.get("/api/search/tweets", query={"q": q})
    return reply, time.perf_counter() - started


def test_search_down_answers_503_with_retry_after_at_once_and_the_open_breaker_stops_calling_it(
    api: Api, dead_search: DeadSearchBackend
) -> None:
    # When the search routes are asked while the backend drops every connection
    first = [search(api) for _ in range(SEARCH_BREAKER_FAILURES)]
    # Then each answers 503, with Retry-After, in well under a second
    for reply, took in first:
        assert_error(reply, 503, "temporarily_unavailable")
        assert reply.headers["Retry-After"] == "1"
        assert took < 1.0
    assert dead_search.connections == SEARCH_BREAKER_FAILURES
    # And once the breaker is open, the backend is not called: the answer says how long to wait
    for path in ("/api/search/tweets", "/api/search/users", "/api/users/search", "/api/search"):
        reply = api.get(path, query={"q": "hello"})
        assert_error(reply, 503, "temporarily_unavailable", "search is unavailable")
        assert 1 <= int(reply.headers["Retry-After"]) <= SEARCH_BREAKER_COOL_DOWN_S
    assert dead_search.connections == SEARCH_BREAKER_FAILURES


def test_a_search_backend_that_never_answers_is_a_503_within_the_clients_timeout(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a backend that accepts connections and never answers
    backend = DeadSearchBackend(hang=True)
    monkeypatch.setenv("SEARCH_ENDPOINT", backend.endpoint)
    clear_settings_caches()
    try:
        # When
        reply, took = search(api)
    finally:
        backend.close()
    # Then a 503 after the client's 2-second timeout, not a request that hangs for the function's
    assert_error(reply, 503, "temporarily_unavailable")
    assert "Retry-After" in reply.headers
    assert took < 4.0


def test_a_bad_query_is_still_a_400_while_search_is_down(api: Api, dead_search: DeadSearchBackend) -> None:
    # When
    reply = api.get("/api/search/tweets", query={"q": '"unbalanced'})
    # Then the query's own mistake is named, and the backend was not asked
    assert reply.status == 400, reply.body
    assert dead_search.connections == 0


def test_posting_and_home_timelines_work_while_search_is_down(
    api: Api, start_pipeline: StartPipeline, alice: Account, bob: Account
) -> None:
    # Given the search backend down, for the API and for the indexer alike
    backend = DeadSearchBackend(hang=False)
    pipeline = start_pipeline(
        functions=(PUBLISHER_FUNCTION, *TIMELINE_FUNCTIONS, INDEXER_FUNCTION),
        environment={"SEARCH_ENDPOINT": backend.endpoint},
    )
    try:
        api.follow(bob, alice)
        # When alice posts and the pipeline runs
        tweet = api.tweet(alice, "posted while search is down")
        pipeline.deliver_streams(PUBLISHER_FUNCTION)
        pipeline.deliver_streams(FANOUT_FUNCTION)
        pipeline.deliver_queue(WRITER_FUNCTION)
        indexed = indexer_outcome(pipeline)
        # Then the post was accepted and is in bob's home timeline, while the indexer fails and search is a 503
        assert tweet["id"] in home_ids(api, bob)
        assert indexed == "failed"
        assert search(api, "posted")[0].status == 503
    finally:
        backend.close()


def indexer_outcome(pipeline: Pipeline) -> str:
    """Run the indexer on its queue once: "failed" if it failed (a record reported, or the whole batch raised)."""
    records = pipeline.receive(INDEXER_FUNCTION)
    assert records, "the indexer's queue got the tweet"
    try:
        failed = pipeline.consume(INDEXER_FUNCTION, records)
    except Exception:  # its init (ensuring the indexes) cannot reach the backend either
        return "failed"
    return "failed" if failed else "indexed"


def test_a_failing_notifier_delays_neither_posting_nor_home_timelines(
    api: Api, start_pipeline: StartPipeline, monkeypatch: pytest.MonkeyPatch, alice: Account, bob: Account
) -> None:
    # Given a notifier whose every write fails (its table unavailable)
    pipeline = start_pipeline(functions=(PUBLISHER_FUNCTION, *TIMELINE_FUNCTIONS, NOTIFIER_FUNCTION))

    def unavailable(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the notifications table is unavailable")

    monkeypatch.setattr(DynamoNotificationRepository, "record", unavailable)
    # When bob follows alice (a notification for alice), alice posts, and the pipeline runs
    api.follow(bob, alice)
    started = time.perf_counter()
    tweet = api.tweet(alice, "posted while the notifier fails")
    posting_s = time.perf_counter() - started
    pipeline.deliver_streams(PUBLISHER_FUNCTION)
    notifier_failed = pipeline.consume(NOTIFIER_FUNCTION, pipeline.receive(NOTIFIER_FUNCTION))
    pipeline.deliver_streams(FANOUT_FUNCTION)
    pipeline.deliver_queue(WRITER_FUNCTION)
    # Then the notifier failed its message (back to its own queue, then its own DLQ), and nothing else noticed:
    # the post answered at once and bob's home timeline has it
    assert notifier_failed
    assert pipeline.queue_url_of(NOTIFIER_FUNCTION) not in {pipeline.queue_url_of(WRITER_FUNCTION)}
    assert posting_s < 2.0
    assert tweet["id"] in home_ids(api, bob)


@pytest.fixture
def notifier_pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, NOTIFIER_FUNCTION, LIVE_FUNCTION))


def test_failing_live_pushes_open_the_breaker_and_the_notifier_stores_and_skips_them(
    api: Api,
    notifier_pipeline: Pipeline,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    alice: Account,
) -> None:
    # Given alice online, and a WebSocket API whose every push fails
    pipeline, bob = notifier_pipeline, api.register()
    assert open_connection(pipeline, "alice-tab=", alice.access_token)["statusCode"] == 200
    attempts: list[str] = []

    def failing_post(self: ApiGatewayPusher, connection_id: str, message: bytes) -> bool:
        attempts.append(connection_id)
        raise PushFailed(f"the push to {connection_id} timed out")

    monkeypatch.setattr(ApiGatewayPusher, "post", failing_post)
    liked = PUSH_BREAKER_FAILURES + 3
    tweet_ids = [api.tweet(alice, f"tweet {n}")["id"] for n in range(liked)]
    capsys.readouterr()
    # When bob likes each of them, one at a time through the notifier
    for tweet_id in tweet_ids:
        assert api.post(f"/api/tweets/{tweet_id}/like", token=bob.access_token).status == 200
        pipeline.run_until_quiet()
    # Then the pushes were tried until the breaker opened, and skipped after; every notification is stored
    assert len(attempts) == PUSH_BREAKER_FAILURES
    reply = api.get("/api/notifications", token=alice.access_token, query={"limit": "100"})
    assert len(reply.json()["data"]) == liked
    printed = capsys.readouterr().out
    assert printed.count('"Notifications_push_skipped":[') == liked - PUSH_BREAKER_FAILURES
