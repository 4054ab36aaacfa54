#!/usr/bin/env bash
# Creates the database named by DATABASE_URL (if missing) with the postgis extension.
set -euo pipefail
url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ebikeops}"
db="${url##*/}"; db="${db%%\?*}"
server="${url%/*}/postgres"
if ! psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
  echo "Creating database $db"
  psql "$server" -qc "CREATE DATABASE \"$db\""
fi
psql "$url" -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
