"""Pagination shared by every list: newest (or highest id) first, `limit` 1-100,
and an opaque cursor that encodes the last id of the page the client saw."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from chirp.errors import MalformedRequest
from chirp.ids import MAX_ID

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CURSOR_PREFIX = "c1:"


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    # Only items strictly below this id; None starts at the newest.
    before: int | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    invalid = MalformedRequest("cursor is not one this API issued; pass meta.next_cursor unchanged")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    digits = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not digits.isdigit() or len(digits) > 19 or int(digits) > MAX_ID:
        raise invalid
    return int(digits)


def page_request(limit: str | None, cursor: str | None) -> PageRequest:
    """Parse `?limit=` and `?cursor=` as a client sent them."""
    size = DEFAULT_LIMIT
    if limit is not None:
        if not limit.isascii() or not limit.isdigit() or len(limit) > 3 or not 1 <= int(limit) <= MAX_LIMIT:
            raise MalformedRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
        size = int(limit)
    return PageRequest(limit=size, before=decode_cursor(cursor) if cursor else None)


def page_from_overfetch(items: Sequence[T], request: PageRequest, id_of: Callable[[T], int]) -> Page[T]:
    """Build a page from up to `limit + 1` items: the extra one only proves there is more."""
    if len(items) > request.limit:
        kept = items[: request.limit]
        return Page(items=kept, next_cursor=encode_cursor(id_of(kept[-1])))
    return Page(items=items, next_cursor=None)
