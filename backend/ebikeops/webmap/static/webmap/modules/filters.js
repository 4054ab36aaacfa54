/* The filter form (dates as London days, vehicle type, borough) and the page's address, which
 * keeps filters, layers, view and briefing so a link can be shared. */
import { londonMidnight, londonDay } from "./format.js";
import { state } from "./state.js";

export const fields = {
  since: document.getElementById("f-since"),
  until: document.getElementById("f-until"),
  vehicle_type: document.getElementById("f-vehicle-type"),
  borough: document.getElementById("f-borough"),
};

export function defaultRange(now = new Date()) {
  return { since: londonDay(now, -365), until: londonDay(now) };
}

/** A typed day, "13/12/2025" (en-GB, as shown) or "2025-12-13" (as in the address), as
 * YYYY-MM-DD; "" when empty or not a real day (the field is then marked invalid). */
export function parseDay(text) {
  const value = String(text || "").trim();
  let match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  let year, month, day;
  if (match) [, year, month, day] = match.map(Number);
  else if ((match = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value))) [, day, month, year] = match.map(Number);
  else return "";
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return "";
  return date.toISOString().slice(0, 10);
}

/** Shows a YYYY-MM-DD day in the field as en-GB dd/mm/yyyy. */
export function setDay(field, iso) {
  const day = parseDay(iso);
  field.value = day ? `${day.slice(8, 10)}/${day.slice(5, 7)}/${day.slice(0, 4)}` : "";
}

export function readFilters() {
  return {
    since: parseDay(fields.since.value),
    until: parseDay(fields.until.value),
    vehicle_type: fields.vehicle_type.value,
    // Until the boroughs have loaded the select has no options: the wanted one counts.
    borough: fields.borough.options.length > 1 ? fields.borough.value : fields.borough.dataset.wanted || "",
  };
}

/** The filters as API query parameters: London days become instants (00:00 on `since` to the
 * last millisecond of `until`), whatever the browser's time zone. */
export function apiFilters(filters = readFilters()) {
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

export function boroughName(code) {
  const feature = state.boroughFeatures.find((f) => String(f.id) === String(code));
  return feature ? feature.properties.name : "";
}

export function writeUrl() {
  const url = new URL(window.location.href);
  for (const [key, value] of Object.entries(readFilters())) {
    if (value) url.searchParams.set(key, value);
    else url.searchParams.delete(key);
  }
  const controls = state.briefing;
  if (controls.at && controls.at.value) url.searchParams.set("at", controls.at.value);
  if (controls.hours) url.searchParams.set("hours", controls.hours.value);
  if (controls.teams) url.searchParams.set("teams", controls.teams.value);
  url.searchParams.set("mode", controls.mode);
  url.searchParams.delete("plan");
  const layersOn = Object.values(state.layers).filter((l) => l.checkbox && l.checkbox.checked).map((l) => l.id);
  url.searchParams.set("layers", layersOn.join(","));
  const centre = state.map.getCenter();
  url.searchParams.set("zoom", String(state.map.getZoom()));
  url.searchParams.set("lat", centre.lat.toFixed(5));
  url.searchParams.set("lon", centre.lng.toFixed(5));
  window.history.replaceState(null, "", url);
}

/** The map view's box for the API: min_lon,min_lat,max_lon,max_lat. */
export function bboxParam() {
  const b = state.map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(5)).join(",");
}
