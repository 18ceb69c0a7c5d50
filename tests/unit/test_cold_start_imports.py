"""What the API's cold start imports: not the search clients. OpenSearch's (opensearch-py pulls grpcio and
protobuf: ~0.1-0.3 s) and the embedded engine are imported by the first search, so no other route's cold
start pays for them (chirp.wiring.api opens the search backend lazily)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.unit.conftest import API_ENVIRONMENT

ROOT = Path(__file__).resolve().parents[2]
PROBE = """
import json, sys
import app
print(json.dumps(sorted(name for name in ("opensearchpy", "tantivy", "grpc") if name in sys.modules)))
"""


def test_importing_the_api_imports_no_search_client() -> None:
    # Given a fresh interpreter with the API's environment, as a Lambda sandbox starts
    path = os.pathsep.join(str(ROOT / folder) for folder in ("functions/api", "layers/chirp"))
    environment = os.environ | API_ENVIRONMENT | {"PYTHONPATH": path, "POWERTOOLS_TRACE_DISABLED": "true"}
    # When it imports the handler (its init: settings parsed, clients built)
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=environment, capture_output=True, text=True, timeout=120, check=False
    )
    # Then neither search client was imported
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
