"""Data export's routes on moto: POST /api/users/me/export asks for an archive (one a day), GET answers its state
and, once ready, a presigned download link. Only /me exists: a caller can neither see nor ask for another's."""

from __future__ import annotations

import os
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from chirp.adapters.dynamodb.exports import DynamoExportRepository, ExportItem, bind_exports_table
from chirp.exports.models import ExportState

from tests.integration.api_client import Account, Api, Reply, assert_error

EXPORT = "/api/users/me/export"
HOUR_MS = 3600 * 1000
DAY_MS = 24 * HOUR_MS


def ask(api: Api, account: Account) -> Reply:
    return api.post(EXPORT, token=account.access_token)


def status(api: Api, account: Account) -> Reply:
    return api.get(EXPORT, token=account.access_token)


@pytest.fixture
def exports() -> DynamoExportRepository:
    bind_exports_table(os.environ["EXPORTS_TABLE"])
    return DynamoExportRepository()


def requested_ago(account: Account, ago_ms: int, state: ExportState) -> None:
    """Seed the account's export as if asked for `ago_ms` ago."""
    requested = int(time.time() * 1000) - ago_ms
    ExportItem(
        user_id=int(account.id),
        export_id=1,
        state=state.value,
        requested_at_ms=requested,
        expires_at=requested // 1000 + 7 * 86400,
    ).save()


def test_asking_for_an_export_answers_202_pending_and_get_shows_it(api: Api, alice: Account) -> None:
    # When
    asked = ask(api, alice)
    # Then
    assert asked.status == 202, asked.body
    data = asked.json()["data"]
    assert data["state"] == "pending"
    assert (data["completed_at"], data["size_bytes"], data["download_url"]) == (None, None, None)
    # And it expires a week after the request
    requested, expires = (
        time.mktime(time.strptime(data[k][:19], "%Y-%m-%dT%H:%M:%S")) for k in ("requested_at", "expires_at")
    )
    assert expires - requested == 7 * 86400
    # And GET answers the same export
    shown = status(api, alice)
    assert shown.status == 200
    assert shown.json() == asked.json()


def test_a_second_request_within_a_day_is_429_with_retry_after_and_when(api: Api, alice: Account) -> None:
    # Given
    assert ask(api, alice).status == 202
    # When
    again = ask(api, alice)
    # Then
    message = assert_error(again, 429, "rate_limited", "one export a day", "ask again after")
    assert 86_000 < int(again.headers["Retry-After"]) <= 86_400, message
    # And the first request stands
    assert status(api, alice).json()["data"]["state"] == "pending"


def test_a_request_a_day_after_the_last_one_is_accepted(api: Api, alice: Account) -> None:
    # Given
    requested_ago(alice, DAY_MS + 60_000, ExportState.READY)
    # When
    asked = ask(api, alice)
    # Then
    assert asked.status == 202, asked.body


def test_an_export_not_built_within_the_deadline_reads_failed_and_may_be_asked_again(api: Api, alice: Account) -> None:
    # Given: a request still pending two hours on (the worker's retries spent)
    requested_ago(alice, 2 * HOUR_MS, ExportState.PENDING)
    # When
    shown = status(api, alice)
    # Then
    assert shown.json()["data"]["state"] == "failed"
    assert shown.json()["data"]["download_url"] is None
    # And a new request is accepted within the day
    assert ask(api, alice).status == 202


def test_get_before_any_request_is_404(api: Api, alice: Account) -> None:
    # Then
    assert_error(status(api, alice), 404, "not_found", "POST /api/users/me/export")


def test_an_expired_export_is_404(api: Api, alice: Account) -> None:
    # Given: a week and a minute ago (DynamoDB's TTL deletes within days, not at once)
    requested_ago(alice, 7 * DAY_MS + 60_000, ExportState.READY)
    # Then
    assert_error(status(api, alice), 404, "not_found")


def test_a_ready_export_has_a_presigned_link_valid_15_minutes(
    api: Api, alice: Account, exports: DynamoExportRepository
) -> None:
    # Given
    asked = ask(api, alice)
    export = exports.get(int(alice.id))
    assert export is not None and asked.status == 202
    assert exports.mark_ready(export.user_id, export.export_id, 1234, int(time.time() * 1000))
    # When
    data = status(api, alice).json()["data"]
    # Then
    assert (data["state"], data["size_bytes"]) == ("ready", 1234)
    assert data["completed_at"] is not None
    link = urlsplit(data["download_url"])
    assert link.path.endswith(f"/exports/{alice.id}/{export.export_id}.zip")
    assert os.environ["EXPORTS_BUCKET"] in data["download_url"]
    query = parse_qs(link.query)
    assert query["X-Amz-Expires"] == ["900"]
    assert "X-Amz-Signature" in query


def test_another_user_never_sees_my_export(api: Api, alice: Account, bob: Account) -> None:
    # Given: alice's export (only /me exists: no route names another user's)
    assert ask(api, alice).status == 202
    # Then: bob's /me is his own, and he has none
    assert_error(status(api, bob), 404, "not_found")
    # And his request is his, not refused by alice's day
    assert ask(api, bob).status == 202


def test_the_export_routes_need_a_caller(api: Api) -> None:
    # Then
    assert api.post(EXPORT).status == 401
    assert api.get(EXPORT).status == 401
