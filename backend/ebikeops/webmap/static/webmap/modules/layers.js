/* A map layer: its toggle in the panel, its Leaflet group in its own pane, and a loader that
 * (re)draws it. Panes fix the drawing order whatever loads first (bottom to top below). */
import { track } from "./status.js";
import { state } from "./state.js";
import { plural } from "./format.js";

// The base map (boroughs as land, then the river and the corridors on it) under everything;
// hotspots above seizure counts and past operations so nothing hides them; the briefing's
// deployments on top.
export const PANES = {
  boroughs: 350, river: 355, corridors: 360, gistar: 380, seizures: 400, operations: 420, hotspots: 440,
  suggestions: 460,
};

export function createPanes(map) {
  for (const [name, zIndex] of Object.entries(PANES)) map.createPane(name).style.zIndex = String(zIndex);
}

function toggleOf(id) {
  return document.querySelector(`.layer-toggle[data-layer="${id}"]`);
}

/** The layer's count beside its toggle, pluralised: "3 hotspots", "12 seizures in 2 boroughs". */
export function setCount(id, count, text) {
  const toggle = toggleOf(id);
  if (!toggle) return;
  toggle.dataset.count = String(count);
  toggle.querySelector(".count").textContent = text;
}

export { plural };

export function makeLayer(id, load, options = {}) {
  const group = L.featureGroup();
  const toggle = toggleOf(id);
  const checkbox = toggle ? toggle.querySelector("input") : null;
  const layer = { id, group, load, checkbox, controller: null, stale: true, onMove: false, onDemand: false, ...options };
  if (checkbox) {
    checkbox.addEventListener("change", () => {
      if (checkbox.checked) {
        state.map.addLayer(group);
        if (layer.stale) refreshLayer(layer);
      } else {
        state.map.removeLayer(group);
      }
      document.dispatchEvent(new CustomEvent("layers-changed"));
    });
  }
  return layer;
}

export function isOn(layer) {
  return Boolean(layer && layer.checkbox && layer.checkbox.checked);
}

export function refreshLayer(layer) {
  if (!layer.checkbox) return Promise.resolve();
  if (!layer.checkbox.checked) {
    layer.stale = true;
    return Promise.resolve();
  }
  if (layer.controller) layer.controller.abort();
  layer.controller = new AbortController();
  layer.stale = false;
  const done = track(layer.load(layer, layer.controller.signal), layer.id);
  if (!state.map.hasLayer(layer.group)) state.map.addLayer(layer.group);
  return done;
}
