# Two commands for a newcomer: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the project's metadata changes.
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.dev-installed

.PHONY: run test test-postgres lint fmt bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED) $@

run: $(INSTALLED)
	$(BIN)/csv-merger serve

test: $(DEV_INSTALLED)
	$(BIN)/python -m pytest

# The integration tests again, on PostgreSQL (TEST_DATABASE_URL names the server).
test-postgres: $(DEV_INSTALLED)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest tests/integration -m "not browser"

lint: $(DEV_INSTALLED)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

fmt: $(DEV_INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(DEV_INSTALLED)
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var test-output bench/out
