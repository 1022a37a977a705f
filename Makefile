# Praktikbot: `make run` runs the bot, `make check` is the fast tier (lint, import layers, types,
# unit tests: under a minute), `make test` passes every test. All install first.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
CATALOGS := $(patsubst %.po,%.mo,$(wildcard bot/locale/*/LC_MESSAGES/messages.po))
# Every package comes from a lock file with hashes (`make lock` writes them from pyproject.toml):
# requirements.lock for the bot (and the Docker image), requirements-dev.lock adds the dev tools.
LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
UV := $(BIN)/uv
UV_VERSION := 0.13.8
# The build back-end (pyproject's [build-system] requires) is locked too: the project itself is
# installed without build isolation, so nothing unhashed is fetched.
BUILD_REQUIRES = $(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")'
LOCK_FLAGS = --universal --python-version 3.11 --generate-hashes --quiet --custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)

.PHONY: run check typecheck test install install-dev lint catalogs i18n bench clean lock

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

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.installed-dev: $(DEV_LOCK) pyproject.toml | $(BIN)/python
	$(PIP) install --require-hashes -r $(DEV_LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	touch $@ $(VENV)/.installed

lock: | $(BIN)/python  ## write both lock files from pyproject.toml (UPGRADE=1: newest versions allowed)
	$(PIP) install 'uv==$(UV_VERSION)'
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - $(LOCK_FLAGS) -o $(LOCK)
	$(BUILD_REQUIRES) | $(UV) pip compile pyproject.toml - --extra dev $(LOCK_FLAGS) -o $(DEV_LOCK)

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
