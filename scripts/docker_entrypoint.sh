#!/usr/bin/env bash
# Container start. `setup`: migrate, load boundaries/corridors (and the demo when asked).
# `serve`: gunicorn only (several app containers must not all migrate at once; see
# docker-compose.yml). No argument: both, as a single container runs.
set -euo pipefail
cd /app/backend
step="${1:-all}"
if [ "$step" = "setup" ] || [ "$step" = "all" ]; then
  python manage.py migrate --no-input
  if [ -f "${BOROUGHS_FILE:-}" ]; then python manage.py load_boroughs "$BOROUGHS_FILE"; fi
  python manage.py load_corridors "${CORRIDORS_FILE:-/app/geodata/corridors.geojson}"
  if [ -d "${TFL_STOPS_DIR:-}" ]; then python manage.py load_named_stops; fi
  if [ "${LOAD_DEMO:-false}" = "true" ]; then
    python manage.py load_demo --users
    python manage.py compute_hotspots
  fi
fi
if [ "$step" = "serve" ] || [ "$step" = "all" ]; then
  # Workers, threads, queue bounds and timeouts: backend/config/gunicorn.conf.py (docs/scaling.md).
  GUNICORN_BIND="0.0.0.0:${PORT:-8000}" exec gunicorn -c config/gunicorn.conf.py config.wsgi
fi
