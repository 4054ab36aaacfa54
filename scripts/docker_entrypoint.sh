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
# Threaded workers, so long streamed exports are not cut by the worker timeout (see scripts/serve.sh).
exec gunicorn config.wsgi --bind "0.0.0.0:${PORT:-8000}" --workers "${WEB_CONCURRENCY:-2}" \
  --worker-class gthread --threads "${GUNICORN_THREADS:-4}" --access-logfile -
