"""Write the API's OpenAPI document (what `GET /api/openapi.json` serves) without a running server.

    python -m infra.openapi [--out FILE]      (stdout without --out)

The web client's API types (web/src/api/schema.d.ts, `make web-api-types`) are generated from it, and
tests/unit/test_web_api_types.py regenerates both to prove they still match. The document is built from the
API's own route table, so this imports functions/api/app.py as Lambda would, under a placeholder environment of
the API's shape: the clients it builds at import send nothing, and no setting changes the document.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_TABLES = (
    "USERS",
    "TWEETS",
    "FOLLOWS",
    "SESSIONS",
    "TIMELINES",
    "AUTHOR_TWEETS",
    "ENGAGEMENTS",
    "NOTIFICATIONS",
    "TRENDS",
    "SUGGESTIONS",
    "RELATIONS",
    "REPORTS",
    "EXPORTS",
    "RATE_LIMITS",
    "IDEMPOTENCY",
    "MEDIA",
)


def placeholder_environment(search_folder: str) -> dict[str, str]:
    """An environment of the API function's shape that reaches no AWS account (its values are never used)."""
    return {f"{table}_TABLE": f"openapi-{table.title().replace('_', '')}Table" for table in _TABLES} | {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "openapi",
        "AWS_SECRET_ACCESS_KEY": "openapi",
        "EXPORTS_BUCKET": "openapi-exports",
        "ERASURE_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/openapi-ErasureQueue",
        "SEARCH_ENDPOINT": f"embedded:{search_folder}",
        "MEDIA_BUCKET": "openapi-media",
        "MEDIA_DOMAIN": "media.invalid",
        "JWT_SECRET": "openapi-document-only-0123456789abcdef",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "Chirp",
    }


def api_document() -> dict[str, Any]:
    """The document the API serves, from its route table (imports the app: run it in a process of its own)."""
    with tempfile.TemporaryDirectory(prefix="chirp-openapi-") as search_folder:
        os.environ.update(placeholder_environment(search_folder))
        for folder in ("functions/api", "layers/chirp"):
            if str(ROOT / folder) not in sys.path:
                sys.path.insert(0, str(ROOT / folder))
        import app
        from routes.service import api_document as served_document

        return dict(served_document(app.app))


def document_text(document: dict[str, Any]) -> str:
    """The document as the file openapi-typescript reads (the test of the web types writes it the same way)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="the file to write (default: stdout)")
    arguments = parser.parse_args(argv)
    text = document_text(api_document())
    if arguments.out is None:
        sys.stdout.write(text)
    else:
        arguments.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
