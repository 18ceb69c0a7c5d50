"""What the timelines benchmark runs on: one DynamoDB Local, one moto server, the metering router
(`bench.timeline_router`) and one local runtime per strategy, each in endpoint mode with its own
resource prefix and `CHIRP_PARAMETER_OVERRIDES="TimelineStrategy=<s> CelebrityThreshold=<t>"`.

The graph is bulk-loaded before the runtimes start, into the template's users, tweets and follows
tables created here with their streams off; each runtime then provisions the rest of the template and
turns those streams on (`infra.local.provision` adds a stream the template has and a table lacks), so
the fan-out sees only what happens after the load, as if the graph had always been there.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, Any

import boto3
import botocore.config
import httpx
from chirp.adapters.dynamodb.models import (
    ACTIVITY_ENTRY_ID,
    EMAIL_PREFIX,
    TOP_OF_PARTITION,
    USERNAME_PREFIX,
    AuthorTweetItem,
    FollowItem,
    HandleClaim,
    TweetItem,
    UserItem,
    recent_attribute,
)
from chirp.adapters.dynamodb.tweet_items import recent_entry
from chirp.adapters.dynamodb.users import user_key
from chirp.auth.tokens import issue_access_token
from chirp.ids import IdGenerator, id_timestamp_ms
from chirp.tweets.models import Tweet
from chirp.tweets.text import parse_tweet_text
from chirp.wiring.api import ApiSettings

from bench.timeline_graph import BENCH_ID_WORKER, FollowerGraph
from infra.local.emulators import die_with_parent, ensure_dynamodb_local_installed, free_port
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parent.parent
REGION = "us-east-1"
ACCESS_KEY = "chirplocal"  # the emulators accept any credentials
LOADED_TABLES = ("UsersTable", "TweetsTable", "AuthorTweetsTable", "FollowsTable", "TimelinesTable")
START_TIMEOUT_SECONDS = 180.0
BATCH_WRITE_SIZE = 25
LOAD_THREADS = 6
ACCESS_TOKEN_TTL_SECONDS = 4 * 3600
FOLLOW_ID_WORKER = BENCH_ID_WORKER + 1  # follow ids get worker bits of their own: never equal to a graph id


def aws_environment(endpoint_url: str | None = None) -> dict[str, str]:
    """Region and dummy credentials (and an endpoint) for anything that talks to the emulators."""
    environment = {
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": ACCESS_KEY,
    }
    if endpoint_url:
        environment["AWS_ENDPOINT_URL"] = endpoint_url
    return environment


def aws_client(service: str, endpoint_url: str) -> Any:
    config = botocore.config.Config(max_pool_connections=32, retries={"max_attempts": 8, "mode": "standard"})
    return boto3.client(
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=ACCESS_KEY,
        config=config,
    )


# ---------------------------------------------------------------------------------------------- processes
@dataclass
class ServiceProcess:
    name: str
    process: subprocess.Popen[bytes]
    url: str
    log: IO[bytes]

    def stop(self, timeout: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)
        self.log.close()


def start_process(name: str, command: Sequence[str], url: str, log_path: Path, **options: Any) -> ServiceProcess:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("ab")
    process = subprocess.Popen(  # fixed argument lists
        list(command), stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent, **options,  # noqa: PLW1509 - started from the main thread
    )  # fmt: skip
    return ServiceProcess(name, process, url, log)


def wait_until_answering(service: ServiceProcess, probe_url: str, timeout: float = START_TIMEOUT_SECONDS) -> None:
    """Until `probe_url` answers 200 (or, for an emulator, anything at all)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise SystemExit(f"{service.name} exited with code {service.process.returncode}; see {service.log.name}")
        try:
            response = httpx.get(probe_url, timeout=2)
            if response.status_code == 200 or not probe_url.endswith("/health"):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{service.name} did not answer {probe_url} within {timeout:.0f} s; see {service.log.name}")


@dataclass(frozen=True)
class Emulators:
    dynamodb_url: str
    moto_url: str
    router_url: str


