"""`make bench-text`: how many of twitter-text's conformance cases Chirp's entity extraction passes, per kind.

Runs every case of `tests/unit/twitter_text_cases.py` (twitter-text's extraction suite, restated)
through `chirp.tweets.text.extract_entities` and prints, for hashtags, mentions, cashtags and URLs, the
cases, how many pass and how many fail, with each failing case's input, what the suite expects and what
Chirp found.

    PYTHONPATH=layers/chirp python -m bench.text_conformance

Writes bench/results/text_conformance.json too; exits 1 if any case fails.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from chirp.tweets.text import extract_entities

from tests.unit.twitter_text_cases import CASES, VALUE_FIELDS

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Failure:
    description: str
    text: str
    expected: list[Any]
    found: list[Any]


@dataclass
class KindResult:
    kind: str
    cases: int = 0
    passed: int = 0
    failures: list[Failure] = field(default_factory=list)


def run_kind(kind: str) -> KindResult:
    plain, indexed = CASES[kind]
    result = KindResult(kind)
    for with_offsets, cases in ((False, plain), (True, indexed)):
        for description, text, expected in cases:
            found = extracted(kind, text, with_offsets)
            result.cases += 1
            if found == expected:
                result.passed += 1
            else:
                result.failures.append(Failure(description, text, list(expected), found))
    return result


def extracted(kind: str, text: str, with_offsets: bool) -> list[Any]:
    entities = extract_entities(text).as_dict()[kind]
    value = VALUE_FIELDS[kind]
    if with_offsets:
        return [(entity[value], entity["start"], entity["end"]) for entity in entities]
    return [entity[value] for entity in entities]


def report(results: list[KindResult]) -> None:
    print(f"{'kind':10}{'cases':>7}{'passed':>8}{'failed':>8}")
    for result in results:
        print(f"{result.kind:10}{result.cases:>7}{result.passed:>8}{len(result.failures):>8}")
    total, passed = sum(result.cases for result in results), sum(result.passed for result in results)
    print(f"{'all':10}{total:>7}{passed:>8}{total - passed:>8}")
    for result in results:
        for failure in result.failures:
            print(f"\nFAILED {result.kind}: {failure.description}")
            print(f"  text:     {failure.text!r}")
            print(f"  expected: {failure.expected!r}")
            print(f"  found:    {failure.found!r}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text_conformance.json").write_text(
        json.dumps([asdict(result) for result in results], indent=2, ensure_ascii=False)
    )
    print(f"\nwritten to {RESULTS / 'text_conformance.json'}")


def main() -> None:
    results = [run_kind(kind) for kind in CASES]
    report(results)
    sys.exit(1 if any(result.failures for result in results) else 0)


if __name__ == "__main__":
    main()
