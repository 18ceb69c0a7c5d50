"""`make seed` (infra/seed.py) against the local runtime: it loads what it says, and runs twice safely."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def seed(base_url: str, users: int, tweets: int, *, likes: int = 0, retweets: int = 0, threads: int = 0) -> str:
    sizes = ["--users", str(users), "--tweets", str(tweets), "--likes", str(likes), "--retweets", str(retweets)]
    result = subprocess.run(
        [sys.executable, "-m", "infra.seed", *sizes, "--threads", str(threads), "--api", base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def made(output: str) -> dict[str, int]:
    """What a run reports it made ('Seeded 6 users, 9 follows and 15 tweets; 12 likes, 3 retweets and 7
    replies in 2 threads.')."""
    found = re.search(
        r"Seeded (\d+) users, (\d+) follows and (\d+) tweets; "
        r"(\d+) likes, (\d+) retweets and (\d+) replies in (\d+) threads",
        output,
    )
    assert found, output
    names = ("users", "follows", "tweets", "likes", "retweets", "replies", "threads")
    return dict(zip(names, map(int, found.groups()), strict=True))


def test_seed_loads_users_follows_tweets_and_engagement_and_can_run_again(chirp_runtime: Any) -> None:
    # When the seeder runs twice with a small size
    first = made(seed(chirp_runtime.base_url, users=6, tweets=15, likes=12, retweets=4, threads=2))
    second = made(seed(chirp_runtime.base_url, users=6, tweets=5, likes=5, retweets=2, threads=1))
    # Then both runs report what they loaded
    assert (first["users"], first["tweets"], first["threads"]) == (6, 15, 2)
    assert (second["users"], second["tweets"], second["threads"]) == (6, 5, 1)
    assert 0 < first["likes"] <= 12 and 0 < first["retweets"] <= 4 and first["replies"] >= 4
    # And the demo users exist and follow each other; their tweets are the tweets, retweets and replies both
    # runs made, and their likes the likes both runs made
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=30) as api:
        profiles = [api.get(f"/users/by/username/demo_{n:04d}").json()["data"] for n in range(6)]
    metrics = [profile["public_metrics"] for profile in profiles]
    runs = (first, second)
    assert sum(m["tweet_count"] for m in metrics) == sum(
        run["tweets"] + run["retweets"] + run["replies"] for run in runs
    )
    assert sum(m["like_count"] for m in metrics) == sum(run["likes"] for run in runs)
    assert sum(m["following_count"] for m in metrics) == sum(m["followers_count"] for m in metrics) > 0


def test_seeded_data_is_searchable_and_make_reindex_rebuilds_the_index_from_the_tables(chirp_runtime: Any) -> None:
    # Given a seeded runtime (what the seeder posts goes through the API, so through the indexer)
    seed(chirp_runtime.base_url, users=4, tweets=8)
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=30) as api:

        def searchable() -> tuple[int, list[str]]:
            tweets = api.get("/search/tweets", params={"q": "from:demo_0000", "limit": "100"}).json()["data"]
            users = api.get("/users/search", params={"q": "demo_000", "limit": "100"}).json()["data"]
            return len(tweets), sorted(user["username"] for user in users)

        posted = api.get("/users/by/username/demo_0000").json()["data"]["public_metrics"]["tweet_count"]
        deadline = time.monotonic() + 30
        while searchable()[0] == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        before = searchable()
        # Then the demo users and their tweets are found
        assert before[0] > 0 and before[0] <= posted
        assert {"demo_0000", "demo_0001", "demo_0002", "demo_0003"} <= set(before[1])
        # When the index is rebuilt from the tables
        result = subprocess.run(
            [sys.executable, "-m", "infra.reindex", "--data-dir", str(chirp_runtime.data_dir)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": f"{ROOT / 'layers/chirp'}:{ROOT}"},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        # Then it succeeds, with its progress on stderr, and search answers as before
        assert result.returncode == 0, result.stderr[-2000:]
        assert "tweets" in result.stderr and "users" in result.stderr
        assert searchable() == before
