"""The export worker on moto, as Lambda runs it: the exports table's stream records (through the template's
FilterCriteria and batch size) handed to its handler under its own IAM policies (tests/iam_guard.py), building the
archive from data seeded through the API; the ZIP opened and read back. Redelivery and a replaced request build
nothing; erasure leaves nothing."""

from __future__ import annotations

import io
import json
import os
import time
import zipfile
from typing import Any

import boto3
import pytest
from chirp.adapters.dynamodb.exports import DynamoExportRepository, ExportItem, bind_exports_table
from chirp.adapters.s3_exports import S3ArchiveStorage
from chirp.exports.service import erase_exports
from chirp.ids import new_id

from tests.integration.api_client import Account, Api
from tests.integration.media_items import ready_image
from tests.integration.pipeline import Pipeline, StartPipeline

WORKER = "ExportWorkerFunction"
EXPORT = "/api/users/me/export"
FILES = {
    "profile.json",
    "tweets.json",
    "following.json",
    "followers.json",
    "likes.json",
    "blocks.json",
    "mutes.json",
    "muted_words.json",
    "README.txt",
}


@pytest.fixture
def worker(start_pipeline: StartPipeline) -> Pipeline:
    return start_pipeline(functions=(WORKER,))


def s3() -> Any:
    return boto3.client("s3")


def archive_keys() -> list[str]:
    listed = s3().list_objects_v2(Bucket=os.environ["EXPORTS_BUCKET"], Prefix="exports/")
    return [entry["Key"] for entry in listed.get("Contents", [])]


def read_archive(key: str) -> dict[str, Any]:
    body = s3().get_object(Bucket=os.environ["EXPORTS_BUCKET"], Key=key)["Body"].read()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {
            name: archive.read(name).decode() if name.endswith(".txt") else json.loads(archive.read(name))
            for name in archive.namelist()
        }


def post(api: Api, account: Account, body: dict[str, Any]) -> str:
    reply = api.post("/api/tweets", json_body=body, token=account.access_token)
    assert reply.status == 201, reply.body
    tweet_id: str = reply.json()["data"]["id"]
    return tweet_id


def ok(reply: Any) -> None:
    assert reply.status in (200, 201, 204), reply.body


def test_the_worker_builds_the_archive_of_the_users_data(
    api: Api, alice: Account, bob: Account, carol: Account, worker: Pipeline
) -> None:
    # Given: alice's tweets of each kind (one with a photo), follows both ways, a like, a block, a mute, a muted word
    dave = api.register()
    photo = post(api, alice, {"text": "a photo", "media": {"media_ids": [str(ready_image(int(alice.id)).id)]}})
    theirs = post(api, bob, {"text": "bob's"})
    reply = post(api, alice, {"text": "a reply", "reply": {"in_reply_to_tweet_id": theirs}})
    quote = post(api, alice, {"text": "a quote", "quote_tweet_id": theirs})
    ok(api.post(f"/api/tweets/{theirs}/retweet", token=alice.access_token))
    ok(api.post(f"/api/tweets/{theirs}/like", token=alice.access_token))
    api.follow(alice, bob)
    api.follow(bob, alice)
    ok(api.post(f"/api/users/{carol.id}/block", token=alice.access_token))
    ok(api.post(f"/api/users/{dave.id}/mute", token=alice.access_token))
    ok(api.post("/api/users/me/muted_words", json_body={"word": "spoilers"}, token=alice.access_token))
    assert api.post(EXPORT, token=alice.access_token).status == 202
    # When
    handled = worker.deliver_streams(WORKER)
    # Then
    assert handled == 1
    state = api.get(EXPORT, token=alice.access_token).json()["data"]
    assert state["state"] == "ready"
    [key] = archive_keys()
    assert key.startswith(f"exports/{alice.id}/")
    files = read_archive(key)
    assert set(files) == FILES
    assert state["size_bytes"] == s3().head_object(Bucket=os.environ["EXPORTS_BUCKET"], Key=key)["ContentLength"]
    assert files["profile.json"]["username"] == alice.username
    tweets = {tweet["id"]: tweet for tweet in files["tweets.json"]}
    assert {photo, reply, quote} < set(tweets)
    assert len(tweets) == 4  # and the retweet
    [retweet] = [t for t in tweets.values() if t["referenced_tweets"] == [{"type": "retweeted", "id": theirs}]]
    assert retweet["author_id"] == alice.id
    assert tweets[reply]["referenced_tweets"] == [{"type": "replied_to", "id": theirs}]
    assert tweets[quote]["referenced_tweets"] == [{"type": "quoted", "id": theirs}]
    [image] = tweets[photo]["media"]
    media_key = image["media_key"]
    assert image["variants"][0]["url"].startswith("http")
    assert image["variants"][0]["url"].endswith(f"/media/{media_key.split('_')[-1]}/small.webp"), image
    assert [account["username"] for account in files["following.json"]] == [bob.username]
    assert [account["username"] for account in files["followers.json"]] == [bob.username]
    assert [(like["tweet_id"], like["tweet"]["text"]) for like in files["likes.json"]] == [(theirs, "bob's")]
    assert [account["id"] for account in files["blocks.json"]] == [carol.id]
    assert [account["id"] for account in files["mutes.json"]] == [dave.id]
    assert files["muted_words.json"] == ["spoilers"]
    assert all(name in files["README.txt"] for name in FILES - {"README.txt"})


