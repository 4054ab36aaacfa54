#!/usr/bin/env bash
# Installs the map's front-end packages from the npm registry (versions pinned in
# package-lock.json) and copies Leaflet's built files into the webmap app's static files,
# so the map never loads a library from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is missing: run 'make system-deps' (installs nodejs and npm) first." >&2
  exit 1
fi
npm ci --no-audit --no-fund --loglevel=error
dest=backend/ebikeops/webmap/static/webmap/vendor/leaflet
rm -rf "$dest"
mkdir -p "$dest"
cp -R node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.js.map \
  node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images "$dest"/
cp node_modules/leaflet/LICENSE "$dest"/LICENSE
echo "Leaflet $(node -p "require('./node_modules/leaflet/package.json').version") copied to $dest"
