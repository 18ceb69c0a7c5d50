"""The issue's test: 400 requests past a limit, from 4 processes at once (4 sandboxes), against one counter
table on DynamoDB Local, let through exactly the limit. Each process runs the limiter's own code (the domain's
`count_request` on `DynamoCounterStore`) from 8 threads, so the requests overlap within and across processes."""

from __future__ import annotations

import multiprocessing
import os
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

from infra.local.aws import ServiceEndpoints

TABLE = "chirp-test-RateLimitsTable"
LIMIT = "50/300"
SANDBOXES = 4
REQUESTS_PER_SANDBOX = 100


def sandbox(endpoint: str, start_at: float) -> list[bool]:
    """One sandbox: its own process and clients, its requests sent from 8 threads once `start_at` comes."""
    os.environ.update(
        AWS_ENDPOINT_URL_DYNAMODB=endpoint,
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="us-east-1",
    )
    from chirp.adapters.dynamodb.limits import DynamoCounterStore
    from chirp.limits.policy import ActionClass, Limit
    from chirp.limits.service import count_request

    store, limit = DynamoCounterStore(TABLE), Limit.parse(LIMIT)
    time.sleep(max(0.0, start_at - time.time()))
    now = start_at  # one window for all of them, even if a window's end falls while they start
    with ThreadPoolExecutor(8) as pool:
        decisions = pool.map(
            lambda _: count_request(store, ActionClass.POSTING, "alice", limit, now), range(REQUESTS_PER_SANDBOX)
        )
        return [decision.allowed for decision in decisions]


def test_four_sandboxes_at_once_let_through_exactly_the_limit(services: ServiceEndpoints) -> None:
    # Given the counter table on DynamoDB Local
    assert services.dynamodb is not None
    client = boto3.client(
        "dynamodb",
        endpoint_url=services.dynamodb,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    client.create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    # When 4 processes send 100 requests each at the same moment, for one user with a limit of 50
    start_at = time.time() + 3
    with multiprocessing.get_context("spawn").Pool(SANDBOXES) as pool:
        results = pool.starmap(sandbox, [(services.dynamodb, start_at)] * SANDBOXES)
    # Then exactly 50 are let through, and the counter holds all 400
    allowed = sum(sum(result) for result in results)
    assert sum(len(result) for result in results) == SANDBOXES * REQUESTS_PER_SANDBOX
    assert allowed == 50
    (item,) = client.scan(TableName=TABLE)["Items"]
    assert item["n"] == {"N": "400"}
