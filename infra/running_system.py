"""The local system `make run` started, as the operator commands find it (`make reindex`, `make moderator`,
`make redrive`): through the endpoints file the runtime writes into its data folder before it answers.

Reading it also points this process's boto3 at the runtime's emulators (its `AWS_*` endpoint variables and the
dummy credentials they accept), unless the caller's environment already says otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from infra.local.aws import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY


class NotRunning(Exception):
    """No local system has written its endpoints file in that data folder."""


def running_local_system(data_dir: Path, otherwise: str) -> dict[str, Any]:
    """The endpoints document of the local system running on `data_dir`; NotRunning, with `otherwise` (what to do
    instead, e.g. "or use --aws") in its message, when there is none."""
    path = data_dir / "endpoints.json"
    if not path.exists():
        raise NotRunning(f"{path} does not exist: start Chirp with `make run` first ({otherwise})")
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for name, value in document.get("environment", {}).items():
        if name.startswith("AWS_"):
            os.environ.setdefault(name, value)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", DUMMY_ACCESS_KEY)
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_KEY)
    os.environ.setdefault("AWS_DEFAULT_REGION", document.get("region", "us-east-1"))
    return document
