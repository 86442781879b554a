# Two entry points for a fresh machine: `make run` and `make test`.
PYTHON ?= python3
# Test processes; `make test TEST_PROCESSES=0` runs the suite in this process alone.
TEST_PROCESSES ?= 3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: run test lint format typecheck bench demo clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/selfie-bot run

test: $(VENV)/.installed-dev lint
	$(BIN)/python -m pytest -q --numprocesses $(TEST_PROCESSES)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: $(VENV)/.installed
	$(BIN)/selfie-bot --env-file /dev/null demo

# Every benchmark of BENCHMARKS.md (about an hour and a half); JSON into bench-results/.
BENCHES := answer broadcast growth footprint report leader workers close_stall
bench: $(VENV)/.installed-dev
	mkdir -p bench-results
	$(foreach b,$(BENCHES),$(BIN)/python -m benchmarks.$(b)_bench --json bench-results/$(b).json &&) true

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache .mypy_cache
