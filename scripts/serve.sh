#!/usr/bin/env bash
# Serves the API and map with gunicorn, and runs the Celery worker beside it.
set -euo pipefail
host="${1:-0.0.0.0}"; port="${2:-8000}"
cd "$(dirname "$0")/../backend"
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$(bash ../scripts/secret_key.sh)}"
# Loopback names only unless DJANGO_ALLOWED_HOSTS says otherwise: with '*', redirects and
# absolute links would follow whatever Host a client sends (docs/security.md).
export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost,[::1]}"
../.venv/bin/celery -A config worker --loglevel=INFO --concurrency=1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "ebike-ops on http://127.0.0.1:${port}/ (map /map/, API docs /api/docs/)"
# Threaded workers: the worker's heartbeat runs beside its request threads, so a long
# streamed export is not cut by gunicorn's --timeout (a sync worker's would be, at 30 s).
../.venv/bin/gunicorn config.wsgi --bind "${host}:${port}" --workers 2 --worker-class gthread --threads 4 \
  --access-logfile -
