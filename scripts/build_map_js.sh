#!/usr/bin/env bash
# Joins the map page's ES modules (backend/ebikeops/webmap/static/webmap/main.js and modules/)
# into one script, static/webmap/build/map.js, with esbuild from npm (package-lock.json): the
# page loads that one file. Run by scripts/build_web.sh; the browser tests run it when a module
# is newer than the script (tests/webmap/conftest.py), and a system check warns when it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
web=backend/ebikeops/webmap/static/webmap
node_modules/.bin/esbuild "$web/main.js" --bundle --format=esm --target=es2020 --minify --sourcemap \
  --legal-comments=none --log-level=warning --outfile="$web/build/map.js"
