"""Rate limits on the local runtime, as a client meets them: 40 posts sent at once (from 4 client threads, to
as many sandboxes as the runtime starts for them) by a user 10 posts short of the posting limit let exactly 10
through, and every answer carries the rate headers.

It runs on the session's shared runtime, whose limits are relaxed (RELAXED_RATE_LIMIT) so that no other test
meets one: rather than a runtime of its own with a limit of 10 (a start and a stop, ~30 s of the suite), the
user's posting counter for the current window is brought to 10 short of the limit, as the user's own earlier
posts would have left it, in the runtime's rate-limits table, under the key the limiter counts with."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import boto3
import httpx
from chirp.limits.policy import ActionClass, Limit
from chirp.limits.service import counter_key

from tests.e2e.accounts import auth, register
from tests.e2e.conftest import RELAXED_RATE_LIMIT, RunningRuntime

LEFT = 10
POSTS = 40
# The posts must land in the window the counter was set in: closer than this to its end, wait for the next one.
WINDOW_MARGIN_SECONDS = 60


def spend_all_but(runtime: RunningRuntime, user_id: str, left: int) -> Limit:
    """Set `user_id`'s posting counter for the current window to `left` short of the limit; the limit."""
    limit = Limit.parse(RELAXED_RATE_LIMIT)
    if limit.window_end(time.time()) - time.time() < WINDOW_MARGIN_SECONDS:
        time.sleep(limit.window_end(time.time()) - time.time() + 1)
    now = time.time()
    endpoints = runtime.endpoints()
    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=endpoints["dynamodb"],
        region_name=endpoints["region"],
        aws_access_key_id="e2e",
        aws_secret_access_key="e2e",
    )
    dynamodb.put_item(
        TableName=endpoints["resources"]["RateLimitsTable"]["ref"],
        Item={
            "pk": {"S": counter_key(ActionClass.POSTING, user_id, limit, now)},
            "n": {"N": str(limit.count - left)},
            "expires_at": {"N": str(limit.window_end(now))},
        },
    )
    return limit


def test_posts_sent_at_once_past_the_limit_let_through_exactly_the_limit(
    api: httpx.Client, chirp_runtime: RunningRuntime
) -> None:
    # Given a user with 10 posts left of the runtime's posting limit in the current window
    account = register(api)
    limit = spend_all_but(chirp_runtime, account["data"]["id"], LEFT)

    # When 40 posts are sent at once from 4 threads
    def post(n: int) -> httpx.Response:
        return api.post("/tweets", json={"text": f"post {n}"}, headers=auth(account))

    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(post, range(POSTS)))

    # Then exactly 10 are posted and the others refused with 429 and Retry-After
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [201] * LEFT + [429] * (POSTS - LEFT)
    refused = [reply for reply in replies if reply.status_code == 429]
    assert all(reply.json()["error"]["code"] == "rate_limited" for reply in refused)
    assert all(int(reply.headers["retry-after"]) > 0 for reply in refused)
    # And every answer carries the limit the runtime was given (its RateLimitPosting) and what remains of it
    assert {reply.headers["x-rate-limit-limit"] for reply in replies} == {str(limit.count)}
    remaining = sorted(int(reply.headers["x-rate-limit-remaining"]) for reply in replies if reply.status_code == 201)
    assert remaining == list(range(LEFT))
