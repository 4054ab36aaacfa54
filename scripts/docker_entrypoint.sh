#!/usr/bin/env bash
# Container start: migrate, load boundaries/corridors (and the demo when asked), serve.
set -euo pipefail
cd /app/backend
python manage.py migrate --no-input
if [ -f "${BOROUGHS_FILE:-}" ]; then python manage.py load_boroughs "$BOROUGHS_FILE"; fi
python manage.py load_corridors "${CORRIDORS_FILE:-/app/geodata/corridors.geojson}"
if [ "${LOAD_DEMO:-false}" = "true" ]; then
  python manage.py load_demo --users
  python manage.py compute_hotspots
fi
# Workers, threads, queue bounds and timeouts: backend/config/gunicorn.conf.py (docs/scaling.md).
GUNICORN_BIND="0.0.0.0:${PORT:-8000}" exec gunicorn -c config/gunicorn.conf.py config.wsgi
