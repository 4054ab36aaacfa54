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
export BOROUGHS_LAND_FILE ?= $(abspath ../shared/geodata/london_boroughs_excluding_mhw.geojson)
export CORRIDORS_FILE ?= $(abspath geodata/corridors.geojson)
export TFL_STOPS_DIR ?= $(abspath ../shared/realdata/tfl)
export DJANGO_SECRET_KEY ?= $(shell bash scripts/secret_key.sh)
MANAGE := cd backend && ../$(PY) manage.py

.PHONY: help setup system-deps python-deps web-deps db run test check lint bench worker demo fuzz screenshots loadtest

help:
	@echo "make run    install what is missing, migrate, load boroughs and demo data, serve on :$(PORT)"
	@echo "make test   run the whole test suite on real PostgreSQL + PostGIS"
	@echo "make check  lint (ruff, import layers), migrations check, schema validation and tests (what CI runs)"
	@echo "make lint   ruff and the import-layer contract only"
	@echo "make bench  benchmarks; figures go to docs/BENCHMARKS.md"
	@echo "make fuzz   schemathesis against a live server, every role (docs/security.md)"
	@echo "make screenshots  retake docs/map-*.png from a running server (URL, DEMO_PASSWORD)"
	@echo "make loadtest  the API under load beside this machine's floor (wrk, ~8 min); docs/BENCHMARKS.md"

setup: system-deps python-deps web-deps db

system-deps:
	@bash scripts/system_deps.sh

python-deps: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# The map's Leaflet and Leaflet.markercluster, from npm into the webmap app's static files (no CDN at run time).
WEB_BUILT := backend/ebikeops/webmap/static/webmap/vendor/leaflet/map-vendor.js
web-deps: $(WEB_BUILT)

$(WEB_BUILT): package.json package-lock.json scripts/build_web.sh scripts/build_map_js.sh \
  $(wildcard backend/ebikeops/webmap/static/webmap/*.js backend/ebikeops/webmap/static/webmap/modules/*.js)
	@bash scripts/build_web.sh

db:
	@bash scripts/ensure_database.sh

run: setup
	$(MANAGE) migrate --no-input
	$(MANAGE) collectstatic --no-input --verbosity 0
	@if [ -f "$(BOROUGHS_FILE)" ]; then $(MANAGE) load_boroughs "$(BOROUGHS_FILE)"; \
	  else echo "BOROUGHS_FILE $(BOROUGHS_FILE) not found: running without borough boundaries (see docs/operating.md)"; fi
	@if [ -f "$(BOROUGHS_FILE)" ] && [ -f "$(BOROUGHS_LAND_FILE)" ]; then $(MANAGE) load_river --tidal "$(BOROUGHS_FILE)" --land "$(BOROUGHS_LAND_FILE)"; \
	  else echo "BOROUGHS_LAND_FILE $(BOROUGHS_LAND_FILE) not found: the map draws no river (see docs/map.md)"; fi
	$(MANAGE) load_corridors "$(CORRIDORS_FILE)"
	@if [ -d "$(TFL_STOPS_DIR)" ]; then $(MANAGE) load_named_stops; \
	  else echo "TFL_STOPS_DIR $(TFL_STOPS_DIR) not found: stops are named by corridor and borough"; fi
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
# Its own database (LOADTEST_DATABASE_NAME, default ebikeops_loadtest) with the demo data; only
# 127.0.0.1; bounded durations (LOADTEST_SECONDS per wrk run, LOADTEST_BURST_LIMIT_S for the burst).
loadtest: setup
	$(PY) bench/loadtest.py $(ARGS)

# ruff (style, complexity, no function-local imports) and the one-way app layers (import-linter).
lint: python-deps
	$(VENV)/bin/ruff check backend tests mobile_client_stub bench
	$(VENV)/bin/ruff format --check backend tests mobile_client_stub bench
	PYTHONPATH=backend $(VENV)/bin/lint-imports

check: setup lint
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) spectacular --validate --fail-on-warn --file /dev/null
	@bash scripts/run_tests.sh

# The map's screenshots in docs/ (every role at 1440x900, 1024x768 and 390x844), from a server
# that `make run` started: make screenshots URL=http://127.0.0.1:8000 DEMO_PASSWORD=...
URL ?= http://127.0.0.1:$(PORT)
screenshots: python-deps
	$(PY) scripts/map_screenshots.py --url "$(URL)" --password "$(DEMO_PASSWORD)" --out docs
