"""What the runtime calls: start SAM's translation early, then build the authority its sandboxes ask."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from infra.local.functions import FunctionSpec
from infra.local.iam.authority import Authority
from infra.local.iam.event_sources import check_event_sources
from infra.local.iam.policies import RoleTranslation, function_principals
from infra.local.iam.usage import UsageLog
from infra.local.intrinsics import Resolver
from infra.local.template import Template

__all__ = ["RoleTranslation", "runtime_authority"]


def runtime_authority(
    translation: RoleTranslation, template: Template, functions: Sequence[FunctionSpec], resolver: Resolver
) -> Authority:
    """Every function's policies, evaluated; PolicyError when a role cannot be read or AWS would refuse it."""
    principals = function_principals(translation.result(), template, functions, resolver)
    authority = Authority(principals, UsageLog.from_environment("runtime"))
    for function_id, role in authority.functions.items():
        for notice in role.evaluator.ignored_conditions:
            print(f"[iam] {function_id}: {notice} (conditions are not evaluated locally)", file=sys.stderr, flush=True)
    check_event_sources(functions, authority)
    return authority
