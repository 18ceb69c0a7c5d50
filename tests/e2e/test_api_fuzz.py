"""Every operation of the API's own OpenAPI document, fuzzed with schemathesis against the local runtime
(API Gateway events, sandboxes, DynamoDB Local), as a registered user on the routes that need one and
anonymously on the others.

The run is schemathesis's own engine, as `st run` drives it (its phases: probing, coverage of the
schemas' boundaries, property-based fuzzing of valid and invalid requests, stateful sequences), in
this process. Every answer must be documented: no 5xx, a status the operation lists, a content type it
lists, a body that matches the schema of that status (`chirp.http.schemas`); and a route that needs a
token refuses the same request without one. Generation is seeded and derandomized: a run sends the
same requests (up to the ids the API mints).

The figures (requests sent, operations covered, failures) are printed at the end and written to
`bench/results/api_fuzz.json`. Reproduce them with

    .venv/bin/python -m pytest -q -s tests/e2e/test_api_fuzz.py
"""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.engine import Status, events
from schemathesis.engine.run import PhaseName

pytestmark = pytest.mark.e2e

REPORT = Path(__file__).resolve().parents[2] / "bench" / "results" / "api_fuzz.json"
SEED = 20261127
# Hypothesis examples per operation in the fuzzing phase. 15, not 30: the coverage phase already sends every
# boundary and every invalid form each schema defines (1,694 requests for 62 operations, whatever this number), so
# the random phase adds variety, not reach; at 30 it was 1,761 of the run's 3,646 requests, at 15 about half that,
# and every operation is still fuzzed (the test asserts it). Seeded: what it finds, it finds on every run.
MAX_EXAMPLES = 15
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "ignored_auth",  # a route that needs a token refuses the request without one (and with a forged one)
    "negative_data_rejection",  # a request the document says is invalid gets a 4xx
]
# Methods the coverage phase sends where a path does not declare them: each must get a documented refusal.
# TRACE is left out: the local gateway has no handler for it and answers 501 (infra/local/gateway.py).
UNDECLARED_METHODS = ["get", "put", "post", "delete", "options", "patch"]


@dataclass
class FuzzReport:
    """What the run sent and found, from the engine's events."""

    documented: set[str]
    covered: set[str] = field(default_factory=set)
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    phases: Counter[str] = field(default_factory=Counter)  # requests per phase
    failures: dict[str, str] = field(default_factory=dict)  # "operation: check" -> what failed
    errors: list[str] = field(default_factory=list)  # the engine's own errors (network, schema)
    seconds: float = 0.0

    def record(self, event: events.EngineEvent) -> None:
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            self._scenario(event)
        elif isinstance(event, events.NonFatalError):
            self.errors.append(f"{event.label}: {event.value!r}"[:300])
        elif isinstance(event, events.FatalError):
            self.errors.append(f"fatal: {event.exception!r}"[:300])
        elif isinstance(event, events.EngineFinished):
            self.seconds = event.running_time

    def _scenario(self, event: events.ScenarioFinished) -> None:
        if event.status is not Status.SKIP and event.phase is not PhaseName.STATEFUL_TESTING and event.label:
            self.covered.add(event.label)
        recorder = event.recorder
        self.requests += len(recorder.interactions)
        self.phases[event.phase.value] += len(recorder.interactions)
        for interaction in recorder.interactions.values():
            if interaction.response is not None:
                self.statuses[interaction.response.status_code] += 1
        for checks in recorder.checks.values():
            for check in checks:
                if check.status is Status.FAILURE and check.failure_info is not None:
                    failure = check.failure_info.failure
                    where = failure.operation or recorder.label
                    self.failures.setdefault(f"{where}: {check.name}", f"{failure.title}: {failure.message}"[:500])

    def summary(self) -> dict[str, Any]:
        return {
            "seed": SEED,
            "max_examples": MAX_EXAMPLES,
            "checks": CHECKS,
            "requests": self.requests,
            "requests_by_phase": dict(self.phases),
            "operations_documented": len(self.documented),
            "operations_covered": len(self.covered & self.documented),
            "failures": len(self.failures),
            "failing": self.failures,
            "engine_errors": self.errors,
            "statuses": {str(status): count for status, count in sorted(self.statuses.items())},
            "seconds": round(self.seconds, 1),
        }


@pytest.fixture(scope="module")
def fuzz_user(chirp_runtime: Any) -> dict[str, Any]:
    """The registered user the run acts as, with a tweet of its own."""
    username = f"fz{secrets.token_hex(6)}"
    with httpx.Client(base_url=chirp_runtime.base_url, timeout=60) as client:
        registered = client.post(
            "/users/register", json={"username": username, "email": f"{username}@example.com", "password": "fuzz-pass"}
        )
        assert registered.status_code == 201, registered.text
        account: dict[str, Any] = registered.json()
        headers = {"authorization": f"Bearer {account['token']['access_token']}"}
        posted = client.post("/tweets", json={"text": "fuzzing #chirp"}, headers=headers)
        assert posted.status_code == 201, posted.text
    return account


@pytest.fixture(scope="module")
def api_document(chirp_runtime: Any) -> dict[str, Any]:
    """The OpenAPI document the running API serves."""
    response = httpx.get(f"{chirp_runtime.base_url}/openapi.json", timeout=60)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def fuzzing_config(base_url: str, access_token: str) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "base-url": base_url,
            # Sent on the operations whose security asks for the bearer scheme, and only there.
            "auth": {"openapi": {"bearer": {"bearer": access_token}}},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none", "mode": "all"},
            "phases": {"coverage": {"unexpected-methods": UNDECLARED_METHODS}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        }
    )


def test_every_operation_answers_as_documented(
    chirp_runtime: Any, fuzz_user: dict[str, Any], api_document: dict[str, Any]
) -> None:
    # Given the API's own document, and a user to act as
    config = fuzzing_config(chirp_runtime.root_url, fuzz_user["token"]["access_token"])
    schema = schemathesis.openapi.from_dict(api_document, config=config)
    report = FuzzReport(
        documented={f"{method.upper()} {path}" for path, item in api_document["paths"].items() for method in item}
    )
    # When schemathesis runs every phase against every operation
    for event in schemathesis.engine.from_schema(schema).execute():
        report.record(event)
    summary = report.summary()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(summary, indent=2) + "\n")
    print(
        f"\nschemathesis {schemathesis.__version__}: {summary['requests']} requests, "
        f"{summary['operations_covered']}/{summary['operations_documented']} operations, "
        f"{summary['failures']} failures, in {summary['seconds']} s (seed {SEED}; {REPORT.name})"
    )
    # Then every operation was exercised, and every answer was one its documentation promises
    assert report.errors == []
    assert report.covered >= report.documented
    assert report.failures == {}
