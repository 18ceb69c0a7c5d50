"""The client side of the timelines benchmark: DeathStarBench's social-network mix over HTTP.

Each client thread issues, at a fixed pace (the total `rate` shared between clients), 60% home-timeline
reads (`GET /api/timeline`, a random reader), 30% user-timeline reads (`GET /api/users/{id}/tweets`, a
random user) and 10% posts (`POST /api/tweets`). A post's author is a random ordinary user, except for a
`celebrity_post_share` of posts written by a random celebrity: with uniform authors, as DeathStarBench
picks them, a graph of a few thousand users would almost never show a celebrity post. Each post is
handed to the delivery watcher with up to `watched_followers` of its author's active followers.

With `engagement_share` > 0, that share of the posts is engagement instead, on a tweet drawn from the
most followed authors' tweets and those posted during the run: half likes (by a random reader, so
readers' summaries fill), a quarter retweets, 15% replies and 10% quotes (by an author picked as a
post's is, celebrities included, so pages show pulled retweets and quotes).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.timeline_graph import FollowerGraph
from bench.timeline_probe import PAGE_SIZE, Delivery

HOME_SHARE, USER_SHARE = 0.6, 0.3  # the rest are posts
MAX_LAG_SECONDS = 1.0  # a client further behind its schedule than this stops catching up
ENGAGEMENTS = ("like", "like", "like", "like", "like", "retweet", "retweet", "reply", "reply", "quote")
POOL_SIZE = 2000  # the tweets engagement picks from: the newest this many


@dataclass(frozen=True)
class WorkloadPlan:
    clients: int
    duration_seconds: float
    rate: float  # operations per second, all clients together
    celebrity_post_share: float
    watched_followers: int
    seed: int
    engagement_share: float = 0.0


class TweetPool:
    """The tweets engagement picks from, shared by the clients."""

    def __init__(self, initial: list[int]) -> None:
        self._ids: deque[int] = deque(initial[-POOL_SIZE:], maxlen=POOL_SIZE)
        self._lock = threading.Lock()

    def add(self, tweet_id: int) -> None:
        with self._lock:
            self._ids.append(tweet_id)

    def pick(self, rng: random.Random) -> int | None:
        with self._lock:
            return self._ids[rng.randrange(len(self._ids))] if self._ids else None


@dataclass
class WorkloadSamples:
    home_ms: list[float] = field(default_factory=list)
    user_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    engage_ms: list[float] = field(default_factory=list)
    engagements: dict[str, int] = field(default_factory=dict)
    posts: int = 0
    celebrity_posts: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    def merge(self, other: WorkloadSamples) -> None:
        self.home_ms += other.home_ms
        self.user_ms += other.user_ms
        self.post_ms += other.post_ms
        self.engage_ms += other.engage_ms
        for kind, count in other.engagements.items():
            self.engagements[kind] = self.engagements.get(kind, 0) + count
        self.posts += other.posts
        self.celebrity_posts += other.celebrity_posts
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count

    @property
    def operations(self) -> int:
        return len(self.home_ms) + len(self.user_ms) + len(self.post_ms) + len(self.engage_ms)


@dataclass(frozen=True)
class Audience:
    """Who reads and who posts, and the tokens they use."""

    graph: FollowerGraph
    celebrities: list[int]  # user indexes
    ordinary_authors: list[int]
    headers: dict[int, dict[str, str]]  # user index -> Authorization header
    pool: TweetPool = field(default_factory=lambda: TweetPool([]))


class MixClient(threading.Thread):
    def __init__(
        self,
        *,
        number: int,
        api_url: str,
        audience: Audience,
        plan: WorkloadPlan,
        deliveries: Callable[[Delivery], None],
        deadline: float,
    ) -> None:
        super().__init__(name=f"mix-client-{number}", daemon=True)
        self.number, self.audience, self.plan, self.deliveries, self.deadline = (
            number, audience, plan, deliveries, deadline,
        )  # fmt: skip
        self.http = httpx.Client(base_url=api_url, timeout=60)
        self.rng = random.Random(plan.seed * 1000 + number)
        self.samples = WorkloadSamples()

    def run(self) -> None:
        interval = self.plan.clients / self.plan.rate if self.plan.rate > 0 else 0.0
        next_at = time.monotonic() + self.rng.uniform(0, interval)
        try:
            while True:
                now = time.monotonic()
                if now >= self.deadline:
                    return
                if next_at > now:
                    time.sleep(min(next_at - now, self.deadline - now))
                    continue
                next_at = max(next_at + interval, now - MAX_LAG_SECONDS)
                self.one_operation()
        finally:
            self.http.close()

    def one_operation(self) -> None:
        choice = self.rng.random()
        if choice < HOME_SHARE:
            reader = self.rng.choice(self.audience.graph.reader_indexes)
            self.timed("home", "GET", "/timeline", params={"limit": PAGE_SIZE}, headers=self.audience.headers[reader])
        elif choice < HOME_SHARE + USER_SHARE:
            user_id = self.rng.choice(self.audience.graph.user_ids)
            self.timed("user", "GET", f"/users/{user_id}/tweets", params={"limit": PAGE_SIZE})
        elif self.rng.random() < self.plan.engagement_share and (target := self.audience.pool.pick(self.rng)):
            self.engage(target)
        else:
            self.post()

    def author(self) -> tuple[int, bool]:
        """A post's author: a celebrity for `celebrity_post_share` of posts, else an ordinary author."""
        celebrity = bool(self.audience.celebrities) and self.rng.random() < self.plan.celebrity_post_share
        return self.rng.choice(self.audience.celebrities if celebrity else self.audience.ordinary_authors), celebrity

    def engage(self, target: int) -> None:
        kind = self.rng.choice(ENGAGEMENTS)
        if kind == "like":
            reader = self.rng.choice(self.audience.graph.reader_indexes)
            response = self.timed("engage", "POST", f"/tweets/{target}/like", headers=self.audience.headers[reader])
        else:
            actor, _ = self.author()
            path, body = {
                "retweet": (f"/tweets/{target}/retweet", None),
                "reply": ("/tweets", {"text": "#bench reply", "reply": {"in_reply_to_tweet_id": str(target)}}),
                "quote": ("/tweets", {"text": "#bench quote", "quote_tweet_id": str(target)}),
            }[kind]
            response = self.timed("engage", "POST", path, json=body, headers=self.audience.headers[actor])
            if response is not None and kind != "retweet":
                self.audience.pool.add(int(response.json()["data"]["id"]))
        if response is not None:
            self.samples.engagements[kind] = self.samples.engagements.get(kind, 0) + 1

    def post(self) -> None:
        author, celebrity = self.author()
        text = f"#bench post {self.samples.posts} from client {self.number}"
        response = self.timed("post", "POST", "/tweets", json={"text": text}, headers=self.audience.headers[author])
        if response is None:
            return
        posted_at = time.monotonic()
        self.samples.posts += 1
        self.samples.celebrity_posts += int(celebrity)
        tweet_id = int(response.json()["data"]["id"])
        self.audience.pool.add(tweet_id)
        followers = self.audience.graph.active_followers(author)
        for follower in self.rng.sample(followers, min(self.plan.watched_followers, len(followers))):
            self.deliveries(Delivery(tweet_id, self.audience.graph.user_ids[follower], celebrity, posted_at))

    def timed(self, kind: str, method: str, path: str, **options: object) -> httpx.Response | None:
        started = time.perf_counter()
        try:
            response = self.http.request(method, path, **options)  # type: ignore[arg-type]
        except httpx.HTTPError as error:
            key = f"{kind}: {type(error).__name__}"
            self.samples.errors[key] = self.samples.errors.get(key, 0) + 1
            return None
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code >= 300:
            key = f"{kind}: HTTP {response.status_code}"
            self.samples.errors[key] = self.samples.errors.get(key, 0) + 1
            return None
        samples = {"home": self.samples.home_ms, "user": self.samples.user_ms, "post": self.samples.post_ms}
        (samples | {"engage": self.samples.engage_ms})[kind].append(elapsed)
        return response


