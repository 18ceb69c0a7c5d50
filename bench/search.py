"""`make bench-search`: how fast tweets are indexed, how fast search answers, and how soon a tweet is found.

1. **Indexing**: `--tweets` (100,000) seed-like tweets (the seed's words and hashtags, mentions, some Japanese)
   put into the embedded engine in bulk chunks of 1,000, as the indexer and `make reindex` write: docs/s.
2. **Post -> searchable** on the local runtime (its own data folder): `--fresh` tweets, each with a word of
   its own, posted through the API one after the other; for each, the time from the post's 201 to the first
   search that finds it (polled every 50 ms). The path: the tweets table's stream (polled four times a
   second), the event publisher, the bus, the indexer's queue, the indexer, the index. Target: p99 ≤ 2 s.
3. **Search latency**: the 100,000 tweets are added to the runtime's index (older than the posted ones,
   which the tables hold, so the first pages are real tweets read back from the tables), then each query is
   run `--repeat` times over HTTP (`GET /api/search/tweets`, `/api/users/search`) and, in this process, on
   the same index folder directly through the engine: p50/p99 of both, and their ratio (the API's share:
   HTTP, the gateway, parsing, resolving `from:`, reading the tweets back and showing them).

Prints a table; writes bench/results/search.json.

    python -m bench.search [--tweets 100000] [--fresh 100] [--repeat 200]
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from chirp.adapters.search import open_indexes
from chirp.ids import EPOCH_MS
from chirp.pages import PageRequest
from chirp.search.index import TweetDocument, TweetIndex, UserIndex
from chirp.search.query import parse_tweet_query, resolve_users

from bench.api_latency import RESULTS, local_runtime
from bench.engagement import register, summary, tweet
from infra.seed import TOPICS, WORDS

CHUNK = 1_000
AUTHORS = 300
JAPANESE = ["東京都", "天気", "今日は", "ラーメン", "新幹線"]


def corpus(count: int, rng: random.Random, newest_ms: int) -> list[TweetDocument]:
    """Seed-like tweets with Snowflake ids spread over the 30 days before `newest_ms`."""
    documents = []
    span = 30 * 86_400_000
    for n in range(count):
        created = newest_ms - span + n * span // count
        words = rng.choices(WORDS, k=rng.randint(6, 18))
        tags = rng.sample(TOPICS, k=rng.choice((0, 1, 1, 2)))
        if rng.random() < 0.05:
            words.append(rng.choice(JAPANESE))
        text = " ".join(words + [f"#{tag}" for tag in tags])
        documents.append(
            TweetDocument(
                tweet_id=((created - EPOCH_MS) << 22) | (n & 0x3FFFFF),
                author_id=rng.randrange(1, AUTHORS),
                text=text,
                hashtags=tuple(tags),
            )
        )
    return documents


def index_rate(documents: list[TweetDocument], folder: Path) -> dict[str, float]:
    tweets, _ = open_indexes(f"embedded:{folder}")
    started = time.perf_counter()
    for start in range(0, len(documents), CHUNK):
        tweets.put(documents[start : start + CHUNK])
    elapsed = time.perf_counter() - started
    return {"documents": len(documents), "seconds": elapsed, "docs_per_second": len(documents) / elapsed}


def post_to_searchable(api: httpx.Client, authors: list[dict[str, Any]], fresh: int) -> dict[str, Any]:
    delays, missing = [], 0
    for n in range(fresh):
        marker = f"fresh{secrets.token_hex(5)}"
        tweet(api, authors[n % len(authors)], f"{random.choice(WORDS)} #serverless cold start {marker}")
        posted = time.monotonic()
        while time.monotonic() - posted < 10:
            if api.get("/search/tweets", params={"q": marker}).json()["data"]:
                delays.append((time.monotonic() - posted) * 1000)
                break
            time.sleep(0.05)
        else:
            missing += 1
    return {"post_to_searchable": summary(delays), "missing": missing}


def queries(username: str) -> dict[str, str]:
    return {
        "word": "latency",
        "two words": "queue draining",
        "hashtag": "#serverless",
        "phrase": '"cold start"',
        "from:": f"from:{username}",
        "CJK": "東京",
    }


def http_latency(api: httpx.Client, path: str, q: str, repeat: int, token: str) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = api.get(path, params={"q": q}, headers={"authorization": f"Bearer {token}"})
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"search failed: {response.status_code} {response.text}")
    return summary(samples)


def engine_latency(run: Any, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        samples.append((time.perf_counter() - started) * 1000)
    return summary(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tweets", type=int, default=100_000)
    parser.add_argument("--fresh", type=int, default=100, help="tweets timed from post to searchable")
    parser.add_argument("--repeat", type=int, default=200, help="runs of each query")
    args = parser.parse_args()
    rng = random.Random(7)
    documents = corpus(args.tweets, rng, int(time.time() * 1000) - 86_400_000)
    results: dict[str, Any] = {"args": vars(args)}
    with local_runtime() as (base_url, data_dir):
        results["indexing"] = index_rate(documents, data_dir / "bench-index")
        endpoints = json.loads((data_dir / "endpoints.json").read_text())
        search_endpoint = endpoints["functions"]["SearchIndexerFunction"]["environment"]["SEARCH_ENDPOINT"]
        with httpx.Client(base_url=base_url, timeout=30) as api:
            authors = [register(api) for _ in range(20)]
            results["freshness"] = post_to_searchable(api, authors, args.fresh)
            tweets, users = open_indexes(search_endpoint)
            for start in range(0, len(documents), CHUNK):
                tweets.put(documents[start : start + CHUNK])
            results["search"] = compare(api, tweets, users, authors[0], args.repeat)
    report(results)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "search.json"
    out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {out.relative_to(RESULTS.parent.parent)}", file=sys.stderr)


def compare(
    api: httpx.Client, tweets: TweetIndex, users: UserIndex, reader: dict[str, Any], repeat: int
) -> dict[str, Any]:
    username, user_id, token = reader["data"]["username"], reader["data"]["id"], reader["token"]["access_token"]
    measured: dict[str, Any] = {}
    for name, q in queries(username).items():
        query = resolve_users(parse_tweet_query(q), lambda _name: int(user_id))
        assert query is not None
        measured[name] = {
            "http": http_latency(api, "/search/tweets", q, repeat, token),
            "engine": engine_latency(lambda query=query: tweets.search(query, PageRequest()), repeat),
        }
    for prefix in ("e", "en", username[:4]):
        measured[f"users {prefix!r}"] = {
            "http": http_latency(api, "/users/search", prefix, repeat, token),
            "engine": engine_latency(lambda prefix=prefix: users.search(prefix, PageRequest()), repeat),
        }
    return measured


def report(results: dict[str, Any]) -> None:
    indexing = results["indexing"]
    print(
        f"\nIndexing: {indexing['documents']:,} tweets in {indexing['seconds']:.1f} s = "
        f"{indexing['docs_per_second']:,.0f} docs/s (embedded engine, bulk chunks of {CHUNK:,})"
    )
    fresh = results["freshness"]["post_to_searchable"]
    verdict = "PASS" if fresh["n"] and fresh["p99_ms"] <= 2000 and not results["freshness"]["missing"] else "FAIL"
    print(
        f"\nPost -> searchable: n {fresh['n']}, p50 {fresh['p50_ms']:.0f} ms, p99 {fresh['p99_ms']:.0f} ms, "
        f"missing {results['freshness']['missing']}  [{verdict}] p99 <= 2 s"
    )
    print(f"\n{'query':16s} {'HTTP p50':>9s} {'p99':>7s} {'engine p50':>11s} {'p99':>7s} {'p50 ratio':>10s}")
    for name, row in results["search"].items():
        http, engine = row["http"], row["engine"]
        ratio = http["p50_ms"] / max(engine["p50_ms"], 0.001)
        print(
            f"{name:16s} {http['p50_ms']:9.1f} {http['p99_ms']:7.1f} {engine['p50_ms']:11.2f} "
            f"{engine['p99_ms']:7.2f} {ratio:9.0f}x"
        )


if __name__ == "__main__":
    main()
