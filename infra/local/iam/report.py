"""What each function used, next to what its policies grant: `python -m infra.local.iam report <usage-dir>`.

Reads a usage folder (`infra.local.iam.usage`: runtimes and test processes write there when
`CHIRP_IAM_USAGE_DIR` is set) and prints, per function, as Markdown tables to paste into a README:

- each (action, resource) pair used, by the function's code or by Lambda itself (event source mappings and
  destinations), with the policy statements that grant it, and **not granted** when none does;
- each grant nothing used: the actions a statement allows on a resource that no recorded call asked for
  (grants broader than what the recorded runs used; Lambda's own log delivery, which the local runtime does
  not perform, shows here too).

Resources read as the template names them (`${UsersTable.Arn}/index/*`), whatever the names of the run that
recorded them. With `--template`, only that template's functions are reported, and those with no recorded call
are listed as such.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra.local.iam.evaluator import PolicyEvaluator, moto_pattern
from infra.local.iam.principal import NamedPolicy, Principal
from infra.local.iam.usage import read_usage


@dataclass
class UsedPair:
    action: str
    resource: str  # symbolic
    concrete: set[str] = field(default_factory=set)  # as used (a secret's ARN ends in its random suffix)
    callers: set[str] = field(default_factory=set)
    denied_as: set[str] = field(default_factory=set)  # decisions other than ALLOWED
    granted_by: set[str] = field(default_factory=set)

    @property
    def granted(self) -> bool:
        return not self.denied_as


@dataclass
class UnusedGrant:
    granted_by: str
    resource: str  # symbolic pattern
    actions: list[str]


@dataclass
class FunctionUsage:
    function_id: str
    roles: set[str] = field(default_factory=set)
    used: dict[tuple[str, str], UsedPair] = field(default_factory=dict)
    unused: list[UnusedGrant] = field(default_factory=list)

    @property
    def not_granted(self) -> list[UsedPair]:
        return [pair for pair in self.used.values() if not pair.granted]


@dataclass
class UsageReport:
    functions: dict[str, FunctionUsage]
    silent_functions: list[str] = field(default_factory=list)  # in the template, no call recorded

    @property
    def not_granted(self) -> list[tuple[str, UsedPair]]:
        return [(usage.function_id, pair) for usage in self.functions.values() for pair in usage.not_granted]


def symbolize(value: str, symbols: dict[str, str]) -> str:
    """`arn:...:table/chirp-local-UsersTable/index/x` -> `${UsersTable.Arn}/index/x` (longest values first)."""
    for concrete in sorted(symbols, key=len, reverse=True):
        if concrete in value:
            value = value.replace(concrete, symbols[concrete])
    return value


def iam_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM's wildcard match (`*`, `?`), the way the evaluator hands patterns to moto."""
    flags = re.IGNORECASE if ignore_case else 0
    return re.fullmatch(moto_pattern(pattern).replace("*", ".*"), value, flags) is not None


def statement_label(policy: NamedPolicy, index: int) -> str:
    statement = policy.statements()[index]
    label = policy.origin
    if len(policy.statements()) > 1 or statement.get("Sid"):
        label += f" › {statement.get('Sid') or f'statement {index}'}"
    return label


def build_report(folder: Path, template_path: Path | None = None) -> UsageReport:
    principals, uses = read_usage(folder)
    evaluators: dict[str, PolicyEvaluator] = {}
    functions: dict[str, FunctionUsage] = {}
    for use in uses:
        principal = principals.get(use["principal"])
        if principal is None:
            continue
        usage = functions.setdefault(use["function"], FunctionUsage(use["function"]))
        usage.roles.add(principal.identity.role_name)
        evaluator = evaluators.setdefault(use["principal"], PolicyEvaluator(principal.policies, principal.boundary))
        _add_use(usage, principal, evaluator, use)
    for function_id, usage in functions.items():
        keys = {use["principal"] for use in uses if use["function"] == function_id}
        usage.unused = _unused_grants(usage, [principals[key] for key in sorted(keys) if key in principals])
    report = UsageReport(functions=dict(sorted(functions.items())))
    if template_path is not None:
        names = _template_functions(template_path)
        report.functions = {name: usage for name, usage in report.functions.items() if name in names}
        report.silent_functions = [name for name in names if name not in functions]
    return report


