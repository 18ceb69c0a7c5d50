"""Pagination shared by every list: newest (or highest id) first, `limit` 1-100,
and an opaque cursor that encodes the last id of the page the client saw."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from chirp.errors import MalformedRequest
from chirp.ids import is_id_text

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_CURSOR_PREFIX = "c1:"


@dataclass(frozen=True)
class PageRequest:
    limit: int = DEFAULT_LIMIT
    # Only items strictly below this id; None starts at the newest.
    before: int | None = None
    # How many items earlier pages served (lists with a depth cap, such as home timelines).
    served: int = 0


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    next_cursor: str | None


def encode_cursor(last_id: int, served: int | None = None) -> str:
    text = f"{_CURSOR_PREFIX}{last_id}" + (f":{served}" if served is not None else "")
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(last id, items served so far) of a cursor this API issued."""
    invalid = MalformedRequest("cursor is not one this API issued; pass meta.next_cursor unchanged")
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("ascii")
    except (binascii.Error, UnicodeError, ValueError):
        raise invalid from None
    digits, _, served = text.removeprefix(_CURSOR_PREFIX).partition(":")
    if not text.startswith(_CURSOR_PREFIX) or not is_id_text(digits):
        raise invalid
    if served and (not served.isdigit() or len(served) > 6):
        raise invalid
    return int(digits), int(served or 0)


def page_request(limit: str | None, cursor: str | None) -> PageRequest:
    """Parse `?limit=` and `?cursor=` as a client sent them."""
    size = DEFAULT_LIMIT
    if limit is not None:
        if not limit.isascii() or not limit.isdigit() or len(limit) > 3 or not 1 <= int(limit) <= MAX_LIMIT:
            raise MalformedRequest(f"limit must be an integer from 1 to {MAX_LIMIT}")
        size = int(limit)
    if not cursor:
        return PageRequest(limit=size)
    before, served = decode_cursor(cursor)
    return PageRequest(limit=size, before=before, served=served)


def page_from_overfetch(items: Sequence[T], request: PageRequest, id_of: Callable[[T], int]) -> Page[T]:
    """Build a page from up to `limit + 1` items: the extra one only proves there is more."""
    if len(items) > request.limit:
        kept = items[: request.limit]
        return Page(items=kept, next_cursor=encode_cursor(id_of(kept[-1])))
    return Page(items=items, next_cursor=None)
