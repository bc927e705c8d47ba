# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
# TLS=1: serve HTTPS (`pos serve --tls`).
TLS    ?=
# BACKUP_DIR=/media/usb/pameran: back the database up while serving, every BACKUP_EVERY,
# keeping the newest KEEP (`pos serve --backup-every --backup-dir --keep`).
BACKUP_DIR   ?=
BACKUP_EVERY ?= 10m
KEEP         ?= 48
# PostgreSQL server for the second test run (trust auth, database `test`).
POS_PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test lint install install-run translations messages db clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# What the app needs to run (the venue laptop gets no test tools), and that plus the
# test extras. Each has its own stamp, reinstalled when the dependency list changes, so
# `make run` and `make test` can follow each other in any order.
$(VENV)/.installed-run: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: setup.cfg pyproject.toml | $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

COMPILE_TRANSLATIONS = @$(BIN)/pybabel compile --use-fuzzy -d pos/translations > /dev/null

install-run: $(VENV)/.installed-run
	$(COMPILE_TRANSLATIONS)

install: $(VENV)/.installed-test
	$(COMPILE_TRANSLATIONS)

translations: install-run

# After adding or changing texts: the catalogue gets the new strings to translate.
messages: install-run
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o /tmp/pos-messages.pot . > /dev/null
	$(BIN)/pybabel update -i /tmp/pos-messages.pot -d pos/translations --ignore-obsolete

db: install-run
	$(BIN)/pos init-db
	$(BIN)/pos seed-demo

run: db
	$(BIN)/pos serve --host $(HOST) --port $(PORT)$(if $(filter 1 yes true,$(TLS)), --tls)$(if $(BACKUP_DIR), --backup-every $(BACKUP_EVERY) --backup-dir "$(BACKUP_DIR)" --keep $(KEEP))

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest
	@POS_PG_TEST_URL='$(POS_PG_TEST_URL)' $(BIN)/python tests/run_postgres.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
