"""`make chaos`: does Chirp lose or double anything when a tenth of its invocations fail?

Starts a private local runtime (its own data folder, rate limits relaxed) with fault injection on
(infra/local/faults.py; README, Fault injection): by default 7% of invocations raise (half before the handler,
half after it ran) and 3% time out (the sandbox killed at a random moment), 5% of the functions' DynamoDB / SQS /
SNS calls throttled and 2% answered 5xx, 5% of handled messages and stream batches delivered again, 2% of
stream-poller rounds followed by a restart from the checkpoint. Then:

1. `--users` accounts are registered (each reads its home timeline once: a reader who never read it is inactive
   and gets no fan-out) and split among `--clients` threads: each actor belongs to one thread, so its own
   requests are sequential and their order is known. The threads send `--ops` requests in all, drawn with the
   seed (the mix is OP_MIX below): posts (half with a hashtag of TAGS, a third with a mention; every one with a
   unique token), likes, unlikes, retweets, unretweets, follows, unfollows. A 5xx, a 429 or a connection error
   is retried with backoff (a post with the same Idempotency-Key); a request is *accepted* once it got a 2xx.
2. The run waits until the system drains (`GET /_local/status`: every queue empty with nothing in flight, every
   stream poller with nothing pending, no batch for QUIET_SECONDS) and times it.
3. Every derived state is compared with a model of the accepted requests (bench/chaos_model.py): the tweets
   (each post exactly once, by its token in the author's tweets), home timelines (every page), the counts of
   users and tweets, notifications, the search index (each post found once by its token), the trends counter's
   distinct authors per tag. Per state: expected, found, lost, duplicated, wrong.
4. The dead-letter queues are listed, redriven (infra.redrive), the system drained again and compared again.

Prints the tables and the faults the runtime injected; writes bench/results/chaos.json.

    python -m bench.chaos [--ops 10000] [--clients 8] [--users 120] [--seed 14] [--invoke-error 0.07] ...
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
from chirp.notifications.models import GROUPING_WINDOW_MS

from bench.api_latency import RESULTS
from bench.chaos_model import (
    Entry,
    FollowPeriod,
    Tally,
    compare_counters,
    compare_home,
    compare_notifications,
    compare_occurrences,
    expected_home,
    notification_counts,
)
from bench.engagement import PASSWORD

# The share of each operation among the requests (posts the most, as on Twitter; undos rarer than their dos).
OP_MIX = {
    "post": 0.34,
    "like": 0.24,
    "unlike": 0.07,
    "retweet": 0.10,
    "unretweet": 0.03,
    "follow": 0.16,
    "unfollow": 0.06,
}
TAGS = ("chaosalpha", "chaosbeta", "chaosgamma", "chaosdelta", "chaosepsilon")
BACKFILL = 20  # TimelineSettings.timeline_backfill_per_author (not a template parameter)
MAX_ATTEMPTS = 10
IN_PROGRESS_WAIT_SECONDS = 60.0  # > the API function's timeout: a killed attempt's record expires by then
QUIET_SECONDS = 5.0
DRAIN_TIMEOUT_SECONDS = 2400.0  # a failed message waits out its visibility timeout (180-360 s) before each retry
RETRIED_STATUSES = {429, 500, 502, 503, 504}


# ---------------------------------------------------------------------- the clients
@dataclass
class Actor:
    id: str
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token}"}


@dataclass
class Op:
    """One request as the client sent it: every attempt's answer, whether it was accepted, what it made."""

    kind: str
    actor: str
    target: str  # a tweet id (an original) or a user id; "" for a post
    sent: float = 0.0  # first attempt (time.time())
    answered: float = 0.0  # the 2xx, or the last attempt
    statuses: list[str] = field(default_factory=list)
    accepted: bool = False
    made: str = ""  # a post's tweet id, a retweet's id
    token: str = ""
    tags: tuple[str, ...] = ()
    mention: str = ""  # the mentioned user's id
    applied: bool = False  # not accepted, but its effect was found (a post's token among its author's tweets)

    @property
    def counted(self) -> bool:
        return self.accepted or self.applied