def run_mix(
    api_url: str, audience: Audience, plan: WorkloadPlan, deliveries: Callable[[Delivery], None]
) -> WorkloadSamples:
    started = time.monotonic()
    deadline = started + plan.duration_seconds
    clients = [
        MixClient(
            number=number, api_url=api_url, audience=audience, plan=plan, deliveries=deliveries, deadline=deadline
        )
        for number in range(plan.clients)
    ]
    for client in clients:
        client.start()
    for client in clients:
        client.join()
    total = WorkloadSamples(elapsed_seconds=time.monotonic() - started)
    for client in clients:
        total.merge(client.samples)
    return total


def read_home_timelines(api_url: str, audience: Audience, readers: list[int], clients: int) -> dict[int, str]:
    """Each reader's home-timeline read (the first one rebuilds their timeline and makes them active),
    from `clients` clients at once; returns the readers whose read failed, with what went wrong."""
    failures: dict[int, str] = {}

    def read_some(share: list[int]) -> None:
        with httpx.Client(base_url=api_url, timeout=120) as http:
            for reader in share:
                try:
                    response = http.get("/timeline", params={"limit": PAGE_SIZE}, headers=audience.headers[reader])
                except httpx.HTTPError as error:
                    failures[reader] = f"{type(error).__name__}: {error}"
                    continue
                if response.status_code != 200:
                    failures[reader] = f"HTTP {response.status_code}: {response.text[:300]}"

    threads = [threading.Thread(target=read_some, args=(readers[number::clients],)) for number in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failures


def post_one_at_a_time(api_url: str, audience: Audience, authors: list[int], label: str) -> list[float]:
    """Post one tweet per author, sequentially; returns the POST latencies (ms)."""
    latencies = []
    with httpx.Client(base_url=api_url, timeout=60) as http:
        for number, author in enumerate(authors):
            started = time.perf_counter()
            response = http.post("/tweets", json={"text": f"#bench {label} post {number}"},
                                 headers=audience.headers[author])  # fmt: skip
            if response.status_code != 201:
                raise SystemExit(f"POST /api/tweets failed: {response.status_code} {response.text}")
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies
