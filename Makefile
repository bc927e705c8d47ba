# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# PostgreSQL server for the second test run (trust auth, database `test`).
POS_PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint install translations db clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall when the dependency list changes.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -d pos/translations > /dev/null

db: install
	$(BIN)/pos init-db
	$(BIN)/pos seed-demo

run: db
	$(BIN)/pos serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest
	@POS_PG_TEST_URL='$(POS_PG_TEST_URL)' $(BIN)/python tests/run_postgres.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
