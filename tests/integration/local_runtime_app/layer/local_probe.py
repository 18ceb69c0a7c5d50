"""Shared state between the poller tests and their test handlers, kept in files.

Handlers run in sandbox processes, so the test and the handlers meet in the folder named by
LOCAL_PROBE_DIR: the test writes which keys fail, the handlers append what they were given and what
succeeded. The test imports this module too (it lives in the test layer).
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any


def _folder() -> Path:
    return Path(os.environ["LOCAL_PROBE_DIR"])


def set_failing_keys(keys: set[str]) -> None:
    (_folder() / "failing.json").write_text(json.dumps(sorted(keys)))


def fails(key: str) -> bool:
    path = _folder() / "failing.json"
    return path.exists() and key in json.loads(path.read_text())


def record_invocation(function_name: str, keys: list[str], succeeded: list[str], event: dict[str, Any]) -> None:
    line = json.dumps({"function": function_name, "keys": keys, "succeeded": succeeded, "event": event}) + "\n"
    with (_folder() / "invocations.jsonl").open("a") as file:
        file.write(line)


def invocations() -> list[dict[str, Any]]:
    path = _folder() / "invocations.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.endswith("}")]


def batches_of(function_name: str) -> list[list[str]]:
    return [entry["keys"] for entry in invocations() if entry["function"] == function_name]


def events() -> list[dict[str, Any]]:
    return [entry["event"] for entry in invocations()]


def succeeded() -> Counter[str]:
    return Counter(key for entry in invocations() for key in entry["succeeded"])
