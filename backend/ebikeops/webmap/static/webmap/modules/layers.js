/* A map layer: its toggle in the panel, its Leaflet group in its own pane, and a loader that
 * (re)draws it. Panes fix the drawing order whatever loads first (bottom to top below). */
import { track } from "./status.js";
import { state } from "./state.js";
import { formatNumber, plural } from "./format.js";
import { el } from "./dom.js";

// The base map (boroughs as land, then the river and the corridors on it) under everything;
// hotspots above seizure counts and past operations so nothing hides them; the briefing's
// deployments on top.
export const PANES = {
  boroughs: 350, river: 355, corridors: 360, gistar: 380, incidents: 390, seizures: 400, operations: 420, hotspots: 440,
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

/** Nearby markers of a layer as one numbered cluster (Leaflet.markercluster) until zoomed in;
 * the cluster icons stay in the layer's own pane, so that the panes above (hotspots) are
 * drawn above them. */
export function clusterGroup(pane) {
  return L.markerClusterGroup({
    clusterPane: pane, showCoverageOnHover: false, spiderfyOnMaxZoom: true, maxClusterRadius: 40,
    disableClusteringAtZoom: 17, iconCreateFunction: clusterIcon, animate: false, removeOutsideVisibleBounds: false,
  });
}

/** The library's numbered circle, built as DOM nodes (the count as text, never HTML). */
function clusterIcon(cluster) {
  const count = cluster.getChildCount();
  const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
  return L.divIcon({
    html: el("div", {}, [el("span", { text: formatNumber(count) })]),
    className: `marker-cluster marker-cluster-${size}`,
    iconSize: L.point(40, 40),
  });
}

/** A layer: its Leaflet group, its toggle and its loader. `options.attribution` is shown on
 * the map while the layer is. */
export function makeLayer(id, load, options = {}) {
  const { attribution, ...rest } = options;
  const group = L.featureGroup([], { attribution });
  const toggle = toggleOf(id);
  const checkbox = toggle ? toggle.querySelector("input") : null;
  const layer = { id, group, load, checkbox, controller: null, stale: true, onMove: false, onDemand: false, ...rest };
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
  const controller = new AbortController();
  layer.controller = controller;
  layer.stale = false;
  layer.shownKey = null; // set by the loader once it has read the view it asks for
  const loading = layer.load(layer, controller.signal).catch((error) => {
    if (layer.controller === controller) layer.shownKey = null; // a failed answer is not held
    throw error;
  });
  layer.done = track(loading, layer.id);
  if (!state.map.hasLayer(layer.group)) state.map.addLayer(layer.group);
  return layer.done;
}

/** What a view-dependent loader calls once it has read the view and filters it asks for
 * (`layer.viewKey()` then): a later move to a view with the same key reuses that answer,
 * whether it is still in flight or already drawn. */
export function holdView(layer, signal) {
  if (!signal.aborted && layer.viewKey) layer.shownKey = layer.viewKey();
}

/** After a map move: refreshes the layer unless what it would ask for is what it holds or is
 * fetching, or its first refresh (the page's start) is still to come. The first view otherwise
 * fetched the seizure layer twice: a borough from the address fits the map to it while the
 * first fetch, already for that view, is in flight. */
export function refreshLayerIfMoved(layer) {
  if (!layer.done) return Promise.resolve();
  if (layer.viewKey && layer.shownKey != null && layer.viewKey() === layer.shownKey) return layer.done;
  return refreshLayer(layer);
}
