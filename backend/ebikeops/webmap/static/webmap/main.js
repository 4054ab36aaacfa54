/* The map page's entry point (a native ES module; no bundler): builds the map, wires the
 * modules in ./modules/ and starts the first refresh.
 *
 * Reads only the public API (/api/v1/...) with the session cookie, so an analyst's page
 * receives exactly what the API gives analysts. Tests read the page through data attributes:
 * `#status[data-state]` is "ready" when every request of the latest refresh has answered
 * (`data-generation` counts refreshes), and each layer toggle carries `data-count`, the number
 * of features drawn on that layer. */
import { config } from "./modules/config.js";
import { state } from "./modules/state.js";
import { track } from "./modules/status.js";
import { loadNames } from "./modules/names.js";
import { defaultRange, fields, readFilters, setDay, writeUrl } from "./modules/filters.js";
import { createPanes, makeLayer, refreshLayer, refreshLayerIfMoved } from "./modules/layers.js";
import { drawBaseMap } from "./modules/basemap.js";
import { boroughBounds, loadBoroughs, restyleBoroughs } from "./modules/boroughs.js";
import { loadOperations } from "./modules/operations.js";
import { loadSeizures, seizuresViewKey } from "./modules/seizures.js";
import { loadGistar, loadHotspots, recompute } from "./modules/hotspots.js";
import { INCIDENT_ATTRIBUTION, incidentsViewKey, loadIncidents } from "./modules/incidents.js";
import { fillShifts, loadSuggestions, wireBriefing } from "./modules/briefing.js";
import { refreshCharts } from "./modules/charts.js";
import { renderLegend } from "./modules/legend.js";
import { highlight } from "./modules/highlight.js";
import { wireSheet } from "./modules/sheet.js";

// --- The map and its view (from the address when it holds one).
const [minLon, minLat, maxLon, maxLat] = config.londonBbox;
const londonBounds = L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
const map = L.map("map", { minZoom: 9, maxZoom: 18, zoomSnap: 0.5, maxBounds: londonBounds.pad(0.5) });
state.map = map;
const query = new URLSearchParams(window.location.search);
const explicitView = ["zoom", "lat", "lon"].every((key) => query.get(key) && Number.isFinite(Number(query.get(key))));
if (explicitView) map.setView([Number(query.get("lat")), Number(query.get("lon"))], Number(query.get("zoom")));
else map.fitBounds(londonBounds);
L.control.scale({ imperial: false }).addTo(map);
createPanes(map);
drawBaseMap(map);

state.layers = {
  boroughs: makeLayer("boroughs", loadBoroughs),
  gistar: makeLayer("gistar", loadGistar),
  incidents: makeLayer("incidents", loadIncidents, { onMove: true, viewKey: incidentsViewKey, attribution: INCIDENT_ATTRIBUTION }),
  // Seizure points and operation rings cluster (layers.clusterGroup) in their own panes, under
  // the hotspots: a crowd of markers never hides a hotspot.
  seizures: makeLayer("seizures", loadSeizures, { onMove: true, viewKey: seizuresViewKey }),
  operations: makeLayer("operations", loadOperations),
  hotspots: makeLayer("hotspots", loadHotspots),
  // Deployments have their own shift and are asked for by the briefing's buttons.
  suggestions: makeLayer("suggestions", loadSuggestions, { onDemand: true }),
};
const layers = state.layers;

// --- The refresh cycle.
function refreshAll({ initial = false } = {}) {
  writeUrl();
  restyleBoroughs();
  for (const layer of Object.values(layers)) {
    if (layer.id !== "boroughs" && (initial || !layer.onDemand)) refreshLayer(layer);
  }
  refreshCharts();
}

// A moved map refreshes the view-dependent layers once it has settled, each only if its view
// key changed (layers.refreshLayerIfMoved); the page reports
// "loading" from the first move, so a reader never sees "ready" before those requests start.
let moveTimer = null;
let moveSettled = null;
map.on("moveend", () => {
  if (moveTimer) clearTimeout(moveTimer);
  else track(new Promise((resolve) => { moveSettled = resolve; }), "map");
  moveTimer = setTimeout(() => {
    moveTimer = null;
    writeUrl();
    for (const layer of Object.values(layers)) if (layer.onMove) refreshLayerIfMoved(layer);
    moveSettled();
  }, 250);
});
map.on("click", () => highlight(null));
const zoomBand = () => {
  const zoom = map.getZoom();
  map.getContainer().dataset.zoomBand = zoom >= 14 ? "high" : zoom >= 12 ? "mid" : "low";
};
map.on("zoomend", zoomBand);
zoomBand();
document.addEventListener("layers-changed", () => {
  writeUrl();
  renderLegend();
});

// --- Controls.
document.getElementById("filters").addEventListener("submit", (event) => {
  event.preventDefault();
  refreshAll();
});
// Choosing from a list applies at once; typed dates wait for Apply (or Enter).
fields.borough.addEventListener("change", () => {
  fields.borough.dataset.wanted = fields.borough.value;
  const bounds = boroughBounds(fields.borough.value);
  map.fitBounds(bounds || londonBounds, { maxZoom: 13, animate: false });
  refreshAll();
  if (state.briefing.mode === "plan") refreshLayer(layers.suggestions);
});
fields.vehicle_type.addEventListener("change", () => refreshAll());
document.getElementById("f-reset").addEventListener("click", () => {
  const range = defaultRange();
  setDay(fields.since, range.since);
  setDay(fields.until, range.until);
  fields.vehicle_type.value = "";
  fields.borough.value = "";
  fields.borough.dataset.wanted = "";
  map.fitBounds(londonBounds, { animate: false });
  refreshAll();
});
const recomputeButton = document.getElementById("recompute");
if (recomputeButton && config.canRecompute) recomputeButton.addEventListener("click", () => recompute());
wireBriefing();
wireSheet();

// --- Start: filters, briefing and layers from the address, else the defaults.
const range = defaultRange();
setDay(fields.since, query.get("since") ?? range.since);
setDay(fields.until, query.get("until") ?? range.until);
fields.vehicle_type.value = query.get("vehicle_type") || "";
fields.borough.dataset.wanted = query.get("borough") || "";
const briefing = state.briefing;
briefing.hours.value = query.get("hours") || String(config.shift.hours);
fillShifts(new Date(), query.get("at"));
if (briefing.teams && query.get("teams")) briefing.teams.value = query.get("teams");
const wantedMode = query.get("mode") || (query.get("plan") === "1" ? "plan" : null);
briefing.mode = config.canPlan && wantedMode !== "near" ? "plan" : "near";
if (query.has("layers")) {
  const on = new Set(query.get("layers").split(","));
  for (const layer of Object.values(layers)) if (layer.checkbox) layer.checkbox.checked = on.has(layer.id);
}

const names = track(loadNames(new AbortController().signal), "names");
// Loaded even when hidden: the borough filter's choices and the seizure counts need them.
layers.boroughs.stale = false;
state.boroughsReady = track(loadBoroughs(layers.boroughs, new AbortController().signal), "boroughs").then(() => {
  if (layers.boroughs.checkbox.checked) map.addLayer(layers.boroughs.group);
  const bounds = boroughBounds(fields.borough.value);
  if (bounds && !explicitView) map.fitBounds(bounds, { maxZoom: 13, animate: false });
});
window.ebikeMap = { map, layers, refreshAll, readFilters }; // for the console and tests
names.then(() => {
  renderLegend();
  refreshAll({ initial: true });
});
