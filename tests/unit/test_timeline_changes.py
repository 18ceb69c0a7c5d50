"""The timeline change messages (chirp.timelines.changes): what the writer accepts off the queue."""

from __future__ import annotations

import json
from typing import Any

import pytest
from chirp.timelines import changes
from chirp.timelines.changes import TimelineChange
from chirp.timelines.models import TimelineEntry
from pydantic import ValidationError


@pytest.mark.parametrize(
    "change",
    [
        changes.add([1, 2], [TimelineEntry(30, 20, 5, via_id=6), TimelineEntry(10, 10, 5)]),
        changes.remove([1], [10, 11]),
        changes.remove_author(1, 5),
        changes.mark_celebrity([1, 2, 3], 5, True),
        changes.mark_celebrity([1], 5, False),
    ],
)
def test_a_change_survives_the_queue_unchanged(change: TimelineChange) -> None:
    # Given a change as the fan-out builds it
    # When it goes through its JSON body and back
    received = TimelineChange.model_validate_json(change.model_dump_json())
    # Then the writer gets the same change
    assert received == change


def test_an_add_carries_its_entries_exactly() -> None:
    # Given entries, one brought in by a retweeter
    entries = [TimelineEntry(30, 20, 5, via_id=6), TimelineEntry(10, 10, 5)]
    # When they are put in an add
    change = changes.add([1], entries)
    # Then the writer gets them back as entries
    assert [message.to_entry() for message in change.entries] == entries


def body(**fields: Any) -> str:
    return json.dumps(
        {"op": "add", "owners": [1], "entries": [{"entry_id": 1, "tweet_id": 1, "author_id": 1}]} | fields
    )


@pytest.mark.parametrize(
    ("raw", "mentions"),
    [
        ("not json", "json"),
        (body(op="explode"), "op"),
        (body(owners=[]), "owners"),
        (body(owners=list(range(1, 1002))), "owners"),
        (body(owners=["x"]), "owners"),
        (body(entries=[{"entry_id": 0, "tweet_id": 1, "author_id": 1}]), "entry_id"),
        (body(entries=[{"entry_id": 1, "tweet_id": 1}]), "author_id"),
        (body(entries=[{"entry_id": 1, "tweet_id": 1, "author_id": 1, "extra": 1}]), "extra"),
        (body(priority="high"), "priority"),
    ],
)
def test_a_malformed_message_is_refused_naming_the_problem(raw: str, mentions: str) -> None:
    # Given a body that is not a valid change
    # When the writer parses it
    with pytest.raises(ValidationError) as refused:
        TimelineChange.model_validate_json(raw)
    # Then it is refused, and the error names what is wrong
    assert mentions in str(refused.value).lower()


def test_a_change_has_at_most_a_thousand_owners() -> None:
    # Given exactly 1000 owners, then 1001
    # Then the first is accepted and the second refused
    assert len(changes.remove(list(range(1, 1001)), [1]).owners) == 1000
    with pytest.raises(ValidationError):
        changes.remove(list(range(1, 1002)), [1])
