"""Independent storage calls run side by side, so a request costs as many sequential
round trips as it has dependent steps, not as many as it has calls."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

# As many threads as pooled connections (chirp.adapters.dynamodb.connection): a reader following
# many celebrities issues two Queries per celebrity in one round trip.
_pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="chirp-io")


def submit(call: Callable[..., Any], *args: Any) -> Future[Any]:
    return _pool.submit(call, *args)
