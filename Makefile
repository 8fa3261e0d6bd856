# Two commands on a fresh machine: `make demo` and `make test`. Each makes its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(BIN)/activate

$(VENV)/.test-deps: $(BIN)/activate
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.test-deps

## Run the whole job on the bundled sample day: offline, no API key.
demo: $(BIN)/activate
	$(BIN)/arxiv-digest demo

## The whole test suite (installs chromium and axe-core, a test-only asset, for the browser tests when it can).
test: $(VENV)/.test-deps
	bash scripts/ensure-chromium.sh
	bash scripts/ensure-axe.sh $(VENV)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src tests benchmarks scripts
	$(BIN)/python -m pytest -q

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/mypy src tests benchmarks scripts

bench: $(VENV)/.test-deps
	$(BIN)/python benchmarks/fetch_bench.py
	$(BIN)/python benchmarks/summarize_bench.py
	$(BIN)/python benchmarks/site_bench.py
	$(BIN)/python benchmarks/rank_bench.py
	$(BIN)/python benchmarks/fulltext_bench.py
	$(BIN)/python benchmarks/reach_bench.py

clean:
	rm -rf $(VENV) arxiv-digest-demo-data arxiv-digest-site test-artifacts
