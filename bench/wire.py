"""`make bench-wire`: what a DynamoDB call costs through botocore, and through `chirp.adapters.dynamodb.wire`.

The home-timeline read's two calls (a consistent Query of a page of the reader's timeline, then one
BatchGetItem of the page's tweets) go through `WireDynamoDB`, which signs and sends with botocore's own
pieces but skips its per-call machinery. This measures both ways of making each call, side by side in
random order, on one DynamoDB Local started for the run: wall time and this process's CPU time per call.
The botocore client is PynamoDB's (`parameter_validation=False`), as the rest of the product uses it.

    PYTHONPATH=layers/chirp python -m bench.wire [--calls 2000]

Prints a table and writes bench/results/wire.json.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from infra.local.emulators import free_port, start_dynamodb_local

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PAGE_SIZE = 20
OWNER = 7
TWEET = {
    "author_id": {"N": "1234567"},
    "text": {"S": "a tweet of ordinary length, with a #hashtag, a @mention and a link https://example.com/x"},
    "entities": {"S": json.dumps({"hashtags": [{"start": 30, "end": 38, "tag": "hashtag"}],
                                  "mentions": [{"start": 42, "end": 50, "username": "mention"}],
                                  "urls": [{"start": 64, "end": 85, "url": "https://example.com/x"}]})},
}  # fmt: skip


def environment(dynamodb_url: str) -> None:
    import os

    os.environ.update({
        "AWS_ENDPOINT_URL_DYNAMODB": dynamodb_url, "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    })  # fmt: skip


def load(dynamodb: Any) -> list[int]:
    """A tweets table of 400 tweets and a timelines table whose owner's partition points at them."""
    dynamodb.create_table(
        TableName="tweets", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "tweet_id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "tweet_id", "KeyType": "HASH"}],
    )  # fmt: skip
    dynamodb.create_table(
        TableName="timelines", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "owner_id", "AttributeType": "N"},
                              {"AttributeName": "entry_id", "AttributeType": "N"}],
        KeySchema=[{"AttributeName": "owner_id", "KeyType": "HASH"}, {"AttributeName": "entry_id", "KeyType": "RANGE"}],
    )  # fmt: skip
    tweet_ids = [10**17 + number for number in range(400)]
    for start in range(0, len(tweet_ids), 12):  # two items per tweet, 25 per call
        chunk = tweet_ids[start : start + 12]
        dynamodb.batch_write_item(RequestItems={
            "tweets": [{"PutRequest": {"Item": {"tweet_id": {"N": str(tweet)}, **TWEET}}} for tweet in chunk],
            "timelines": [{"PutRequest": {"Item": {
                "owner_id": {"N": str(OWNER)}, "entry_id": {"N": str(tweet)}, "tweet_id": {"N": str(tweet)},
                "author_id": TWEET["author_id"]}}} for tweet in chunk],
        })  # fmt: skip
    return tweet_ids


def timed(calls: int, ways: dict[str, Callable[[], Any]]) -> dict[str, dict[str, float]]:
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
    names = list(ways)
    for name in names * 50:  # warm: connections, operation models
        ways[name]()
    for _ in range(calls):
        random.shuffle(names)
        for name in names:
            wall, cpu = time.perf_counter(), time.process_time()
            ways[name]()
            samples[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    return {name: summary(values) for name, values in samples.items()}


def summary(values: list[tuple[float, float]]) -> dict[str, float]:
    walls, cpus = sorted(wall for wall, _ in values), sorted(cpu for _, cpu in values)
    at = lambda share: int(len(walls) * share)  # noqa: E731
    return {"wall_p50_ms": walls[at(0.5)], "wall_p99_ms": walls[at(0.99)], "cpu_p50_ms": cpus[at(0.5)],
            "cpu_mean_ms": sum(cpus) / len(cpus)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000, help="calls per way and operation")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chirp-bench-wire-") as work:
        port = free_port()
        dynamodb_local = start_dynamodb_local(ROOT / ".cache" / "dynamodb-local", Path(work), port, Path(work))
        try:
            dynamodb_local.wait_until_serving(60)
            environment(f"http://127.0.0.1:{port}")
            results = measure(arguments.calls, load(boto3.client("dynamodb")))
        finally:
            dynamodb_local.stop()
    report(results, arguments.calls)


def measure(calls: int, tweet_ids: list[int]) -> dict[str, dict[str, dict[str, float]]]:
    from chirp.adapters.dynamodb.connection import shared_connection
    from chirp.adapters.dynamodb.wire import wire

    botocore_client: Any = shared_connection().client
    query = {
        "TableName": "timelines", "KeyConditionExpression": "owner_id = :owner",
        "ExpressionAttributeValues": {":owner": {"N": str(OWNER)}},
        "ScanIndexForward": False, "Limit": PAGE_SIZE, "ConsistentRead": True,
    }  # fmt: skip

    def batch_get() -> dict[str, Any]:
        keys = [{"tweet_id": {"N": str(tweet)}} for tweet in random.sample(tweet_ids, PAGE_SIZE)]
        return {"RequestItems": {"tweets": {"Keys": keys, "ConsistentRead": True}}}

    return {
        "Query": timed(calls, {
            "botocore": lambda: botocore_client.query(**query), "wire": lambda: wire().query(**query),
        }),
        "BatchGetItem": timed(calls, {
            "botocore": lambda: botocore_client.batch_get_item(**batch_get()),
            "wire": lambda: wire().batch_get_item(**batch_get()),
        }),
    }  # fmt: skip


def report(results: dict[str, dict[str, dict[str, float]]], calls: int) -> None:
    print(f"{'':34}{'wall p50':>10}{'wall p99':>10}{'CPU p50':>10}{'CPU mean':>10}   (ms, {calls} calls each)")
    for operation, ways in results.items():
        for way, figures in ways.items():
            columns = ("wall_p50_ms", "wall_p99_ms", "cpu_p50_ms", "cpu_mean_ms")
            print(
                f"{operation + ' of ' + str(PAGE_SIZE) + ', ' + way:34}"
                + "".join(f"{figures[key]:>10.2f}" for key in columns)
            )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "wire.json").write_text(
        json.dumps({"calls": calls, "page_size": PAGE_SIZE, "results": results}, indent=2)
    )
    print(f"written to {RESULTS / 'wire.json'}")


if __name__ == "__main__":
    main()
