"""Least privilege, enforced by the local runtime (infra.local.iam), over HTTP as a client uses Chirp.

1. On a copy of template.yaml from which one statement of the fan-out function's policies is removed (what lets it
   trim its author's recent-tweets item, which it does on every post), the fan-out's call is denied with DynamoDB's
   AccessDeniedException, and after the mapping's retries the stream record is described in its failure queue.
2. On template.yaml itself (the session's shared runtime), a workload that uses every route and every event
   function: each (action, resource) pair each function's code used, and each Lambda used for it, is granted (what
   the shared runtime's other tests made the functions use is held to the same rule). The test prints the usage report
   (`python -m infra.local.iam report`): Markdown tables of what each function used in this run and in the
   session's in-process tests so far (CHIRP_IAM_USAGE_DIR, kept by tests/iam_guard.py), next to what grants it.
   The session's full report, e2e runtimes included, is written at its end (see tests/iam_guard.py).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import boto3
import httpx
import pytest
from websockets.sync.client import connect

from infra.local.iam.report import build_report, render_markdown
from infra.local.iam.usage import USAGE_DIR_VARIABLE, read_usage
from infra.local.template import load_template_text
from tests.e2e.conftest import REPO, RunningRuntime

pytestmark = pytest.mark.e2e

TEMPLATE = REPO / "template.yaml"
T = TypeVar("T")


def eventually(check: Callable[[], T | None], what: str, timeout: float = 60.0) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.2)


def template_copy(folder: Path, *changes: Callable[[dict[str, Any]], None]) -> Path:
    """template.yaml, changed, as JSON in `folder`, its code paths made absolute so that it runs from there."""
    document = load_template_text(TEMPLATE.read_text())
    for change in changes:
        change(document)
    function_globals = (document.get("Globals") or {}).get("Function") or {}
    for properties in [function_globals, *((body.get("Properties") or {}) for body in document["Resources"].values())]:
        for key in ("CodeUri", "ContentUri"):
            if isinstance(properties.get(key), str):
                properties[key] = str((REPO / properties[key]).resolve())
    for body in document["Resources"].values():  # an image function's build context (its Dockerfile's COPYs)
        metadata = body.get("Metadata") or {}
        if isinstance(metadata.get("DockerContext"), str):
            metadata["DockerContext"] = str((REPO / metadata["DockerContext"]).resolve())
    path = folder / "template.json"
    path.write_text(json.dumps(document, indent=1))
    return path


def names_author_tweets(value: Any) -> bool:
    return "AuthorTweetsTable" in json.dumps(value)


def without_the_fan_outs_author_tweets_grant(document: dict[str, Any]) -> None:
    """Remove the one statement of TimelineFanoutFunction's Policies that grants it the author-tweets table."""
    policies = document["Resources"]["TimelineFanoutFunction"]["Properties"]["Policies"]
    for index, entry in enumerate(policies):
        statements = entry.get("Statement") if isinstance(entry, dict) else None
        if isinstance(statements, list):  # an inline policy: drop its statement on the table
            kept = [statement for statement in statements if not names_author_tweets(statement.get("Resource"))]
            if len(kept) == len(statements) - 1:
                entry["Statement"] = kept
                return
        elif names_author_tweets(entry):  # a policy template, e.g. DynamoDBCrudPolicy {TableName: !Ref ...}
            del policies[index]
            return
    raise AssertionError(
        f"no single statement of TimelineFanoutFunction's Policies grants AuthorTweetsTable: {policies}"
    )


def with_a_patient_api(document: dict[str, Any]) -> None:
    """The API's timeout at 30 s, not 10: this runtime's API sandbox (one) serves its first tweet cold, its imports
    and text rules loaded (~1 s on an idle machine), and a CI machine busy with browser tests beside it once took
    more than 10 s; what is under test here is the fan-out's grant, not the API's cold start."""
    document["Resources"]["ApiFunction"]["Properties"]["Timeout"] = 30