class Shared:
    """What the clients know of each other: the accepted posts (to like and retweet), under a lock."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.tweets: list[tuple[str, str]] = []  # (tweet id, author id)

    def add(self, tweet_id: str, author: str) -> None:
        with self.lock:
            self.tweets.append((tweet_id, author))

    def pick(self, rng: random.Random) -> tuple[str, str] | None:
        with self.lock:
            return rng.choice(self.tweets) if self.tweets else None


def send(
    api: httpx.Client, op: Op, method: str, path: str, rng: random.Random, **request: Any
) -> httpx.Response | None:
    """Send until a 2xx (accepted), a status not worth retrying, or MAX_ATTEMPTS failures; records every answer.

    A 409 with Retry-After (the key's first attempt still being answered, or left by a sandbox killed mid-request
    until its record expires) is waited out as it says, for up to IN_PROGRESS_WAIT_SECONDS, not counted as a failure.
    """
    op.sent = time.time()
    failures, waited = 0, 0.0
    while failures < MAX_ATTEMPTS:
        try:
            response = api.request(method, path, **request)
        except httpx.TransportError as error:
            op.statuses.append(type(error).__name__)
        else:
            op.statuses.append(str(response.status_code))
            if response.is_success:
                op.accepted, op.answered = True, time.time()
                return response
            if response.status_code == 409 and "Retry-After" in response.headers and waited < IN_PROGRESS_WAIT_SECONDS:
                pause = float(response.headers["Retry-After"])
                waited += pause
                time.sleep(pause)
                continue
            if response.status_code not in RETRIED_STATUSES:
                op.answered = time.time()
                return response
        time.sleep(min(2.0, 0.05 * 2**failures) * (0.5 + rng.random()))
        failures += 1
    op.answered = time.time()
    return None


class Client:
    """One client thread: its own actors' requests, in order (each actor's likes, retweets and follows are known
    to it alone, so it picks what to undo among what that actor did)."""

    def __init__(
        self, api: httpx.Client, actors: list[Actor], everyone: list[Actor], shared: Shared, rng: random.Random
    ) -> None:
        self.api, self.actors, self.everyone, self.shared, self.rng = api, actors, everyone, shared, rng
        self.liked: dict[str, set[str]] = {actor.id: set() for actor in actors}
        self.retweeted: dict[str, set[str]] = {actor.id: set() for actor in actors}
        self.following: dict[str, set[str]] = {actor.id: set() for actor in actors}

    def run(self, ops: int, number: int) -> list[Op]:
        done: list[Op] = []
        kinds, weights = list(OP_MIX), list(OP_MIX.values())
        for sequence in range(ops):
            actor = self.rng.choice(self.actors)
            picked = self.shared.pick(self.rng)
            kind = self.feasible(self.rng.choices(kinds, weights)[0], actor, picked)
            op = Op(kind=kind, actor=actor.id, target="")
            if kind == "post":
                self.post(op, actor, f"tok{number}x{sequence}r{secrets.token_hex(3)}")
            elif kind in ("like", "retweet"):
                assert picked is not None
                self.engage(op, actor, picked[0])
            elif kind in ("unlike", "unretweet"):
                self.undo(op, actor)
            else:
                self.follow(op, actor)
            done.append(op)
        return done

    def feasible(self, kind: str, actor: Actor, picked: tuple[str, str] | None) -> str:
        """The drawn kind, or another when it cannot be done (nothing to like yet, nothing to undo, one's own
        tweet to retweet)."""
        if kind in ("like", "retweet") and picked is None:
            return "post"
        if kind == "unlike" and not self.liked[actor.id]:
            return "like" if picked else "post"
        if kind == "unretweet" and not self.retweeted[actor.id]:
            return "post"
        if kind == "unfollow" and not self.following[actor.id]:
            return "follow"
        if kind == "retweet" and picked is not None and picked[1] == actor.id:
            return "like"
        return kind

    def post(self, op: Op, actor: Actor, token: str) -> None:
        op.token = token
        words = ["chaos", "post", token]
        if self.rng.random() < 0.5:
            op.tags = (self.rng.choice(TAGS),)
            words.append(f"#{op.tags[0]}")
        if self.rng.random() < 0.33:
            mentioned = self.rng.choice(self.everyone)
            op.mention = mentioned.id
            words.append(f"@{mentioned.username}")
        headers = actor.headers | {"Idempotency-Key": secrets.token_hex(16)}  # one per compose, kept on retry
        response = send(self.api, op, "POST", "/tweets", self.rng, json={"text": " ".join(words)}, headers=headers)
        if op.accepted and response is not None:
            op.made = str(response.json()["data"]["id"])
            self.shared.add(op.made, actor.id)

    def engage(self, op: Op, actor: Actor, tweet_id: str) -> None:
        op.target = tweet_id
        response = send(self.api, op, "POST", f"/tweets/{tweet_id}/{op.kind}", self.rng, headers=actor.headers)
        if op.accepted and response is not None:
            (self.liked if op.kind == "like" else self.retweeted)[actor.id].add(tweet_id)
            if op.kind == "retweet":
                op.made = str(response.json()["data"]["retweet_id"])

    def undo(self, op: Op, actor: Actor) -> None:
        pool = self.liked if op.kind == "unlike" else self.retweeted
        op.target = self.rng.choice(sorted(pool[actor.id]))
        path = f"/tweets/{op.target}/{op.kind.removeprefix('un')}"
        send(self.api, op, "DELETE", path, self.rng, headers=actor.headers)
        if op.accepted:
            pool[actor.id].discard(op.target)

    def follow(self, op: Op, actor: Actor) -> None:
        if op.kind == "follow":
            op.target = self.rng.choice([other.id for other in self.everyone if other.id != actor.id])
        else:
            op.target = self.rng.choice(sorted(self.following[actor.id]))
        method = "POST" if op.kind == "follow" else "DELETE"
        send(self.api, op, method, f"/users/{op.target}/follow", self.rng, headers=actor.headers)
        if op.accepted:
            (self.following[actor.id].add if op.kind == "follow" else self.following[actor.id].discard)(op.target)


def register(api: httpx.Client, number: int) -> Actor:
    name = f"ch{number}{secrets.token_hex(3)}"
    body = {"username": name, "email": f"{name}@example.com", "password": PASSWORD}
    for attempt in range(MAX_ATTEMPTS):
        try:
            response = api.post("/users/register", json=body)
        except httpx.TransportError:
            time.sleep(0.1 * 2**attempt)
            continue
        if response.is_success:
            data = response.json()
            actor = Actor(str(data["data"]["id"]), name, data["token"]["access_token"])
            read_all(api, "/timeline", actor.headers)  # active: a reader who never read its timeline gets no fan-out
            return actor
        if response.status_code == 409:  # a retried sign-up that had worked: log in instead
            login = api.post("/users/login", json={"username": name, "password": PASSWORD})
            if login.is_success:
                user = get_json(api, f"/users/by/username/{name}")
                actor = Actor(str(user["data"]["id"]), name, login.json()["access_token"])
                read_all(api, "/timeline", actor.headers)
                return actor
        time.sleep(0.1 * 2**attempt)
    raise SystemExit(f"could not register {name}")


# ---------------------------------------------------------------------- reading the states back
def get_json(api: httpx.Client, path: str, headers: dict[str, str] | None = None, **params: Any) -> dict[str, Any]:
    """A read, retried through faults (reads are not what is measured: what they read is)."""
    for attempt in range(20):
        try:
            response = api.get(path, headers=headers, params=params)
        except httpx.TransportError:
            time.sleep(min(2.0, 0.05 * 2**attempt))
            continue
        if response.is_success:
            body: dict[str, Any] = response.json()
            return body
        if response.status_code not in RETRIED_STATUSES:
            raise SystemExit(f"GET {path}: {response.status_code} {response.text[:300]}")
        time.sleep(min(2.0, 0.05 * 2**attempt))
    raise SystemExit(f"GET {path}: no 2xx in 20 attempts")


def read_all(api: httpx.Client, path: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    return [item for page in read_pages(api, path, headers) for item in page]


def read_pages(api: httpx.Client, path: str, headers: dict[str, str] | None = None) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        page = get_json(api, path, headers, **params)
        pages.append(page["data"])
        cursor = page.get("meta", {}).get("next_cursor")
        if not cursor:
            return pages


def original_of(item: dict[str, Any]) -> int:
    return int((item.get("retweeted_tweet") or item)["id"])


# ---------------------------------------------------------------------- the model
@dataclass
class Model:
    """The final state the accepted requests imply."""

    posts: dict[str, Op] = field(default_factory=dict)  # token -> the accepted post
    entries_by: dict[str, list[Entry]] = field(default_factory=dict)
    likes: dict[tuple[str, str], bool] = field(default_factory=dict)
    retweets: dict[tuple[str, str], str | None] = field(default_factory=dict)  # -> live retweet id
    follows: dict[tuple[str, str], FollowPeriod | None] = field(default_factory=dict)
    # (actor, target) -> the notification grouping windows its accepted likes / retweets / follows may fall in
    ever_liked: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    ever_retweeted: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    ever_followed: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    author_of: dict[str, str] = field(default_factory=dict)


def build_model(ops: list[Op]) -> Model:
    """Apply the accepted ops in each actor's order (`ops` is in that order per actor)."""
    model = Model()
    retweet_entries: dict[tuple[str, str], Entry] = {}
    for op in ops:
        if op.kind == "post" and op.counted:
            model.posts[op.token] = op
            model.author_of[op.made] = op.actor
    for op in ops:
        if op.counted:
            apply(model, op, retweet_entries)
    for (actor, _), entry in retweet_entries.items():
        model.entries_by.setdefault(actor, []).append(entry)
    return model


