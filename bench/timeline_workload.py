"""The client side of the timelines benchmark: DeathStarBench's social-network mix over HTTP.

Each client thread issues, at a fixed pace (the total `rate` shared between clients), 60% home-timeline
reads (`GET /api/timeline`, a random reader), 30% user-timeline reads (`GET /api/users/{id}/tweets`, a
random user) and 10% posts (`POST /api/tweets`). A post's author is a random ordinary user, except for a
`celebrity_post_share` of posts written by a random celebrity: with uniform authors, as DeathStarBench
picks them, a graph of a few thousand users would almost never show a celebrity post. Each post is
handed to the delivery watcher with up to `watched_followers` of its author's active followers.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from bench.timeline_graph import FollowerGraph
from bench.timeline_probe import PAGE_SIZE, Delivery

HOME_SHARE, USER_SHARE = 0.6, 0.3  # the rest are posts
MAX_LAG_SECONDS = 1.0  # a client further behind its schedule than this stops catching up


@dataclass(frozen=True)
class WorkloadPlan:
    clients: int
    duration_seconds: float
    rate: float  # operations per second, all clients together
    celebrity_post_share: float
    watched_followers: int
    seed: int


@dataclass
class WorkloadSamples:
    home_ms: list[float] = field(default_factory=list)
    user_ms: list[float] = field(default_factory=list)
    post_ms: list[float] = field(default_factory=list)
    posts: int = 0
    celebrity_posts: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0

    def merge(self, other: WorkloadSamples) -> None:
        self.home_ms += other.home_ms
        self.user_ms += other.user_ms
        self.post_ms += other.post_ms
        self.posts += other.posts
        self.celebrity_posts += other.celebrity_posts
        for key, count in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + count

    @property
    def operations(self) -> int:
        return len(self.home_ms) + len(self.user_ms) + len(self.post_ms)


@dataclass(frozen=True)
class Audience:
    """Who reads and who posts, and the tokens they use."""

    graph: FollowerGraph
    celebrities: list[int]  # user indexes
    ordinary_authors: list[int]
    headers: dict[int, dict[str, str]]  # user index -> Authorization header


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
        else:
            self.post()

    def post(self) -> None:
        celebrity = bool(self.audience.celebrities) and self.rng.random() < self.plan.celebrity_post_share
        author = self.rng.choice(self.audience.celebrities if celebrity else self.audience.ordinary_authors)
        text = f"#bench post {self.samples.posts} from client {self.number}"
        response = self.timed("post", "POST", "/tweets", json={"text": text}, headers=self.audience.headers[author])
        if response is None:
            return
        posted_at = time.monotonic()
        self.samples.posts += 1
        self.samples.celebrity_posts += int(celebrity)
        tweet_id = int(response.json()["data"]["id"])
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
        {"home": self.samples.home_ms, "user": self.samples.user_ms, "post": self.samples.post_ms}[kind].append(elapsed)
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
