"""The usage log: which (action, resource) each function asked for, and what IAM answered.

With `CHIRP_IAM_USAGE_DIR` set, each process that decides (the runtime, for its sandboxes; a test process, for
the calls it makes in-process under `guard.acting_as`) appends to a file of its own in that folder,
`<tag>-<pid>-<random>.jsonl`. One JSON line per distinct principal (`{"kind": "principal", "key": ..., ...}`: its
identity, policy documents and symbols) and one per distinct (principal, action, resource, decision, caller)
(`{"kind": "use", ...}`), written when first seen: sandboxes and runtimes can be SIGKILLed. `caller` is
`function` for the function's own calls, `lambda` for what Lambda itself does with the role (reading a stream or
a queue, sending to an on-failure destination). `python -m infra.local.iam report <dir>` reads the folder.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

from infra.local.iam.principal import Decision, Principal

USAGE_DIR_VARIABLE = "CHIRP_IAM_USAGE_DIR"


class UsageLog:
    def __init__(self, folder: Path, tag: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{tag}-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
        self._seen: set[tuple[str, ...]] = set()
        self._principals: set[str] = set()
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, tag: str) -> UsageLog | None:
        folder = os.environ.get(USAGE_DIR_VARIABLE)
        return cls(Path(folder), tag) if folder else None

    def record(self, principal: Principal, action: str, resource: str, decision: Decision, caller: str) -> None:
        key = (principal.digest, action, resource, decision.value, caller)
        if key in self._seen:
            return
        with self._lock:
            if key in self._seen:
                return
            lines: list[dict[str, Any]] = []
            if principal.digest not in self._principals:
                lines.append({"kind": "principal", "key": principal.digest, **principal.as_json()})
            lines.append({
                "kind": "use",
                "principal": principal.digest,
                "function": principal.function_id,
                "action": action,
                "resource": resource,
                "decision": decision.value,
                "allowed": decision.allowed,
                "caller": caller,
            })  # fmt: skip
            with self.path.open("a", encoding="utf-8") as file:
                file.write("".join(json.dumps(line, sort_keys=True) + "\n" for line in lines))
            self._principals.add(principal.digest)
            self._seen.add(key)


_shared: UsageLog | None = None
_shared_folder: str | None = None
_shared_lock = threading.Lock()


def shared_usage_log(tag: str) -> UsageLog | None:
    """This process's log, in the folder `CHIRP_IAM_USAGE_DIR` names now (None when it is unset)."""
    global _shared, _shared_folder
    folder = os.environ.get(USAGE_DIR_VARIABLE)
    with _shared_lock:
        if folder != _shared_folder:
            _shared, _shared_folder = (UsageLog(Path(folder), tag) if folder else None), folder
        return _shared


def read_usage(folder: Path) -> tuple[dict[str, Principal], list[dict[str, Any]]]:
    """Every principal (by key) and every use recorded in `folder`'s `*.jsonl` files."""
    principals: dict[str, Principal] = {}
    uses: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.endswith("}"):
                continue  # a line cut short by a kill
            entry = json.loads(line)
            if entry.get("kind") == "principal":
                principals[entry["key"]] = Principal.from_json(entry)
            elif entry.get("kind") == "use":
                uses.append(entry)
    return principals, uses