def grouping_windows(op: Op) -> range:
    """The notification grouping windows the op's event may have fallen in: its time is the server's, between
    the op's first sending and its answer (chirp.notifications.models.GROUPING_WINDOW_MS: 6 h from 00:00 UTC)."""
    return range(int(op.sent * 1000) // GROUPING_WINDOW_MS, int(op.answered * 1000) // GROUPING_WINDOW_MS + 1)


def apply(model: Model, op: Op, retweet_entries: dict[tuple[str, str], Entry]) -> None:
    """One accepted op; `retweet_entries`: each live retweet's entry (an undone one is kept as not live)."""
    key = (op.actor, op.target)
    if op.kind == "post":
        model.entries_by.setdefault(op.actor, []).append(
            Entry(int(op.made), int(op.made), op.actor, op.sent, op.answered)
        )
    elif op.kind in ("like", "unlike"):
        model.likes[key] = op.kind == "like"
        if op.kind == "like":
            model.ever_liked.setdefault(key, set()).update(grouping_windows(op))
    elif op.kind == "retweet":
        if model.retweets.get(key) is None:  # a second retweet of the same tweet answers the first one
            model.retweets[key] = op.made
            retweet_entries[key] = Entry(int(op.made), int(op.target), op.actor, op.sent, op.answered)
        model.ever_retweeted.setdefault(key, set()).update(grouping_windows(op))
    elif op.kind == "unretweet":
        model.retweets[key] = None
        if key in retweet_entries:
            undone = retweet_entries.pop(key)
            model.entries_by.setdefault(op.actor, []).append(replace(undone, live=False))
    elif op.kind == "follow":
        if model.follows.get(key) is None:  # following already: the period goes on
            model.follows[key] = FollowPeriod(op.sent, op.answered)
        model.ever_followed.setdefault(key, set()).update(grouping_windows(op))
    else:  # unfollow
        model.follows[key] = None


# ---------------------------------------------------------------------- draining
def status(root: str) -> dict[str, Any]:
    for attempt in range(10):
        try:
            response = httpx.get(f"{root}/_local/status", timeout=30)
            if response.is_success:
                body: dict[str, Any] = response.json()
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.2 * (attempt + 1))
    raise SystemExit("GET /_local/status does not answer")


