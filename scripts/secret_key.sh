#!/usr/bin/env bash
# Prints this checkout's secret key for `make run`, creating var/secret_key once.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
if [ ! -s var/secret_key ]; then
  python3 -c 'import secrets; print(secrets.token_urlsafe(50))' > var/secret_key
  chmod 600 var/secret_key
fi
cat var/secret_key
