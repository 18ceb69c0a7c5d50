"""Trends over the local runtime, as a client sees them: tweets posted through the API reach the trends counter
through the bus (the tweets stream -> the event publisher -> SNS -> its queue), and the scorer, run by the
runtime on its schedule (every minute; the shared runtime's first run 5 s after its start), writes the list
that `GET /api/trends` serves.

The runtime is shared by the session's test files, so the tags are unique to each run."""

from __future__ import annotations

import secrets
import time
from typing import Any

import httpx
import pytest

from tests.e2e.accounts import auth, register

pytestmark = pytest.mark.e2e

# The scorer runs every minute: the next run after the counts are in, with room for the counting itself.
DEADLINE_SECONDS = 90.0
BURST_AUTHORS = 6  # above the template's TrendsMinAuthors, 5
SPAM_TWEETS = 30


def post(api: httpx.Client, author: dict[str, Any], text: str) -> None:
    response = api.post("/tweets", json={"text": text}, headers=auth(author))
    assert response.status_code == 201, response.text


def trending(api: httpx.Client) -> dict[str, dict[str, Any]]:
    response = api.get("/trends", params={"limit": "20"})
    assert response.status_code == 200, response.text
    return {trend["tag"]: trend for trend in response.json()["data"]}


def test_a_burst_of_distinct_authors_trends_and_one_spammer_does_not(api: httpx.Client) -> None:
    # Given 6 distinct authors posting #ChirpBurst<run>, and one account posting #SpamTag<run> 30 times
    run = secrets.token_hex(4)
    burst, spam = f"chirpburst{run}", f"spamtag{run}"
    for author in (register(api) for _ in range(BURST_AUTHORS)):
        post(api, author, f"look at this #ChirpBurst{run}")
    spammer = register(api)
    for n in range(SPAM_TWEETS):
        post(api, spammer, f"buy now {n} #SpamTag{run}")

    # When the scorer has run since the counter counted them (polled for up to 90 s)
    deadline = time.monotonic() + DEADLINE_SECONDS
    while burst not in (shown := trending(api)) and time.monotonic() < deadline:
        time.sleep(1.0)

    # Then the burst trends, with its 6 authors, as typed, and its sparkline of the last 24 hours
    assert burst in shown, f"#{burst} did not trend within {DEADLINE_SECONDS:.0f} s: {sorted(shown)}"
    trend = shown[burst]
    assert trend["name"] == f"#ChirpBurst{run}"
    assert trend["count"] == BURST_AUTHORS
    assert trend["score"] > 0
    assert len(trend["series"]) == 24
    assert sum(trend["series"][-2:]) == BURST_AUTHORS
    # And the spammer's 30 tweets, one author, never do
    assert spam not in shown
