"""A sandbox's line to the runtime's IAM authority: one question (action, resource), one answer (a decision).

The runtime evaluates policies (with moto, which a sandbox never imports: it would add ~0.3 s to each sandbox
start); a sandbox asks once per distinct (action, resource) and remembers the answer. Each sandbox gets one end
of a Unix socket pair; the runtime serves the other end from a thread of its own (`serve`), so a question can
come at any moment, from any thread of the function. One JSON line per question, `["dynamodb:GetItem", "arn:..."]`,
one per answer, `"ALLOWED"` (a Decision's value) or `{"error": "..."}`.

Standard library only: a sandbox imports it.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable

from infra.local.iam.principal import Decision


class AuthorityUnavailable(RuntimeError):
    """The runtime's authority did not answer (it stopped, or failed on the question)."""


class AuthorityClient:
    """The sandbox's end: asks, one question at a time, and waits for the answer."""

    def __init__(self, fd: int) -> None:
        self._socket = socket.socket(fileno=fd)
        self._reader = self._socket.makefile("rb")
        self._lock = threading.Lock()

    def decide(self, action: str, resource: str) -> Decision:
        question = json.dumps([action, resource]).encode() + b"\n"
        with self._lock:
            try:
                self._socket.sendall(question)
                line = self._reader.readline()
            except OSError as error:
                raise AuthorityUnavailable(f"the local runtime's IAM authority is gone: {error}") from error
        if not line:
            raise AuthorityUnavailable("the local runtime's IAM authority closed its line")
        answer = json.loads(line)
        if isinstance(answer, dict):
            raise AuthorityUnavailable(f"the local runtime's IAM authority failed: {answer.get('error')}")
        return Decision(answer)


def serve(connection: socket.socket, decide: Callable[[str, str], Decision]) -> None:
    """Answer one sandbox's questions until it closes its end (it exited)."""
    with connection, connection.makefile("rb") as questions:
        for line in questions:
            try:
                action, resource = json.loads(line)
                answer: object = decide(str(action), str(resource)).value
            except Exception as error:  # the sandbox reports it; this line keeps serving
                answer = {"error": f"{type(error).__name__}: {error}"}
            try:
                connection.sendall(json.dumps(answer).encode() + b"\n")
            except OSError:
                return
