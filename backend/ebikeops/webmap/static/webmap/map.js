/* The commander's map. Reads only the public API (/api/v1/...) with the session cookie, so an
 * analyst's page receives exactly what the API gives analysts.
 *
 * Speed: boroughs, operations, hotspots and Gi* cells are city-wide layers of tens to hundreds
 * of features. Seizures are the one large layer: below `pointsMinZoom`, or when the view holds
 * more than `maxPoints` of them (the server counts first), the page shows counts aggregated by
 * the server (one number per borough); otherwise the points inside the view's bounding box.
 *
 * Tests read the page through data attributes: `#status[data-state]` is "ready" when every
 * request of the latest refresh has answered (`data-generation` counts refreshes), and each
 * layer toggle carries `data-count`, the number of features drawn on that layer.
 */
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("map-config").textContent);
  const API = config.api;
  const LONDON_TZ = "Europe/London";
  const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  const VEHICLE_COLOURS = {
    e_bike: "#d7301f",
    e_scooter: "#2171b5",
    e_motorcycle: "#6a51a3",
    other: "#525252",
  };
  // ArcGIS hot spot palette, bins -3..3 (99/95/90 % confidence; 0 not significant).
  const GI_COLOURS = {
    3: "#d62f27", 2: "#ed7551", 1: "#fab984",
    0: "#f7f7f7",
    "-1": "#c0ccbe", "-2": "#849eba", "-3": "#4575b5",
  };
  const GI_LABELS = {
    3: "Hot spot, 99 % confidence", 2: "Hot spot, 95 % confidence", 1: "Hot spot, 90 % confidence",
    0: "Not significant",
    "-1": "Cold spot, 90 % confidence", "-2": "Cold spot, 95 % confidence", "-3": "Cold spot, 99 % confidence",
  };
  // Emerging hot spot categories (ArcGIS names): warm colours heat up, cold ones cool down.
  const TREND_COLOURS = {
    new: "#ffd400", consecutive: "#ff9f00", intensifying: "#e4002b", persistent: "#b3002d",
    diminishing: "#f08080", sporadic: "#ffbe7a", oscillating: "#c2a5cf", historical: "#bdbdbd",
    cold: "#4575b5", no_pattern: "#969696",
  };

  // ------------------------------------------------------------------ small helpers

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    return node;
  }

  function plural(count, noun) {
    return `${count} ${noun}${count === 1 ? "" : "s"}`;
  }

  function humanise(key) {
    const text = String(key).replace(/_m2$/, "").replace(/_m$/, " (m)").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  const dateTimeFormat = new Intl.DateTimeFormat("en-GB", {
    timeZone: LONDON_TZ, weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit",
  });
  function formatValue(key, value) {
    if (value === null || value === undefined || value === "") return "—";
    if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
      const date = new Date(value);
      if (!Number.isNaN(date.getTime())) return dateTimeFormat.format(date);
    }
    if (typeof value === "number") {
      if (/area_m2$/.test(key)) return value >= 10000 ? `${(value / 1e6).toFixed(3)} km²` : `${Math.round(value)} m²`;
      if (/^p(_value)?$|^p_/.test(key)) return value < 0.001 ? value.toExponential(2) : value.toFixed(4);
      return Number.isInteger(value) ? value.toLocaleString("en-GB") : value.toLocaleString("en-GB", { maximumFractionDigits: 3 });
    }
    if (Array.isArray(value)) return value.map((item) => formatValue(key, item)).join(", ");
    if (typeof value === "object") {
      if (value.type && value.coordinates) return `${value.type}`;
      return Object.entries(value).map(([k, v]) => `${config.vehicleTypes[k] || humanise(k)}: ${formatValue(k, v)}`).join("; ");
    }
    return String(value);
  }

  function isoDay(date) {
    const pad = (n) => String(n).padStart(2, "0");
    return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
  }

  class HttpError extends Error {
    constructor(status, body) {
      super((body && (body.detail || body.title)) || `HTTP ${status}`);
      this.status = status;
      this.body = body;
    }
  }

  async function getJSON(path, params, signal) {
    const url = new URL(path, window.location.origin);
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
    }
    const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" }, signal });
    if (response.status === 401 || response.status === 403) {
      // The session ended: go back to the login page instead of showing an empty map.
      if (response.status === 401) window.location.assign(`/accounts/login/?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      if (error.name !== "SyntaxError") throw error; // an abort while reading stays an abort
    }
    if (!response.ok) throw new HttpError(response.status, body);
    if (body === null) throw new HttpError(response.status, { detail: "The answer was not JSON." });
    return body;
  }

  /** Every feature of a paginated FeatureCollection, following `next` up to `limit` features. */
  async function getFeatures(path, params, signal, limit) {
    let body = await getJSON(path, params, signal);
    const features = [...(body.features || [])];
    const count = typeof body.count === "number" ? body.count : features.length;
    while (body.next && features.length < limit) {
      const next = new URL(body.next, window.location.origin);
      body = await getJSON(next.pathname + next.search, null, signal);
      features.push(...(body.features || []));
    }
    return { features: features.slice(0, limit), count, body };
  }

  function csrfToken() {
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  // ------------------------------------------------------------------ filters and URL state

  const form = document.getElementById("filters");
  const fields = {
    since: document.getElementById("f-since"),
    until: document.getElementById("f-until"),
    vehicle_type: document.getElementById("f-vehicle-type"),
    borough: document.getElementById("f-borough"),
  };

  function defaultRange() {
    const until = new Date();
    const since = new Date(until);
    since.setFullYear(until.getFullYear() - 1);
    return { since: isoDay(since), until: isoDay(until) };
  }

  function readFilters() {
    return {
      since: fields.since.value,
      until: fields.until.value,
      vehicle_type: fields.vehicle_type.value,
      // Until the boroughs have loaded the select has no options: the wanted one counts.
      borough: fields.borough.options.length > 1 ? fields.borough.value : fields.borough.dataset.wanted || "",
    };
  }

  /** The filters as API query parameters: dates become London-midnight-bounded instants. */
  /** The instant London's clocks show 00:00 on `day` (YYYY-MM-DD), GMT or BST, whatever the
   * browser's own time zone (clocks change at 01:00 UTC, so midnight is never ambiguous). */
  function londonMidnight(day) {
    const utc = new Date(`${day}T00:00:00Z`);
    const offset = new Date(utc.toLocaleString("en-US", { timeZone: LONDON_TZ }))
      - new Date(utc.toLocaleString("en-US", { timeZone: "UTC" }));
    return new Date(utc.getTime() - offset);
  }

  /** The filter's days as London days: from 00:00 on `since` to the end of `until`. */
  function apiFilters(filters) {
    const params = {};
    if (filters.since) params.since = londonMidnight(filters.since).toISOString();
    if (filters.until) {
      const next = new Date(Date.parse(`${filters.until}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
      params.until = new Date(londonMidnight(next).getTime() - 1).toISOString();
    }
    if (filters.vehicle_type) params.vehicle_type = filters.vehicle_type;
    if (filters.borough) params.borough = filters.borough;
    return params;
  }

  function writeUrl(filters) {
    const url = new URL(window.location.href);
    for (const [key, value] of Object.entries(filters)) {
      if (value) url.searchParams.set(key, value);
      else url.searchParams.delete(key);
    }
    if (deploy.at) url.searchParams.set("at", deploy.at.value);
    if (deploy.hours) url.searchParams.set("hours", deploy.hours.value);
    if (deploy.mode === "plan") url.searchParams.set("plan", "1");
    else url.searchParams.delete("plan");
    const layersOn = Object.keys(LAYERS).filter((id) => LAYERS[id].checkbox && LAYERS[id].checkbox.checked);
    url.searchParams.set("layers", layersOn.join(","));
    const centre = map.getCenter();
    url.searchParams.set("zoom", String(map.getZoom()));
    url.searchParams.set("lat", centre.lat.toFixed(5));
    url.searchParams.set("lon", centre.lng.toFixed(5));
    window.history.replaceState(null, "", url);
  }

  // ------------------------------------------------------------------ the map

  const [minLon, minLat, maxLon, maxLat] = config.londonBbox;
  const londonBounds = L.latLngBounds([minLat, minLon], [maxLat, maxLon]);
  const map = L.map("map", { minZoom: 9, maxZoom: 18, zoomSnap: 0.5, maxBounds: londonBounds.pad(0.5) });
  const startView = new URLSearchParams(window.location.search);
  const explicitView = ["zoom", "lat", "lon"].every((key) => startView.get(key) && Number.isFinite(Number(startView.get(key))));
  if (explicitView) map.setView([Number(startView.get("lat")), Number(startView.get("lon"))], Number(startView.get("zoom")));
  else map.fitBounds(londonBounds);
  L.control.scale({ imperial: false }).addTo(map);
  if (config.tiles.url) {
    L.tileLayer(config.tiles.url, { attribution: config.tiles.attribution, maxZoom: 19 }).addTo(map);
  }
  map.attributionControl.setPrefix("Leaflet · borough boundaries © ONS / OS");

  // Panes keep the drawing order fixed whatever loads first. Every pane draws SVG (one
  // renderer per pane); map.css lets only drawn shapes take the pointer, so a click reaches the
  // feature under it in whichever pane it is. (A canvas pane would swallow clicks meant for
  // the panes below it.)
  const PANES = { boroughs: 350, gistar: 380, hotspots: 400, seizures: 420, operations: 440, suggestions: 460 };
  for (const [name, zIndex] of Object.entries(PANES)) map.createPane(name).style.zIndex = zIndex;

  const status = document.getElementById("status");
  let generation = 0;
  let pending = 0;
  const errors = new Map();

  function track(promise, label) {
    pending += 1;
    status.dataset.state = "loading";
    status.textContent = "Loading…";
    return promise
      .then(() => errors.delete(label))
      .catch((error) => {
        if (error.name === "AbortError") return;
        errors.set(label, error.message);
        console.error(label, error); // eslint-disable-line no-console
      })
      .finally(() => {
        pending -= 1;
        if (pending === 0) {
          generation += 1;
          status.dataset.generation = String(generation);
          status.dataset.state = errors.size ? "error" : "ready";
          status.textContent = errors.size
            ? `Some layers failed: ${[...errors.entries()].map(([k, v]) => `${k} (${v})`).join(", ")}`
            : "Up to date";
        }
      });
  }

  // ------------------------------------------------------------------ details panel

  const details = document.getElementById("details-body");
  // Shown whenever the API sends them (it sends them only to roles that may see them).
  const ALWAYS_SHOWN = new Set(["notes", "frame_number"]);
  let highlighted = null;

  function highlight(layer, style) {
    if (highlighted && highlighted.layer.setStyle) highlighted.layer.setStyle(highlighted.style);
    highlighted = null;
    if (layer && layer.setStyle) {
      highlighted = { layer, style: { ...layer.options } };
      layer.setStyle(style || { weight: 4, color: "#111" });
      if (layer.bringToFront) layer.bringToFront();
    }
  }

  /** Shows a feature's properties: `rows` first, in that order, then (with `rest`) any others,
   * so fields an endpoint adds later still show. */
  function showDetails(kind, title, properties, rows, extra, rest = true) {
    const skip = new Set(["stop_points", "geometry", "corridor", "corridor_section", "time_windows", ...(rows || [])]);
    const list = el("dl", { class: "props" });
    const add = (key, value) => {
      list.append(el("dt", { text: humanise(key) }), el("dd", { text: formatValue(key, value), "data-key": key }));
    };
    for (const key of rows || []) if (key in properties) add(key, properties[key]);
    for (const [key, value] of Object.entries(properties)) {
      if (!rest && !ALWAYS_SHOWN.has(key)) continue;
      if (!skip.has(key) && (typeof value !== "object" || value === null || !value.coordinates)) add(key, value);
    }
    details.replaceChildren(el("h3", { text: title }), ...(extra || []), list);
    details.dataset.kind = kind;
  }

  // ------------------------------------------------------------------ layers

  function setCount(id, count, note) {
    const toggle = document.querySelector(`.layer-toggle[data-layer="${id}"]`);
    if (!toggle) return;
    toggle.dataset.count = String(count);
    toggle.querySelector(".count").textContent = note ? `${count} ${note}` : String(count);
  }

  function makeLayer(id, load, options) {
    const group = L.featureGroup();
    const toggle = document.querySelector(`.layer-toggle[data-layer="${id}"]`);
    const checkbox = toggle ? toggle.querySelector("input") : null;
    const layer = { id, group, load, checkbox, controller: null, stale: true, ...(options || {}) };
    if (checkbox) {
      checkbox.addEventListener("change", () => {
        if (checkbox.checked) {
          map.addLayer(group);
          if (layer.stale) refreshLayer(layer);
        } else {
          map.removeLayer(group);
        }
        writeUrl(readFilters());
        renderLegend();
      });
    }
    return layer;
  }

  function refreshLayer(layer) {
    if (!layer.checkbox) return;
    if (!layer.checkbox.checked) {
      layer.stale = true;
      return;
    }
    if (layer.controller) layer.controller.abort();
    layer.controller = new AbortController();
    layer.stale = false;
    const signal = layer.controller.signal;
    track(layer.load(layer, signal), layer.id);
    if (!map.hasLayer(layer.group)) map.addLayer(layer.group);
  }

  // --- boroughs: the base layer, and the choices of the borough filter.
  let boroughFeatures = [];
  let boroughLayer = null;

  /** The filtered borough stands out; without a tile layer the boroughs are the land. */
  function boroughStyle(feature) {
    const chosen = readFilters().borough;
    const selected = chosen && String(feature.id) === chosen;
    return {
      className: "feature-borough",
      color: selected ? "#08306b" : "#4d4d4d",
      weight: selected ? 3 : 1.2,
      fillColor: chosen && !selected ? "#e3e1dc" : "#fbfaf7",
      fillOpacity: config.tiles.url ? (selected ? 0.1 : 0) : 0.85,
    };
  }
  const boroughCentres = new Map(); // GSS code -> LatLng

  async function loadBoroughs(layer, signal) {
    const body = await getJSON(API.boroughs, { simplify_m: 20 }, signal);
    boroughFeatures = body.features || [];
    layer.group.clearLayers();
    const geo = L.geoJSON(body, {
      pane: "boroughs",
      style: boroughStyle,
      onEachFeature: (feature, shape) => {
        shape.bindTooltip(feature.properties.name, { sticky: true, direction: "top", opacity: 0.85 });
        const rings = shape.getLatLngs();
        // Multipolygon: the centre of its largest part (by ring length, a cheap stand-in for area).
        const parts = Array.isArray(rings[0][0]) ? rings : [rings];
        const biggest = parts.reduce((a, b) => (b[0].length > a[0].length ? b : a));
        boroughCentres.set(String(feature.id), L.PolyUtil.polygonCenter(biggest[0], map.options.crs));
      },
    });
    layer.group.addLayer(geo);
    boroughLayer = geo;
    setCount("boroughs", boroughFeatures.length);
    const select = fields.borough;
    const wanted = select.dataset.wanted || select.value;
    select.replaceChildren(el("option", { value: "", text: "All London" }));
    for (const feature of [...boroughFeatures].sort((a, b) => a.properties.name.localeCompare(b.properties.name))) {
      select.append(el("option", { value: feature.id, text: feature.properties.name }));
    }
    select.value = wanted;
  }

  // --- operations with their stop points.
  async function loadOperations(layer, signal) {
    const filters = readFilters();
    const params = { ...apiFilters(filters), limit: 5000 };
    delete params.vehicle_type; // operations have no vehicle type; filtered below by what they seized
    // The operations map layer: the list's features, built by PostgreSQL in one query.
    const { features } = await getFeatures(API.operationLayer, params, signal, 5000);
    layer.group.clearLayers();
    let drawn = 0;
    let stops = 0;
    for (const feature of features) {
      const p = feature.properties;
      if (filters.vehicle_type && !(p[`${filters.vehicle_type}_count`] > 0)) continue;
      const [lon, lat] = feature.geometry.coordinates;
      const parts = [];
      const marker = L.circleMarker([lat, lon], {
        pane: "operations", radius: 7, color: "#08306b", weight: 2.5, fillColor: "#ffffff", fillOpacity: 0.35,
        className: "feature-operation",
      });
      parts.push(marker);
      for (const [index, [slon, slat]] of ((p.stop_points && p.stop_points.coordinates) || []).entries()) {
        parts.push(L.circleMarker([slat, slon], {
          pane: "operations", radius: 3.5, color: "#ffffff", weight: 1, fillColor: "#08306b", fillOpacity: 1,
          className: "feature-stop-point",
        }).bindTooltip(`${p.name}: stop ${index + 1}`));
        stops += 1;
      }
      const onClick = (event) => {
        L.DomEvent.stopPropagation(event);
        highlight(marker, { weight: 4, color: "#f03b20" });
        const totals = el("p", { class: "totals", "data-seizures": p.seizure_count, "data-arrests": p.arrest_count,
          text: `${p.seizure_count} seizures (${Object.keys(config.vehicleTypes).map((vt) => `${p[`${vt}_count`]} ${config.vehicleTypes[vt]}`).join(", ")}), ${p.arrest_count} arrests` });
        showDetails("operation", p.name, p, [
          "reference", "team", "status", "started_at", "ended_at", "borough", "seizure_count",
          "e_bike_count", "e_scooter_count", "e_motorcycle_count", "other_count", "arrest_count", "officer_count",
        ], [totals, el("p", { class: "muted", text: plural((p.stop_points && p.stop_points.coordinates.length) || 0, "stop point") })], false);
      };
      for (const part of parts) part.on("click", onClick);
      marker.bindTooltip(`${p.name} · ${p.seizure_count} seizures`);
      layer.group.addLayer(L.featureGroup(parts));
      drawn += 1;
    }
    setCount("operations", drawn, stops ? `(${plural(stops, "stop")})` : "");
    document.querySelector('.layer-toggle[data-layer="operations"]').dataset.stopCount = String(stops);
  }

  // --- seizures: server-aggregated counts per borough when zoomed out, points when zoomed in.
  const seizureMode = document.getElementById("seizure-mode");

  function bboxParam() {
    const b = map.getBounds();
    const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
    return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
      .map((v) => v.toFixed(5)).join(",");
  }

  /** Seizures per borough (GSS code -> count): one grouped query of the summaries endpoint. */
  async function boroughCounts(params, signal) {
    const body = await getJSON(API.summaries, { ...params, group_by: "borough" }, signal);
    const counts = new Map();
    for (const group of body.groups) if (group.borough) counts.set(group.borough.gss_code, group.seizures.total);
    return counts;
  }

  async function loadSeizures(layer, signal) {
    const params = apiFilters(readFilters());
    if (!boroughFeatures.length && API.boroughs) await boroughsReady;
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
        const centre = boroughCentres.get(code);
        if (!count || !centre) continue;
        const size = Math.round(22 + 34 * Math.sqrt(count / max));
        const name = (boroughFeatures.find((f) => String(f.id) === code) || { properties: { name: code } }).properties.name;
        const marker = L.marker(centre, {
          pane: "seizures",
          icon: L.divIcon({ className: "seizure-bubble feature-seizure-aggregate", html: `<span>${count}</span>`, iconSize: [size, size] }),
          title: `${name}: ${count} seizures`,
          keyboard: false,
        });
        marker.on("click", () => {
          showDetails("seizure-aggregate", `${name}: seizures`, { borough: name, seizure_count: count }, ["borough", "seizure_count"],
            [el("p", { class: "muted", text: "Zoom in to see individual seizures." })]);
        });
        layer.group.addLayer(marker);
        drawn += 1;
      }
      layer.mode = "aggregate";
      layer.total = total;
      document.querySelector('.layer-toggle[data-layer="seizures"]').dataset.mode = "aggregate";
      setCount("seizures", total, `in ${plural(drawn, "borough")}`);
      seizureMode.textContent = pointsInView === null
        ? "Seizures are counted per borough by the server; zoom in to see points."
        : `${pointsInView} seizures in view: counted per borough; zoom in further to see points.`;
      return;
    }
    // The map layer endpoint: the whole FeatureCollection built by PostgreSQL in one query.
    const { features, count } = await getFeatures(API.seizureLayer, { ...inView, limit: config.maxPoints }, signal, config.maxPoints);
    layer.group.clearLayers();
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
        showDetails("seizure", `${config.vehicleTypes[p.vehicle_type] || "Seizure"} seized`, p,
          ["seized_at", "vehicle_type", "reason", "power", "make", "model", "colour", "disposition", "borough"], [], false);
      });
      layer.group.addLayer(dot);
    }
    layer.mode = "points";
    document.querySelector('.layer-toggle[data-layer="seizures"]').dataset.mode = "points";
    setCount("seizures", features.length, count > features.length ? `of ${count} in view` : "in view");
    seizureMode.textContent = count > features.length
      ? `Showing ${features.length} of ${count} seizures in view (more arrived while loading).`
      : "Seizure points in the current view.";
  }

  // --- hotspots (GET /api/v1/hotspots/, the HotspotFeature schema): polygons coloured by
  // emerging-hotspot trend category, else Gi* significance, else density.
  function hotspotCategory(p) {
    const raw = p.trend_category || p.category;
    if (!raw) return null;
    const key = String(raw).toLowerCase().replace(/[\s-]+/g, "_").replace(/_?hot_?spot$/, "");
    if (key.includes("cold")) return "cold";
    return key;
  }

  function hotspotBin(p) {
    return typeof p.gi_bin === "number" ? p.gi_bin : null;
  }

  let hotspotStyleMode = "density";
  const hotspotNote = document.getElementById("hotspot-note");
  const hotspotCategories = new Set();

  async function loadHotspots(layer, signal) {
    const body = await getJSON(API.hotspots, apiFilters(readFilters()), signal);
    const features = (body.features || []).filter((f) => f.geometry);
    layer.group.clearLayers();
    layer.run = Object.fromEntries(Object.entries(body).filter(([k]) => !["type", "features"].includes(k)));
    const densities = features.map((f) => Number(f.properties.density_per_km2) || 0).sort((a, b) => a - b);
    const quantile = (v) => (densities.length ? densities.filter((d) => d <= v).length / densities.length : 0);
    hotspotCategories.clear();
    hotspotStyleMode = features.some((f) => hotspotCategory(f.properties)) ? "trend"
      : features.some((f) => hotspotBin(f.properties) !== null) ? "significance" : "density";
    for (const feature of features) {
      const p = feature.properties;
      let fill;
      if (hotspotStyleMode === "trend") fill = TREND_COLOURS[hotspotCategory(p)] || TREND_COLOURS.no_pattern;
      else if (hotspotStyleMode === "significance") fill = GI_COLOURS[hotspotBin(p)] || GI_COLOURS[0];
      else fill = densityColour(quantile(Number(p.density_per_km2) || 0));
      const style = { pane: "hotspots", color: "#67000d", weight: 2, fillColor: fill, fillOpacity: 0.55, className: "feature-hotspot" };
      const shape = L.geoJSON(feature, { style: () => style, pane: "hotspots" });
      shape.eachLayer((polygon) => polygon.on("add", () => {
        const element = polygon.getElement();
        if (element) element.dataset.key = p.key ?? "";
      }));
      // A hotspot is a few hundred metres across: invisible at city zoom without a pin
      // (map.css hides pins once the polygons are big enough to click).
      const polygon = shape.getLayers()[0];
      const pin = L.circleMarker(shape.getBounds().getCenter(), {
        pane: "hotspots", radius: 7, color: "#67000d", weight: 1.5, fillColor: fill, fillOpacity: 0.95, className: "hotspot-pin",
      });
      const item = L.featureGroup([shape, pin]);
      item.on("click", (event) => {
        L.DomEvent.stopPropagation(event);
        highlight(polygon, { weight: 4, color: "#111" });
        const title = `Hotspot ${p.key || ""}`.trim();
        const trend = hotspotCategory(p);
        const extra = [];
        if (trend) extra.push(el("p", { class: "trend", "data-trend": trend, text: `Trend: ${humanise(trend)}` }));
        showDetails("hotspot", title, p, [
          "key", "rank", "seizure_count", "arrest_count", "share", "area_m2", "density_per_km2", "first_seizure_at",
          "last_seizure_at", "busiest_weekday", "busiest_hour_band", "vehicle_mix", "gi_bin",
        ], extra);
      });
      item.bindTooltip(`${p.seizure_count ?? "?"} seizures`, { sticky: true });
      layer.group.addLayer(item);
      if (hotspotStyleMode === "trend") hotspotCategories.add(hotspotCategory(p) in TREND_COLOURS ? hotspotCategory(p) : "no_pattern");
    }
    setCount("hotspots", features.length);
    // Runs are computed for given filters: say so when none answers these, or when the
    // closest run covers other dates, rather than showing an unexplained empty layer.
    const run = body.run;
    let note = "";
    if (!features.length && body.detail) {
      const who = config.canRecompute ? "Press Recompute hotspots to compute them." : "A commander can compute them.";
      note = body.detail.replace(/; a commander can POST .*$/, `. ${who}`);
    } else if (run && !body.window_matches) {
      note = `From the run over ${run.window.since.slice(0, 10)} to ${run.window.until.slice(0, 10)}, the closest to the dates asked for.`;
    }
    hotspotNote.textContent = note;
    renderLegend();
  }

  function densityColour(q) {
    const ramp = ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"];
    return ramp[Math.min(ramp.length - 1, Math.floor(q * ramp.length - 1e-9))] || ramp[0];
  }

  // --- Gi* cells: only significant cells are drawn (bin 0 is the background).
  async function loadGistar(layer, signal) {
    const body = await getJSON(API.gistar, apiFilters(readFilters()), signal);
    layer.group.clearLayers();
    const features = (body.features || []).filter((f) => f.geometry);
    let drawn = 0;
    for (const feature of features) {
      const p = feature.properties;
      const bin = hotspotBin(p);
      if (!bin) continue;
      const shape = L.geoJSON(feature, {
        pane: "gistar",
        style: () => ({ pane: "gistar", className: "feature-gistar", color: GI_COLOURS[bin], weight: 0.5, fillColor: GI_COLOURS[bin], fillOpacity: 0.6 }),
      });
      shape.on("click", (event) => {
        showDetails("gistar", GI_LABELS[bin] || "Gi* cell", p, ["gi_bin", "z", "p", "p_fdr", "count", "seizure_count", "category"]);
        L.DomEvent.stopPropagation(event);
      });
      layer.group.addLayer(shape);
      drawn += 1;
    }
    const message = features.length ? "" : body.detail || body.message || "";
    setCount("gistar", drawn, message ? `(${message})` : `of ${features.length} cells significant`);
  }

  // --- deployment suggestions: near the view (every role) or a shift plan (commanders).
  // Each answer is stored by the server with its parameters, so the page asks only when the
  // filters are applied or a button is pressed, never on every pan.
  const deploy = {
    at: document.getElementById("s-at"),
    hours: document.getElementById("s-hours"),
    teams: document.getElementById("s-teams"),
    message: document.getElementById("s-message"),
    mode: "near",
  };

  function localInputValue(date) {
    return `${isoDay(date)}T${String(date.getHours()).padStart(2, "0")}:00`;
  }

  function suggestionWindow() {
    const start = deploy.at && deploy.at.value ? new Date(deploy.at.value) : new Date();
    const hours = Math.min(24, Math.max(1, Number(deploy.hours && deploy.hours.value) || 4));
    return { start, hours, end: new Date(start.getTime() + hours * 3600 * 1000) };
  }

  function suggestionRequest() {
    const { start, hours, end } = suggestionWindow();
    if (deploy.mode === "plan" && config.canPlan) {
      const borough = readFilters().borough;
      return {
        path: API.plans,
        params: {
          ...(borough ? { borough } : { bbox: bboxParam() }),
          start: start.toISOString(), end: end.toISOString(),
          teams: Math.min(12, Math.max(1, Number(deploy.teams && deploy.teams.value) || 1)),
        },
      };
    }
    const centre = map.getCenter();
    const radius = Math.min(20000, Math.max(500, Math.round(centre.distanceTo(map.getBounds().getNorthEast()))));
    return {
      path: API.suggestions,
      params: { lon: centre.lng.toFixed(5), lat: centre.lat.toFixed(5), radius_m: radius, at: start.toISOString(), hours, limit: 10 },
    };
  }

  function windowLabel(w) {
    if (typeof w === "string") return w;
    const label = w.label || [w.weekday, w.start && w.end ? `${w.start}-${w.end}` : ""].filter(Boolean).join(" ");
    return typeof w.count === "number" ? `${label} (${plural(w.count, "seizure")})` : label;
  }

  async function loadSuggestions(layer, signal) {
    await boroughsReady; // a borough in the address moves the view once the boundaries are in
    const request = suggestionRequest();
    const body = await getJSON(request.path, request.params, signal);
    layer.group.clearLayers();
    const features = body.features || [];
    let stops = 0;
    features.forEach((feature, index) => {
      const p = feature.properties;
      const rank = p.rank || index + 1;
      const parts = [];
      if (p.section && p.section.type) {
        parts.push(L.geoJSON(p.section, {
          pane: "suggestions",
          style: { color: "#238b45", weight: 8, opacity: 0.55, lineCap: "round", className: "feature-suggestion-section" },
        }));
      }
      const coords = !feature.geometry ? [] : feature.geometry.type === "Point" ? [feature.geometry.coordinates] : feature.geometry.coordinates || [];
      const numbers = (p.stops || []).map((stop) => stop.number);
      coords.forEach(([lon, lat], i) => {
        const label = `${rank}${String.fromCharCode(96 + (numbers[i] || i + 1))}`;
        parts.push(L.marker([lat, lon], {
          pane: "suggestions",
          icon: L.divIcon({ className: "suggestion-stop feature-suggestion-stop", html: `<span>${label}</span>`, iconSize: [26, 26] }),
          title: `${p.title || "Suggestion"}: stop ${label}`,
          keyboard: false,
        }));
        stops += 1;
      });
      const group = L.featureGroup(parts);
      group.on("click", (event) => {
        L.DomEvent.stopPropagation(event);
        const extra = [el("p", { class: "rationale", text: p.rationale || "" })];
        const windows = p.time_windows || [];
        if (windows.length) {
          extra.push(el("h4", { text: "When" }), el("ul", { class: "windows" }, windows.map((w) => el("li", { text: windowLabel(w) }))));
        }
        if ((p.stops || []).length) {
          extra.push(el("h4", { text: "Stop points" }), el("ol", { class: "stops" }, p.stops.map((stop) => el("li", {
            text: [
              stop.dwell_minutes ? `${stop.dwell_minutes} min` : "",
              typeof stop.expected_share === "number" ? `${Math.round(stop.expected_share * 100)} % of the demand` : "",
              stop.borough || "",
            ].filter(Boolean).join(", "),
          }))));
        }
        if (p.rotation && p.rotation.note) extra.push(el("p", { class: "muted", text: p.rotation.note }));
        showDetails("suggestion", `${rank}. ${p.title || "Suggestion"}`, p,
          ["kind", "score", "corridor_name", "demand_per_km", "counts", "time_fit", "cooldown"], extra, false);
      });
      group.bindTooltip(`${rank}. ${p.title || "Suggestion"}`);
      layer.group.addLayer(group);
    });
    if (deploy.message) deploy.message.textContent = body.message || "";
    setCount("suggestions", features.length, stops ? `(${plural(stops, "stop")})` : "");
    document.querySelector('.layer-toggle[data-layer="suggestions"]').dataset.mode = deploy.mode;
  }

  const LAYERS = {
    boroughs: makeLayer("boroughs", loadBoroughs, { onMove: false }),
    gistar: makeLayer("gistar", loadGistar, { onMove: false }),
    hotspots: makeLayer("hotspots", loadHotspots, { onMove: false }),
    seizures: makeLayer("seizures", loadSeizures, { onMove: true }),
    operations: makeLayer("operations", loadOperations, { onMove: false }),
    // Suggestions have their own time window and are asked for by their buttons (see above).
    suggestions: makeLayer("suggestions", loadSuggestions, { onMove: false, onDemand: true }),
  };

  // ------------------------------------------------------------------ charts

  /** Monthly and weekday x hour counts for the filter: two grouped queries of the summaries
   * endpoint (London time, as the server groups them). */
  async function loadCharts(signal) {
    const params = apiFilters(readFilters());
    const [byMonth, byWeekHour] = await Promise.all([
      getJSON(API.summaries, { ...params, group_by: "month" }, signal),
      getJSON(API.summaries, { ...params, group_by: "weekday,hour" }, signal),
    ]);
    const months = new Map(byMonth.groups.map((group) => [group.month, group.seizures.total]));
    const weekHour = Array.from({ length: 7 }, () => new Array(24).fill(0));
    for (const group of byWeekHour.groups) weekHour[group.weekday - 1][group.hour] += group.seizures.total; // ISO 1 = Monday
    drawTimeChart(fillMonths(months, readFilters()));
    drawWeekHourChart(weekHour);
  }

  /** Every month of the filter's range, zero where nothing was seized, in order. */
  function fillMonths(months, filters) {
    const keys = [...months.keys()].filter((k) => /^\d{4}-\d{2}$/.test(k)).sort();
    const first = filters.since ? filters.since.slice(0, 7) : keys[0];
    const last = filters.until ? filters.until.slice(0, 7) : keys[keys.length - 1];
    if (!first || !last) return [];
    const out = [];
    let [year, month] = first.split("-").map(Number);
    for (let guard = 0; guard < 240; guard += 1) {
      const key = `${year}-${String(month).padStart(2, "0")}`;
      out.push({ key, value: months.get(key) || 0 });
      if (key >= last) break;
      month += 1;
      if (month > 12) { month = 1; year += 1; }
    }
    return out;
  }

  const MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function drawTimeChart(bars) {
    const chart = document.getElementById("chart-time");
    const width = 300;
    const height = 120;
    const pad = { left: 28, bottom: 18, top: 8, right: 4 };
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    chart.replaceChildren();
    const max = Math.max(1, ...bars.map((b) => b.value));
    const step = (width - pad.left - pad.right) / Math.max(1, bars.length);
    const y = (v) => height - pad.bottom - (v / max) * (height - pad.bottom - pad.top);
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(0), y2: y(0), class: "axis" }));
    chart.append(svg("text", { x: pad.left - 4, y: y(max) + 4, "text-anchor": "end", class: "tick", text: String(max) }));
    chart.append(svg("text", { x: pad.left - 4, y: y(0), "text-anchor": "end", class: "tick", text: "0" }));
    bars.forEach((bar, i) => {
      const x = pad.left + i * step;
      const rect = svg("rect", { x: x + 1, y: y(bar.value), width: Math.max(1, step - 2), height: y(0) - y(bar.value), class: "bar", "data-key": bar.key, "data-value": bar.value });
      rect.append(svg("title", { text: `${bar.key}: ${bar.value} seizures` }));
      chart.append(rect);
      const [year, month] = bar.key.split("-").map(Number);
      if (bars.length <= 14 || month === 1 || i === 0) {
        chart.append(svg("text", { x: x + step / 2, y: height - 5, "text-anchor": "middle", class: "tick", text: month === 1 || i === 0 ? `${MONTH_NAMES[month - 1]} ${String(year).slice(2)}` : MONTH_NAMES[month - 1].charAt(0) }));
      }
    });
    chart.dataset.count = String(bars.length);
    chart.dataset.total = String(bars.reduce((sum, b) => sum + b.value, 0));
  }

  function drawWeekHourChart(grid) {
    const chart = document.getElementById("chart-weekhour");
    const cell = 11;
    const left = 28;
    const top = 4;
    const width = left + 24 * cell + 4;
    const height = top + 7 * cell + 16;
    chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
    chart.replaceChildren();
    const max = Math.max(1, ...grid.flat());
    let total = 0;
    grid.forEach((row, day) => {
      chart.append(svg("text", { x: left - 4, y: top + day * cell + cell - 2, "text-anchor": "end", class: "tick", text: WEEKDAYS[day] }));
      row.forEach((value, hour) => {
        total += value;
        const shade = value ? 0.12 + 0.88 * (value / max) : 0;
        const rect = svg("rect", {
          x: left + hour * cell, y: top + day * cell, width: cell - 1, height: cell - 1,
          fill: value ? `rgba(165, 15, 21, ${shade.toFixed(3)})` : "#f0f0f0", "data-value": value, class: "heat",
        });
        rect.append(svg("title", { text: `${WEEKDAYS[day]} ${String(hour).padStart(2, "0")}:00–${String(hour + 1).padStart(2, "0")}:00: ${value} seizures` }));
        chart.append(rect);
      });
    });
    for (const hour of [0, 6, 12, 18]) {
      chart.append(svg("text", { x: left + hour * cell, y: height - 3, class: "tick", text: `${String(hour).padStart(2, "0")}h` }));
    }
    chart.dataset.count = String(7 * 24);
    chart.dataset.total = String(total);
  }

  let chartController = null;
  function refreshCharts() {
    if (chartController) chartController.abort();
    chartController = new AbortController();
    track(loadCharts(chartController.signal), "charts");
  }

  // ------------------------------------------------------------------ legend

  function renderLegend() {
    const legend = document.getElementById("legend");
    const items = [];
    const swatch = (colour, label, shape) => el("div", { class: "legend-item" }, [el("span", { class: `legend-swatch ${shape || ""}`, style: `background:${colour}` }), label]);
    if (LAYERS.seizures.checkbox && LAYERS.seizures.checkbox.checked) {
      for (const [vt, colour] of Object.entries(VEHICLE_COLOURS)) items.push(swatch(colour, config.vehicleTypes[vt] || vt, "dot"));
    }
    if (LAYERS.hotspots.checkbox && LAYERS.hotspots.checkbox.checked) {
      if (hotspotStyleMode === "trend") {
        for (const [key, colour] of Object.entries(TREND_COLOURS)) {
          if (hotspotCategories.has(key)) items.push(swatch(colour, `Hotspot: ${humanise(key)}`));
        }
      } else if (hotspotStyleMode === "significance") {
        for (const bin of [3, 2, 1]) items.push(swatch(GI_COLOURS[bin], `Hotspot: ${GI_LABELS[bin]}`));
      } else {
        items.push(swatch("linear-gradient(90deg,#fee5d9,#a50f15)", "Hotspot density (low → high)"));
      }
    }
    if (LAYERS.gistar.checkbox && LAYERS.gistar.checkbox.checked) {
      for (const bin of [3, 2, 1, -1, -2, -3]) items.push(swatch(GI_COLOURS[bin], `Gi*: ${GI_LABELS[bin]}`));
    }
    legend.replaceChildren(...items);
  }

  // ------------------------------------------------------------------ refresh cycle

  let boroughsReady = Promise.resolve();

  function refreshAll({ initial = false } = {}) {
    writeUrl(readFilters());
    if (boroughLayer) boroughLayer.setStyle(boroughStyle);
    for (const layer of Object.values(LAYERS)) {
      if (layer.id !== "boroughs" && (initial || !layer.onDemand)) refreshLayer(layer);
    }
    refreshCharts();
  }

  // A moved map refreshes the view-dependent layers once it has settled; the page reports
  // "loading" from the first move, so a reader never sees "ready" before those requests start.
  let moveTimer = null;
  let moveSettled = null;
  map.on("moveend", () => {
    if (moveTimer) clearTimeout(moveTimer);
    else track(new Promise((resolve) => { moveSettled = resolve; }), "map");
    moveTimer = setTimeout(() => {
      moveTimer = null;
      writeUrl(readFilters());
      for (const layer of Object.values(LAYERS)) if (layer.onMove) refreshLayer(layer);
      moveSettled();
    }, 250);
  });
  map.on("click", () => highlight(null));
  const zoomBand = () => { map.getContainer().dataset.zoomBand = map.getZoom() >= 14 ? "high" : "low"; };
  map.on("zoomend", zoomBand);
  zoomBand();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    refreshAll();
  });
  // Choosing from a list applies at once; typed dates wait for Apply (or Enter).
  fields.borough.addEventListener("change", () => {
    fields.borough.dataset.wanted = fields.borough.value;
    const feature = boroughFeatures.find((f) => String(f.id) === fields.borough.value);
    if (feature) map.fitBounds(L.geoJSON(feature).getBounds(), { maxZoom: 13, animate: false });
    else map.fitBounds(londonBounds, { animate: false });
    refreshAll();
  });
  fields.vehicle_type.addEventListener("change", () => refreshAll());
  document.getElementById("f-reset").addEventListener("click", () => {
    const range = defaultRange();
    fields.since.value = range.since;
    fields.until.value = range.until;
    fields.vehicle_type.value = "";
    fields.borough.value = "";
    fields.borough.dataset.wanted = "";
    map.fitBounds(londonBounds, { animate: false });
    refreshAll();
  });

  const recompute = document.getElementById("recompute");
  if (recompute && config.canRecompute) {
    recompute.addEventListener("click", async () => {
      recompute.disabled = true;
      recompute.textContent = "Recomputing…";
      try {
        const response = await fetch(API.recompute, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
          body: JSON.stringify(apiFilters(readFilters())),
        });
        const body = await response.json().catch(() => ({}));
        if (!response.ok) throw new HttpError(response.status, body);
        // 202 with the job (HotspotJob): poll it until the worker has finished the run.
        for (let i = 0; i < 120; i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 1000));
          const job = await getJSON(body.job_url);
          if (job.status === "completed") break;
          if (job.status === "failed") throw new Error(job.error || "recompute failed");
        }
        refreshLayer(LAYERS.hotspots);
        refreshLayer(LAYERS.gistar);
      } catch (error) {
        errors.set("recompute", error.message);
        status.textContent = `Recompute failed: ${error.message}`;
      } finally {
        recompute.disabled = false;
        recompute.textContent = "Recompute hotspots";
      }
    });
  }

  for (const [id, mode] of [["s-near", "near"], ["s-plan", "plan"]]) {
    const button = document.getElementById(id);
    if (!button) continue;
    button.addEventListener("click", () => {
      deploy.mode = mode;
      LAYERS.suggestions.checkbox.checked = true;
      writeUrl(readFilters());
      refreshLayer(LAYERS.suggestions);
    });
  }

  // ------------------------------------------------------------------ start

  const query = new URLSearchParams(window.location.search);
  const range = defaultRange();
  fields.since.value = query.get("since") ?? range.since;
  fields.until.value = query.get("until") ?? range.until;
  fields.vehicle_type.value = query.get("vehicle_type") || "";
  fields.borough.dataset.wanted = query.get("borough") || "";
  if (deploy.at) deploy.at.value = query.get("at") || localInputValue(new Date());
  if (deploy.hours && query.get("hours")) deploy.hours.value = query.get("hours");
  if (query.get("plan") === "1" && config.canPlan) deploy.mode = "plan";
  if (query.has("layers")) {
    const on = new Set(query.get("layers").split(","));
    for (const layer of Object.values(LAYERS)) if (layer.checkbox) layer.checkbox.checked = on.has(layer.id);
  }
  renderLegend();
  if (API.boroughs) {
    // Loaded even when hidden: the borough filter's choices and the seizure counts need them.
    const boroughs = LAYERS.boroughs;
    boroughs.stale = false;
    boroughsReady = track(loadBoroughs(boroughs, new AbortController().signal), "boroughs").then(() => {
      if (boroughs.checkbox.checked) map.addLayer(boroughs.group);
      const feature = boroughFeatures.find((f) => String(f.id) === fields.borough.value);
      if (feature && !explicitView) map.fitBounds(L.geoJSON(feature).getBounds(), { maxZoom: 13, animate: false });
    });
  }
  window.ebikeMap = { map, layers: LAYERS, refreshAll }; // for debugging in the console and tests
  refreshAll({ initial: true });
})();
