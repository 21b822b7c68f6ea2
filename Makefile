# The two commands of the README: `make demo` and `make test`. Everything else is for developers.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PLANS := $(VENV)/bin/plans
SHARED := ../shared
DEMO_HOME ?= data

.PHONY: setup demo test bench models lint lock lock-upgrade clean-demo

setup:
	scripts/setup.sh all

## Set up, put the sample plans into the inbox, process them, print the documents table.
demo: setup
	mkdir -p $(DEMO_HOME)/inbox
	cp data/samples/* $(DEMO_HOME)/inbox/
	if [ -d $(SHARED)/plans ]; then cp $(SHARED)/plans/* $(DEMO_HOME)/inbox/; fi
	PLANS_HOME=$(DEMO_HOME) $(PLANS) serve --once --interval 0 --settle 1
	PLANS_HOME=$(DEMO_HOME) $(PLANS) documents

## Set up and run the whole test suite (OCR, PostgreSQL and browser tests included).
test: setup
	$(VENV)/bin/ruff check pipeline flows tests scripts bench
	$(VENV)/bin/pytest -q -p no:cacheprovider

## Speed and accuracy goals: every bench/bench_*.py, joined into BENCHMARKS.md.
bench: setup
	$(PY) bench/run.py

## Rebuild the models in models/ from the sources in the repo, ../shared/corpora and ../shared/real.
models: setup
	$(PY) scripts/build_restore_model.py
	$(PY) scripts/build_spacy_model.py

lint: setup
	$(VENV)/bin/ruff check pipeline flows tests scripts bench

## requirements.lock: every Python package at an exact version with its hashes, which
## `make setup` installs. `make lock` follows pyproject.toml's changes and keeps the other pins;
## `make lock-upgrade` moves every package to the newest version pyproject.toml allows.
LOCK := $(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra postgres --extra dask --generate-hashes \
	--python-version 3.11 --native-tls --quiet --custom-compile-command "make lock" -o requirements.lock

lock:
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q uv
	$(LOCK)

lock-upgrade:
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q uv
	$(LOCK) --upgrade
