"""`make bench-events`: how long a post takes to reach a follower's home timeline, and the bus.

Starts the local runtime (its own data folder), registers an author and an active follower, then posts
`--posts` tweets one at a time. For each, from the moment `POST /api/tweets` answered 201:

- **home timeline**: until the tweet is at the top of the follower's `GET /api/timeline` (polled every
  10 ms): tweets stream -> fan-out -> timeline queue -> writer -> timelines table -> the read;
- **published**: until the event publisher's `PublishBatch` reached SNS (the SNS envelope's `Timestamp`
  of the TweetPosted event): tweets stream -> event publisher -> topic;
- **in the consumer queue**: until SQS took the message (its `SentTimestamp`), in a probe consumer queue
  subscribed to the bus the way a consumer's template resources subscribe one (not raw, so the SNS
  envelope and its Timestamp arrive with it);

and, for the bus alone, **publish -> consumer queue** (SentTimestamp minus the SNS Timestamp). moto
delivers SNS -> SQS inside the Publish call, so locally that last figure is the emulator's, not AWS's.
Timestamps from SNS and SQS have millisecond resolution. Prints a table; writes bench/results/events.json.

    python -m bench.events [--posts 200]
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import httpx

from bench.api_latency import RESULTS, ROOT, local_runtime, percentile

POLL_SECONDS = 0.01
DEADLINE_SECONDS = 30.0


@dataclass
class Samples:
    home_ms: list[float] = field(default_factory=list)
    published_ms: list[float] = field(default_factory=list)
    queued_ms: list[float] = field(default_factory=list)
    publish_to_queue_ms: list[float] = field(default_factory=list)

    def table(self) -> dict[str, dict[str, float]]:
        rows = {
            "post -> visible in a follower's home timeline": self.home_ms,
            "post -> TweetPosted published (SNS)": self.published_ms,
            "post -> in a consumer's queue (SQS)": self.queued_ms,
            "publish -> consumer queue (moto: synchronous)": self.publish_to_queue_ms,
        }
        return {label: summary(samples) for label, samples in rows.items()}


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "n": len(samples),
        "p50_ms": percentile(samples, 0.50),
        "p90_ms": percentile(samples, 0.90),
        "p99_ms": percentile(samples, 0.99),
        "max_ms": max(samples),
    }


def register(api: httpx.Client) -> dict[str, Any]:
    name = f"ev{secrets.token_hex(5)}"
    response = api.post(
        "/users/register", json={"username": name, "email": f"{name}@example.com", "password": "bench-pw-1"}
    )
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def headers(account: dict[str, Any]) -> dict[str, str]:
    return {"authorization": f"Bearer {account['token']['access_token']}"}


class ProbeConsumer:
    """A queue subscribed to the runtime's bus for TweetPosted, not raw (the SNS envelope keeps its Timestamp)."""

    def __init__(self, endpoints: dict[str, Any]) -> None:
        options = {"endpoint_url": endpoints["sqs"], "region_name": endpoints["region"]}
        options |= {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
        self.sqs, sns = boto3.client("sqs", **options), boto3.client("sns", **options)
        self.url = self.sqs.create_queue(QueueName=f"bench-events-{secrets.token_hex(4)}")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        sns.subscribe(
            TopicArn=endpoints["resources"]["DomainEventsTopic"]["ref"],
            Protocol="sqs",
            Endpoint=arn,
            Attributes={"FilterPolicy": json.dumps({"type": ["TweetPosted"]})},
        )
        self.seen: dict[str, tuple[float, float]] = {}  # tweet id -> (published, queued), epoch ms

    def arrival(self, tweet_id: str, deadline: float) -> tuple[float, float]:
        while tweet_id not in self.seen:
            if time.monotonic() > deadline:
                raise SystemExit(f"TweetPosted for {tweet_id} never reached the consumer queue")
            for message in self.sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, AttributeNames=["SentTimestamp"]
            ).get("Messages", []):
                envelope = json.loads(message["Body"])
                event = json.loads(envelope["Message"])
                published = datetime.fromisoformat(envelope["Timestamp"].replace("Z", "+00:00")).timestamp() * 1000
                self.seen[str(event["data"]["tweet_id"])] = (published, float(message["Attributes"]["SentTimestamp"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            time.sleep(POLL_SECONDS)
        return self.seen[tweet_id]


def until_visible(api: httpx.Client, follower: dict[str, Any], tweet_id: str, deadline: float) -> float:
    """Epoch ms at which the follower's first home-timeline page shows the tweet on top."""
    while time.monotonic() < deadline:
        page = api.get("/timeline?limit=5", headers=headers(follower)).json()["data"]
        if page and page[0]["id"] == tweet_id:
            return time.time() * 1000
        time.sleep(POLL_SECONDS)
    raise SystemExit(f"tweet {tweet_id} never reached the follower's home timeline")


def measure(base_url: str, endpoints: dict[str, Any], posts: int) -> Samples:
    samples = Samples()
    probe = ProbeConsumer(endpoints)
    with httpx.Client(base_url=base_url, timeout=30) as api:
        author, follower = register(api), register(api)
        api.post(f"/users/{author['data']['id']}/follow", headers=headers(follower)).raise_for_status()
        api.get("/timeline", headers=headers(follower)).raise_for_status()  # an active reader gets fan-out
        for number in range(posts + 5):  # the first five warm each function's sandbox up, unmeasured
            response = api.post("/tweets", json={"text": f"event {number} #bench"}, headers=headers(author))
            response.raise_for_status()
            posted_at = time.time() * 1000
            tweet_id = response.json()["data"]["id"]
            deadline = time.monotonic() + DEADLINE_SECONDS
            visible_at = until_visible(api, follower, tweet_id, deadline)
            published_at, queued_at = probe.arrival(tweet_id, deadline)
            if number >= 5:
                samples.home_ms.append(visible_at - posted_at)
                samples.published_ms.append(published_at - posted_at)
                samples.queued_ms.append(queued_at - posted_at)
                samples.publish_to_queue_ms.append(queued_at - published_at)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    with local_runtime() as (base_url, data_dir):
        endpoints = json.loads((data_dir / "endpoints.json").read_text())
        table = measure(base_url, endpoints, args.posts).table()
    print(f"\nDelivery on the local runtime ({args.posts} posts, one at a time; from the POST's 201)")
    print(f"  {'path':<48} {'n':>4} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, figures in table.items():
        print(
            f"  {label:<48} {figures['n']:>4.0f} {figures['p50_ms']:>8.1f} {figures['p90_ms']:>8.1f}"
            f" {figures['p99_ms']:>8.1f} {figures['max_ms']:>8.1f}"
        )
    RESULTS.mkdir(parents=True, exist_ok=True)
    output = RESULTS / "events.json"
    output.write_text(json.dumps({"posts": args.posts, "delivery": table, "python": sys.version}, indent=2))
    print(f"\nwrote {output.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
