# ebike-ops: `make run` serves the product, `make test` runs the tests (both from a fresh clone).
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 0.0.0.0
export DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/ebikeops
export BOROUGHS_FILE ?= $(abspath ../shared/geodata/london_boroughs.geojson)
export CORRIDORS_FILE ?= $(abspath geodata/corridors.geojson)
export DJANGO_SECRET_KEY ?= $(shell bash scripts/secret_key.sh)
MANAGE := cd backend && ../$(PY) manage.py

.PHONY: help setup system-deps python-deps web-deps db run test check lint bench worker demo fuzz

help:
	@echo "make run    install what is missing, migrate, load boroughs and demo data, serve on :$(PORT)"
	@echo "make test   run the whole test suite on real PostgreSQL + PostGIS"
	@echo "make check  lint (ruff, import layers), migrations check, schema validation and tests (what CI runs)"
	@echo "make lint   ruff and the import-layer contract only"
	@echo "make bench  benchmarks; figures go to docs/BENCHMARKS.md"
	@echo "make fuzz   schemathesis against a live server, every role (docs/security.md)"

setup: system-deps python-deps web-deps db

system-deps:
	@bash scripts/system_deps.sh

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# The map's Leaflet, from npm into the webmap app's static files (no CDN at run time).
WEB_BUILT := backend/ebikeops/webmap/static/webmap/vendor/leaflet/leaflet.js
web-deps: $(WEB_BUILT)

$(WEB_BUILT): package.json package-lock.json scripts/build_web.sh
	@bash scripts/build_web.sh

db:
	@bash scripts/ensure_database.sh

run: setup
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input --verbosity 0
	@if [ -f "$(BOROUGHS_FILE)" ]; then $(MANAGE) load_boroughs "$(BOROUGHS_FILE)"; \
	  else echo "BOROUGHS_FILE $(BOROUGHS_FILE) not found: running without borough boundaries (see docs/operating.md)"; fi
	$(MANAGE) load_corridors "$(CORRIDORS_FILE)"
	$(MANAGE) load_demo --users
	$(MANAGE) compute_hotspots
	@bash scripts/serve.sh $(HOST) $(PORT)

test: setup
	@bash scripts/run_tests.sh $(ARGS)

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

# Schemathesis against gunicorn on a free loopback port, over its own database (docs/security.md).
fuzz: setup
	@bash scripts/fuzz.sh

# ruff (style, complexity, no function-local imports) and the one-way app layers (import-linter).
lint: python-deps
	$(VENV)/bin/ruff check backend tests mobile_client_stub bench
	$(VENV)/bin/ruff format --check backend tests mobile_client_stub bench
	PYTHONPATH=backend $(VENV)/bin/lint-imports

check: setup lint
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	@bash scripts/run_tests.sh
