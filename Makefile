# Quick start: `make demo` then `make test`. Only python3 and make are needed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: demo test lint typecheck check golden bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP) $(DEV_STAMP)

demo: $(STAMP)
	$(VENV)/bin/propledger demo

test: $(DEV_STAMP)
	$(PY) -m pytest

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check src tests pipelines scripts benchmarks
	$(VENV)/bin/ruff format --check src tests pipelines scripts benchmarks

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

check: lint typecheck test

golden: $(DEV_STAMP)
	$(PY) scripts/golden_run_validate.py

bench: $(DEV_STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