def busy(answer: dict[str, Any]) -> list[str]:
    """What is still going on: non-empty source queues, stream shards with records pending, recent batches."""
    doing = []
    for queue in answer["queues"]:
        if queue.get("dead_letter"):
            continue
        held = sum(int(queue.get(name) or 0) for name in ("visible", "in_flight", "delayed"))
        if held:
            doing.append(f"{queue['name']} {held}")
    now = time.time()
    for poller in answer["pollers"]:
        if poller.get("kind") == "schedule":
            continue
        pending = sum(int(shard.get("pending", 0)) for shard in poller.get("shards") or [])
        if pending:
            doing.append(f"{poller['name']} pending {pending}")
        last = poller.get("last_batch_at")
        if last is not None and now - float(last) < QUIET_SECONDS:
            doing.append(f"{poller['name']} active")
    return doing


def drain(root: str, timeout: float = DRAIN_TIMEOUT_SECONDS) -> float | None:
    """Seconds until nothing is queued, in flight, pending or handled for QUIET_SECONDS (minus that quiet);
    None when the timeout ran out first (the comparison then shows what was still on its way)."""
    started = time.monotonic()
    quiet_since: float | None = None
    last_print = 0.0
    while time.monotonic() - started < timeout:
        doing = busy(status(root))
        now = time.monotonic()
        if doing:
            quiet_since = None
            if now - last_print > 15:
                print(f"  draining ({now - started:.0f} s): {', '.join(doing[:6])}", file=sys.stderr)
                last_print = now
        else:
            quiet_since = quiet_since or now
            if now - quiet_since >= 2.0:
                return max(0.0, quiet_since - started)
        time.sleep(0.5)
    print(f"  the system did not drain within {timeout:.0f} s", file=sys.stderr)
    return None


