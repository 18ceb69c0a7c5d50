"""A kill -9 of the local runtime in the middle of posting and fan-out loses nothing that was accepted.

A posts tweets in a loop while the test kills the runtime outright (SIGKILL: no clean-up of any kind); the
runtime is started again on the same data dir. Every tweet that was answered 201 must be in A's user timeline
and, once the pipeline has drained (DynamoDB stream -> fan-out -> TimelineQueue on the local SQS -> timeline
writer), in B's home timeline, each exactly once: the tables, the stream pollers' checkpoints and the queued
messages (`infra.local.sqs`, SQLite) all survived the kill; so did a processed photo's variants (the embedded S3)
and the generated signing secret. The kill also takes every emulator down with the runtime."""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from tests.e2e.accounts import register as register_in_local_runtime
from tests.e2e.conftest import RuntimeLauncher
from tests.e2e.test_timelines import Account, eventually, follow, home, reader, register, user_tweets
from tests.e2e.uploads import jpeg, ready_media

pytestmark = pytest.mark.e2e

ACCEPTED_BEFORE_KILL = 12  # the kill comes after this many 201s, while A keeps posting
DRAIN_SECONDS = 30.0
RUNTIME_ENVIRONMENT = {"CHIRP_LOCAL_CONCURRENCY": "1"}


class Poster(threading.Thread):
    """A's client: posts one tweet after another until told to stop, remembering the ids answered 201."""

    def __init__(self, base_url: str, author: Account) -> None:
        super().__init__(name="poster", daemon=True)
        self.base_url = base_url
        self.author = author
        self.accepted: list[str] = []
        self.stopping = threading.Event()
        self.enough = threading.Event()

    def run(self) -> None:
        with httpx.Client(base_url=self.base_url, timeout=10) as client:
            number = 0
            while not self.stopping.is_set():
                number += 1
                try:
                    response = client.post("/tweets", json={"text": f"durable {number}"}, headers=self.author.auth)
                except httpx.TransportError:
                    continue  # the runtime is gone: this post's outcome is unknown, it is not counted
                if response.status_code == 201:
                    self.accepted.append(response.json()["data"]["id"])
                    if len(self.accepted) >= ACCEPTED_BEFORE_KILL:
                        self.enough.set()


@pytest.fixture
def launcher() -> Iterator[RuntimeLauncher]:
    launcher = RuntimeLauncher()
    try:
        yield launcher
    finally:
        launcher.kill_leftovers()


def end_visibility_timeouts(data_dir: Path, endpoints: dict[str, Any]) -> int:
    """Make the messages in flight in every queue visible now, as if their visibility timeout had run out (the
    local SQS's SQLite file, `infra.local.sqs.store`, where times are wall-clock milliseconds); how many."""
    now = int(time.time() * 1000)
    with contextlib.closing(sqlite3.connect(data_dir / "sqs" / "sqs.db", timeout=10)) as database, database:
        return database.execute("UPDATE messages SET visible_ms = ? WHERE visible_ms > ?", (now, now)).rowcount


def signing_secret(endpoints: dict[str, Any]) -> str:
    secrets = boto3.client(
        "secretsmanager", endpoint_url=endpoints["moto"], region_name=endpoints["region"],
        aws_access_key_id="e2e", aws_secret_access_key="e2e",
    )  # fmt: skip
    return str(secrets.get_secret_value(SecretId=endpoints["resources"]["JwtSigningSecret"]["ref"])["SecretString"])


def queue_depths(endpoints: dict[str, Any], logical_ids: list[str]) -> dict[str, int]:
    sqs = boto3.client(
        "sqs", endpoint_url=endpoints["sqs"], region_name=endpoints["region"],
        aws_access_key_id="e2e", aws_secret_access_key="e2e",
    )  # fmt: skip
    depths = {}
    for logical_id in logical_ids:
        url = endpoints["resources"][logical_id]["ref"]
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
        depths[logical_id] = sum(int(attributes[name]) for name in names)
    return depths


