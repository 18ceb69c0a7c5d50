"""Allow or deny one (action, resource) for a role's policies, with moto's IAM policy evaluator.

Each policy document goes to `moto.iam.access_control.IAMPolicy`, whose `is_action_permitted(action, resource)`
answers PERMITTED, DENIED or NEUTRAL. The documents of one role combine as IAM combines identity policies in one
account: an explicit Deny anywhere wins, else an Allow anywhere allows, else the request is implicitly denied.
With a permissions boundary, the boundary must allow the request too. Decisions are cached per (action, resource).

moto's evaluator has gaps; the documents are normalized before it sees them so that they do not matter here:

- It matches by turning a pattern into a regular expression with only `*` replaced (by `.*`): every other
  character is regex syntax (`.` matches any character, `?` makes the previous one optional, `+`, `(`, `[`...).
  Patterns are escaped here first, and IAM's one-character wildcard `?` becomes `.`.
- It compares action names case-sensitively; IAM does not (SAM itself writes `sns:publish`). Actions are
  lower-cased on both sides.
- It ignores `NotResource` (an Allow with NotResource and no Resource would allow every resource): a policy
  with NotResource is refused (PolicyError), as are policy variables (`${aws:username}`), which it never
  substitutes.
- It answers DENIED for any statement whose `Condition` does not hold, an Allow as much as a Deny, before it
  compares the resource; and the request context conditions test (`aws:SourceIp`, `kms:ViaService`...) does
  not exist here. So a conditional Allow grants nothing (it is left out), and a conditional Deny denies whether
  or not its condition holds (its condition is left out). Both are listed in `ignored_conditions`.
- It does not know that some actions need several permissions, or which resource an operation acts on:
  `infra.local.iam.actions` works that out before asking.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from moto.iam.access_control import IAMPolicy, PermissionResult

from infra.local.iam.errors import PolicyError
from infra.local.iam.principal import Decision, NamedPolicy

Pair = tuple[str, str]
MAX_CACHED_DECISIONS = 100_000


def moto_pattern(pattern: str) -> str:
    """An IAM wildcard pattern (`*`, `?`) as the regular expression moto builds from it by replacing `*`."""
    return "".join("*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True)
class _Statement:
    """One statement of a policy, as written and as moto sees it."""

    policy: NamedPolicy
    index: int
    original: dict[str, Any]
    evaluated: IAMPolicy


class PolicyEvaluator:
    """The decisions of one role: its identity policies, and its permissions boundary if it has one."""

    def __init__(self, policies: Sequence[NamedPolicy], boundary: Sequence[NamedPolicy] = ()) -> None:
        self.ignored_conditions: list[str] = []
        self._statements = [self._prepare(policy, index, statement)
                            for policy in policies for index, statement in enumerate(policy.statements())]  # fmt: skip
        self._identity = [IAMPolicy(self._document(policy)) for policy in policies]
        self._boundary = [IAMPolicy(self._document(policy)) for policy in boundary]
        self._cache: dict[Pair, Decision] = {}

    def decide(self, action: str, resource: str) -> Decision:
        key = (action, resource)
        decision = self._cache.get(key)
        if decision is None:
            if len(self._cache) >= MAX_CACHED_DECISIONS:
                self._cache.clear()
            decision = self._cache[key] = self._evaluate(action.lower(), resource)
        return decision

    def granting(self, action: str, resource: str) -> list[tuple[NamedPolicy, int]]:
        """The (policy, statement index) of each Allow statement that matches the request."""
        return [
            (statement.policy, statement.index)
            for statement in self._statements
            if statement.original.get("Effect") == "Allow"
            and statement.evaluated.is_action_permitted(action.lower(), resource) is PermissionResult.PERMITTED
        ]

    # ------------------------------------------------------------------ evaluation
    def _evaluate(self, action: str, resource: str) -> Decision:
        decision = _combined([policy.is_action_permitted(action, resource) for policy in self._identity])
        if decision is Decision.ALLOWED and self._boundary:
            if _combined([policy.is_action_permitted(action, resource) for policy in self._boundary]).allowed:
                return Decision.ALLOWED
            return Decision.BOUNDARY_DENY
        return decision

    # ------------------------------------------------------------------ normalization
    def _document(self, policy: NamedPolicy) -> str:
        statements = [self._normalized(policy, statement) for statement in policy.statements()]
        return json.dumps({"Statement": [statement for statement in statements if statement is not None]})

    def _prepare(self, policy: NamedPolicy, index: int, statement: dict[str, Any]) -> _Statement:
        normalized = self._normalized(policy, statement, note=False)
        document = json.dumps({"Statement": [normalized] if normalized else []})
        return _Statement(policy, index, statement, IAMPolicy(document))

    def _normalized(
        self, policy: NamedPolicy, statement: dict[str, Any], *, note: bool = True
    ) -> dict[str, Any] | None:
        """The statement as moto must see it to decide as IAM does; None when it can grant nothing here."""
        where = f"{policy.name} ({policy.origin})"
        if "NotResource" in statement:
            raise PolicyError(f"{where}: NotResource is not supported by the local policy evaluator")
        normalized = {key: value for key, value in statement.items() if key in ("Effect", "Action", "NotAction")}
        for key in ("Action", "NotAction"):
            if key in normalized:
                normalized[key] = [moto_pattern(str(action).lower()) for action in _as_list(normalized[key])]
        resources = [str(resource) for resource in _as_list(statement.get("Resource"))]
        if not resources:  # moto reads a statement without Resource as a trust policy's: it would allow anything
            raise PolicyError(f"{where}: a statement without Resource")
        if any("${" in resource for resource in resources):
            raise PolicyError(f"{where}: policy variables (${{...}}) are not supported by the local policy evaluator")
        normalized["Resource"] = [moto_pattern(resource) for resource in resources]
        if "Condition" in statement:
            conditional_allow = statement.get("Effect") == "Allow"
            if note:
                outcome = "grants nothing locally" if conditional_allow else "denies whatever its condition"
                self.ignored_conditions.append(f"{where}: a conditional {statement.get('Effect')} {outcome}")
            if conditional_allow:
                return None
        return normalized


def _combined(results: list[PermissionResult]) -> Decision:
    if PermissionResult.DENIED in results:
        return Decision.EXPLICIT_DENY
    if PermissionResult.PERMITTED in results:
        return Decision.ALLOWED
    return Decision.IMPLICIT_DENY
