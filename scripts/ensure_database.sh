#!/usr/bin/env bash
# Creates the database named by DATABASE_URL (if missing) with the postgis extension.
#
# A fresh Debian PostgreSQL refuses TCP logins without a password (pg_hba.conf: scram-sha-256;
# only the local socket lets the `postgres` OS user in). When the server is this machine, the
# login fails for want of a password and we are root, the database is set up over the socket as
# `postgres` instead, and the role in DATABASE_URL, if it has no password yet, is given
# DATABASE_URL's password (without one there, we say how to put one). pg_hba.conf is never
# changed, nor a password someone already set. Safe to run again.
set -euo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"  # no "already exists, skipping" notices
url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/ebikeops}"
db="${url##*/}"; db="${db%%\?*}"
server="${url%/*}/postgres"

if login_error=$(psql -w "$server" -tAc "SELECT 1" 2>&1 >/dev/null); then  # -w: never prompt
  if ! psql "$server" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    echo "Creating database $db"
    psql "$server" -qc "CREATE DATABASE \"$db\""
  fi
  psql "$url" -qc "CREATE EXTENSION IF NOT EXISTS postgis" >/dev/null
  exit 0
fi

# The parts of postgres://user:password@host:port/db that the socket set-up needs.
authority="${url#*://}"; authority="${authority%%/*}"
userinfo=""; [[ "$authority" == *@* ]] && userinfo="${authority%@*}"
hostport="${authority##*@}"
urldecode() { printf '%b' "${1//%/\\x}"; }
user="$(urldecode "${userinfo%%:*}")"; user="${user:-$(id -un)}"
password=""; [[ "$userinfo" == *:* ]] && password="$(urldecode "${userinfo#*:}")"
port=5432; [[ "$hostport" =~ :([0-9]+)$ ]] && port="${BASH_REMATCH[1]}"

local_server=false
case "$hostport" in 127.0.0.1 | 127.0.0.1:* | localhost | localhost:* | "[::1]" | "[::1]:"*) local_server=true ;; esac
if ! $local_server || [ "$(id -u)" -ne 0 ] || ! grep -qE "authentication failed|no password supplied" <<<"$login_error"; then
  echo "$login_error" >&2
  exit 1
fi

if [ -z "$password" ]; then
  cat >&2 <<EOF
PostgreSQL refuses a TCP login as "$user" without a password (as a fresh Debian install does).
Put a password of your choosing in DATABASE_URL and run this again: the password is then set
on the "$user" role (over the local socket) and the database is created.

  export DATABASE_URL='postgres://$user:CHOOSE-A-PASSWORD@127.0.0.1:$port/$db'
EOF
  exit 1
fi

as_postgres() { (cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" "$@"); }
# psql's :'name' and :"name" quote a variable as a literal and as an identifier.
has_password=$(as_postgres -d postgres -tA -v role="$user" <<<"SELECT count(*) FROM pg_authid WHERE rolname = :'role' AND rolpassword IS NOT NULL")
if [ "$has_password" != 0 ]; then  # someone chose that password: never overwrite it
  echo "$login_error" >&2
  echo "The role \"$user\" already has a password, not the one in DATABASE_URL: correct DATABASE_URL." >&2
  exit 1
fi

echo "PostgreSQL refuses the login in DATABASE_URL: setting up $db and the password of role $user over the local socket"
as_postgres -d postgres -v role="$user" -v password="$password" -v db="$db" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')
\gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')
\gexec
SQL
as_postgres -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis"
psql "$url" -qtAc "SELECT 1" >/dev/null # the login Django will use now works
