"""Pagination: `limit` parsing, opaque cursors that round-trip, and pages built by over-fetching."""

from __future__ import annotations

import base64

import pytest
from chirp.errors import MalformedRequest
from chirp.ids import MAX_ID
from chirp.pages import DEFAULT_LIMIT, MAX_LIMIT, PageRequest, encode_cursor, page_from_overfetch, page_request


def raw_cursor(text: str | bytes) -> str:
    data = text.encode() if isinstance(text, str) else text
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


@pytest.mark.parametrize("last_id", [1, 7, 117_656_963_358_392_320, MAX_ID])
def test_a_cursor_round_trips_the_last_id(last_id: int) -> None:
    # When
    request = page_request(None, encode_cursor(last_id))
    # Then
    assert request.before == last_id


@pytest.mark.parametrize("last_id", [1, 62, 63, 117_656_963_358_392_320, MAX_ID])
def test_a_cursor_is_url_safe_without_padding(last_id: int) -> None:
    # When
    cursor = encode_cursor(last_id)
    # Then
    assert cursor
    assert all(character.isalnum() or character in "-_" for character in cursor)


def test_a_cursor_does_not_show_the_id_in_clear() -> None:
    # Then
    assert "117656963358392320" not in encode_cursor(117_656_963_358_392_320)


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "x",
        "é",
        "YQ",  # "a"
        raw_cursor("c1:"),
        raw_cursor("c1:abc"),
        raw_cursor("c1:-5"),
        raw_cursor("c1:1.5"),
        raw_cursor("c1:١٢"),
        raw_cursor(f"c1:{MAX_ID + 1}"),
        raw_cursor("c1:" + "9" * 20),
        raw_cursor("c2:5"),
        raw_cursor("5"),
        raw_cursor(b"c1:\xff\xfe"),
    ],
)
def test_a_forged_or_garbled_cursor_is_a_malformed_request_naming_the_cursor(cursor: str) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="cursor"):
        page_request(None, cursor)


def test_no_limit_and_no_cursor_is_the_first_page_of_the_default_size() -> None:
    # When
    request = page_request(None, None)
    # Then
    assert (request.limit, request.before) == (DEFAULT_LIMIT, None)
    assert DEFAULT_LIMIT == 20


def test_an_empty_cursor_is_the_first_page() -> None:
    # Then
    assert page_request("5", "").before is None


@pytest.mark.parametrize(("raw", "limit"), [("1", 1), ("20", 20), ("100", 100), ("007", 7)])
def test_limit_reads_integers_from_1_to_100(raw: str, limit: int) -> None:
    # Then
    assert page_request(raw, None).limit == limit
    assert MAX_LIMIT == 100


@pytest.mark.parametrize("raw", ["0", "101", "1000", "-1", "+5", "1.5", "abc", "", " 5", "٣", "0x10", "1e2"])
def test_limit_refuses_anything_else_saying_the_range(raw: str) -> None:
    # When / Then
    with pytest.raises(MalformedRequest, match="limit must be an integer from 1 to 100"):
        page_request(raw, None)


def test_page_from_overfetch_keeps_limit_items_and_a_cursor_after_the_last_kept() -> None:
    # Given one item more than the page holds
    fetched = [50, 40, 30, 20]
    # When
    page = page_from_overfetch(fetched, PageRequest(limit=3), lambda item: item)
    # Then
    assert list(page.items) == [50, 40, 30]
    assert page.next_cursor is not None
    assert page_request(None, page.next_cursor).before == 30


@pytest.mark.parametrize("fetched", [[], [50], [50, 40, 30]])
def test_page_from_overfetch_without_the_extra_item_is_the_last_page(fetched: list[int]) -> None:
    # When
    page = page_from_overfetch(fetched, PageRequest(limit=3), lambda item: item)
    # Then
    assert list(page.items) == fetched
    assert page.next_cursor is None
