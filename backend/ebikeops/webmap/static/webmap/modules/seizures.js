/* Seizures: counts per borough from the server when zoomed out (or when the view holds too
 * many), individual points when zoomed in. */
import { API, config } from "./config.js";
import { getFeatures, getJSON } from "./api.js";
import { el, textNode } from "./dom.js";
import { apiFilters, bboxParam, boroughName } from "./filters.js";
import { formatNumber, plural } from "./format.js";
import { clusterGroup, holdView, setCount } from "./layers.js";
import { showDetails } from "./details.js";
import { highlight } from "./highlight.js";
import { label } from "./names.js";
import { VEHICLE_COLOURS } from "./legend.js";
import { state } from "./state.js";

const modeNote = document.getElementById("seizure-mode");

/** Seizures per borough (GSS code -> count): one grouped query of the summaries endpoint. */
async function boroughCounts(params, signal) {
  const body = await getJSON(API.summaries, { ...params, group_by: "borough" }, signal);
  const counts = new Map();
  for (const group of body.groups) if (group.borough) counts.set(group.borough.gss_code, group.seizures.total);
  return counts;
}

function setMode(mode) {
  document.querySelector('.layer-toggle[data-layer="seizures"]').dataset.mode = mode;
}

/** What the layer's requests depend on: the filters, and the view only when zoomed in far
 * enough for points (the per-borough counts are the same wherever the map is). */
export function seizuresViewKey() {
  const map = state.map;
  const view = map.getZoom() >= config.pointsMinZoom ? `${map.getZoom()}|${bboxParam()}` : "per-borough";
  return `${JSON.stringify(apiFilters())}|${view}`;
}

export async function loadSeizures(layer, signal) {
  if (!state.boroughFeatures.length) await state.boroughsReady;
  holdView(layer, signal);
  const params = apiFilters();
  const map = state.map;
  const inView = { ...params, bbox: bboxParam() };
  let pointsInView = null;
  if (map.getZoom() >= config.pointsMinZoom) {
    pointsInView = (await getJSON(API.seizures, { ...inView, page_size: 1 }, signal)).count; // one COUNT
  }
  if (pointsInView === null || pointsInView > config.maxPoints) {
    const counts = await boroughCounts(params, signal);
    layer.group.clearLayers();
    const max = Math.max(1, ...counts.values());
    let total = 0;
    let drawn = 0;
    for (const [code, count] of counts) {
      total += count;
      const centre = state.boroughCentres.get(code);
      if (!count || !centre) continue;
      const size = Math.round(24 + 30 * Math.sqrt(count / max));
      const name = boroughName(code) || "This borough";
      const marker = L.marker(centre, {
        pane: "seizures",
        icon: L.divIcon({ className: "seizure-bubble feature-seizure-aggregate", html: textNode(formatNumber(count)), iconSize: [size, size] }),
        title: `${name}: ${plural(count, "seizure")}`,
        keyboard: false,
      });
      marker.on("click", () => {
        showDetails("seizure-aggregate", `${name}: ${plural(count, "seizure")}`, { borough: name, seizure_count: count },
          ["borough", "seizure_count"], [el("p", { class: "muted", text: "Zoom in to see individual seizures." })]);
      });
      layer.group.addLayer(marker);
      drawn += 1;
    }
    layer.mode = "aggregate";
    setMode("aggregate");
    setCount("seizures", total, `${plural(total, "seizure")} in ${plural(drawn, "borough")}`);
    modeNote.textContent = pointsInView === null
      ? "Seizures are counted per borough; zoom in to see each one."
      : `${plural(pointsInView, "seizure")} in view: counted per borough; zoom in further to see each one.`;
    return;
  }
  // The map layer endpoint: the whole FeatureCollection built by PostgreSQL in one query.
  const { features, count } = await getFeatures(API.seizureLayer, { ...inView, limit: config.maxPoints }, signal, config.maxPoints);
  layer.group.clearLayers();
  const cluster = clusterGroup("seizures");
  layer.group.addLayer(cluster);
  for (const feature of features) {
    if (!feature.geometry) continue;
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties;
    const dot = L.circleMarker([lat, lon], {
      pane: "seizures", className: "feature-seizure", radius: 5, weight: 1, color: "#fff",
      fillColor: VEHICLE_COLOURS[p.vehicle_type] || "#000", fillOpacity: 0.85,
    });
    dot.on("click", () => {
      highlight(dot, { weight: 3, color: "#111" });
      showDetails("seizure", `${label("vehicle_type", p.vehicle_type)} seized`, p,
        ["seized_at", "vehicle_type", "reason", "power", "make", "model", "colour", "disposition", "borough", "frame_number", "notes"]);
    });
    cluster.addLayer(dot);
  }
  layer.mode = "points";
  setMode("points");
  setCount("seizures", features.length, count > features.length ? `${formatNumber(features.length)} of ${plural(count, "seizure")} in view` : `${plural(features.length, "seizure")} in view`);
  modeNote.textContent = count > features.length
    ? `Showing ${formatNumber(features.length)} of ${plural(count, "seizure")} in view.`
    : "Each seizure in the current view.";
}
