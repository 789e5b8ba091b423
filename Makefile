# carhunt developer commands. Each target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint typecheck bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Install carhunt and hunt through the built-in demo capture.
demo: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/carhunt hunt

# Install the test dependencies, then run lint, type checks and the whole test suite.
test: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(BIN)/python
	$(BIN)/ruff check src tests benchmarks

typecheck: $(BIN)/python
	$(BIN)/mypy

# Generate inputs from the corpus (1M, 3M and 10M events; about 25 GB under
# benchmarks/data), measure them and write benchmarks/RESULTS.md. About an hour on 2 cores.
bench: $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
