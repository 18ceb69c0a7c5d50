"""Import the API's Chalice app the way Lambda does, in a fresh process under the function's
environment, and print what the template tests need to know about it, as JSON:

    python tests/template/app_probe.py [EVENT.json ...]

- `routes`: every (path, method) the app serves (`app.routes`);
- `operations`: each route's registered operation (its body model as `module:qualname`, auth, paging);
- `responses`: for each EVENT.json given, what the handler returns for it.

A separate process because importing app.py twice in one process breaks Powertools' Logger (Chalice's
own log handler on the shared "chirp" logger is taken for Powertools' one), and importing it once
without the function's environment would spoil it for every later test of that process.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app import OPERATIONS, app


@dataclass(frozen=True)
class LambdaContext:
    """The attributes of Lambda's context object a handler may read."""

    function_name: str = "ApiFunction"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:ApiFunction"
    memory_limit_in_mb: int = 1024
    aws_request_id: str = "5b0c3f9e-0d4b-4a8e-9c11-00000000ffff"
    log_group_name: str = "/aws/lambda/ApiFunction"
    log_stream_name: str = "2026/11/21/[$LATEST]0123456789abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 10_000


def describe() -> dict[str, Any]:
    return {
        "routes": sorted([path, method] for path, methods in app.routes.items() for method in methods),
        "operations": [
            {
                "path": operation.path,
                "method": operation.method,
                "body": f"{operation.body.__module__}:{operation.body.__qualname__}" if operation.body else None,
                "auth": operation.auth,
                "paginated": operation.paginated,
            }
            for operation in OPERATIONS
        ],
    }


def invoke(event_path: str) -> dict[str, Any]:
    response: dict[str, Any] = app(json.loads(Path(event_path).read_text()), LambdaContext())
    return response


if __name__ == "__main__":
    report = describe()
    report["responses"] = {event_path: invoke(event_path) for event_path in sys.argv[1:]}
    print("PROBE " + json.dumps(report))
