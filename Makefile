# Every target installs what it needs into .venv first, so a fresh clone needs no other step.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
BENCH_STAMP := $(VENV)/.installed-bench
export AIRFLOW__CORE__LOAD_EXAMPLES := False

.PHONY: help venv lint format types pytest test demo bench sandbox clean

help:
	@echo "make demo    run both example DAGs through Airflow against the sandbox into DuckDB"
	@echo "make test    lint, types and every test (what CI runs)"
	@echo "make bench   benchmarks against the sandbox; writes benchmarks/results.json"
	@echo "make sandbox start the offline LocalIQ API on http://127.0.0.1:8765"

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade "pip>=24"
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev]"
	touch $(STAMP)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -c constraints.txt -e ".[dev,bench]"
	touch $(BENCH_STAMP)

venv: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

types: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint types pytest

demo: $(STAMP)
	$(BIN)/python -m scripts.demo

bench: $(BENCH_STAMP)
	$(BIN)/python -m benchmarks.run

sandbox: $(STAMP)
	$(BIN)/python -m airflow_provider_localiq.sandbox --port 8765

clean:
	rm -rf .airflow demo .pytest_cache .mypy_cache .ruff_cache
