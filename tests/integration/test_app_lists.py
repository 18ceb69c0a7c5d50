"""The query parameters every paginated route shares: `limit` (1-100) and `cursor` (opaque)."""

from __future__ import annotations

import base64

import pytest

from tests.integration.api_client import Account, Api, assert_error

LIST_PATHS = ["/api/users/{id}/tweets", "/api/users/{id}/followers", "/api/users/{id}/following"]


def forged(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_every_list_refuses_a_limit_outside_1_to_100(api: Api, alice: Account, path: str, limit: str) -> None:
    # When
    reply = api.get(path.format(id=alice.id), query={"limit": limit})
    # Then
    assert_error(reply, 400, "malformed_request", "limit", "1 to 100")


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize("limit", ["1", "100"])
def test_every_list_accepts_a_limit_from_1_to_100(api: Api, alice: Account, path: str, limit: str) -> None:
    # When
    reply = api.get(path.format(id=alice.id), query={"limit": limit})
    # Then
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("path", LIST_PATHS)
@pytest.mark.parametrize(
    "cursor",
    ["garbage!", forged("c1:abc"), forged(f"c1:{2**63}")],
)
def test_every_list_refuses_a_cursor_it_did_not_issue(api: Api, alice: Account, path: str, cursor: str) -> None:
    # When
    reply = api.get(path.format(id=alice.id), query={"cursor": cursor})
    # Then
    assert_error(reply, 400, "malformed_request", "cursor")


@pytest.mark.parametrize("path", LIST_PATHS)
def test_every_list_reads_an_empty_cursor_as_the_first_page(api: Api, alice: Account, path: str) -> None:
    # When
    reply = api.get(path.format(id=alice.id), query={"cursor": ""})
    # Then
    assert reply.status == 200, reply.body


@pytest.mark.parametrize("path", LIST_PATHS)
def test_every_list_checks_the_user_id(api: Api, path: str) -> None:
    # When
    reply = api.get(path.format(id="abc"))
    # Then
    assert_error(reply, 400, "malformed_request", "userId")
