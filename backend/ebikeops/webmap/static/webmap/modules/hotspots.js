/* Hotspots (DBSCAN areas) and Gi* grid cells. A hotspot's fill says how sure Gi* is that it is
 * hot (99 / 95 / 90 % confidence); its outline says the trend (solid: heating up or steadily
 * hot, dashed: cooling, dotted: on and off, thin: no trend).
 *
 * Filters that answer: a borough filter is spatial only, so the server answers it from the
 * London-wide run (its hotspots that touch the borough) when no run was computed for the
 * borough alone. Dates and vehicle types change which seizures count: a commander's page then
 * queues a run through the worker and shows its progress; other roles are told a commander's
 * page computes it. */
import { API, config } from "./config.js";
import { getJSON, postJSON } from "./api.js";
import { el, textNode } from "./dom.js";
import { apiFilters } from "./filters.js";
import { formatDate, plural } from "./format.js";
import { refreshLayer, setCount } from "./layers.js";
import { showDetails } from "./details.js";
import { highlight } from "./highlight.js";
import { label, trendDirection, trendKey, trendWords } from "./names.js";
import { DIRECTION_DASH, GI_COLOURS } from "./legend.js";
import { reportError } from "./status.js";
import { state } from "./state.js";

const note = document.getElementById("hotspot-note");
const recomputeButton = document.getElementById("recompute");
const requested = new Set(); // filter sets this page already queued a run for

function binOf(p) {
  return typeof p.gi_bin === "number" ? p.gi_bin : 0;
}

function hotspotStyle(p) {
  const direction = trendDirection(p.trend_category);
  return {
    pane: "hotspots", className: `feature-hotspot trend-${direction}`,
    color: "#3b0a0a", weight: direction === "none" ? 1.2 : 2.5, dashArray: DIRECTION_DASH[direction],
    fillColor: GI_COLOURS[binOf(p)] || GI_COLOURS[0], fillOpacity: 0.7,
  };
}

function windowWords(run) {
  return `${formatDate(run.window.since)} to ${formatDate(run.window.until)}`;
}

export async function loadHotspots(layer, signal) {
  const params = apiFilters();
  const body = await getJSON(API.hotspots, params, signal);
  const features = (body.features || []).filter((f) => f.geometry);
  layer.group.clearLayers();
  layer.run = body.run;
  for (const feature of features) {
    const p = feature.properties;
    const style = hotspotStyle(p);
    const shape = L.geoJSON(feature, { style: () => style, pane: "hotspots" });
    shape.eachLayer((polygon) => polygon.on("add", () => {
      const element = polygon.getElement();
      if (element) element.dataset.rank = String(p.rank);
    }));
    // A hotspot is a few hundred metres across: invisible at city zoom without a pin
    // (map.css hides pins once the polygons are big enough to click).
    const polygon = shape.getLayers()[0];
    const pin = L.circleMarker(shape.getBounds().getCenter(), {
      pane: "hotspots", radius: 8, color: "#3b0a0a", weight: 2, dashArray: style.dashArray,
      fillColor: style.fillColor, fillOpacity: 0.95, className: "hotspot-pin",
    });
    const item = L.featureGroup([shape, pin]);
    const title = `Hotspot ${p.rank}: ${plural(p.seizure_count, "seizure")}`;
    item.on("click", (event) => {
      L.DomEvent.stopPropagation(event);
      highlight(polygon, { weight: 4, color: "#111" });
      const trend = el("p", { class: "trend", "data-trend": trendKey(p.trend_category), text: `${label("gi_bin", binOf(p))}; ${trendWords(p.trend_category)}.` });
      showDetails("hotspot", title, p, [
        "seizure_count", "arrest_count", "share", "area_m2", "density_per_km2", "first_seizure_at",
        "last_seizure_at", "busiest_weekday", "busiest_hour_band", "vehicle_mix", "gi_bin", "trend_category",
      ], [trend]);
    });
    item.bindTooltip(textNode(`${title} · ${label("gi_bin", binOf(p))}`), { sticky: true });
    layer.group.addLayer(item);
  }
  setCount("hotspots", features.length, plural(features.length, "hotspot"));
  let text = "";
  if (!body.run) {
    text = await answerMissingRun(params);
  } else if (body.cut_to_borough) {
    text = body.detail || "";
  } else if (!body.window_matches) {
    text = `From the run over ${windowWords(body.run)}, the nearest to the dates asked for.`;
  } else if (!features.length && body.detail) {
    text = body.detail;
  }
  if (body.run && body.cut_to_borough && !body.window_matches) text += ` Run over ${windowWords(body.run)}.`;
  note.textContent = text;
  note.dataset.source = !body.run ? "none" : body.cut_to_borough ? "london-cut-to-borough" : "exact";
}

