"""Fixtures for the template tests: the parsed template, the SAM CLI virtualenv, an environment in
which tools run offline with no AWS credentials at all, and the API function's environment.

SAM CLI lives in its own virtualenv (.venv-sam, from infra/requirements-sam.txt) because it pins older
boto3 and pydantic than the app. `make test` creates it; without it these tests fail, never skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.template.support import (
    API_FUNCTION_ID,
    API_SEARCH_PATH,
    APP_PROBE,
    HEALTH_EVENT,
    REPO,
    SAM_VENV_BIN,
    TEMPLATE_PATH,
    AppProbe,
    RunTool,
    Template,
    function_environment,
    load_template,
    resolve_reference,
)

# The one AWS variable a tool may keep from the shell: a CA bundle only affects TLS.
KEPT_AWS_VARIABLES = ("AWS_CA_BUNDLE",)


@pytest.fixture(scope="session")
def template() -> Template:
    return load_template(TEMPLATE_PATH)


@pytest.fixture(scope="session")
def sam_bin() -> Path:
    """The bin folder of .venv-sam. Missing is a failure, not a skip: the checks would silently vanish."""
    if not (SAM_VENV_BIN / "sam").is_file():
        pytest.fail(
            f"{SAM_VENV_BIN.parent} is missing: run `make test` (or `make setup`), which creates it from "
            "infra/requirements-sam.txt",
            pytrace=False,
        )
    return SAM_VENV_BIN


@pytest.fixture(scope="session")
def offline_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The process environment minus every AWS credential, profile, region and endpoint; telemetry off.

    The config and credentials files point at a file that does not exist, so nothing in ~/.aws is read:
    whatever passes here passes on a machine that has never seen an AWS account.
    """
    nowhere = tmp_path_factory.mktemp("no-aws") / "absent"
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("AWS_") or name in KEPT_AWS_VARIABLES
    }
    env.update(
        SAM_CLI_TELEMETRY="0",
        AWS_CONFIG_FILE=str(nowhere),
        AWS_SHARED_CREDENTIALS_FILE=str(nowhere),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture(scope="session")
def run_tool(offline_env: dict[str, str]) -> RunTool:
    """Run a command with the offline environment; fail, showing its output, if it exits non-zero."""

    def run(
        command: list[str], *, timeout: float, extra_env: Mapping[str, str] | None = None, cwd: Path = REPO
    ) -> subprocess.CompletedProcess[str]:
        env = {**offline_env, **(extra_env or {})}
        shown = " ".join(command)
        try:
            result = subprocess.run(
                command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"`{shown}` took more than {timeout:.0f} s", pytrace=False)
        if result.returncode != 0:
            pytest.fail(
                f"`{shown}` exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}",
                pytrace=False,
            )
        return result

    return run


@pytest.fixture(scope="session")
def api_function_environment(template: Template) -> dict[str, str]:
    """ApiFunction's environment from the template, references resolved (see `resolve_reference`), with
    the region Lambda sets in every sandbox (the function builds its AWS clients at init)."""
    return {
        name: resolve_reference(value, template)
        for name, value in function_environment(template, API_FUNCTION_ID).items()
    } | {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def api_app(run_tool: RunTool, api_function_environment: dict[str, str]) -> AppProbe:
    """The Chalice app's routes and operations, and its response to the sample health event, from a
    fresh Python process that imports functions/api/app.py under ApiFunction's template environment."""
    result = run_tool(
        [sys.executable, str(APP_PROBE), str(HEALTH_EVENT)],
        timeout=60,
        extra_env={
            **api_function_environment,
            "PYTHONPATH": os.pathsep.join(str(folder) for folder in API_SEARCH_PATH),
        },
    )
    report = json.loads(result.stdout.split("PROBE ", 1)[1])
    return AppProbe(
        routes={(path, method) for path, method in report["routes"]},
        operations=report["operations"],
        responses=report["responses"],
    )
