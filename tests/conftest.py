"""The whole suite's order. `make test` runs it on two workers (pytest-xdist, `--dist loadfile`: each file on one
worker, files handed out in collection order as workers free up, `--no-loadscope-reorder` so that xdist keeps that
order rather than putting the files with the most tests first). The files below take a minute or more each (most
of them one test: a runtime of their own, a `sam build`, a fuzzing run) and go first, longest first: scheduled
last, as xdist's reordering put them, one of them kept a worker busy for minutes while the other had nothing left.
Durations from `make test`'s report (`--durations`) on two cores; the order changes no test's outcome."""

from __future__ import annotations

import pytest

LONGEST_FIRST = (
    "tests/e2e/test_api_fuzz.py",
    "tests/template/test_sam_build.py",
    "tests/e2e/test_runtime_durability.py",
    "tests/template/test_image_build.py",
    "tests/template/test_template_lint.py",
    "tests/e2e/test_least_privilege.py",
    "tests/e2e/test_engagements.py",
    "tests/e2e/test_account_deletion.py",
    "tests/e2e/test_timelines.py",
    "tests/e2e/test_trends.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: position for position, path in enumerate(LONGEST_FIRST)}
    # A stable sort: every other file keeps its place, and every file's tests their order.
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(LONGEST_FIRST)))
