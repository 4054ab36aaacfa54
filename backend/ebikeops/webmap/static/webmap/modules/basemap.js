/* The base map. With MAP_TILE_URL set, the force's own tiles; on a closed network with none,
 * what the product has: the tidal Thames (the difference between the two borough files,
 * computed by `load_river`) and the road corridors with their names, so a street-level view
 * still says where it is. */
import { API, config } from "./config.js";
import { getJSON } from "./api.js";
import { textNode } from "./dom.js";
import { track } from "./status.js";

export function drawBaseMap(map) {
  const attribution = ["Contains OS data © Crown copyright and database right", "boundaries © ONS / GLA"];
  if (config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
    map.attributionControl.setPrefix(`Leaflet · ${attribution.join(" · ")}`);
    return;
  }
  map.attributionControl.setPrefix(`Leaflet · ${attribution.join(" · ")} · no tile server: river and corridors only`);
  const signal = new AbortController().signal;
  track(
    getJSON(API.river, null, signal).then((body) => {
      L.geoJSON(body, {
        pane: "river", interactive: false,
        style: { className: "feature-river", color: "#6fa8c9", weight: 0.8, fillColor: "#a6cee3", fillOpacity: 1 },
      }).addTo(map);
    }),
    "river",
  );
  track(
    getJSON(API.corridors, null, signal).then((body) => {
      L.geoJSON(body, {
        pane: "corridors", interactive: false,
        style: { className: "feature-corridor", color: "#8c6d31", weight: 2, opacity: 0.7 },
        onEachFeature: (feature, line) => {
          // A permanent label per corridor, shown from street zoom (map.css hides it further out).
          line.bindTooltip(textNode(feature.properties.name), {
            permanent: true, direction: "center", className: "corridor-label", interactive: false, pane: "corridors",
          });
        },
      }).addTo(map);
    }),
    "corridors",
  );
}
