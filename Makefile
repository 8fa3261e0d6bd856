# Two commands on a fresh machine: `make demo` and `make test`. Each makes its own virtualenv.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

LLM_VENV := .venv-llm
LLM_PINS := tests/fixtures/llm

.PHONY: demo test lint bench clean llm-servers

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $(BIN)/activate

$(VENV)/.test-deps: $(BIN)/activate
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.test-deps

# The real LLM servers the tests meet (llama-cpp-python's server, a LiteLLM proxy), each in a
# virtualenv of its own so that their pins never fight ours.
$(LLM_VENV)/llamacpp/.installed: $(LLM_PINS)/llamacpp-requirements.txt
	rm -rf $(LLM_VENV)/llamacpp
	$(PYTHON) -m venv $(LLM_VENV)/llamacpp
	CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(LLM_VENV)/llamacpp/bin/pip install -q -r $<
	touch $@

$(LLM_VENV)/litellm/.installed: $(LLM_PINS)/litellm-requirements.txt
	rm -rf $(LLM_VENV)/litellm
	$(PYTHON) -m venv $(LLM_VENV)/litellm
	$(LLM_VENV)/litellm/bin/pip install -q -r $<
	touch $@

llm-servers: $(LLM_VENV)/llamacpp/.installed $(LLM_VENV)/litellm/.installed

## Run the whole job on the bundled sample day: offline, no API key.
demo: $(BIN)/activate
	$(BIN)/arxiv-digest demo

## The whole test suite (installs chromium and axe-core, a test-only asset, for the browser tests when it can,
## and the real LLM servers).
test: $(VENV)/.test-deps llm-servers
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
	rm -rf $(VENV) $(LLM_VENV) arxiv-digest-demo-data arxiv-digest-site test-artifacts
