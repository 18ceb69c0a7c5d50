"""The part of AWS that authorizes calls: each function's policies, evaluated, its decisions logged.

`FunctionAuthority` decides for one principal (a test process uses one through `guard.acting_as`). `Authority`
holds every function's and answers the runtime's sandboxes: `open_line(function_id)` makes a socket pair, serves
one end from a thread and returns the other for the sandbox to inherit.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Mapping

from infra.local.iam import channel
from infra.local.iam.evaluator import PolicyEvaluator
from infra.local.iam.principal import Decision, Identity, Principal
from infra.local.iam.usage import UsageLog

FUNCTION_CALLER = "function"
LAMBDA_CALLER = "lambda"  # what Lambda itself does with the role: event source mappings, destinations


class FunctionAuthority:
    """Decides for one principal, and logs each distinct decision when a usage log is kept."""

    def __init__(self, principal: Principal, usage: UsageLog | None = None) -> None:
        self.principal = principal
        self.evaluator = PolicyEvaluator(principal.policies, principal.boundary)
        self.usage = usage

    @property
    def identity(self) -> Identity:
        return self.principal.identity

    def decide(self, action: str, resource: str, caller: str = FUNCTION_CALLER) -> Decision:
        decision = self.evaluator.decide(action, resource)
        if self.usage is not None:
            self.usage.record(self.principal, action, resource, decision, caller)
        return decision


class Authority:
    """Every function's authority; serves the sandboxes' questions."""

    def __init__(self, principals: Mapping[str, Principal], usage: UsageLog | None = None) -> None:
        self.functions = {
            function_id: FunctionAuthority(principal, usage) for function_id, principal in principals.items()
        }
        self.usage = usage

    def __getitem__(self, function_id: str) -> FunctionAuthority:
        return self.functions[function_id]

    def open_line(self, function_id: str) -> socket.socket:
        """A socket for a sandbox of `function_id` to inherit; its questions are answered from a thread."""
        authority = self.functions[function_id]
        runtime_end, sandbox_end = socket.socketpair()
        thread = threading.Thread(
            target=channel.serve,
            args=(runtime_end, authority.decide),
            name=f"iam-{function_id}",
            daemon=True,
        )
        thread.start()
        return sandbox_end
