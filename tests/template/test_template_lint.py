"""template.yaml passes both linters CI and operators run: cfn-lint (from .venv) and
`sam validate --lint` (SAM CLI, from .venv-sam), offline and with no AWS credentials."""

from __future__ import annotations

import sys
from pathlib import Path

from tests.template.support import REGION, TEMPLATE_PATH, RunTool

CFN_LINT = Path(sys.executable).parent / "cfn-lint"


def test_cfn_lint_finds_nothing(run_tool: RunTool) -> None:
    # When cfn-lint checks the template with its default rules (errors and warnings)
    result = run_tool([str(CFN_LINT), str(TEMPLATE_PATH)], timeout=120)

    # Then it exits 0 (run_tool fails otherwise, showing the findings) and reports nothing
    assert result.stdout.strip() == ""


def test_sam_validate_lint_passes_offline_without_credentials(sam_bin: Path, run_tool: RunTool) -> None:
    # When SAM CLI lints the template, with no AWS credentials, profile or config in its environment
    result = run_tool(
        [str(sam_bin / "sam"), "validate", "--lint", "--template", str(TEMPLATE_PATH), "--region", REGION],
        timeout=120,
    )

    # Then it exits 0 and says the template is valid
    assert "is a valid SAM Template" in result.stdout
