"""Rate limits on the local runtime, as a client meets them: 40 posts sent at once (from 4 client threads, to
as many sandboxes as the runtime starts for them) past a limit of 10 let exactly 10 through, and every answer
carries the rate headers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.accounts import auth, register

LIMIT = 10
POSTS = 40


def test_posts_sent_at_once_past_the_limit_let_through_exactly_the_limit(runtime_launcher: Any, tmp_path: Path) -> None:
    # Given a runtime whose posting limit is 10 per 3 hours, and a user
    runtime = runtime_launcher.start(
        tmp_path / "data", {"CHIRP_PARAMETER_OVERRIDES": f"RateLimitPosting={LIMIT}/10800"}
    )
    with httpx.Client(base_url=runtime.base_url, timeout=60) as api:
        account = register(api)

        # When 40 posts are sent at once from 4 threads
        def post(n: int) -> httpx.Response:
            return api.post("/tweets", json={"text": f"post {n}"}, headers=auth(account))

        with ThreadPoolExecutor(4) as pool:
            replies = list(pool.map(post, range(POSTS)))

    # Then exactly 10 are posted and the others refused with 429 and Retry-After
    statuses = sorted(reply.status_code for reply in replies)
    assert statuses == [201] * LIMIT + [429] * (POSTS - LIMIT)
    refused = [reply for reply in replies if reply.status_code == 429]
    assert all(reply.json()["error"]["code"] == "rate_limited" for reply in refused)
    assert all(int(reply.headers["retry-after"]) > 0 for reply in refused)
    # And every answer carries the limit and what remains of it
    assert {reply.headers["x-rate-limit-limit"] for reply in replies} == {str(LIMIT)}
    remaining = sorted(int(reply.headers["x-rate-limit-remaining"]) for reply in replies if reply.status_code == 201)
    assert remaining == list(range(LIMIT))
    runtime_launcher.stop_and_check_clean_exit(runtime)
