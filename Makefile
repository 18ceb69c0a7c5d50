# Chirp: `make run` starts the whole system locally; `make test` runs every test.
# Both install what they need on first use (virtualenvs, pip packages, DynamoDB Local).

SHELL := /bin/bash
PYTHON312 ?= $(firstword $(wildcard /root/.pyenv/versions/3.12.*/bin/python3) $(shell command -v python3.12))
VENV := .venv
SAM_VENV := .venv-sam
PY := $(VENV)/bin/python
DYNAMODB_LOCAL := .cache/dynamodb-local/DynamoDBLocal.jar
PYTEST_WORKERS ?= 2

.PHONY: help setup run status seed reindex redrive moderator test test-fast test-template lint format bench bench-api bench-timelines bench-wire bench-text bench-events bench-engagement bench-notifications bench-search bench-media bench-limits bench-erasure bench-ids bench-cost chaos clean

help:
	@echo "make run      start Chirp locally: http://127.0.0.1:$${PORT:-8000}/api"
	@echo "make test     install what is missing, then run every test (unit, integration, template, e2e)"
	@echo "make lint     ruff and mypy"
	@echo "make seed     load demo users, follows and tweets into the running local system"
	@echo "make reindex  rebuild the search indexes from the tables (the running local system; REINDEX_ARGS for AWS)"
	@echo "make redrive  move dead-letter queues' messages back to their source queues (REDRIVE_ARGS: --queue NAME, --aws)"
	@echo "make status   the running local runtime's queues, DLQs, pollers, sandboxes and faults (STATUS_ARGS: --json)"
	@echo "make moderator USER=<username>  grant the moderator role (MODERATOR_ARGS=--revoke takes it back)"
	@echo "make chaos    posts, likes, retweets, follows under injected faults: every derived state vs a model (CHAOS_ARGS: --ops N, ~1 h at 10,000 on 2 cores)"
	@echo "make bench    every benchmark: API latency and import time, DynamoDB call cost, delivery, engagement, id collisions, home-timeline strategies, cost per month per 1M DAU (bench/results/)"

$(VENV)/.installed: requirements.txt layers/chirp/requirements.txt
	@test -n "$(PYTHON312)" || { echo "Python 3.12 not found (the Lambda runtime is python3.12)"; exit 1; }
	test -x $(PY) || $(PYTHON312) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(SAM_VENV)/.installed: infra/requirements-sam.txt
	test -x $(SAM_VENV)/bin/python || $(PYTHON312) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r infra/requirements-sam.txt
	touch $@

$(DYNAMODB_LOCAL):
	bash infra/local/install_dynamodb_local.sh

setup: $(VENV)/.installed $(SAM_VENV)/.installed $(DYNAMODB_LOCAL)

run: $(VENV)/.installed $(DYNAMODB_LOCAL)
	exec $(PY) -m infra.local

seed: $(VENV)/.installed
	$(PY) -m infra.seed

reindex: $(VENV)/.installed
	PYTHONPATH=layers/chirp $(PY) -m infra.reindex $(REINDEX_ARGS)

redrive: $(VENV)/.installed
	$(PY) -m infra.redrive $(REDRIVE_ARGS)

status: $(VENV)/.installed
	@$(PY) -m infra.local.status $(STATUS_ARGS)

# USER must come from the command line (the shell's own $USER is the login name, not a Chirp user).
moderator: $(VENV)/.installed
	@test "$(origin USER)" = "command line" || { echo "usage: make moderator USER=<username> [MODERATOR_ARGS=--revoke]"; exit 2; }
	PYTHONPATH=layers/chirp $(PY) -m infra.moderation "$(USER)" $(MODERATOR_ARGS)

test: setup
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25 tests

test-fast: $(VENV)/.installed
	$(PY) -m pytest -n $(PYTEST_WORKERS) tests/unit tests/integration

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test-template: $(VENV)/.installed $(SAM_VENV)/.installed
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadfile tests/template

bench: bench-api bench-wire bench-text bench-events bench-engagement bench-notifications bench-search bench-media bench-limits bench-erasure bench-ids bench-timelines bench-cost

bench-api: $(VENV)/.installed $(SAM_VENV)/.installed $(DYNAMODB_LOCAL)
	$(PY) -m bench.api_latency

bench-wire: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.wire

bench-timelines: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.timelines $(BENCH_ARGS)

bench-text: $(VENV)/.installed
	PYTHONPATH=layers/chirp $(PY) -m bench.text_conformance

bench-events: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.events $(BENCH_ARGS)

bench-engagement: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.engagement $(BENCH_ARGS)

bench-search: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.search $(BENCH_ARGS)

bench-limits: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.limits $(BENCH_ARGS)

bench-media: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.media $(BENCH_ARGS)

bench-erasure: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.erasure $(BENCH_ARGS)

bench-ids: $(VENV)/.installed
	PYTHONPATH=layers/chirp $(PY) -m bench.ids $(BENCH_ARGS)

bench-cost: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.cost $(BENCH_ARGS)

chaos: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.chaos $(CHAOS_ARGS)

bench-notifications: $(VENV)/.installed $(DYNAMODB_LOCAL)
	PYTHONPATH=layers/chirp $(PY) -m bench.notifications $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(SAM_VENV) .aws-sam .pytest_cache .mypy_cache .ruff_cache