# ---------------------------------------------------------------------- comparing
def adopt_applied(ops: list[Op], listed: dict[str, list[dict[str, Any]]]) -> int:
    """Mark the posts that got no 2xx but whose token is among their author's tweets as applied (the model counts
    them: their effects are real); how many."""
    found = {
        word: str(item["id"])
        for items in listed.values()
        for item in items
        for word in str(item.get("text", "")).split()
        if word.startswith("tok")
    }
    for op in ops:
        if op.kind == "post" and not op.accepted and op.token in found:
            op.applied, op.made = True, found[op.token]
    return sum(op.applied for op in ops)


def compare(
    api: httpx.Client,
    actors: list[Actor],
    model: Model,
    endpoints: dict[str, Any],
    listed: dict[str, list[dict[str, Any]]],
) -> dict[str, Tally]:
    """Every derived state read back (through the API; the trends counter's table directly) against the model."""
    tallies = [
        compare_tweets(model, listed),
        compare_homes(model, actors, each(actors, lambda actor: read_pages(api, "/timeline", actor.headers))),
        compare_counts(model, actors, listed, each(actors, lambda actor: get_json(api, f"/users/{actor.id}"))),
        compare_notes(model, each(actors, lambda actor: read_all(api, "/notifications", actor.headers))),
        compare_search(api, model),
        compare_trends(model, endpoints),
    ]
    return {tally.name: tally for tally in tallies}


def each(actors: list[Actor], read: Callable[[Actor], Any], workers: int = 4) -> dict[str, Any]:
    with ThreadPoolExecutor(workers) as pool:
        return dict(zip([actor.id for actor in actors], pool.map(read, actors), strict=True))


def compare_tweets(model: Model, listed: dict[str, list[dict[str, Any]]]) -> Tally:
    """The tweets themselves: each accepted post exactly once among its author's tweets, by its token."""
    tally = Tally("tweets")
    by_token: dict[str, list[int]] = {}
    for items in listed.values():
        for item in items:
            for word in str(item.get("text", "")).split():
                if word.startswith("tok"):
                    by_token.setdefault(word, []).append(int(item["id"]))
    compare_occurrences(tally, {token: int(op.made) for token, op in model.posts.items()}, by_token)
    return tally


def compare_homes(model: Model, actors: list[Actor], pages: dict[str, list[list[dict[str, Any]]]]) -> Tally:
    """Home timelines, every page, by the originals shown."""
    tally = Tally("home timelines")
    for actor in actors:
        following = {
            followee: period
            for (follower, followee), period in model.follows.items()
            if follower == actor.id and period is not None
        }
        required, possible = expected_home(actor.id, model.entries_by, following, BACKFILL)
        shown = [[(int(item["id"]), original_of(item)) for item in page] for page in pages[actor.id]]
        compare_home(tally, actor.username, shown, required, possible)
    return tally


