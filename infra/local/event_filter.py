"""Lambda event filtering (`FilterCriteria`) for the pollers: the common subset of the pattern syntax.

Supported: exact values (strings, numbers, booleans, null), `prefix`, `suffix`, `equals-ignore-case`,
`anything-but` (a value, a list or a prefix), `numeric` comparisons and `exists`, nested objects, and
array values (any element may match). A record matches when any filter's pattern matches it. For SQS,
a JSON body is matched as an object (non-JSON bodies as a plain string), as Lambda does.

As strict as Lambda's (EventBridge's) matcher about types: a number in a pattern matches only a JSON
number and `numeric` only applies to JSON numbers. So `numeric` never matches a DynamoDB `N` value,
which a stream record carries as a string, exactly as on AWS (aws/serverless-application-model#3123).
"""

from __future__ import annotations

import json
import operator
from collections.abc import Callable
from typing import Any

_MISSING = object()
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "=": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}  # fmt: skip


def filter_patterns(event_properties: dict[str, Any]) -> list[dict[str, Any]]:
    """The parsed patterns of an event's `FilterCriteria` (empty: everything passes)."""
    filters = (event_properties.get("FilterCriteria") or {}).get("Filters") or []
    patterns = []
    for entry in filters:
        pattern = entry.get("Pattern")
        patterns.append(json.loads(pattern) if isinstance(pattern, str) else dict(pattern))
    return patterns


def record_passes(patterns: list[dict[str, Any]], record: dict[str, Any]) -> bool:
    return not patterns or any(matches_pattern(pattern, record) for pattern in patterns)


def sqs_filterable(record: dict[str, Any]) -> dict[str, Any]:
    """An SQS record as filters see it: the body parsed when it is JSON."""
    try:
        body = json.loads(record["body"])
    except (TypeError, ValueError):
        body = record["body"]
    return {**record, "body": body}


def matches_pattern(pattern: dict[str, Any], event: Any) -> bool:
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        actual = event.get(key, _MISSING)
        if isinstance(expected, dict):
            if not matches_pattern(expected, actual):
                return False
        elif not _matches_any(list(expected) if isinstance(expected, list) else [expected], actual):
            return False
    return True


def _matches_any(matchers: list[Any], actual: Any) -> bool:
    values = actual if isinstance(actual, list) else [actual]
    return any(_matches(matcher, value) for matcher in matchers for value in values)


def _matches(matcher: Any, value: Any) -> bool:
    if not isinstance(matcher, dict):
        return value is not _MISSING and _same(matcher, value)
    if "exists" in matcher:
        return (value is not _MISSING) == bool(matcher["exists"])
    if value is _MISSING:
        return False
    return _matches_operator(matcher, value)


def _matches_operator(matcher: dict[str, Any], value: Any) -> bool:
    if "prefix" in matcher:
        return isinstance(value, str) and value.startswith(str(matcher["prefix"]))
    if "suffix" in matcher:
        return isinstance(value, str) and value.endswith(str(matcher["suffix"]))
    if "equals-ignore-case" in matcher:
        return isinstance(value, str) and value.lower() == str(matcher["equals-ignore-case"]).lower()
    if "anything-but" in matcher:
        excluded = matcher["anything-but"]
        if isinstance(excluded, dict):
            return not _matches_operator(excluded, value)
        return not any(_same(item, value) for item in (excluded if isinstance(excluded, list) else [excluded]))
    if "numeric" in matcher:
        return _numeric_matches(matcher["numeric"], value)
    raise ValueError(f"unsupported filter operator {sorted(matcher)}")


def _numeric_matches(conditions: list[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False  # a string of digits is not a number to the matcher
    number = float(value)
    pairs = zip(conditions[0::2], conditions[1::2], strict=True)
    return all(_COMPARISONS[str(symbol)](number, float(bound)) for symbol, bound in pairs)


def _same(expected: Any, actual: Any) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool) or expected is None or actual is None:
        return expected is actual or (expected == actual and type(expected) is type(actual))
    if isinstance(expected, int | float):
        return isinstance(actual, int | float) and float(actual) == float(expected)  # 5 never matches "5"
    return isinstance(actual, str) and expected == actual
