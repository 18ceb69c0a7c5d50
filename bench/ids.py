"""`make bench-ids`: do ids collide across 2,000 concurrent sandboxes, and does a collision ever cost a post?

A discrete simulation on one shared clock, millisecond by millisecond: `--sandboxes` Lambda sandboxes (2,000),
each with its own `chirp.ids.IdGenerator` (a worker id drawn at random, as a sandbox draws it), and posts
arriving at `--rate` a second (12,000: Twitter's peak) as a Poisson process, each to a sandbox picked at
random. Each post is `chirp.tweets.service.post_tweet`, the API's own code path (mint, write, on IdTaken mint
again with a new worker id), against an in-memory tweets table with DynamoDB's conditional semantics: a put
whose id exists is refused (IdTaken), never written over.

Two schemes are run on the same arrivals (the same seed):
- `from 0`: each millisecond's sequence starts at 0 (the ids before issue 14); the retry alone saves the posts;
- `random start`: each millisecond's sequence starts at random below 2**11 (chirp.ids now), with the retry.

Printed per scheme: ids minted, raw collisions (an id minted that was minted before: the write refused it),
posts failed (must be 0), overwrites (a post's stored tweet is not that post's: must be 0), retries, and
the expected rate of raw collisions by the birthday bound. Writes bench/results/ids.json.

    python -m bench.ids [--sandboxes 2000] [--rate 12000] [--seconds 10] [--seed 14]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any, cast

from chirp import ids
from chirp.errors import ChirpError
from chirp.ids import IdGenerator, IdTaken
from chirp.tweets.inputs import TweetDraft
from chirp.tweets.models import Tweet
from chirp.tweets.repository import TweetRepository
from chirp.tweets.service import post_tweet

from bench.api_latency import RESULTS

SCHEMES = {"from 0": 1, "random start": ids.SEQUENCE_START_SPAN}


class ConditionalTweets:
    """The tweets table as posting uses it: a put refused (IdTaken) when its id exists, as the transaction's
    `attribute_not_exists(tweet_id)` refuses it; counts the refusals."""

    def __init__(self) -> None:
        self.items: dict[int, Tweet] = {}
        self.refused = 0

    def create(self, tweet: Tweet, idempotency_key: str | None = None) -> None:
        if tweet.id in self.items:
            self.refused += 1
            raise IdTaken(f"tweet id {tweet.id} is taken; post again")
        self.items[tweet.id] = tweet


class Unused:
    """A repository a plain tweet's post never reads (no mention, no media, no reply or quote)."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a plain tweet's post read {name}")


@dataclass
class Outcome:
    scheme: str
    sandboxes: int
    rate_per_s: int
    seconds: float
    ids_minted: int
    raw_collisions: int
    posts_failed: int
    overwrites: int
    retries: int
    expected_collisions: float
    distinct_worker_ids: int
    wall_s: float


def poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method (the mean is ~12 a millisecond)."""
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


def expected_collisions(workers: list[int], rate: float, seconds: float, span: int) -> float:
    """Birthday bound: posts in one millisecond, pairs of them, each pair colliding if on two sandboxes of one
    worker id (the share of such pairs among the sandboxes' drawn ids, ~1/1024) that drew one sequence start
    (1/span); a pair on one sandbox never collides."""
    per_ms = rate / 1000
    pairs = per_ms * per_ms / 2  # E[n(n-1)/2] for Poisson(per_ms)
    count = len(workers)
    same_worker = sum(n * (n - 1) for n in Counter(workers).values()) / (count * count)
    return pairs * same_worker / span * seconds * 1000


def simulate(scheme: str, sandboxes: int, rate: int, seconds: float, seed: int) -> Outcome:
    start = time.perf_counter()
    arrivals = random.Random(seed)  # the same arrivals for every scheme
    now_ms = ids.EPOCH_MS + 330 * 86_400_000
    generators = [
        IdGenerator(
            clock=lambda: now_ms / 1000,
            rng=random.Random(f"{seed}-{index}"),
            sequence_start_span=SCHEMES[scheme],
        )
        for index in range(sandboxes)
    ]
    workers = [generator.worker_id for generator in generators]
    tweets, unused = ConditionalTweets(), Unused()
    table = cast(TweetRepository, tweets)  # a plain tweet's post calls `create` alone
    posted: list[Tweet] = []
    failed = 0
    draft = TweetDraft(text="hello")
    previous = ids.install_generator(generators[0])
    try:
        for _ in range(int(seconds * 1000)):
            for _ in range(poisson(arrivals, rate / 1000)):
                ids.install_generator(generators[arrivals.randrange(sandboxes)])  # this post's sandbox
                try:
                    tweet = post_tweet(table, unused, unused, len(posted) + failed + 1, draft, relations=unused)
                except ChirpError:
                    failed += 1
                else:
                    posted.append(tweet)
            now_ms += 1
    finally:
        ids.install_generator(previous)
    overwrites = sum(1 for tweet in posted if tweets.items.get(tweet.id) is not tweet)
    return Outcome(
        scheme=scheme,
        sandboxes=sandboxes,
        rate_per_s=rate,
        seconds=seconds,
        ids_minted=len(posted) + tweets.refused,
        raw_collisions=tweets.refused,
        posts_failed=failed,
        overwrites=overwrites,
        retries=tweets.refused,
        expected_collisions=round(expected_collisions(workers, rate, seconds, SCHEMES[scheme]), 2),
        distinct_worker_ids=len(set(workers)),
        wall_s=round(time.perf_counter() - start, 1),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sandboxes", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=12_000, help="posts a second, over all sandboxes")
    parser.add_argument("--seconds", type=float, default=10.0, help="simulated seconds")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    outcomes = [simulate(scheme, args.sandboxes, args.rate, args.seconds, args.seed) for scheme in SCHEMES]
    print(
        f"{args.sandboxes} sandboxes, {args.rate:,} posts/s, {args.seconds:g} simulated s, seed {args.seed}"
        f" ({outcomes[0].distinct_worker_ids} distinct worker ids among them)"
    )
    header = f"{'sequence':<14}{'ids minted':>12}{'raw collisions':>16}{'expected':>10}{'posts failed':>14}"
    print(header + f"{'overwrites':>12}{'retries':>9}{'wall s':>8}")
    for o in outcomes:
        print(
            f"{o.scheme:<14}{o.ids_minted:>12,}{o.raw_collisions:>16,}{o.expected_collisions:>10,.1f}"
            f"{o.posts_failed:>14}{o.overwrites:>12}{o.retries:>9,}{o.wall_s:>8}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ids.json").write_text(json.dumps([asdict(o) for o in outcomes], indent=2) + "\n")
    ok = all(o.posts_failed == 0 and o.overwrites == 0 for o in outcomes)
    print("PASS: no post failed, none overwritten" if ok else "FAIL: a post failed or was overwritten")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