/** No run answers these filters: a commander's page queues one through the worker (once per
 * filter set) and shows its progress; other roles are told why the layer is empty. */
async function answerMissingRun(params) {
  const key = JSON.stringify(params);
  if (!config.canRecompute) {
    return "No hotspots have been computed for these dates or vehicle types yet; a commander's map computes them on demand.";
  }
  if (requested.has(key)) return "No hotspots could be computed for these filters.";
  requested.add(key);
  recompute(params); // not awaited: the layer is drawn (empty) while the worker runs
  return "Computing hotspots for these filters…";
}

/** Queue a run with the filters and poll its job until the worker has finished. */
export async function recompute(params = apiFilters()) {
  const setProgress = (text, stateName) => {
    note.textContent = text;
    note.dataset.progress = stateName;
  };
  if (recomputeButton) {
    recomputeButton.disabled = true;
    recomputeButton.textContent = "Computing…";
  }
  try {
    setProgress("Computing hotspots for these filters: queued for the worker…", "queued");
    let job = await postJSON(API.recompute, params);
    for (let i = 0; i < 300 && !["completed", "failed"].includes(job.status); i += 1) {
      setProgress(`Computing hotspots for these filters: ${label("run_status", job.status).toLowerCase()}…`, job.status);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      job = await getJSON(job.job_url);
    }
    if (job.status !== "completed") throw new Error(job.error || "the worker did not finish the run");
    setProgress("", "completed");
    await Promise.all([refreshLayer(state.layers.hotspots), refreshLayer(state.layers.gistar)]);
  } catch (error) {
    setProgress(`Hotspots could not be computed: ${error.message}`, "failed");
    reportError("recompute", `Hotspots could not be computed: ${error.message}`);
  } finally {
    if (recomputeButton) {
      recomputeButton.disabled = false;
      recomputeButton.textContent = "Recompute hotspots";
    }
  }
}

// --- Gi* cells: only significant cells are drawn (bin 0 is the background).
export async function loadGistar(layer, signal) {
  const body = await getJSON(API.gistar, apiFilters(), signal);
  layer.group.clearLayers();
  const features = (body.features || []).filter((f) => f.geometry);
  let drawn = 0;
  for (const feature of features) {
    const p = feature.properties;
    const bin = binOf(p);
    if (!bin) continue;
    const shape = L.geoJSON(feature, {
      pane: "gistar",
      style: () => ({ pane: "gistar", className: "feature-gistar", color: GI_COLOURS[bin], weight: 0.5, fillColor: GI_COLOURS[bin], fillOpacity: 0.55 }),
    });
    shape.on("click", (event) => {
      L.DomEvent.stopPropagation(event);
      showDetails("gistar", label("gi_bin", bin), p, ["count", "gi_bin", "z", "p", "p_fdr", "category"]);
    });
    layer.group.addLayer(shape);
    drawn += 1;
  }
  const message = features.length ? "" : body.detail || "";
  setCount("gistar", drawn, message ? "none" : `${plural(drawn, "significant cell")} of ${plural(features.length, "cell")}`);
}