@contextmanager
def emulators_and_router(work_dir: Path, storage: str) -> Iterator[Emulators]:
    """DynamoDB Local (in memory by default: bulk-loading on its on-disk SQLite is ~10x slower),
    moto server, and the metering router in front of both."""
    install_dir = ROOT / ".cache" / "dynamodb-local"
    ensure_dynamodb_local_installed(install_dir)
    dynamodb_port, moto_port, router_port = free_port(), free_port(), free_port()
    database = ["-inMemory"] if storage == "memory" else ["-dbPath", str(work_dir / "dynamodb")]
    (work_dir / "dynamodb").mkdir(parents=True, exist_ok=True)
    dynamodb_command = [
        "java", "-Djava.library.path=DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar",
        "-sharedDb", *database, "-port", str(dynamodb_port), "-disableTelemetry",
    ]  # fmt: skip
    dynamodb_url, moto_url = f"http://127.0.0.1:{dynamodb_port}", f"http://127.0.0.1:{moto_port}"
    router_url = f"http://127.0.0.1:{router_port}"
    router_command = [sys.executable, "-m", "bench.timeline_router", "--port", str(router_port),
                      "--dynamodb", dynamodb_url, "--moto", moto_url]  # fmt: skip
    logs = work_dir / "logs"
    with ExitStack() as stack:
        dynamodb = start_process("DynamoDB Local", dynamodb_command, dynamodb_url, logs / "dynamodb.log",
                                 cwd=install_dir)  # fmt: skip
        stack.callback(dynamodb.stop)
        moto = start_process("moto server", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                             str(moto_port)], moto_url, logs / "moto.log")  # fmt: skip
        stack.callback(moto.stop)
        router = start_process("router", router_command, router_url, logs / "router.log", cwd=ROOT)
        stack.callback(router.stop)
        wait_until_answering(dynamodb, dynamodb_url)
        wait_until_answering(moto, f"{moto_url}/moto-api/")
        wait_until_answering(router, f"{router_url}/_meter")
        yield Emulators(dynamodb_url=dynamodb_url, moto_url=moto_url, router_url=router_url)


# ---------------------------------------------------------------------------------------------- runtimes
@dataclass
class StrategyRuntime:
    """One `python -m infra.local` in endpoint mode, running one timeline strategy."""

    strategy: str
    prefix: str
    data_dir: Path
    port: int
    service: ServiceProcess | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def endpoints(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.data_dir / "endpoints.json").read_text(encoding="utf-8"))
        return document

    def settings(self) -> ApiSettings:
        """The API function's settings, exactly as the runtime gave them to it."""
        return ApiSettings.from_environ(self.endpoints()["functions"]["ApiFunction"]["environment"])

    def timeline_queue_url(self) -> str:
        return str(self.endpoints()["resources"]["TimelineQueue"]["ref"])

    def signing_key(self) -> str:
        return (self.data_dir / "secrets" / "JwtSigningSecret").read_text(encoding="utf-8")

    def table(self, logical_id: str) -> str:
        return f"{self.prefix}{logical_id}"


def start_runtime(runtime: StrategyRuntime, router_url: str, celebrity_threshold: int) -> None:
    # Rate limits off: the workload's anonymous user-timeline reads all come from 127.0.0.1, past the per-IP limit
    # (300 in 5 minutes) that many clients' addresses share out on AWS; the limiter's cost is `make bench-limits`'s.
    overrides = f"TimelineStrategy={runtime.strategy} CelebrityThreshold={celebrity_threshold} RateLimitsEnabled=false"
    environment = {
        **{key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "CHIRP_", "PYTHONPATH"))},
        **aws_environment(router_url),
        "PORT": str(runtime.port),
        "CHIRP_DATA_DIR": str(runtime.data_dir),
        "CHIRP_RESOURCE_PREFIX": runtime.prefix,
        "CHIRP_PARAMETER_OVERRIDES": overrides,
    }
    command = [sys.executable, "-m", "infra.local"]
    runtime.service = start_process(f"runtime ({runtime.strategy})", command, runtime.api_url,
                                    runtime.data_dir.parent / "logs" / f"runtime-{runtime.strategy}.log",
                                    cwd=ROOT, env=environment)  # fmt: skip


@contextmanager
def running_runtime(runtime: StrategyRuntime, router_url: str, celebrity_threshold: int) -> Iterator[None]:
    """The runtime, from its health check answering 200 until it has stopped."""
    start_runtime(runtime, router_url, celebrity_threshold)
    assert runtime.service is not None
    try:
        wait_until_answering(runtime.service, f"{runtime.api_url}/health")
        yield
    finally:
        runtime.service.stop()


def access_token(runtime: StrategyRuntime, user_id: int) -> str:
    """A token the runtime's API accepts, signed with the key it generated into `<data>/secrets/`."""
    return issue_access_token(runtime.signing_key(), user_id, int(time.time()), ACCESS_TOKEN_TTL_SECONDS)


