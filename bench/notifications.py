"""`make bench-notifications`: how fast a notification reaches an open WebSocket, and what it costs.

Starts the local runtime (its own data folder), then:

1. **Latency**: `--clients` users each open one WebSocket (the URL from `<data>/endpoints.json`, the
   access token in the query string) and post a tweet. One liker then likes those tweets one after the
   other, `--rate` likes a second, `--likes` in all; for each, the time from the like's HTTP 2xx to the
   moment its author's socket receives the `notification` message (target: p99 under 1 s). The path:
   the engagements table's stream (polled four times a second, as Lambda does), the event publisher, the
   bus (SNS), the notifier's queue (SQS, long-polled), the notifier, API Gateway's management API (the
   runtime's), the socket.
2. **Write units per notification**, in this process against the same DynamoDB Local (which reports
   consumed capacity as DynamoDB does): the repository's `record` for a new grouped notification, for
   a second actor on it, for a redelivered event (nothing written), and for a mention (ungrouped).

Prints a table; writes bench/results/notifications.json.

    python -m bench.notifications [--clients 200] [--likes 200] [--rate 5]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
from websockets.sync.client import ClientConnection, connect

from bench.api_latency import RESULTS, local_runtime
from bench.engagement import headers, register, summary, tweet

DELIVERY_TIMEOUT_SECONDS = 30.0


class Tab:
    """One open WebSocket and when each notification reached it (the liked tweet's id -> monotonic time)."""

    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.arrivals: dict[str, float] = {}
        self.arrived = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for raw in self.connection:
                received = time.monotonic()
                message = json.loads(raw)
                if message.get("type") == "notification" and message["data"].get("tweet_id"):
                    with self.arrived:
                        self.arrivals.setdefault(message["data"]["tweet_id"], received)
                        self.arrived.notify_all()
        except Exception:
            return

    def wait_for(self, tweet_id: str, timeout: float) -> float | None:
        with self.arrived:
            self.arrived.wait_for(lambda: tweet_id in self.arrivals, timeout)
            return self.arrivals.get(tweet_id)


def latencies(api: httpx.Client, url: str, clients: int, likes: int, rate: float) -> dict[str, Any]:
    with ThreadPoolExecutor(16) as pool:
        authors = list(pool.map(lambda _: register(api), range(clients)))
        tweets = list(pool.map(lambda author: tweet(api, author, "notify me"), authors))
    tabs = [Tab(connect(f"{url}?token={author['token']['access_token']}", open_timeout=30)) for author in authors]
    liker = register(api)
    sent: list[tuple[int, str, float]] = []
    try:
        for index in range(min(likes, clients)):  # each tweet liked once: a second like would group
            started = time.monotonic()
            response = api.post(f"/tweets/{tweets[index]}/like", headers=headers(liker))
            answered = time.monotonic()
            response.raise_for_status()
            sent.append((index, tweets[index], answered))
            time.sleep(max(0.0, 1 / rate - (answered - started)))
        delays, missing = [], 0
        for index, tweet_id, answered in sent:
            arrival = tabs[index].wait_for(tweet_id, DELIVERY_TIMEOUT_SECONDS)
            if arrival is None:
                missing += 1
            else:
                delays.append((arrival - answered) * 1000)
    finally:
        for tab in tabs:
            tab.connection.close()
    return {"like_to_websocket": summary(delays) if delays else {}, "missing": missing, "connected": len(tabs)}


def write_units(endpoints: dict[str, Any]) -> dict[str, float]:
    """Write units of each kind of `record`, measured in this process on the runtime's DynamoDB Local."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ["AWS_ENDPOINT_URL_DYNAMODB"] = endpoints["dynamodb"]
    os.environ["AWS_DEFAULT_REGION"] = endpoints["region"]
    from chirp.adapters.dynamodb.connection import Tables, bind_models
    from chirp.adapters.dynamodb.notifications import DynamoNotificationRepository
    from chirp.ids import new_id
    from chirp.notifications.models import Activity, Kind

    from bench.timeline_probe import DynamoDBCallRecorder

    bind_models(Tables(notifications=endpoints["resources"]["NotificationsTable"]["ref"]))
    recorder = DynamoDBCallRecorder()
    recorder.instrument_bound_models()
    repository = DynamoNotificationRepository()
    recipient, tweet_id, now = new_id(), new_id(), int(time.time() * 1000)

    def units(activity: Activity) -> float:
        with recorder.recording() as calls:
            repository.record(activity, new_id())
        return sum(call.write_units for call in calls)

    return {
        "new grouped notification (a first like)": units(Activity(recipient, Kind.LIKE, 11, now, tweet_id)),
        "another actor on it (a second like)": units(Activity(recipient, Kind.LIKE, 12, now, tweet_id)),
        "a redelivered event": units(Activity(recipient, Kind.LIKE, 12, now, tweet_id)),
        "a mention (never grouped)": units(Activity(recipient, Kind.MENTION, 13, now, new_id())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=200, help="open WebSockets (one user each)")
    parser.add_argument("--likes", type=int, default=200, help="likes measured (at most one per client's tweet)")
    parser.add_argument("--rate", type=float, default=5.0, help="likes a second")
    args = parser.parse_args()
    with local_runtime() as (base_url, data_dir):
        endpoints = json.loads((data_dir / "endpoints.json").read_text())
        (stage,) = endpoints["websockets"].values()
        with httpx.Client(base_url=base_url, timeout=30) as api:
            measured = latencies(api, stage["url"], args.clients, args.likes, args.rate)
        units = write_units(endpoints)
    delays = measured["like_to_websocket"]
    print(f"\nA like's 2xx -> its notification on the author's WebSocket ({measured['connected']} sockets open)")
    if delays:
        n, p50, p99 = delays["n"], delays["p50_ms"], delays["p99_ms"]
        print(f"  n {n}, p50 {p50:.0f} ms, p99 {p99:.0f} ms, missing {measured['missing']}")
        verdict = "PASS" if delays["p99_ms"] < 1000 and not measured["missing"] else "FAIL"
        print(f"  [{verdict}] p99 under 1 s, none missing")
    print("\nWrite units per notification (DynamoDB Local's ConsumedCapacity)")
    for what, value in units.items():
        print(f"  {what:45s} {value:5.1f}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "notifications.json"
    out.write_text(
        json.dumps({"args": vars(args), **measured, "write_units": units, "run": secrets.token_hex(4)}, indent=2)
    )
    print(f"\nwrote {out.relative_to(RESULTS.parent.parent)}", file=sys.stderr)


if __name__ == "__main__":
    main()
