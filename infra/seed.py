"""`make seed`: load demo data into a running Chirp through its public API.

A few hundred users on a heavy-tailed follower graph (followees drawn from a Zipf
distribution, so a handful of accounts gather most followers, as on Twitter), a
few thousand tweets with hashtags and mentions, and engagement on them: likes and
retweets (popular authors' tweets draw most of them) and reply threads (two or
three people taking turns). Everything goes through the HTTP API, exactly as a
client would send it. Safe to run twice: existing demo users are logged in
instead of registered; a like or retweet made already changes nothing.

    python -m infra.seed [--users 300] [--tweets 3000] [--likes 6000] [--retweets 600] [--threads 150]
                         [--api http://127.0.0.1:8000/api]
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
    parser.add_argument("--likes", type=int, default=6000)
    parser.add_argument("--retweets", type=int, default=600)
    parser.add_argument("--threads", type=int, default=150, help="reply threads, 2 to 12 replies deep")
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

        def post(draft: tuple[DemoUser, str]) -> str:
            author, text = draft
            response = client.post("/tweets", json={"text": text}, headers={"authorization": f"Bearer {author.token}"})
            response.raise_for_status()
            return str(response.json()["data"]["id"])

        tweet_ids = in_parallel("tweets", post, drafts, args.workers, len(drafts))
        engaged = engage(client, args, rng, users, list(zip(authors, tweet_ids, strict=True)))
    print(
        f"Seeded {len(users)} users, {len(edges)} follows and {len(drafts)} tweets; {engaged.likes} likes, "
        f"{engaged.retweets} retweets and {engaged.replies} replies in {engaged.threads} threads. "
        f"Log in as demo_0000 / {PASSWORD}."
    )


@dataclass(frozen=True)
class Engaged:
    """What the engagement step made."""

    likes: int
    retweets: int
    replies: int
    threads: int


def engage(
    client: httpx.Client,
    args: argparse.Namespace,
    rng: random.Random,
    users: list[DemoUser],
    tweets: list[tuple[DemoUser, str]],
) -> Engaged:
    """Likes and retweets of the tweets just posted, most of them on the popular authors' tweets, and
    reply threads under some of them."""
    if not tweets:
        return Engaged(0, 0, 0, 0)
    rank = {user.user_id: index for index, user in enumerate(users)}
    weights = [1 / (rank[author.user_id] + 1) ** 0.9 for author, _ in tweets]

    def pick(count: int) -> list[tuple[DemoUser, str]]:
        """Up to `count` distinct (user, tweet) pairs: a like or retweet is made once."""
        picked = rng.choices(tweets, weights=weights, k=count)
        pairs = {(rng.randrange(len(users)), tweet_id): None for _, tweet_id in picked}
        return [(users[user], tweet_id) for user, tweet_id in pairs]

    def act(verb: str) -> Callable[[tuple[DemoUser, str]], None]:
        def send(action: tuple[DemoUser, str]) -> None:
            user, tweet_id = action
            response = client.post(f"/tweets/{tweet_id}/{verb}", headers={"authorization": f"Bearer {user.token}"})
            response.raise_for_status()

        return send

    likes, retweets = pick(args.likes), pick(args.retweets)
    in_parallel("likes", act("like"), likes, args.workers, len(likes))
    in_parallel("retweets", act("retweet"), retweets, args.workers, len(retweets))
    threads = [
        (rng.sample(users, rng.choice([2, 2, 3])), tweet_id, [reply_text(rng) for _ in range(rng.randint(2, 12))])
        for _, tweet_id in rng.sample(tweets, min(args.threads, len(tweets)))
    ]

    def converse(thread: tuple[list[DemoUser], str, list[str]]) -> int:
        """People taking turns replying, each to the reply before."""
        people, parent, texts = thread
        for turn, text in enumerate(texts):
            speaker = people[turn % len(people)]
            response = client.post(
                "/tweets",
                json={"text": text, "reply": {"in_reply_to_tweet_id": parent}},
                headers={"authorization": f"Bearer {speaker.token}"},
            )
            response.raise_for_status()
            parent = str(response.json()["data"]["id"])
        return len(texts)

    replies = in_parallel("threads", converse, threads, args.workers, len(threads))
    return Engaged(likes=len(likes), retweets=len(retweets), replies=sum(replies), threads=len(threads))


def reply_text(rng: random.Random) -> str:
    return " ".join(rng.sample(WORDS, rng.randint(3, 9)))


if __name__ == "__main__":
    main()
