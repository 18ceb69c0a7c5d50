"""`make seed` (infra/seed.py) against the local runtime: it loads what it says, and runs twice safely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


def seed(base_url: str, users: int, tweets: int) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "infra.seed", "--users", str(users), "--tweets", str(tweets), "--api", base_url],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def test_seed_loads_users_follows_and_tweets_and_can_run_again(chirp_runtime: Any) -> None:
    # When the seeder runs twice with a small size
    first = seed(chirp_runtime.base_url, users=6, tweets=15)
    second = seed(chirp_runtime.base_url, users=6, tweets=5)
    # Then both runs report what they loaded
    assert "Seeded 6 users" in first and "15 tweets" in first
    assert "Seeded 6 users" in second and "5 tweets" in second
    # And the demo users exist, follow each other, and have 20 tweets between them
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=30) as api:
        profiles = [api.get(f"/users/by/username/demo_{n:04d}").json()["data"] for n in range(6)]
    metrics = [profile["public_metrics"] for profile in profiles]
    assert sum(m["tweet_count"] for m in metrics) == 20
    assert sum(m["following_count"] for m in metrics) == sum(m["followers_count"] for m in metrics) > 0
