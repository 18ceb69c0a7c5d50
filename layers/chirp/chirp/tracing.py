"""X-Ray for the calls no aws_xray_sdk patch sees: the home read's lean DynamoDB client (botocore's HTTP session
without a client: `chirp.adapters.dynamodb.wire`) and the search backend (opensearch-py sends through urllib3 2,
whose connections bypass the `http.client` method the SDK's `httplib` patch wraps)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

# What every function's Tracer patches (`Tracer(patch_modules=TRACED_MODULES)`): botocore only. It records every AWS
# call made through a client, PynamoDB's included (PynamoDB 6 calls its botocore client's _make_api_call).
# - Not `pynamodb`: that patch wraps botocore's HTTP session, so it recorded each PynamoDB call a second time, and
#   it failed every request of the lean client (str headers; it calls `.decode()` on them): on Lambda with tracing
#   on, the home read, the fan-out, the writer and the others the lean client serves.
# - Not `httplib`: urllib3 2 (opensearch-py's and the Web Push sender's) sends around the `http.client` method it
#   wraps, so it recorded nothing.
# - Not the default patch_all (both of those, and it imports `requests` only to patch it: ~140 ms of a cold start).
# tests/integration/test_api_tracing.py holds this to one subsegment per call.
TRACED_MODULES = ("botocore",)


def active_recorder() -> Any | None:
    """X-Ray's recorder if this process traces, else None. Decided the way Powertools' Tracer decides: it
    imports aws_xray_sdk's recorder and leaves the SDK enabled only on Lambda with tracing on (not under
    POWERTOOLS_TRACE_DISABLED, the local runtime, the tests). Nothing imported here: a lookup per call."""
    core = sys.modules.get("aws_xray_sdk.core")
    if core is None or not sys.modules["aws_xray_sdk"].global_sdk_config.sdk_enabled():
        return None
    return core.xray_recorder


@contextmanager
def remote_subsegment(name: str) -> Iterator[Any | None]:
    """A subsegment (namespace `remote`) around a call to a service outside AWS's SDK, its exception recorded
    by the subsegment's exit; None when nothing traces or no segment is open (outside an invocation)."""
    recorder = active_recorder()
    if recorder is None:
        yield None
        return
    with recorder.in_subsegment(name, namespace="remote") as subsegment:
        yield subsegment
