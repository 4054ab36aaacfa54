#!/usr/bin/env bash
# Installs the system packages the product needs (PostGIS, GDAL) when they are missing,
# and starts the local PostgreSQL/Redis if they are installed but not running.
set -euo pipefail

need=()
dpkg -s postgresql-15-postgis-3 >/dev/null 2>&1 || need+=(postgresql-15-postgis-3)
dpkg -s gdal-bin >/dev/null 2>&1 || need+=(gdal-bin)
dpkg -s libgdal32 >/dev/null 2>&1 || need+=(libgdal32)
if ! command -v psql >/dev/null 2>&1; then need+=(postgresql-15 postgresql-client-15); fi
if ! command -v redis-server >/dev/null 2>&1; then need+=(redis-server); fi
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need+=(python3-venv); fi
# The docs' curl examples are run by tests/docs against a live server.
command -v curl >/dev/null 2>&1 || need+=(curl)
# The map's front-end packages come from npm; its browser test drives Debian's Chromium.
if ! command -v npm >/dev/null 2>&1; then
  command -v node >/dev/null 2>&1 || need+=(nodejs)
  need+=(npm)
fi
[ -x /usr/bin/chromium ] || need+=(chromium)
# The officer client's kerbside session test drives a real terminal.
command -v tmux >/dev/null 2>&1 || need+=(tmux)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)

if ((${#need[@]})); then
  echo "Installing system packages: ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "Run as root (or install ${need[*]} yourself)." >&2; exit 1; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Only for the local default database: a remote DATABASE_URL is the user's own server.
if [[ "${DATABASE_URL:-}" == *"@127.0.0.1"* || "${DATABASE_URL:-}" == *"@localhost"* || -z "${DATABASE_URL:-}" ]]; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  echo "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
fi
