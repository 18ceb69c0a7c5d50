"""The timeline writer's fan-out delivery latency (FanoutDeliveryLatency, functions/timeline_writer/app.py):
a post's id time (chirp.ids) to its entries written, for a post's fan-out only; a follow's backfill (several
entries, or one old one) and the changes that bring no entry are no delivery."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from chirp.ids import lowest_id_at
from chirp.timelines.changes import EntryMessage, TimelineChange

WRITER_FILE = Path(__file__).resolve().parents[2] / "functions" / "timeline_writer" / "app.py"
ENVIRONMENT = {
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "TIMELINES_TABLE": "unit-TimelinesTable",
    "FOLLOWS_TABLE": "unit-FollowsTable",
    "LIVE_CONNECTIONS_TABLE": "unit-LiveConnectionsTable",
    "LIVE_CONNECTIONS_ENDPOINT": "https://abc123.execute-api.us-east-1.amazonaws.com/v1",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
POSTED_MS = 1_800_000_000_000


@pytest.fixture
def writer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """functions/timeline_writer/app.py, imported once per process (building its clients sends nothing)."""
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    name = "chirp_function_TimelineWriterFunction"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, WRITER_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def entry(entry_id: int) -> EntryMessage:
    return EntryMessage(entry_id=entry_id, tweet_id=entry_id, author_id=9)


def test_a_posts_fanout_is_measured_from_its_ids_time(writer: ModuleType) -> None:
    # Given a post's fan-out: one entry, minted at POSTED_MS, to many followers
    change = TimelineChange(op="add", owners=[1, 2, 3], entries=[entry(lowest_id_at(POSTED_MS) + 5)])
    # When its entries are written 850 ms later
    # Then its delivery took 850 ms
    assert writer.delivery_latency_ms(change, POSTED_MS + 850) == 850


def test_backfills_and_other_changes_are_no_delivery(writer: ModuleType) -> None:
    recent = lowest_id_at(POSTED_MS)
    # A follow's backfill: several of the author's tweets into one timeline
    backfill = TimelineChange(op="add", owners=[1], entries=[entry(recent), entry(recent + 1)])
    assert writer.delivery_latency_ms(backfill, POSTED_MS + 10) is None
    # A backfill of one tweet posted over an hour ago
    old = TimelineChange(op="add", owners=[1], entries=[entry(lowest_id_at(POSTED_MS - 2 * 3_600_000))])
    assert writer.delivery_latency_ms(old, POSTED_MS) is None
    # A removal
    removal = TimelineChange(op="remove", owners=[1], entry_ids=[recent])
    assert writer.delivery_latency_ms(removal, POSTED_MS + 10) is None