# ---------------------------------------------------------------------------------------------- bulk load
def create_tables_without_streams(dynamodb: Any, prefix: str) -> None:
    """The template's tables the graph goes into, as the runtime would create them but with no stream."""
    template = load_template(ROOT / "template.yaml")
    for logical_id in LOADED_TABLES:
        properties = template.resources[logical_id].properties
        arguments: dict[str, Any] = {
            "TableName": f"{prefix}{logical_id}",
            "AttributeDefinitions": properties["AttributeDefinitions"],
            "KeySchema": properties["KeySchema"],
            "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
        }
        indexes = properties.get("GlobalSecondaryIndexes")
        if isinstance(indexes, list):
            arguments["GlobalSecondaryIndexes"] = [
                {key: index[key] for key in ("IndexName", "KeySchema", "Projection")}
                for index in indexes
                if isinstance(index, dict)
            ]
        dynamodb.create_table(**arguments)
    for logical_id in LOADED_TABLES:
        dynamodb.get_waiter("table_exists").wait(TableName=f"{prefix}{logical_id}")


@dataclass(frozen=True)
class GraphItems:
    """The graph as DynamoDB items, serialized once by the product's own PynamoDB models."""

    users: list[dict[str, Any]]
    claims: list[dict[str, Any]]
    follows: list[dict[str, Any]]
    tweets: list[dict[str, Any]]
    author_tweets: list[dict[str, Any]]
    activities: list[dict[str, Any]] = field(default_factory=list)  # timeline activity records (hybrid)


def graph_items(graph: FollowerGraph, password_hash: str) -> GraphItems:
    """Users with exact counters, their handle claims, follow edges and tweets. Every account is valid:
    it logs in with the password `password_hash` was made from."""
    follow_ids = IdGenerator(worker_id=FOLLOW_ID_WORKER)
    users, claims, follows, tweets, author_tweets = [], [], [], [], []
    # Every pre-loaded text is "#bench tweet <n> by user <i>": one hashtag, always at the start.
    entities = parse_tweet_text("#bench tweet 0 by user 0").entities.as_dict()
    for index, user_id in enumerate(graph.user_ids):
        username = f"u{index}"
        users.append(
            UserItem(
                pk=user_key(user_id),
                user_id=user_id,
                username=username,
                email=f"{username}@bench.example.com",
                password_hash=password_hash,
                name=f"Bench user {index}",
                created_at_ms=id_timestamp_ms(user_id),
                followers_count=graph.follower_count(index),
                following_count=len(graph.followees[index]),
                tweet_count=len(graph.tweet_ids[index]),
            ).serialize()
        )
        claims.append(HandleClaim(pk=f"{USERNAME_PREFIX}{username}", user_id=user_id).serialize())
        claims.append(HandleClaim(pk=f"{EMAIL_PREFIX}{username}@bench.example.com", user_id=user_id).serialize())
        for followee in graph.followees[index]:
            edge = FollowItem(follower_id=user_id, followee_id=graph.user_ids[followee], follow_id=follow_ids.next_id())
            follows.append(edge.serialize())
        recent: dict[str, Any] = {"author_id": {"N": str(user_id)}, "tweet_id": {"N": str(TOP_OF_PARTITION)}}
        for number, tweet_id in enumerate(graph.tweet_ids[index]):
            text = f"#bench tweet {number} by user {index}"
            tweets.append(TweetItem(tweet_id=tweet_id, author_id=user_id, text=text, entities=entities).serialize())
            author_tweets.append(AuthorTweetItem(author_id=user_id, tweet_id=tweet_id).serialize())
            tweet = Tweet(id=tweet_id, author_id=user_id, text=text, created_at_ms=0, entities=entities)
            recent[recent_attribute(tweet_id)] = {"S": recent_entry(tweet)}
        author_tweets.append(recent)  # the author's recent-tweets item, as the posting transactions leave it
    return GraphItems(users=users, claims=claims, follows=follows, tweets=tweets, author_tweets=author_tweets)


