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
# Leaflet.markercluster (seizure points and operation rings in clusters), beside Leaflet.
cluster=node_modules/leaflet.markercluster
cp "$cluster"/dist/leaflet.markercluster.js "$cluster"/dist/MarkerCluster.css "$cluster"/dist/MarkerCluster.Default.css "$dest"/
cp "$cluster"/MIT-LICENCE.txt "$dest"/LICENSE.markercluster 2>/dev/null || cp "$cluster"/LICENSE* "$dest"/LICENSE.markercluster
# What the page loads: one script and one style sheet for both (two requests rather than five;
# the style sheet stays in this directory, so Leaflet's url(images/...) still resolve).
{ grep -v '^//# sourceMappingURL' "$dest"/leaflet.js; printf '\n;\n'; grep -v '^//# sourceMappingURL' "$dest"/leaflet.markercluster.js; } > "$dest"/map-vendor.js
cat "$dest"/leaflet.css "$dest"/MarkerCluster.css "$dest"/MarkerCluster.Default.css > "$dest"/map-vendor.css
# The page's own ES modules (static/webmap/main.js and modules/), joined into one script by
# esbuild: one request instead of twenty-two on the first view. The modules stay the source.
bash scripts/build_map_js.sh
echo "Leaflet $(node -p "require('./node_modules/leaflet/package.json').version") and Leaflet.markercluster" \
  "$(node -p "require('./$cluster/package.json').version") copied to $dest"
