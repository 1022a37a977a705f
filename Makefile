# Praktikbot: `make run` runs the bot, `make check` is the fast tier (lint, import layers, types,
# unit tests: under a minute), `make test` passes every test. All install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/locale/*/LC_MESSAGES/messages.po))

.PHONY: run check typecheck test install install-dev lint catalogs i18n bench clean

run: install catalogs  ## install, migrate and run the bot on the embedded default
	$(BIN)/praktikbot run

check: install-dev catalogs typecheck  ## the fast tier: lint, import layers, types, unit tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q -m unit

typecheck: install-dev  ## mypy: strict for services and storage, 0 errors
	$(BIN)/mypy

test: install-dev catalogs typecheck  ## install everything, lint, check the import layers and types, run all tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/pytest

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
catalogs: $(CATALOGS)

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed

bot/locale/%/LC_MESSAGES/messages.mo: bot/locale/%/LC_MESSAGES/messages.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d bot/locale -D messages -l $* -i $< -o $@

i18n: install  ## extract texts from the code and merge them into the .po catalogues
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ --no-location --sort-output \
		--project praktikbot --copyright-holder "Praktikbot contributors" -o bot/locale/messages.pot .
	$(BIN)/pybabel update -i bot/locale/messages.pot -d bot/locale -D messages -w 99 --no-fuzzy-matching

bench: install catalogs  ## the quick benchmarks at small sizes, on SQLite (see README for all)
	$(BIN)/python -m bench.cpr_guard
	$(BIN)/python -m bench.enrolment --users 20
	$(BIN)/python -m bench.scheduler --students 2000
	$(BIN)/python -m bench.feedback --students 2000
	$(BIN)/python -m bench.conversations

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bot/locale/*/LC_MESSAGES/*.mo
