/* Past operations with their stop points. Operation names are typed by officers: they reach
 * the page only as text (DOM nodes for Leaflet tooltips, textContent in the panel). */
import { API, config } from "./config.js";
import { getFeatures } from "./api.js";
import { el, textNode } from "./dom.js";
import { apiFilters, readFilters } from "./filters.js";
import { plural } from "./format.js";
import { clusterGroup, setCount } from "./layers.js";
import { showDetails } from "./details.js";
import { highlight } from "./highlight.js";

export async function loadOperations(layer, signal) {
  const filters = readFilters();
  const params = { ...apiFilters(filters), limit: 5000 };
  delete params.vehicle_type; // operations have no vehicle type; filtered below by what they seized
  // The operations map layer: the list's features, built by PostgreSQL in one query.
  const { features } = await getFeatures(API.operationLayer, params, signal, 5000);
  layer.group.clearLayers();
  const cluster = clusterGroup("operations");
  layer.group.addLayer(cluster);
  let drawn = 0;
  let stops = 0;
  for (const feature of features) {
    const p = feature.properties;
    if (filters.vehicle_type && !(p[`${filters.vehicle_type}_count`] > 0)) continue;
    const [lon, lat] = feature.geometry.coordinates;
    const marker = L.circleMarker([lat, lon], {
      pane: "operations", radius: 7, color: "#08306b", weight: 2, fillColor: "#ffffff", fillOpacity: 0.35,
      className: "feature-operation",
    });
    const parts = [marker];
    const stopPoints = (p.stop_points && p.stop_points.coordinates) || [];
    stopPoints.forEach(([slon, slat], index) => {
      parts.push(L.circleMarker([slat, slon], {
        pane: "operations", radius: 3.5, color: "#ffffff", weight: 1, fillColor: "#08306b", fillOpacity: 1,
        className: "feature-stop-point",
      }).bindTooltip(textNode(`${p.name}: stop ${index + 1}`)));
      stops += 1;
    });
    const onClick = (event) => {
      L.DomEvent.stopPropagation(event);
      highlight(marker, { weight: 4, color: "#f03b20" });
      const byType = Object.keys(config.vehicleTypes)
        .filter((code) => p[`${code}_count`])
        .map((code) => `${p[`${code}_count`]} ${config.vehicleTypes[code]}`);
      const totals = el("p", {
        class: "totals", "data-seizures": p.seizure_count, "data-arrests": p.arrest_count,
        text: `${plural(p.seizure_count, "seizure")}${byType.length ? ` (${byType.join(", ")})` : ""}, ${plural(p.arrest_count, "arrest")}.`,
      });
      showDetails("operation", p.name, p, [
        "reference", "team", "status", "started_at", "ended_at", "borough", "seizure_count",
        "e_bike_count", "e_scooter_count", "e_motorcycle_count", "other_count", "arrest_count", "officer_count", "notes",
      ], [totals, el("p", { class: "muted", text: plural(stopPoints.length, "stop point") })]);
    };
    for (const part of parts) part.on("click", onClick);
    marker.bindTooltip(textNode(`${p.name} · ${plural(p.seizure_count, "seizure")}`));
    cluster.addLayers(parts);
    drawn += 1;
  }
  setCount("operations", drawn, `${plural(drawn, "operation")}${stops ? `, ${plural(stops, "stop")}` : ""}`);
  document.querySelector('.layer-toggle[data-layer="operations"]').dataset.stopCount = String(stops);
}
