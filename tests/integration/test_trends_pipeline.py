"""Trends on moto, through the real pipeline (`pipeline.py`): tweets posted through the API, published on the
bus by the event publisher, counted by the trends counter from its queue (under its own IAM policies, in
Lambda's event format); the scorer run as its schedule runs it (the sample scheduled event, under its own
policies); the list read through `GET /api/trends`."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chirp.adapters.dynamodb.trends import DynamoTrendRepository
from chirp.ids import id_timestamp_ms
from chirp.trends.models import hour_of

from tests.integration.api_client import Account, Api, assert_error
from tests.integration.pipeline import (
    PUBLISHER_FUNCTION,
    LambdaContext,
    Pipeline,
    StartPipeline,
    handler_module,
)

COUNTER_FUNCTION = "TrendsCounterFunction"
SCORER_FUNCTION = "TrendsScorerFunction"
SCHEDULED_EVENT = Path(__file__).resolve().parents[2] / "events" / "trends_scorer" / "scheduled.json"


@pytest.fixture
def pipeline(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(PUBLISHER_FUNCTION, COUNTER_FUNCTION, SCORER_FUNCTION))


def post(api: Api, author: Account, text: str) -> tuple[str, int]:
    """Post; the tweet's author id and the hour it was posted in (the counter's hour)."""
    tweet = api.tweet(author, text)
    return author.id, hour_of(id_timestamp_ms(int(tweet["id"])))


def stored_authors(tags: set[str], hours: set[int]) -> dict[tuple[str, int], int]:
    """The counts the counter stored for those tags in those hours, by (tag, hour)."""
    return {
        (count.tag, hour): count.authors
        for hour in hours
        for count in DynamoTrendRepository().tags_of_hour(hour)
        if count.tag in tags
    }


def run_scorer(pipeline: Pipeline) -> Any:
    """The scorer's handler, as its schedule invokes it: the sample scheduled event, under its IAM policies."""
    spec = pipeline.functions[SCORER_FUNCTION]
    with pipeline.act_as(SCORER_FUNCTION):
        return handler_module(spec).handler(json.loads(SCHEDULED_EVENT.read_text()), LambdaContext(spec.name, spec.arn))


def trends(api: Api, **query: str) -> dict[str, Any]:
    reply = api.get("/api/trends", query=query or None)
    assert reply.status == 200, reply.body
    document: dict[str, Any] = reply.json()
    return document


# ---------------------------------------------------------------- counting


def test_the_counter_counts_each_tags_distinct_authors_per_hour_exactly(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account, carol: Account
) -> None:
    # Given three authors using #Serverless (in any case), alice three times and with #aws once
    posts = [
        (post(api, alice, "#Serverless is here"), ("serverless",)),
        (post(api, bob, "#serverless too"), ("serverless",)),
        (post(api, carol, "#SERVERLESS!"), ("serverless",)),
        (post(api, alice, "again #serverless, with #aws"), ("serverless", "aws")),
        (post(api, alice, "and again #Serverless"), ("serverless",)),
    ]
    # When the events have gone through the bus to the counter
    handled = pipeline.run_until_quiet()
    # Then each tag counts its distinct authors in each hour its tweets were posted in, once each
    assert handled[COUNTER_FUNCTION] == len(posts)
    expected: defaultdict[tuple[str, int], set[str]] = defaultdict(set)
    for (author, hour), tags in posts:
        for tag in tags:
            expected[tag, hour].add(author)
    hours = {hour for (_, hour), _ in posts}
    assert stored_authors({"serverless", "aws"}, hours) == {key: len(authors) for key, authors in expected.items()}


def test_a_redelivered_batch_counts_nothing_and_is_no_failure(
    api: Api, pipeline: Pipeline, alice: Account, bob: Account
) -> None:
    # Given two authors' tweets counted
    posted = [post(api, alice, "#redelivery one"), post(api, bob, "#redelivery two")]
    pipeline.run_until_quiet()
    hours = {hour for _, hour in posted}
    before = stored_authors({"redelivery"}, hours)
    # When the counter is handed every message it consumed once more (each transaction cancelled by its marker)
    consumed = list(pipeline.delivered[COUNTER_FUNCTION])
    assert consumed
    failures = pipeline.invoke(COUNTER_FUNCTION, consumed)
    # Then no message failed, and the counts did not move
    assert failures == []
    assert stored_authors({"redelivery"}, hours) == before
    assert sum(before.values()) == 2


# ---------------------------------------------------------------- scoring and serving


def test_before_the_scorers_first_run_the_list_is_empty(api: Api, pipeline: Pipeline) -> None:
    # When the list is asked for before the scorer ever ran
    document = trends(api)
    # Then it is empty, as of no time
    assert document == {"data": [], "meta": {"as_of": None}}


def test_the_scorer_writes_the_list_the_api_serves_bursts_in_and_a_spammer_out(
    api: Api, pipeline: Pipeline, alice: Account
) -> None:
    # Given 6 distinct authors posting #ChirpBurst and #second, and one account posting #spamtag 10 times
    authors = [api.register() for _ in range(6)]
    for author in authors:
        post(api, author, "#ChirpBurst and #second")
    for n in range(10):
        post(api, alice, f"buy now #spamtag {n}")
    pipeline.run_until_quiet()
    # When the scorer runs
    answer = run_scorer(pipeline)
    # Then the API lists both bursts, best first (a tie: by tag), with their counts, names and series
    document = trends(api)
    assert answer == {"trends": 2}
    assert [(t["tag"], t["name"], t["count"]) for t in document["data"]] == [
        ("chirpburst", "#ChirpBurst", 6),
        ("second", "#second", 6),
    ]
    burst = document["data"][0]
    assert burst["score"] == pytest.approx(25, rel=0.01)  # (6 - 1)^2 / 1: a tag never seen before
    assert len(burst["series"]) == 24
    assert sum(burst["series"][-2:]) == 6
    # And never the spammer's tag
    assert "spamtag" not in {trend["tag"] for trend in document["data"]}
    # And the list says when it was computed
    assert datetime.fromisoformat(document["meta"]["as_of"]).tzinfo is not None
    # And ?limit= cuts it
    assert [trend["tag"] for trend in trends(api, limit="1")["data"]] == ["chirpburst"]


@pytest.mark.parametrize("limit", ["0", "21", "ten"])
def test_a_limit_out_of_range_is_a_400(api: Api, limit: str) -> None:
    reply = api.get("/api/trends", query={"limit": limit})
    assert_error(reply, 400, "malformed_request", "limit must be an integer from 1 to 20")
