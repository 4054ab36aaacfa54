#!/usr/bin/env bash
# Schemathesis against a live server (issue 12): every operation of /api/schema/, as an officer,
# a commander, an analyst and anonymously, with the examples, coverage and stateful phases.
# Fails on any 5xx, any response that does not match the schema (body or content type) and any
# status code the schema does not document. Bounded: FUZZ_MAX_EXAMPLES cases per operation
# and FUZZ_MAX_TIME (90) seconds per role: about 8 minutes in all on this 2-core machine.
#
# The server is gunicorn on a free loopback port, over its own database (FUZZ_DATABASE_URL,
# flushed, then given demo data) and its own Redis database; it is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

export DATABASE_URL="${FUZZ_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ebikeops_fuzz}"
export REDIS_URL="${FUZZ_REDIS_URL:-redis://127.0.0.1:6379/3}"
export CELERY_BROKER_URL="memory://"  # recompute jobs are queued, not run: no worker needed
export DJANGO_SECRET_KEY="${DJANGO_SECRET_KEY:-$(bash scripts/secret_key.sh)}"
export DJANGO_DEBUG=false
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export BOROUGHS_FILE="${BOROUGHS_FILE:-$(cd .. && pwd)/shared/geodata/london_boroughs.geojson}"
export CORRIDORS_FILE="${CORRIDORS_FILE:-$repo/geodata/corridors.geojson}"
# The fuzzer sends thousands of requests a minute from one address: the throttles (tested on
# their own in tests/core/test_throttling.py) are raised so it reaches the code behind them.
export THROTTLE_USER_RATE=100000/min THROTTLE_ANON_RATE=100000/min THROTTLE_IP_RATE=100000/min
export THROTTLE_LOGIN_RATE=100000/min THROTTLE_AUTH_FAILURE_RATE=100000/min AXES_FAILURE_LIMIT=100000
max_examples="${FUZZ_MAX_EXAMPLES:-15}"
max_time="${FUZZ_MAX_TIME:-90}"
workers="${FUZZ_WORKERS:-1}"
report_dir="${FUZZ_REPORT_DIR:-$repo/var/fuzz}"
manage() { (cd backend && ../.venv/bin/python manage.py "$@"); }

bash scripts/ensure_database.sh
echo "== fuzz: preparing $DATABASE_URL"
manage migrate --no-input --verbosity 0
manage flush --no-input
manage load_boroughs "$BOROUGHS_FILE" >/dev/null
manage load_corridors "$CORRIDORS_FILE" >/dev/null
manage load_demo --operations 40 >/dev/null
manage compute_hotspots >/dev/null
declare -A tokens
for role in officer commander analyst; do
  tokens[$role]="$(manage create_user "fuzz-$role" --role "$role" --team "Ealing Town Centre Team" 2>/dev/null | tail -n 1)"
done

port="$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"
log="$report_dir/gunicorn.log"
mkdir -p "$report_dir"
(cd backend && exec ../.venv/bin/gunicorn config.wsgi --bind "127.0.0.1:$port" --workers 2 --worker-class gthread \
  --threads 4 --timeout 120 >"$log" 2>&1) &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT INT TERM
healthy() { .venv/bin/python -c 'import sys, httpx; sys.exit(httpx.get(sys.argv[1]).status_code != 200)' "$base/api/v1/health/" 2>/dev/null; }
for _ in $(seq 1 60); do healthy && break; sleep 0.5; done
healthy || { echo "fuzz: the server did not start; see $log" >&2; exit 1; }
echo "== fuzz: server on $base (pid $server)"

# Rotating or revoking would end the run's own token (every later request a 401); those
# endpoints are tested in tests/core/test_tokens.py.
failed=0
for role in officer commander analyst anonymous; do
  auth=()
  if [ "$role" != anonymous ]; then auth=(-H "Authorization: Token ${tokens[$role]}"); fi
  echo "== fuzz: $role (at most $max_examples examples per operation, $max_time s)"
  if ! .venv/bin/schemathesis --no-color run "$base/api/schema/" "${auth[@]}" \
    --phases examples,coverage,stateful \
    --checks not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance \
    --exclude-path-regex '^/api/v1/auth/token/(rotate|revoke)' \
    --max-examples "$max_examples" --max-time "$max_time" --workers "$workers" --seed 12 \
    --request-timeout 60 \
    --report junit --report-junit-path "$report_dir/$role.xml"; then
    failed=1
  fi
done
if grep -q "Internal Server Error\|Traceback" "$log"; then
  echo "fuzz: the server logged errors; see $log" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "fuzz: no 5xx, no schema mismatch, no undocumented status code."
exit "$failed"