def compare_counts(
    model: Model, actors: list[Actor], listed: dict[str, list[dict[str, Any]]], users: dict[str, dict[str, Any]]
) -> Tally:
    """Users' followers, following and tweets (posts + live retweets); tweets' likes and retweets."""
    tally = Tally("counts")
    by_id = {actor.id: actor for actor in actors}
    expected: Counter[str] = Counter()
    found: dict[str, int | None] = {}
    for actor in actors:
        for name in ("followers_count", "following_count", "tweet_count"):
            expected[f"{actor.username}.{name}"] += 0
            found[f"{actor.username}.{name}"] = int(users[actor.id]["data"]["public_metrics"][name])
    for (follower, followee), period in model.follows.items():
        if period is not None:
            expected[f"{by_id[followee].username}.followers_count"] += 1
            expected[f"{by_id[follower].username}.following_count"] += 1
    for actor_id, entries in model.entries_by.items():
        expected[f"{by_id[actor_id].username}.tweet_count"] += sum(1 for e in entries if e.live)
    metrics = {str(item["id"]): item["public_metrics"] for items in listed.values() for item in items if item["text"]}
    for op in model.posts.values():
        for name in ("like_count", "retweet_count"):
            expected[f"{op.made}.{name}"] += 0
            found[f"{op.made}.{name}"] = int(metrics[op.made][name]) if op.made in metrics else None
    for (_, tweet), liked in model.likes.items():
        expected[f"{tweet}.like_count"] += 1 if liked else 0
    for (_, tweet), retweet in model.retweets.items():
        expected[f"{tweet}.retweet_count"] += 1 if retweet else 0
    compare_counters(tally, expected, found)
    return tally


def compare_notes(model: Model, listed: dict[str, list[dict[str, Any]]]) -> Tally:
    """Notifications, grouped as the API lists them."""
    tally = Tally("notifications")
    expected = notification_counts(
        likes=((actor, int(tweet), model.author_of[tweet], at) for (actor, tweet), at in model.ever_liked.items()),
        retweets=(
            (actor, int(tweet), model.author_of[tweet], at) for (actor, tweet), at in model.ever_retweeted.items()
        ),
        follows=((follower, followee, at) for (follower, followee), at in model.ever_followed.items()),
        mentions=((op.actor, int(op.made), op.mention) for op in model.posts.values() if op.mention),
    )
    found: dict[str, list[int]] = {}
    for actor_id, items in listed.items():
        for item in items:
            tweet = (item.get("tweet") or {}).get("id", "")
            found.setdefault(f"{actor_id}|{item['kind']}|{tweet}", []).append(int(item["count"]))
    compare_notifications(tally, expected, found)
    return tally


def compare_search(api: httpx.Client, model: Model, workers: int = 4) -> Tally:
    """Each post found once by its token."""
    tally = Tally("search")

    def search(token: str) -> list[int]:
        return [int(item["id"]) for item in get_json(api, "/search/tweets", q=token, limit=10)["data"]]

    tokens = sorted(model.posts)
    with ThreadPoolExecutor(workers) as pool:
        hits = dict(zip(tokens, pool.map(search, tokens), strict=True))
    compare_occurrences(tally, {token: int(op.made) for token, op in model.posts.items()}, hits)
    return tally


def compare_trends(model: Model, endpoints: dict[str, Any]) -> Tally:
    """The trends counter's distinct authors per tag and hour, summed over the run's hours (the hour of the post's
    stream record, its creation to the second: the tweet id's time)."""
    from chirp.ids import id_timestamp_ms

    tally = Tally("trends")
    expected: dict[str, set[tuple[str, int]]] = {}
    hours: set[int] = set()
    for op in model.posts.values():
        hour = id_timestamp_ms(int(op.made)) // 3_600_000
        hours.add(hour)
        for tag in op.tags:
            expected.setdefault(tag, set()).add((op.actor, hour))
    found = trend_authors(endpoints, hours | {hour + 1 for hour in hours} | {hour - 1 for hour in hours})
    compare_counters(tally, {tag: len(authors) for tag, authors in expected.items()}, found)
    return tally


def trend_authors(endpoints: dict[str, Any], hours: set[int]) -> dict[str, int]:
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoints["dynamodb"],
        region_name=endpoints["region"],
        aws_access_key_id="chaos",
        aws_secret_access_key="chaos",
    )
    table = endpoints["resources"]["TrendsTable"]["ref"]
    authors: Counter[str] = Counter()
    for hour in sorted(hours):
        pages = client.get_paginator("query").paginate(
            TableName=table, KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": {"S": f"H#{hour}"}}
        )
        for page in pages:
            for item in page["Items"]:
                authors[item["sk"]["S"]] += int(item["authors"]["N"])
    return dict(authors)