def _add_use(usage: FunctionUsage, principal: Principal, evaluator: PolicyEvaluator, use: dict[str, Any]) -> None:
    action, resource = str(use["action"]), str(use["resource"])
    key = (action, symbolize(resource, principal.symbols))
    pair = usage.used.setdefault(key, UsedPair(*key))
    pair.concrete.add(resource)
    pair.callers.add(str(use.get("caller", "function")))
    if use["decision"] != "ALLOWED":
        pair.denied_as.add(str(use["decision"]))
    pair.granted_by.update(statement_label(policy, index) for policy, index in evaluator.granting(action, resource))


def _unused_grants(usage: FunctionUsage, principals: list[Principal]) -> list[UnusedGrant]:
    """Per Allow statement and resource pattern, the action patterns no allowed use matches, under any of
    the function's principals (one per set of resource names the runs had: in-process tests, runtimes)."""
    used = [pair for pair in usage.used.values() if pair.granted]
    hit: set[tuple[str, str, str]] = set()
    grants: dict[tuple[str, str], list[str]] = defaultdict(list)
    for principal in principals:
        for policy in principal.policies:
            for index, statement in enumerate(policy.statements()):
                if statement.get("Effect") != "Allow":
                    continue
                label = statement_label(policy, index)
                for resource in _as_list(statement.get("Resource")):
                    symbolic = symbolize(str(resource), principal.symbols)
                    for action in map(str, _as_list(statement.get("Action"))):
                        if action not in grants[(label, symbolic)]:
                            grants[(label, symbolic)].append(action)
                        if any(_grant_covers(action, str(resource), symbolic, pair) for pair in used):
                            hit.add((label, symbolic, action))
    unused = {key: [action for action in actions if (*key, action) not in hit] for key, actions in grants.items()}
    return [UnusedGrant(label, resource, actions) for (label, resource), actions in unused.items() if actions]


def _grant_covers(action: str, resource: str, symbolic: str, pair: UsedPair) -> bool:
    """Whether a granted (action, resource) pattern matches a use, symbolically or as it was used."""
    if not iam_match(action, pair.action, ignore_case=True):
        return False
    return iam_match(symbolic, pair.resource) or any(iam_match(resource, concrete) for concrete in pair.concrete)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _template_functions(template_path: Path) -> list[str]:
    from infra.local.provision import FUNCTION_TYPES
    from infra.local.template import load_template

    template = load_template(template_path)
    return [resource.logical_id for resource in template.resources.values() if resource.type in FUNCTION_TYPES]


# ---------------------------------------------------------------------- Markdown
def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _code(text: str) -> str:
    return f"`{_cell(text)}`"


def render_markdown(report: UsageReport) -> str:
    lines = ["# IAM: what each function used, next to what grants it", ""]
    if report.not_granted:
        lines += [f"**{len(report.not_granted)} used pair(s) not granted.**", ""]
    for usage in report.functions.values():
        lines += [f"## {usage.function_id}", "", f"Role: {', '.join(sorted(_code(role) for role in usage.roles))}.", ""]
        lines += ["| action | resource | used by | granted by |", "|---|---|---|---|"]
        for pair in sorted(usage.used.values(), key=lambda pair: (pair.resource, pair.action)):
            granted = "<br>".join(_cell(label) for label in sorted(pair.granted_by))
            if not pair.granted:
                granted = f"**not granted** ({', '.join(sorted(pair.denied_as))})"
            by = ", ".join(sorted(pair.callers))
            lines.append(f"| {_code(pair.action)} | {_code(pair.resource)} | {by} | {granted} |")
        if usage.unused:
            lines += ["", "Granted, never used in the recorded runs:", ""]
            lines += ["| granted by | resource | actions |", "|---|---|---|"]
            for grant in usage.unused:
                actions = ", ".join(_code(action) for action in grant.actions)
                lines.append(f"| {_cell(grant.granted_by)} | {_code(grant.resource)} | {actions} |")
        lines.append("")
    for function_id in report.silent_functions:
        lines += [f"## {function_id}", "", "No call recorded.", ""]
    return "\n".join(lines)