def with_celebrities_marked(items: GraphItems, celebrity_ids: set[int]) -> GraphItems:
    """The items as the hybrid strategy's promotion leaves them once `celebrity_ids` reached the threshold:
    `celebrity = true` on the user (`UserRepository.set_celebrity`), and each follower's activity record
    listing the celebrities it follows in `pulls` (`TimelineRepository.start_pulling`, applied by the
    writer's mark_celebrity); a follower who never read has a record with nothing else, as there."""
    marked = {str(user_id) for user_id in celebrity_ids}
    users = [{**item, "celebrity": {"BOOL": True}} if item["user_id"]["N"] in marked else item for item in items.users]
    pulls: dict[str, list[str]] = {}
    for item in items.follows:
        if item["followee_id"]["N"] in marked:
            pulls.setdefault(item["follower_id"]["N"], []).append(item["followee_id"]["N"])
    activities = [
        {"owner_id": {"N": owner}, "entry_id": {"N": str(ACTIVITY_ENTRY_ID)}, "pulls": {"NS": celebrities}}
        for owner, celebrities in pulls.items()
    ]
    return replace(items, users=users, activities=activities)


def batch_write_all(dynamodb: Any, table: str, items: list[dict[str, Any]]) -> None:
    chunks = [items[start : start + BATCH_WRITE_SIZE] for start in range(0, len(items), BATCH_WRITE_SIZE)]

    def write(chunk: list[dict[str, Any]]) -> None:
        pending: list[dict[str, Any]] = [{"PutRequest": {"Item": item}} for item in chunk]
        for attempt in range(20):
            response = dynamodb.batch_write_item(RequestItems={table: pending})
            pending = response.get("UnprocessedItems", {}).get(table, [])
            if not pending:
                return
            time.sleep(0.05 * (attempt + 1))
        raise SystemExit(f"bulk load: {len(pending)} items to {table} stayed unprocessed")

    with ThreadPoolExecutor(LOAD_THREADS) as pool:
        list(pool.map(write, chunks))


def load_graph(dynamodb: Any, prefix: str, items: GraphItems) -> int:
    """Create the tables and write every item; returns how many items were written."""
    create_tables_without_streams(dynamodb, prefix)
    batch_write_all(dynamodb, f"{prefix}UsersTable", items.users + items.claims)
    batch_write_all(dynamodb, f"{prefix}FollowsTable", items.follows)
    batch_write_all(dynamodb, f"{prefix}TweetsTable", items.tweets)
    batch_write_all(dynamodb, f"{prefix}AuthorTweetsTable", items.author_tweets)
    batch_write_all(dynamodb, f"{prefix}TimelinesTable", items.activities)
    parts = (items.users, items.claims, items.follows, items.tweets, items.author_tweets, items.activities)
    return sum(len(part) for part in parts)


# ---------------------------------------------------------------------------------------------- meter
@dataclass(frozen=True)
class Cost:
    requests: float = 0.0
    read_units: float = 0.0
    write_units: float = 0.0

    def __sub__(self, other: Cost) -> Cost:
        return Cost(
            self.requests - other.requests, self.read_units - other.read_units, self.write_units - other.write_units
        )

    def per(self, count: int) -> Cost:
        return Cost(self.requests / count, self.read_units / count, self.write_units / count) if count else Cost()


class RouterMeter:
    """Reads the router's counters: what each runtime (its tables' prefix) asked of DynamoDB."""

    def __init__(self, router_url: str) -> None:
        self._client = httpx.Client(base_url=router_url, timeout=10)

    def snapshot(self) -> dict[str, Any]:
        document: dict[str, Any] = self._client.get("/_meter").json()
        return document

    def cost(self, prefix: str, snapshot: dict[str, Any] | None = None) -> Cost:
        tables = (snapshot or self.snapshot())["tables"]
        total = Cost()
        for table, operations in tables.items():
            if table.startswith(prefix):
                for counters in operations.values():
                    total = Cost(
                        total.requests + counters["requests"],
                        total.read_units + counters["read_units"],
                        total.write_units + counters["write_units"],
                    )
        return total

    def wait_until_quiet(self, prefix: str, queue_url: str, sqs: Any, quiet_seconds: float, timeout: float) -> bool:
        """Until the runtime has made no DynamoDB request for `quiet_seconds` and its timeline queue is
        empty: the fan-out pipeline has finished with everything posted so far."""
        deadline = time.monotonic() + timeout
        last = self.cost(prefix)
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.25)
            current = self.cost(prefix)
            if current != last:
                last, quiet_since = current, time.monotonic()
            elif time.monotonic() - quiet_since >= quiet_seconds and queue_is_empty(sqs, queue_url):
                return True
        return False

    def close(self) -> None:
        self._client.close()


def queue_is_empty(sqs: Any, queue_url: str) -> bool:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=names)["Attributes"]
    return all(int(attributes.get(name, 0)) == 0 for name in names)
