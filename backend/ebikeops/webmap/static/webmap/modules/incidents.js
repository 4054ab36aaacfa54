/* Public context: police.uk street-level crimes (GET /api/v1/incidents/layer/), one dot per
 * police.uk map point sized by how many crimes it carries. Off at start, one click away; its
 * own legend entry and, while shown, the Open Government Licence attribution on the map.
 * police.uk publishes crime types in words, so they are shown as they come (as text). */
import { API } from "./config.js";
import { getJSON } from "./api.js";
import { el, textNode } from "./dom.js";
import { bboxParam, readFilters } from "./filters.js";
import { formatNumber, plural } from "./format.js";
import { holdView, setCount } from "./layers.js";
import { showDetails } from "./details.js";
import { highlight } from "./highlight.js";

export const INCIDENT_ATTRIBUTION = "Contains public sector information from data.police.uk, OGL";
export const INCIDENT_COLOUR = "#7a0177";

/** "YYYY-MM" of a "YYYY-MM-DD" filter day (police.uk publishes months only). */
function month(day) {
  return day ? day.slice(0, 7) : "";
}

function typesWords(types) {
  return Object.entries(types || {})
    .sort((a, b) => b[1] - a[1])
    .map(([type, n]) => `${type}: ${formatNumber(n)}`);
}

function incidentParams() {
  const filters = readFilters();
  const params = { bbox: bboxParam(), month_from: month(filters.since), month_to: month(filters.until) };
  if (filters.borough) params.borough = filters.borough;
  return params;
}

/** What the layer's one request depends on: the view's box and the filters. */
export function incidentsViewKey() {
  return JSON.stringify(incidentParams());
}

export async function loadIncidents(layer, signal) {
  const params = incidentParams();
  holdView(layer, signal);
  const body = await getJSON(API.incidentLayer, params, signal);
  layer.group.clearLayers();
  let crimes = 0;
  for (const feature of body.features || []) {
    if (!feature.geometry) continue;
    const [lon, lat] = feature.geometry.coordinates;
    const p = feature.properties || {};
    const count = Number(p.count) || 0;
    crimes += count;
    const dot = L.circleMarker([lat, lon], {
      pane: "incidents", className: "feature-incident", radius: Math.min(9, 2.5 + Math.sqrt(count)),
      weight: 0.5, color: "#ffffff", fillColor: INCIDENT_COLOUR, fillOpacity: 0.55,
    });
    const lines = typesWords(p.crime_types);
    dot.bindTooltip(textNode(`${plural(count, "police.uk crime")}${lines.length ? `: ${lines[0]}` : ""}`));
    dot.on("click", (event) => {
      L.DomEvent.stopPropagation(event);
      highlight(dot, { weight: 2, color: "#111" });
      showDetails("incident", plural(count, "police.uk crime"), {}, [], [
        el("ul", { class: "incident-types" }, lines.map((line) => el("li", { text: line }))),
        el("p", { class: "muted", text: `Approximate location (police.uk map point). ${INCIDENT_ATTRIBUTION}.` }),
      ]);
    });
    layer.group.addLayer(dot);
  }
  const points = (body.features || []).length;
  setCount("incidents", crimes, `${plural(crimes, "crime")} at ${plural(points, "point")}${body.truncated ? " (the busiest)" : ""}`);
}