# ---------------------------------------------------------------------- the dead-letter queues
def dead_letters(answer: dict[str, Any]) -> dict[str, int]:
    return {
        queue["name"]: int(queue.get("visible") or 0) + int(queue.get("in_flight") or 0)
        for queue in answer["queues"]
        if queue.get("dead_letter") and (queue.get("visible") or queue.get("in_flight"))
    }


# ---------------------------------------------------------------------- the run
def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=10_000, help="requests in all (the registrations aside)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--users", type=int, default=120, help="accounts, split among the clients")
    parser.add_argument("--seed", type=int, default=14, help="the workload's and the faults' seed")
    parser.add_argument("--invoke-error", type=float, default=0.07, help="CHIRP_FAULT_INVOKE_ERROR")
    parser.add_argument("--invoke-timeout", type=float, default=0.03, help="CHIRP_FAULT_INVOKE_TIMEOUT")
    parser.add_argument("--aws-throttle", type=float, default=0.05, help="CHIRP_FAULT_AWS_THROTTLE")
    parser.add_argument("--aws-5xx", type=float, default=0.02, help="CHIRP_FAULT_AWS_5XX")
    parser.add_argument("--redeliver", type=float, default=0.05, help="CHIRP_FAULT_REDELIVER")
    parser.add_argument("--poller-restart", type=float, default=0.02, help="CHIRP_FAULT_POLLER_RESTART")
    parser.add_argument(
        "--celebrity-threshold", type=int, default=100_000, help="CelebrityThreshold (default: no celebrity)"
    )
    parser.add_argument(
        "--drain-timeout", type=float, default=DRAIN_TIMEOUT_SECONDS, help="seconds to wait for a drain"
    )
    return parser.parse_args(argv)


def fault_environment(args: argparse.Namespace) -> dict[str, str]:
    return {
        "CHIRP_FAULT_SEED": str(args.seed),
        "CHIRP_FAULT_INVOKE_ERROR": str(args.invoke_error),
        "CHIRP_FAULT_INVOKE_TIMEOUT": str(args.invoke_timeout),
        "CHIRP_FAULT_AWS_THROTTLE": str(args.aws_throttle),
        "CHIRP_FAULT_AWS_5XX": str(args.aws_5xx),
        "CHIRP_FAULT_REDELIVER": str(args.redeliver),
        "CHIRP_FAULT_POLLER_RESTART": str(args.poller_restart),
    }


def print_tallies(title: str, tallies: dict[str, Tally]) -> None:
    print(f"\n{title}")
    header = f"{'state':<16} {'expected':>9} {'found':>9} {'lost':>6} {'duplicated':>10} {'wrong':>6} {'tolerated':>9}"
    print(f"  {header} {'again':>6}")
    for tally in tallies.values():
        print(
            f"  {tally.name:<16} {tally.expected:>9} {tally.found:>9} {tally.lost:>6} {tally.duplicated:>10} "
            f"{tally.wrong:>6} {tally.tolerated:>9} {tally.again:>6}"
        )
        for example in tally.examples:
            print(f"      {example}")