def register(api: httpx.Client) -> tuple[str, dict[str, str]]:
    username = f"p{secrets.token_hex(5)}"
    response = api.post(
        "/users/register", json={"username": username, "email": f"{username}@example.com", "password": "password-123"}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["data"]["id"], {"authorization": f"Bearer {body['token']['access_token']}"}


def sqs_client(runtime: RunningRuntime) -> Any:
    endpoints = runtime.endpoints()
    return boto3.client(
        "sqs",
        endpoint_url=endpoints["sqs"],
        region_name=endpoints["region"],
        aws_access_key_id="e2e",
        aws_secret_access_key="e2e",
    )


def uses(folder: Path) -> list[dict[str, Any]]:
    return read_usage(folder)[1]


# ---------------------------------------------------------------------- 1. a missing grant
def test_a_fan_out_missing_one_grant_is_denied_and_its_record_lands_in_the_failure_destination(
    runtime_launcher: Any, tmp_path: Path
) -> None:
    # Given the runtime on template.yaml without the fan-out's grant on the author-tweets table
    template = template_copy(tmp_path, without_the_fan_outs_author_tweets_grant, with_a_patient_api)
    usage = tmp_path / "usage"
    runtime = runtime_launcher.start(
        tmp_path / "data",
        {"CHIRP_TEMPLATE": str(template), USAGE_DIR_VARIABLE: str(usage), "CHIRP_LOCAL_CONCURRENCY": "1"},
    )
    resources = runtime.endpoints()["resources"]
    # When a user posts a tweet
    with httpx.Client(base_url=runtime.base_url, timeout=60) as api:
        _author, auth = register(api)
        posted = api.post("/tweets", json={"text": "who may trim my recent tweets?"}, headers=auth)
        assert posted.status_code == 201, posted.text
    # Then the fan-out's call is denied, as DynamoDB denies it
    eventually(lambda: "AccessDeniedException" in runtime.log(), "the fan-out's call denied in the runtime's log")
    denied = eventually(
        lambda: [use for use in uses(usage) if use["function"] == "TimelineFanoutFunction" and not use["allowed"]],
        "the denial in the usage log",
    )
    assert all(use["resource"].endswith(f":table/{resources['AuthorTweetsTable']['ref']}") for use in denied), denied
    assert "is not authorized to perform: dynamodb:" in runtime.log()
    # And after the mapping's retries (MaximumRetryAttempts: 5) the record is described in the failure destination
    sqs = sqs_client(runtime)
    tweets_stream = resources["TweetsTable"]["attributes"]["StreamArn"]

    def tweet_record_in_failures() -> dict[str, Any] | None:
        response = sqs.receive_message(QueueUrl=resources["FanoutFailuresQueue"]["ref"], MaxNumberOfMessages=10)
        records = [json.loads(message["Body"]) for message in response.get("Messages", [])]
        return next((record for record in records if record["DDBStreamBatchInfo"]["streamArn"] == tweets_stream), None)

    record = eventually(tweet_record_in_failures, "the tweet's stream record in FanoutFailuresQueue", timeout=90)
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 6  # the first attempt and 5 retries
    assert record["requestContext"]["functionArn"].endswith(":function:chirp-local-TimelineFanoutFunction")
    runtime_launcher.stop_and_check_clean_exit(runtime)


# ---------------------------------------------------------------------- 2. everything used is granted
def drive_every_route_and_event_function(api: httpx.Client, websocket_url: str) -> None:
    """Accounts, tokens, profiles, follows, tweets, timelines, notifications pushed to an open WebSocket, search,
    trends, who to follow: what each function does in normal use."""
    author_id, author = register(api)
    follower_id, follower = register(api)
    tab = connect(f"{websocket_url}?token={author['authorization'].removeprefix('Bearer ')}", open_timeout=30)
    username = api.get("/users/me", headers=author).json()["data"]["username"]
    assert api.get("/health").status_code == 200
    assert api.get("/openapi.json").status_code == 200
    tokens = api.post("/users/login", json={"username": username, "password": "password-123"}).json()
    refreshed = api.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200, refreshed.text
    assert api.post("/auth/logout", json={"refresh_token": refreshed.json()["refresh_token"]}).status_code == 204
    assert api.patch("/users/me", json={"name": "Least P."}, headers=author).status_code == 200
    assert api.get(f"/users/{author_id}").status_code == 200
    assert api.get(f"/users/by/username/{username}").status_code == 200
    assert api.get("/timeline", headers=follower).status_code == 200  # an active reader gets fan-out
    assert api.post(f"/users/{author_id}/follow", headers=follower).status_code == 200
    assert json.loads(tab.recv(timeout=60))["data"]["kind"] == "follow"  # the notifier pushed it
    tab.close()
    assert api.get("/notifications", headers=author).status_code == 200
    assert api.get(f"/users/{author_id}/followers").status_code == 200
    assert api.get(f"/users/{follower_id}/following").status_code == 200
    tweet_id = api.post("/tweets", json={"text": "fanned out #leastprivilege"}, headers=author).json()["data"]["id"]
    assert api.get(f"/tweets/{tweet_id}").status_code == 200
    assert api.get(f"/users/{author_id}/tweets").status_code == 200

    def delivered() -> bool:
        page = api.get("/timeline", headers=follower).json()["data"]
        return any(entry["id"] == tweet_id for entry in page)

    eventually(delivered, "the tweet in the follower's home timeline (fan-out, then the writer)")
    assert api.get(f"/users/{follower_id}/timeline", headers=follower).status_code == 200
    # Search (the indexer), who to follow (the suggestions function) and trends (the counter, then the scorer,
    # run by the runtime's schedule: the first run brought forward by CHIRP_SCHEDULE_FIRST_RUN_SECONDS)
    eventually(lambda: api.get("/search/tweets", params={"q": "fanned"}).json()["data"], "the tweet searchable")
    assert api.get("/users/search", params={"q": username[:2]}).status_code == 200
    assert api.get("/users/me/suggestions", headers=follower).status_code == 200
    eventually(lambda: api.get("/trends").json()["meta"]["as_of"], "the trends scorer's first run")
    assert api.delete(f"/tweets/{tweet_id}", headers=author).status_code == 204
    assert api.delete(f"/users/{author_id}/follow", headers=follower).status_code == 200
    # A data export (the export worker), and an account's deletion (the erasure function, its whole way through)
    assert api.post("/users/me/export", headers=author).status_code == 202
    eventually(lambda: api.get("/users/me/export", headers=author).json()["data"]["state"] == "ready" or None, "export")
    assert api.post(f"/users/{author_id}/follow", headers=follower).status_code == 200
    api.post("/tweets", json={"text": "erased soon"}, headers=follower)
    deleted = api.request("DELETE", "/users/me", json={"password": "password-123"}, headers=follower)
    assert deleted.status_code == 202, deleted.text
    eventually(
        lambda: api.get(f"/users/{author_id}").json()["data"]["public_metrics"]["followers_count"] == 0 or None,
        "the erasure's unfollow",
    )
    time.sleep(3)  # the delete's and the unfollow's fan-out, the erasure's last phases


def merged_with_the_sessions_in_process_usage(folder: Path, into: Path) -> Path:
    """`folder`'s usage and what this session's in-process tests recorded (CHIRP_IAM_USAGE_DIR), in `into`."""
    into.mkdir()
    session_folder = os.environ.get(USAGE_DIR_VARIABLE)
    sources = [*folder.glob("*.jsonl")]
    if session_folder and Path(session_folder).is_dir():
        sources += Path(session_folder).glob("in-process-*.jsonl")
    for path in sources:
        shutil.copy(path, into / path.name)
    return into


def the_runtimes_usage(runtime: RunningRuntime, into: Path) -> Path:
    """What `runtime` recorded so far (its process's `runtime-<pid>-*.jsonl` in CHIRP_IAM_USAGE_DIR), in `into`.

    The session's runtimes inherit the folder from tests/iam_guard.py; each process writes a file of its own, a
    line per pair when first used, so the files can be read while the runtime runs."""
    session_folder = os.environ.get(USAGE_DIR_VARIABLE)
    assert session_folder, f"{USAGE_DIR_VARIABLE} is not set: tests/iam_guard.py sets it for the session"
    into.mkdir()
    for path in Path(session_folder).glob(f"runtime-{runtime.process.pid}-*.jsonl"):
        shutil.copy(path, into / path.name)
    return into


def test_every_call_the_functions_make_is_granted(chirp_runtime: RunningRuntime, tmp_path: Path) -> None:
    # Given the session's runtime on template.yaml, recording what each function uses (CHIRP_IAM_USAGE_DIR)
    log_start = len(chirp_runtime.log())
    # When a client uses every route, and the event functions do their part
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=60) as api:
        (stage,) = chirp_runtime.endpoints()["websockets"].values()
        drive_every_route_and_event_function(api, stage["url"])
    usage = the_runtimes_usage(chirp_runtime, tmp_path / "usage")
    # Then the report lists what each function used (here and in this session's in-process tests), next to what
    # grants it
    merged = build_report(merged_with_the_sessions_in_process_usage(usage, tmp_path / "merged"), TEMPLATE)
    markdown = render_markdown(merged)
    (tmp_path / "iam-usage.md").write_text(markdown + "\n")
    print(markdown)
    # And each pair the runtime's functions used is granted by the function's own policies
    report = build_report(usage, TEMPLATE)
    assert not report.not_granted, render_markdown(report)
    assert "AccessDenied" not in chirp_runtime.log()[log_start:]
    # And every function of the template made calls of its own, or Lambda did for it
    assert not report.silent_functions, markdown
    for function_id in ("ApiFunction", "TimelineFanoutFunction", "TimelineWriterFunction"):
        callers = {caller for pair in report.functions[function_id].used.values() for caller in pair.callers}
        assert "function" in callers, f"{function_id} made no call of its own:\n{markdown}"
