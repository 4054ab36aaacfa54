/* Borough boundaries: the base layer, and the choices of the borough filter. */
import { API, config } from "./config.js";
import { getJSON } from "./api.js";
import { el, textNode } from "./dom.js";
import { fields, readFilters } from "./filters.js";
import { setCount } from "./layers.js";
import { plural } from "./format.js";
import { state } from "./state.js";

/** The filtered borough stands out; without tiles the boroughs are the land. */
export function boroughStyle(feature) {
  const chosen = readFilters().borough;
  const selected = chosen && String(feature.id) === chosen;
  return {
    className: "feature-borough",
    color: selected ? "#08306b" : "#737373",
    weight: selected ? 3 : 1,
    fillColor: chosen && !selected ? "#e8e6e1" : "#fbfaf7",
    fillOpacity: config.tiles.url ? (selected ? 0.1 : 0) : 0.9,
  };
}

export async function loadBoroughs(layer, signal) {
  const body = await getJSON(API.boroughs, { simplify_m: 20 }, signal);
  state.boroughFeatures = body.features || [];
  layer.group.clearLayers();
  const geo = L.geoJSON(body, {
    pane: "boroughs",
    style: boroughStyle,
    onEachFeature: (feature, shape) => {
      shape.bindTooltip(textNode(feature.properties.name), { sticky: true, direction: "top", opacity: 0.85 });
      const rings = shape.getLatLngs();
      // Multipolygon: the centre of its largest part (by ring length, a cheap stand-in for area).
      const parts = Array.isArray(rings[0][0]) ? rings : [rings];
      const biggest = parts.reduce((a, b) => (b[0].length > a[0].length ? b : a));
      state.boroughCentres.set(String(feature.id), L.PolyUtil.polygonCenter(biggest[0], state.map.options.crs));
    },
  });
  layer.group.addLayer(geo);
  layer.geo = geo;
  setCount("boroughs", state.boroughFeatures.length, plural(state.boroughFeatures.length, "borough"));
  const select = fields.borough;
  const wanted = select.dataset.wanted || select.value;
  select.replaceChildren(el("option", { value: "", text: "All London" }));
  for (const feature of [...state.boroughFeatures].sort((a, b) => a.properties.name.localeCompare(b.properties.name, "en-GB"))) {
    select.append(el("option", { value: feature.id, text: feature.properties.name }));
  }
  select.value = wanted;
}

export function restyleBoroughs() {
  const layer = state.layers.boroughs;
  if (layer && layer.geo) layer.geo.setStyle(boroughStyle);
}

export function boroughBounds(code) {
  const feature = state.boroughFeatures.find((f) => String(f.id) === String(code));
  return feature ? L.geoJSON(feature).getBounds() : null;
}
