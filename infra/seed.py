"""`make seed`: load demo data into a running Chirp through its public API.

A few hundred users on a heavy-tailed follower graph (followees drawn from a Zipf
distribution, so a handful of accounts gather most followers, as on Twitter) and
a few thousand tweets with hashtags and mentions. Everything goes through the
HTTP API, exactly as a client would send it. Safe to run twice: existing demo
users are logged in instead of registered.

    python -m infra.seed [--users 300] [--tweets 3000] [--api http://127.0.0.1:8000/api]
"""

from __future__ import annotations

import argparse
import os
import random
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import httpx
from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")

TOPICS = ["serverless", "python", "aws", "dynamodb", "lambda", "opensource", "coffee", "music", "worldcup", "space"]
WORDS = [
    "today",
    "shipped",
    "a",
    "new",
    "feature",
    "and",
    "the",
    "latency",
    "dropped",
    "again",
    "while",
    "queue",
    "kept",
    "draining",
    "nobody",
    "expected",
    "cold",
    "start",
    "to",
    "matter",
    "until",
    "it",
    "did",
    "measured",
]
PASSWORD = "demo-password-1"


@dataclass(frozen=True)
class DemoUser:
    username: str
    user_id: str
    token: str


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--tweets", type=int, default=3000)
    parser.add_argument(
        "--api", default=os.environ.get("CHIRP_API_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/api")
    )
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same data")
    return parser.parse_args()


def in_parallel(label: str, work: Callable[[T], R], items: Iterable[T], workers: int, total: int) -> list[R]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(tqdm(pool.map(work, items), total=total, desc=label, unit="req"))


def ensure_user(client: httpx.Client, username: str) -> DemoUser:
    """Register the demo user, or log in when an earlier run already registered it."""
    registered = client.post(
        "/users/register",
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "name": username.replace("_", " ").title(),
        },
    )
    if registered.status_code == 201:
        body = registered.json()
        return DemoUser(username, body["data"]["id"], body["token"]["access_token"])
    if registered.status_code != 409:
        raise SystemExit(f"registering {username} failed: {registered.status_code} {registered.text}")
    token = client.post("/users/login", json={"username": username, "password": PASSWORD})
    token.raise_for_status()
    profile = client.get(f"/users/by/username/{username}")
    profile.raise_for_status()
    return DemoUser(username, profile.json()["data"]["id"], token.json()["access_token"])


def zipf_weights(count: int, exponent: float = 1.1) -> list[float]:
    return [1 / (rank**exponent) for rank in range(1, count + 1)]


def follow_plan(users: list[DemoUser], rng: random.Random) -> list[tuple[DemoUser, DemoUser]]:
    """Each user follows a log-normal number of accounts, drawn with Zipf weights."""
    weights = zipf_weights(len(users))
    edges: list[tuple[int, int]] = []
    for follower in range(len(users)):
        wanted = min(len(users) - 1, max(1, int(rng.lognormvariate(2.3, 0.8))))
        followees: set[int] = set()
        while len(followees) < wanted:
            followee = rng.choices(range(len(users)), weights=weights)[0]
            if followee != follower:
                followees.add(followee)
        edges += [(follower, followee) for followee in sorted(followees)]
    return [(users[a], users[b]) for a, b in edges]


def tweet_text(users: list[DemoUser], rng: random.Random) -> str:
    words = rng.sample(WORDS, rng.randint(4, 12))
    words += [f"#{topic}" for topic in rng.sample(TOPICS, rng.choice([0, 1, 1, 2]))]
    if rng.random() < 0.3:
        words.append(f"@{rng.choice(users).username}")
    rng.shuffle(words)
    return " ".join(words)


def main() -> None:
    args = parse_args()
    rng = random.Random(args.seed)
    with httpx.Client(base_url=args.api, timeout=30) as client:
        health = client.get("/health")
        if health.status_code != 200:
            raise SystemExit(f"Chirp is not answering at {args.api}: start it with `make run` first")

        names = [f"demo_{index:04d}" for index in range(args.users)]
        users = in_parallel("users", lambda name: ensure_user(client, name), names, args.workers, len(names))

        def follow(edge: tuple[DemoUser, DemoUser]) -> None:
            follower, followee = edge
            response = client.post(
                f"/users/{followee.user_id}/follow", headers={"authorization": f"Bearer {follower.token}"}
            )
            response.raise_for_status()

        edges = follow_plan(users, rng)
        in_parallel("follows", follow, edges, args.workers, len(edges))

        # Popular accounts tweet more, as they do.
        authors = rng.choices(users, weights=zipf_weights(len(users), 0.8), k=args.tweets)
        drafts = [(author, tweet_text(users, rng)) for author in authors]

        def post(draft: tuple[DemoUser, str]) -> None:
            author, text = draft
            response = client.post("/tweets", json={"text": text}, headers={"authorization": f"Bearer {author.token}"})
            response.raise_for_status()

        in_parallel("tweets", post, drafts, args.workers, len(drafts))
    print(
        f"Seeded {len(users)} users, {len(edges)} follows and {len(drafts)} tweets. Log in as demo_0000 / {PASSWORD}."
    )


if __name__ == "__main__":
    main()
