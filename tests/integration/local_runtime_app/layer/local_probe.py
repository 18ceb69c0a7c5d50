"""Shared state between the poller tests and their test handlers (a module of the test layer).

The local runtime puts the layer on sys.path, so the handlers and the test import this one module:
the test says which keys fail, the handlers record what they were given and what succeeded.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

_lock = threading.Lock()
failing_keys: set[str] = set()
batches: list[tuple[str, list[str]]] = []  # (function name, keys of the batch), in order
events: list[dict[str, Any]] = []  # every event, as the handlers received it
succeeded: Counter[str] = Counter()


def fails(key: str) -> bool:
    with _lock:
        return key in failing_keys


def record_batch(function_name: str, keys: list[str], event: dict[str, Any]) -> None:
    with _lock:
        batches.append((function_name, keys))
        events.append(event)


def record_success(key: str) -> None:
    with _lock:
        succeeded[key] += 1


def batches_of(function_name: str) -> list[list[str]]:
    with _lock:
        return [keys for name, keys in batches if name == function_name]


def reset(keys_that_fail: set[str]) -> None:
    with _lock:
        failing_keys.clear()
        failing_keys.update(keys_that_fail)
        batches.clear()
        events.clear()
        succeeded.clear()
