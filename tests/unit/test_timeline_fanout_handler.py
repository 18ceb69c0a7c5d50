"""The fan-out function's routing of stream records by their source table (functions/timeline_fanout/app.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

HANDLER_FILE = Path(__file__).resolve().parents[2] / "functions" / "timeline_fanout" / "app.py"


@pytest.fixture(scope="module")
def fanout_app() -> ModuleType:
    """The handler module, imported by file path under a name of its own (every function's is `app`)."""
    name = "chirp_function_TimelineFanoutFunction"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, HANDLER_FILE)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.mark.parametrize(
    ("arn", "table"),
    [
        (
            "arn:aws:dynamodb:us-east-1:123456789012:table/chirp-TweetsTable-1A2B/stream/2026-11-21T10:00:00.000",
            "chirp-TweetsTable-1A2B",
        ),
        ("arn:aws:dynamodb:ddblocal:000000000000:table/chirp-local-FollowsTable/stream/2026-11-21T10:00:00.000",
         "chirp-local-FollowsTable"),
        ("arn:aws:dynamodb:eu-west-1:123456789012:table/users/stream/label", "users"),
        (None, ""),
        ("", ""),
    ],
)  # fmt: skip
def test_table_of_reads_the_table_name_from_a_stream_arn(fanout_app: ModuleType, arn: str | None, table: str) -> None:
    # Given a record's event source ARN (AWS's, DynamoDB Local's, or none)
    # Then the table is the name between ":table/" and "/stream/"
    assert fanout_app.table_of(arn) == table