def load(api: httpx.Client, actors: list[Actor], args: argparse.Namespace) -> tuple[list[Op], float]:
    """The clients' requests, side by side: every op (each actor's in its order) and the seconds they took."""
    rng = random.Random(args.seed)
    groups = [actors[number :: args.clients] for number in range(args.clients)]
    shared = Shared()
    results: list[list[Op]] = [[] for _ in groups]
    seeds = [rng.randrange(2**32) for _ in groups]

    def run(number: int) -> None:
        share = args.ops // args.clients + (1 if number < args.ops % args.clients else 0)
        client = Client(api, groups[number], actors, shared, random.Random(seeds[number]))
        results[number] = client.run(share, number)

    started = time.monotonic()
    threads = [threading.Thread(target=run, args=(number,)) for number in range(len(groups))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [op for done in results for op in done], time.monotonic() - started


def load_summary(ops: list[Op], load_s: float, clients: int) -> dict[str, Any]:
    refused = [op for op in ops if not op.accepted and op.statuses and op.statuses[-1].isdigit()]
    summary = {
        "requests": len(ops),
        "load_s": round(load_s, 1),
        "by_kind": dict(Counter(op.kind for op in ops)),
        "accepted": sum(op.accepted for op in ops),
        "accepted_after_retry": sum(op.accepted and len(op.statuses) > 1 for op in ops),
        "refused": len(refused),
        "gave_up": sum(not op.accepted for op in ops) - len(refused),
        "answers": dict(Counter(status for op in ops for status in op.statuses)),
    }
    print(f"\n{len(ops)} requests in {load_s:.0f} s ({len(ops) / load_s:.1f}/s) from {clients} clients")
    print(f"  by kind: {summary['by_kind']}")
    print(
        f"  accepted {summary['accepted']}; after a retry {summary['accepted_after_retry']}; "
        f"refused (4xx) {summary['refused']}; gave up {summary['gave_up']}"
    )
    print(f"  answers: {summary['answers']}")
    for op in refused[:5]:
        print(f"    refused: {op.kind} {op.statuses}")
    return summary


def settle_and_compare(
    runtime: Any, api: httpx.Client, actors: list[Actor], ops: list[Op], *, timeout: float, title: str
) -> dict[str, Any]:
    """Drain, compare every state, list the dead-letter queues; print and return them."""
    drained_s = drain(runtime.root_url, timeout)
    drained = "not drained" if drained_s is None else f"drained in {drained_s:.1f} s"
    print(f"{title}: {drained}", file=sys.stderr)
    dlq = dead_letters(status(runtime.root_url))
    listed = each(actors, lambda actor: read_all(api, f"/users/{actor.id}/tweets"))
    applied = adopt_applied(ops, listed)
    print(f"\n{title}: not accepted but applied: {applied} post(s)")
    tallies = compare(api, actors, build_model(ops), runtime.endpoints(), listed)
    print_tallies(f"{title} ({drained})", tallies)
    print(f"\nDead-letter queues: {dlq or 'all empty'}")
    return {
        "drain_s": drained_s,
        "applied_not_accepted": applied,
        "dead_letters": dlq,
        "states": {name: vars(t) for name, t in tallies.items()},
    }


def main(argv: list[str] | None = None) -> None:
    from infra import redrive
    from tests.e2e.conftest import start_runtime

    args = parse_args(argv)
    overrides = f"CelebrityThreshold={args.celebrity_threshold} TimelineMaxEntries=100000 AccessTokenTtlSeconds=7200"
    environment = fault_environment(args) | {"CHIRP_PARAMETER_OVERRIDES": overrides}
    folder = Path(tempfile.mkdtemp(prefix="chirp-chaos-"))
    print(f"starting a local runtime in {folder} with faults {environment}", file=sys.stderr)
    runtime = start_runtime(folder / "data", environment, timeout=240)
    result: dict[str, Any] = {"args": vars(args), "op_mix": OP_MIX}
    try:
        limits = httpx.Limits(max_connections=args.clients * 2 + 8)
        with httpx.Client(base_url=runtime.base_url, timeout=60, limits=limits) as api:
            actors = [register(api, number) for number in range(args.users)]
            print(f"registered {len(actors)} users", file=sys.stderr)
            ops, load_s = load(api, actors, args)
            result["load"] = load_summary(ops, load_s, args.clients)
            result["first"] = settle_and_compare(
                runtime, api, actors, ops, timeout=args.drain_timeout, title="After draining"
            )
            redrive.main(["--data-dir", str(runtime.data_dir)])
            title = "After the redrive and draining again"
            result["after_redrive"] = settle_and_compare(
                runtime, api, actors, ops, timeout=args.drain_timeout, title=title
            )
            result["faults"] = status(runtime.root_url)["faults"]["counts"]
            print(f"\nFaults injected: {', '.join(f'{kind} {n}' for kind, n in sorted(result['faults'].items()))}")
    finally:
        runtime.stop()
        print(f"runtime log: {runtime.log_path}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chaos.json").write_text(json.dumps(result, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()
