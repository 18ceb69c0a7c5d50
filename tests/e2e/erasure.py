"""An account with tweets, likes, follows both ways and a photo, made through a local runtime's API, and what is
left of it anywhere once deleted: shared by tests/e2e/test_account_deletion.py and `make bench-erasure`."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import boto3
import httpx

from tests.e2e.accounts import auth, register
from tests.e2e.uploads import jpeg, ready_media

T = TypeVar("T")


def in_parallel(work: Callable[[T], Any], items: Iterable[T], workers: int = 8) -> list[Any]:
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(work, items))


def ok(response: httpx.Response, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200,)), response.text
    body: dict[str, Any] = response.json() if response.content else {}
    return body


def dynamodb(endpoints: dict[str, Any]) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoints["dynamodb"],
        region_name=endpoints["region"],
        aws_access_key_id="e2e",
        aws_secret_access_key="e2e",
    )


def tables(endpoints: dict[str, Any]) -> dict[str, str]:
    """The runtime's tables, by logical id."""
    return {
        logical_id: resource["ref"]
        for logical_id, resource in endpoints["resources"].items()
        if resource["type"] == "AWS::DynamoDB::Table"
    }


def holds(value: Any, user_id: str) -> bool:
    if isinstance(value, dict):
        return any(holds(inner, user_id) for inner in value.values())
    if isinstance(value, list):
        return any(holds(inner, user_id) for inner in value)
    return isinstance(value, str) and user_id in value


def left_of(endpoints: dict[str, Any], user_id: str) -> dict[str, int]:
    """How many items of each table still hold the user's id, beside what is left by design (README: Account
    deletion): rate-limit counters (they expire within their window) and others' notifications naming it among
    their actors (until they expire; never shown)."""
    client = dynamodb(endpoints)
    counts: dict[str, int] = {}
    for logical_id, table in tables(endpoints).items():
        if logical_id == "RateLimitsTable":
            continue
        for page in client.get_paginator("scan").paginate(TableName=table):
            for item in page["Items"]:
                others_notification = logical_id == "NotificationsTable" and item["user_id"]["N"] != user_id
                if holds(item, user_id) and not others_notification:
                    counts[logical_id] = counts.get(logical_id, 0) + 1
    return counts


def media_objects(endpoints: dict[str, Any], user_id: str) -> list[str]:
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoints["s3"],
        region_name=endpoints["region"],
        aws_access_key_id="chirplocal",
        aws_secret_access_key="chirplocal",
    )
    bucket = endpoints["resources"]["MediaBucket"]["ref"]
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=f"uploads/{user_id}/")
    return [item["Key"] for item in listed.get("Contents", [])]


@dataclass(frozen=True)
class Seeded:
    alice: dict[str, Any]
    people: list[dict[str, Any]]
    theirs: list[str]  # the tweets of theirs she liked
    alices: list[str]  # her tweets (but the photo's)

    @property
    def alice_id(self) -> str:
        alice_id: str = self.alice["data"]["id"]
        return alice_id


def seed(api: httpx.Client, *, tweets: int, likes: int, people: int) -> Seeded:
    """Alice and `people` others: she follows each of them and each of them follows her (2 x `people` follows);
    she posts `tweets` tweets (one with a photo) and likes `likes` of theirs; two of them like and retweet her
    first tweet. Her tweets are posted before anyone follows her, and theirs before she follows them."""
    alice = register(api)
    alice_id = alice["data"]["id"]
    others = in_parallel(lambda _: register(api), range(people), workers=4)
    theirs = in_parallel(
        lambda n: ok(api.post("/tweets", json={"text": f"tweet {n}"}, headers=auth(others[n % people])), 201)["data"][
            "id"
        ],
        range(likes),
    )
    photo = ready_media(api, alice, jpeg(), "image/jpeg")
    ok(api.post("/tweets", json={"text": "", "media": {"media_ids": [photo["media_id"]]}}, headers=auth(alice)), 201)
    alices = in_parallel(
        lambda n: ok(api.post("/tweets", json={"text": f"quokka {n}"}, headers=auth(alice)), 201)["data"]["id"],
        range(tweets - 1),
    )
    in_parallel(lambda tweet_id: ok(api.post(f"/tweets/{tweet_id}/like", headers=auth(alice))), theirs)
    in_parallel(lambda person: ok(api.post(f"/users/{person['data']['id']}/follow", headers=auth(alice))), others)
    in_parallel(lambda person: ok(api.post(f"/users/{alice_id}/follow", headers=auth(person))), others)
    for person in others[:2]:
        ok(api.post(f"/tweets/{alices[0]}/like", headers=auth(person)))
        ok(api.post(f"/tweets/{alices[0]}/retweet", headers=auth(person)))
    return Seeded(alice, others, theirs, alices)


def delete_account(api: httpx.Client, account: dict[str, Any]) -> None:
    ok(api.request("DELETE", "/users/me", json={"password": "password-123"}, headers=auth(account)), 202)


def wait_until_erased(endpoints: dict[str, Any], user_id: str, timeout: float) -> dict[str, int]:
    """Poll until nothing of the user is left in any table or the media bucket (README: Account deletion, what
    stays by design aside), or `timeout` seconds; what is left (empty: erased)."""
    deadline = time.monotonic() + timeout
    while (left := left_of(endpoints, user_id)) or media_objects(endpoints, user_id):
        if time.monotonic() > deadline:
            return left or {"MediaBucket": len(media_objects(endpoints, user_id))}
        time.sleep(2)
    return {}


def like_count(api: httpx.Client, tweet_id: str) -> int:
    count: int = ok(api.get(f"/tweets/{tweet_id}"))["data"]["public_metrics"]["like_count"]
    return count
