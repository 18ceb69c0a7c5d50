"""The web client's API types (web/src/api/schema.d.ts) are generated from the API's own OpenAPI document
(`make web-api-types`: infra/openapi.py, then openapi-typescript): regenerated here, they must be the file as
committed, so a change to a route, a body or a schema that the web client was not regenerated for fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from infra.openapi import document_text

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
COMMITTED = WEB / "src" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / "openapi-typescript" / "bin" / "cli.js"


def test_the_web_clients_api_types_match_the_apis_document(api_module: ModuleType, tmp_path: Path) -> None:
    # Given the generator the web client pins (installed by `make test`, which builds web/ first)
    node = shutil.which("node")
    if node is None or not GENERATOR.is_file():
        pytest.skip("web/node_modules (openapi-typescript) or node is absent: run `cd web && npm ci`")
    from routes.service import api_document

    document = tmp_path / "openapi.json"
    document.write_text(document_text(dict(api_document(api_module.app))), encoding="utf-8")
    generated = tmp_path / "schema.d.ts"
    # When the types are generated from the document the API serves now
    run = subprocess.run(
        [node, str(GENERATOR), str(document), "-o", str(generated)],
        cwd=WEB,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    # Then they are the committed ones
    committed = COMMITTED.read_text(encoding="utf-8") if COMMITTED.is_file() else ""
    assert generated.read_text(encoding="utf-8") == committed, "the API changed: run make web-api-types"
