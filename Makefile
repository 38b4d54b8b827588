# meshfleet: `make check` runs the offline preview of the example stack, `make test` the tests.
# Each target installs what it needs into .venv (PyPI only; no Pulumi CLI, no cloud account).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= example
# Hypothesis depth of `make test`: ci (fixed examples, the default), dev (100 random examples per
# property) or deep (2,000; a local soak). Tests run on every core (pytest-xdist).
HYPOTHESIS_PROFILE ?= ci
export HYPOTHESIS_PROFILE

.PHONY: check test typecheck lint plan diagram bench bench-docstrings clean

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

check: $(VENV)/.installed  ## the main job: program + policy pack offline on the example stack
	$(PY) -m fleetctl check --stack $(STACK)

test: $(VENV)/.installed typecheck lint  ## type-check, lint, then every test
	$(PY) -m pytest -n auto --dist worksteal

typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy

lint: $(VENV)/.installed  ## ruff's lint rules and its formatter (run `ruff format .` to apply it)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

plan: $(VENV)/.installed
	$(PY) -m fleetctl plan --stack $(STACK)

diagram: $(VENV)/.installed  ## refresh the committed pictures of the example stack in docs/
	$(PY) -m fleetctl diagram --stack example --out docs

bench: $(VENV)/.installed
	$(PY) bench/bench_planner.py
	$(PY) bench/bench_policies.py
	$(PY) bench/bench_check.py

bench-docstrings: $(VENV)/.installed  ## pulumi_alicloud's own example programs through fleetctl check (~25 min)
	$(PY) bench/docstring_programs.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build
