"""`make bench-engagement`: what engagement costs, and whether a hot tweet melts.

Starts the local runtime (its own data folder), then:

1. **Latency** (one client, sequential, after a warm-up): `POST /api/tweets/{id}/like`,
   `POST /api/tweets/{id}/retweet` and a reply (`POST /api/tweets` with `reply`) over HTTP, each on a
   fresh tweet, next to one raw DynamoDB `PutItem` of a small item on the same DynamoDB Local, in the
   same run, interleaved (so both see the same machine load).
2. **A hot tweet**: `--likers` accounts like one tweet through `--clients` concurrent HTTP clients
   (each account once). Reports the likes per second the tweet took (from the first request to the
   last answer), every status code the likes got (the target: all 2xx, no 503), and the seconds from the
   last like's answer until `GET /api/tweets/{id}` reads `like_count == likers` (the counter function
   aggregates the engagements table's stream in batches: the count trails the likes), and whether
   `liking_users` lists every liker.

Prints a table; writes bench/results/engagement.json.

    python -m bench.engagement [--requests 200] [--likers 1000] [--clients 200]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
import httpx

from bench.api_latency import RESULTS, ROOT, local_runtime, percentile

PASSWORD = "bench-pw-1"
COUNT_DEADLINE_SECONDS = 120.0


def summary(samples: list[float]) -> dict[str, float]:
    return {"n": len(samples), "p50_ms": percentile(samples, 0.50), "p99_ms": percentile(samples, 0.99)}


def register(api: httpx.Client) -> dict[str, Any]:
    name = f"en{secrets.token_hex(6)}"
    response = api.post(
        "/users/register", json={"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def headers(account: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {account['token']['access_token']}"}


def tweet(api: httpx.Client, author: dict[str, Any], text: str) -> str:
    response = api.post("/tweets", json={"text": text}, headers=headers(author))
    response.raise_for_status()
    return str(response.json()["data"]["id"])


def timed(send: Any) -> float:
    start = time.perf_counter()
    response = send()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status_code >= 300:
        raise SystemExit(f"benchmark request failed: {response.status_code} {response.text}")
    return elapsed


def latencies(api: httpx.Client, endpoints: dict[str, Any], requests: int) -> dict[str, dict[str, float]]:
    """p50/p99 of like, retweet and reply over HTTP, and of one raw PutItem, interleaved."""
    author, fan = register(api), register(api)
    table = endpoints["resources"]["CountedRecordsTable"]["ref"]
    raw = boto3.client(
        "dynamodb",
        endpoint_url=endpoints["dynamodb"],
        region_name=endpoints["region"],
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
    )
    samples: dict[str, list[float]] = {"like": [], "retweet": [], "reply": [], "raw": []}
    for number in range(requests + 10):  # the first ten warm the sandboxes up, unmeasured
        target = tweet(api, author, f"engage with {number}")
        like = timed(lambda t=target: api.post(f"/tweets/{t}/like", headers=headers(fan)))
        retweet = timed(lambda t=target: api.post(f"/tweets/{t}/retweet", headers=headers(fan)))
        body = {"text": f"reply {number}", "reply": {"in_reply_to_tweet_id": target}}
        reply = timed(lambda b=body: api.post("/tweets", json=b, headers=headers(fan)))
        item = {"event_id": {"S": f"bench-{secrets.token_hex(8)}"}, "expires_at": {"N": str(int(time.time()) + 3600)}}
        start = time.perf_counter()
        raw.put_item(TableName=table, Item=item)
        put = (time.perf_counter() - start) * 1000
        if number >= 10:
            for name, value in (("like", like), ("retweet", retweet), ("reply", reply), ("raw", put)):
                samples[name].append(value)
    return {
        "POST /api/tweets/{id}/like": summary(samples["like"]),
        "POST /api/tweets/{id}/retweet": summary(samples["retweet"]),
        "POST /api/tweets (a reply)": summary(samples["reply"]),
        "raw DynamoDB PutItem (same engine)": summary(samples["raw"]),
    }


def hot_tweet(base_url: str, likers: int, clients: int) -> dict[str, Any]:
    """`likers` accounts like one tweet through `clients` concurrent clients; then how long until exact."""
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    with httpx.Client(base_url=base_url, timeout=60, limits=limits) as api:
        author = register(api)
        target = tweet(api, author, "the hot tweet")
        with ThreadPoolExecutor(max_workers=min(clients, 32)) as pool:
            accounts = list(pool.map(lambda _: register(api), range(likers)))

        def like(account: dict[str, Any]) -> int:
            return api.post(f"/tweets/{target}/like", headers=headers(account)).status_code

        with ThreadPoolExecutor(max_workers=clients) as pool:
            started = time.perf_counter()
            statuses = Counter(pool.map(like, accounts))
            finished = time.perf_counter()
        liked_at = time.monotonic()
        exact_after: float | None = None
        count = -1
        while time.monotonic() - liked_at < COUNT_DEADLINE_SECONDS:
            count = api.get(f"/tweets/{target}").json()["data"]["public_metrics"]["like_count"]
            if count == likers:
                exact_after = time.monotonic() - liked_at
                break
            time.sleep(0.05)
        listed = 0
        cursor: str | None = None
        while True:
            query = {"limit": "100"} | ({"cursor": cursor} if cursor else {})
            page = api.get(f"/tweets/{target}/liking_users", params=query).json()
            listed += len(page["data"])
            cursor = page["meta"]["next_cursor"]
            if cursor is None:
                break
    return {
        "likers": likers,
        "clients": clients,
        "statuses": {str(status): n for status, n in sorted(statuses.items())},
        "likes_per_second": likers / (finished - started),
        "seconds_until_count_exact": exact_after,
        "final_like_count": count,
        "liking_users_listed": listed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--likers", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=200)
    args = parser.parse_args()
    with local_runtime() as (base_url, data_dir):
        endpoints = json.loads((data_dir / "endpoints.json").read_text())
        with httpx.Client(base_url=base_url, timeout=30) as api:
            table = latencies(api, endpoints, args.requests)
        hot = hot_tweet(base_url, args.likers, args.clients)
    print(f"\nEngagement latency on the local runtime (one client, sequential, {args.requests} each)")
    print(f"  {'request':<40} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    for label, figures in table.items():
        print(f"  {label:<40} {figures['n']:>5.0f} {figures['p50_ms']:>8.1f} {figures['p99_ms']:>8.1f}")
    print(f"\nA hot tweet: {hot['likers']} likers through {hot['clients']} concurrent clients")
    print(f"  statuses                      {hot['statuses']}")
    print(f"  likes per second              {hot['likes_per_second']:.1f}")
    exact = hot["seconds_until_count_exact"]
    print(f"  seconds until like_count exact {exact:.2f}" if exact is not None else "  like_count never exact")
    print(f"  final like_count              {hot['final_like_count']}")
    print(f"  liking_users listed           {hot['liking_users_listed']}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "engagement.json"
    output.write_text(json.dumps({"latency": table, "hot_tweet": hot, "python": sys.version}, indent=2))
    print(f"\nwrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
