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

typecheck: install-dev  ## static type checking (the mypy step goes here)

test: install-dev catalogs typecheck  ## install everything, lint, check the import layers, run all tests
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

lint: install-dev
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache bot/locale/*/LC_MESSAGES/*.mo