def test_a_redelivered_record_builds_nothing(api: Api, alice: Account, worker: Pipeline) -> None:
    # Given: an export built
    assert api.post(EXPORT, token=alice.access_token).status == 202
    assert worker.deliver_streams(WORKER) == 1
    [key] = archive_keys()
    etag = s3().head_object(Bucket=os.environ["EXPORTS_BUCKET"], Key=key)["ETag"]
    completed_at = api.get(EXPORT, token=alice.access_token).json()["data"]["completed_at"]
    # When: Lambda delivers the same record again
    failed = worker.invoke(WORKER, worker.delivered[WORKER])
    # Then: nothing failed, nothing was written again
    assert failed == []
    assert archive_keys() == [key]
    assert s3().head_object(Bucket=os.environ["EXPORTS_BUCKET"], Key=key)["ETag"] == etag
    assert api.get(EXPORT, token=alice.access_token).json()["data"]["completed_at"] == completed_at


def test_a_replaced_requests_record_neither_builds_nor_marks_the_newer_one(
    api: Api, alice: Account, worker: Pipeline
) -> None:
    # Given: alice's request, then (its build failed) a newer one of hers replacing it before the first record ran
    assert api.post(EXPORT, token=alice.access_token).status == 202
    first = [record for source in worker.stream_mappings(WORKER) for record in worker.new_stream_records(source)]
    bind_exports_table(os.environ["EXPORTS_TABLE"])
    newer = new_id()
    requested = int(time.time() * 1000)
    ExportItem(
        user_id=int(alice.id), export_id=newer, state="pending", requested_at_ms=requested, expires_at=requested // 1000
    ).save()
    # When: the first request's record arrives
    assert worker.invoke(WORKER, first) == []
    # Then: nothing built, the newer export still pending
    assert archive_keys() == []
    current = DynamoExportRepository().get(int(alice.id))
    assert current is not None and (current.export_id, current.state.value) == (newer, "pending")
    # And the newer one's own record builds it
    assert worker.deliver_streams(WORKER) == 1
    assert archive_keys() == [f"exports/{alice.id}/{newer}.zip"]


def test_the_ready_mark_does_not_start_the_worker_again(api: Api, alice: Account, worker: Pipeline) -> None:
    # Given
    assert api.post(EXPORT, token=alice.access_token).status == 202
    assert worker.deliver_streams(WORKER) == 1
    # Then: the MODIFY to ready is filtered out
    assert worker.deliver_streams(WORKER) == 0


def test_erasing_exports_leaves_no_item_and_no_archive_and_may_run_again(
    api: Api, alice: Account, bob: Account, worker: Pipeline
) -> None:
    # Given: alice's and bob's exports built
    for account in (alice, bob):
        assert api.post(EXPORT, token=account.access_token).status == 202
    assert worker.deliver_streams(WORKER) == 2
    bind_exports_table(os.environ["EXPORTS_TABLE"])
    storage = S3ArchiveStorage(s3(), os.environ["EXPORTS_BUCKET"])
    # When
    erase_exports(DynamoExportRepository(), storage, int(alice.id))
    erase_exports(DynamoExportRepository(), storage, int(alice.id))
    # Then
    assert api.get(EXPORT, token=alice.access_token).status == 404
    assert [key.split("/")[1] for key in archive_keys()] == [bob.id]
    assert api.get(EXPORT, token=bob.access_token).json()["data"]["state"] == "ready"