def test_a_kill_9_during_posting_and_fan_out_loses_no_accepted_tweet(tmp_path: Path, launcher: RuntimeLauncher) -> None:
    # Given a runtime where B follows A and reads its home timeline (so fan-out writes to it)
    data_dir = tmp_path / "data"
    runtime = launcher.start(data_dir, RUNTIME_ENVIRONMENT)
    with httpx.Client(base_url=runtime.base_url, timeout=30) as api:
        author, follower = register(api), reader(api)
        follow(api, follower, author)
        # and a processed photo, and the signing secret the runtime generated at its first start
        photo = ready_media(api, register_in_local_runtime(api), jpeg(800, 600), "image/jpeg")
    variant_urls = [variant["url"] for variant in photo["variants"]]
    variants = [httpx.get(url).content for url in variant_urls]
    secret = signing_secret(runtime.endpoints())

    # When A posts in a loop and the runtime is killed -9 after a dozen posts were accepted, mid-stream
    poster = Poster(runtime.base_url, author)
    poster.start()
    assert poster.enough.wait(60), f"A's posts were not accepted:\n{runtime.log()[-3000:]}"
    children = runtime.descendants()
    runtime.stop(signal.SIGKILL)
    poster.stopping.set()
    poster.join(15)
    assert not launcher.wait_for_exit(children, 30), "the emulators outlived the killed runtime"
    accepted = list(poster.accepted)

    # And it is started again on the same data dir
    restarted = launcher.start(data_dir, RUNTIME_ENVIRONMENT)
    with httpx.Client(base_url=restarted.base_url, timeout=30) as api:
        # Then every accepted tweet is in A's user timeline, once
        shown = [entry["id"] for entry in user_tweets(api, author)]
        assert len(shown) == len(set(shown)), f"a tweet shows twice in A's timeline: {shown}"
        assert set(accepted) <= set(shown), f"accepted tweets lost: {set(accepted) - set(shown)}"

        # And, once the messages the killed runtime's pollers had received come back (their visibility timeout,
        # 180 s on TimelineQueue, runs across the restart: the test moves it to now rather than wait for it)
        # and the pipeline has drained, in B's home timeline, once
        end_visibility_timeouts(data_dir, restarted.endpoints())

        def delivered() -> list[str] | None:
            ids = [entry["id"] for entry in home(api, follower)[0]]  # home() checks that none shows twice
            return ids if set(accepted) <= set(ids) else None

        try:
            home_ids = eventually(delivered, "every accepted tweet in the follower's home timeline", DRAIN_SECONDS)
        except AssertionError:
            missing = set(accepted) - {entry["id"] for entry in home(api, follower)[0]}
            raise AssertionError(
                f"{len(missing)} of {len(accepted)} accepted tweets never reached B's timeline: {sorted(missing)};"
                f" queues {queue_depths(restarted.endpoints(), ['TimelineQueue', 'TimelineDeadLetterQueue'])}; log:\n"
                f"{restarted.log()[-4000:]}"
            ) from None
        assert len(home_ids) == len(set(home_ids))

    # And the photo's variants are served again, byte for byte (the media URLs name the API's port, which each
    # start picks anew), and the signing secret is the one generated before
    variants_after = [httpx.get(url.replace(f":{runtime.port}/", f":{restarted.port}/")) for url in variant_urls]
    assert [(response.status_code, response.content) for response in variants_after] == [(200, v) for v in variants]
    assert signing_secret(restarted.endpoints()) == secret and len(secret) == 64

    # And no queued message was lost on the way: the timeline queue drained and nothing went to a dead-letter queue
    endpoints = restarted.endpoints()
    eventually(
        lambda: queue_depths(endpoints, ["TimelineQueue"]) == {"TimelineQueue": 0}, "the timeline queue drained", 15
    )
    assert queue_depths(endpoints, ["TimelineDeadLetterQueue", "FanoutFailuresQueue"]) == {
        "TimelineDeadLetterQueue": 0,
        "FanoutFailuresQueue": 0,
    }
    # And a plain stop (SIGTERM) ends it cleanly, its emulators with it
    children = restarted.descendants()
    launcher.stop_and_check_clean_exit(restarted)
    assert not launcher.wait_for_exit(children, 30), "an emulator outlived the runtime's SIGTERM"
