/* The briefing: for the chosen area and shift (default: the next shift, London time), the
 * ranked deployments as a list beside the map and as numbered stops on it, with the same
 * numbers everywhere ("2.1" is deployment 2, stop 1: the officer client uses the same), a
 * printable version (one page per team) and, for field roles, the offline bundle.
 *
 * Commanders plan the shift for their teams (GET /api/v1/plans/: a number of teams, rank =
 * team, or the teams' names, which the plan gives the deployments in rank order) and send it
 * (POST /api/v1/plans/: stored). Officers read the plan sent for the shift
 * (GET /api/v1/plans/sent/) with their own team's stops first (their team is their account's,
 * User.team), or, when none was sent, the suggestions for the view (GET /api/v1/suggestions/),
 * as analysts do. */
import { API, config } from "./config.js";
import { HttpError, getJSON, postJSON } from "./api.js";
import { el, textNode } from "./dom.js";
import { bboxParam, boroughName, readFilters, writeUrl } from "./filters.js";
import { formatShift, londonDay, londonInputValue, londonInstant, londonParts, plural } from "./format.js";
import { refreshLayer, setCount } from "./layers.js";
import { showDetails } from "./details.js";
import { reportError, track } from "./status.js";
import { state } from "./state.js";

const list = document.getElementById("briefing-list");
const message = document.getElementById("s-message");
const printHeader = document.getElementById("print-header");
const controls = state.briefing;
Object.assign(controls, {
  at: document.getElementById("s-at"),
  hours: document.getElementById("s-hours"),
  teams: document.getElementById("s-teams"),
});
let shown = []; // [{feature, name, rank, bounds, marker group, item}]

/** The shift choices: the one under way and the next ones, London time, in words; `wanted`
 * ("YYYY-MM-DDTHH:MM", from the address) is added when it is none of them. The next shift is
 * chosen unless `wanted` says otherwise. */
export function fillShifts(now, wanted) {
  const hours = config.shift.hours;
  const starts = [];
  for (let day = -1; day <= 3; day += 1) {
    for (const hour of [...config.shift.starts].sort((a, b) => a - b)) {
      starts.push(londonInstant(`${londonDay(now, day)}T${String(hour).padStart(2, "0")}:00`));
    }
  }
  const coming = starts.filter((start) => start.getTime() + hours * 3600_000 > now.getTime()).slice(0, 10);
  const next = coming.find((start) => start > now) || coming[0];
  const options = coming.map((start) => {
    const words = formatShift(start, new Date(start.getTime() + hours * 3600_000));
    const tag = start <= now ? " (under way)" : start === next ? " (next shift)" : "";
    return el("option", { value: londonInputValue(start), text: `${words}${tag}` });
  });
  if (wanted && !options.some((option) => option.value === wanted)) {
    const start = londonInstant(wanted);
    options.unshift(el("option", { value: wanted, text: `${formatShift(start, new Date(start.getTime() + hours * 3600_000))} (from the link)` }));
  }
  controls.at.replaceChildren(...options);
  controls.at.value = wanted || londonInputValue(next);
}

export function shiftWindow() {
  const start = controls.at.value ? londonInstant(controls.at.value) : new Date();
  const hours = Math.min(24, Math.max(1, Math.round(Number(controls.hours.value) || config.shift.hours)));
  return { start, hours, end: new Date(start.getTime() + hours * 3600_000) };
}

/** The plan's `teams`: a number of teams, or their names (separated by commas). */
function teams() {
  const raw = ((controls.teams && controls.teams.value) || "").trim();
  if (/^\d+$/.test(raw)) return Math.min(12, Math.max(1, Number(raw)));
  const names = raw.split(",").map((name) => name.trim()).filter(Boolean).slice(0, 12);
  return names.length ? names : 1;
}

function teamCount() {
  const value = teams();
  return Array.isArray(value) ? value.length : value;
}

const OWN_TEAM = (config.user.team || "").trim();

function isOwnTeam(p) {
  return Boolean(OWN_TEAM && p.team && p.team.trim().toLowerCase() === OWN_TEAM.toLowerCase());
}

function areaParams() {
  const borough = readFilters().borough;
  return borough ? { borough } : { bbox: bboxParam() };
}

function areaWords() {
  const borough = readFilters().borough;
  return borough ? boroughName(borough) || "the chosen borough" : "the area on the map";
}

function request() {
  const { start, hours, end } = shiftWindow();
  if (controls.mode === "plan" && config.canPlan) {
    const value = teams();
    return {
      path: API.plans,
      params: { ...areaParams(), start: start.toISOString(), end: end.toISOString(), teams: Array.isArray(value) ? value.join(",") : value },
    };
  }
  const map = state.map;
  const centre = map.getCenter();
  const radius = Math.min(20000, Math.max(500, Math.round(centre.distanceTo(map.getBounds().getNorthEast()))));
  return {
    path: API.suggestions,
    params: { lon: centre.lng.toFixed(5), lat: centre.lat.toFixed(5), radius_m: radius, at: start.toISOString(), hours, limit: 10 },
  };
}

// --- Names: distinct and human, whatever the engine's titles.

function stopsOf(p) {
  return p.stops || [];
}

function baseName(p) {
  if (p.title) return p.title;
  const boroughs = [...new Set(stopsOf(p).map((s) => s.borough).filter(Boolean))];
  return [p.corridor_name || "Hotspot", boroughs.join(" and ")].filter(Boolean).join(", ");
}

const SIDES = { 2: ["west", "east"], 3: ["west", "centre", "east"] };
const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth"];

function meanLon(p) {
  const stops = stopsOf(p);
  return stops.length ? stops.reduce((sum, s) => sum + s.lon, 0) / stops.length : 0;
}

/** One name per deployment: its title, or (where two share one, as a three-team plan along one
 * road can) the title with its part of the road, west to east. */
export function distinctNames(features) {
  const names = features.map((f) => baseName(f.properties));
  const groups = new Map();
  names.forEach((name, i) => groups.set(name, [...(groups.get(name) || []), i]));
  for (const [name, indexes] of groups) {
    if (indexes.length < 2) continue;
    const westToEast = [...indexes].sort((a, b) => meanLon(features[a].properties) - meanLon(features[b].properties));
    westToEast.forEach((index, position) => {
      const side = SIDES[indexes.length] ? SIDES[indexes.length][position] : `${ORDINALS[position] || position + 1} from the west`;
      names[index] = `${name} (${side})`;
    });
  }
  return names;
}

/** A stop's name: the engine's when it gives one, else the road and borough. */
export function stopName(p, stop) {
  if (stop.name) return stop.name;
  const road = p.corridor_name || (p.kind === "hotspot" ? "Hotspot" : "");
  return [road, stop.borough].filter(Boolean).join(", ") || "Stop point";
}

export function stopLabel(rank, stop, index) {
  return `${rank}.${stop.number || index + 1}`;
}

// --- Words for one deployment.

function whenWords(p, start, end) {
  const weekday = londonParts(start).weekday;
  const busy = (p.time_windows || []).filter((w) => typeof w === "object" && w.weekday === weekday);
  const shift = formatShift(start, end);
  if (!busy.length) return shift;
  const best = busy[0];
  return `${shift}; busiest ${best.start} to ${best.end}`;
}

function howLongWords(p) {
  const stops = stopsOf(p);
  if (!stops.length) return "";
  const minutes = stops.map((s) => s.dwell_minutes).filter(Number.isFinite);
  const low = Math.min(...minutes);
  const high = Math.max(...minutes);
  const dwell = low === high ? `${low} minutes` : `${low} to ${high} minutes`;
  if (stops.length === 1) return `1 stop, ${dwell} at a time, coming back through the shift`;
  const round = p.rotation && p.rotation.cycle_minutes ? `, a ${p.rotation.cycle_minutes}-minute round repeated through the shift` : "";
  return `${plural(stops.length, "stop")}, ${dwell} at each${round}`;
}

function row(term, text, className) {
  return el("p", { class: `item-row ${className}` }, [el("span", { class: "item-term", text: term }), el("span", { text })]);
}

function teamWords(p, rank) {
  if (p.team) return isOwnTeam(p) ? `Your team: ${p.team}` : p.team;
  return controls.mode === "plan" ? `Team ${rank}` : "";
}

function listItem(feature, name, rank, index, start, end) {
  const p = feature.properties;
  const team = teamWords(p, rank);
  const stops = el("ol", { class: "item-stops" }, stopsOf(p).map((stop, i) => el("li", { "data-stop": stopLabel(rank, stop, i) }, [
    el("span", { class: "stop-number", text: stopLabel(rank, stop, i) }),
    el("span", { class: "stop-name", text: stopName(p, stop) }),
    el("span", { class: "stop-dwell", text: stop.dwell_minutes ? `${stop.dwell_minutes} min` : "" }),
  ])));
  const zoom = el("a", { href: `#deployment-${rank}`, class: "zoom-link no-print", text: "Show on map" });
  zoom.addEventListener("click", (event) => {
    event.preventDefault();
    focus(index);
  });
  return el("li", {
    class: `briefing-item${isOwnTeam(p) ? " own-team" : ""}`, id: `deployment-${rank}`, "data-rank": rank, "data-name": name,
    "data-team": p.team || null,
  }, [
    el("div", { class: "item-head" }, [
      el("span", { class: "rank-badge", text: String(rank), "aria-label": team || `Deployment ${rank}` }),
      el("h3", { class: "item-name", text: name }),
    ]),
    team ? row("Who", team, "item-team") : null,
    row("When", whenWords(p, start, end), "item-when"),
    row("How long", howLongWords(p), "item-long"),
    row("Why", p.rationale || "", "item-evidence"),
    stops,
    p.rotation && p.rotation.note ? el("p", { class: "item-note print-only", text: p.rotation.note }) : null,
    zoom,
  ]);
}

/** Zoom the map to deployment `index`, mark it in the list and show its details. */
export function focus(index) {
  const entry = shown[index];
  if (!entry) return;
  for (const other of shown) other.item.classList.toggle("selected", other === entry);
  if (entry.bounds && entry.bounds.isValid()) state.map.fitBounds(entry.bounds.pad(0.3), { maxZoom: 16, animate: false });
  entry.item.scrollIntoView({ block: "nearest" });
  const p = entry.feature.properties;
  showDetails("suggestion", `${entry.rank}. ${entry.name}`, p, ["kind", "corridor_name", "counts", "demand_per_km", "cooldown"],
    [el("p", { class: "rationale", text: p.rationale || "" })]);
}

/** The plan sent for the shift, for an officer (null when none was sent). */
async function sentPlan(start, end, signal) {
  if (config.user.role !== "officer") return null;
  try {
    return await getJSON(API.sentPlan, { start: start.toISOString(), end: end.toISOString() }, signal);
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return null;
    throw error;
  }
}

export async function loadSuggestions(layer, signal) {
  await state.boroughsReady; // a borough in the address moves the view once the boundaries are in
  const { start, end } = shiftWindow();
  const plan = await sentPlan(start, end, signal);
  const asked = plan ? null : request();
  const body = plan || (await getJSON(asked.path, asked.params, signal));
  controls.source = plan ? "sent" : controls.mode;
  layer.group.clearLayers();
  // The officer's own team's deployments first; the numbers stay the plan's (as on the map).
  const features = [...(body.features || [])].sort((a, b) => Number(isOwnTeam(b.properties)) - Number(isOwnTeam(a.properties)));
  const names = distinctNames(features);
  shown = [];
  let stopCount = 0;
  const items = [];
  features.forEach((feature, index) => {
    const p = feature.properties;
    const rank = p.rank || index + 1;
    const name = names[index];
    const parts = [];
    if (p.section && p.section.type) {
      parts.push(L.geoJSON(p.section, {
        pane: "suggestions",
        style: { color: "#238b45", weight: 8, opacity: 0.55, lineCap: "round", className: "feature-suggestion-section" },
      }));
    }
    stopsOf(p).forEach((stop, i) => {
      const stopText = stopLabel(rank, stop, i);
      const marker = L.marker([stop.lat, stop.lon], {
        pane: "suggestions",
        icon: L.divIcon({ className: "suggestion-stop feature-suggestion-stop", html: textNode(stopText), iconSize: [34, 24] }),
        title: `${stopText} ${stopName(p, stop)}: ${name}`,
        keyboard: false,
      });
      marker.bindTooltip(textNode(`${stopText} ${stopName(p, stop)}`), { direction: "top", offset: [0, -12] });
      parts.push(marker);
      stopCount += 1;
    });
    const group = L.featureGroup(parts);
    group.on("click", (event) => {
      L.DomEvent.stopPropagation(event);
      focus(index);
    });
    layer.group.addLayer(group);
    const item = listItem(feature, name, rank, index, start, end);
    items.push(item);
    shown.push({ feature, name, rank, item, bounds: parts.length ? group.getBounds() : null });
  });
  list.replaceChildren(...items);
  let what = controls.mode === "plan" ? `Shift plan for ${plural(teamCount(), "team")} in ${areaWords()}` : `Suggestions for ${areaWords()}`;
  if (plan) {
    const own = features.filter((f) => isOwnTeam(f.properties)).map((f) => f.properties.rank);
    what = own.length
      ? `The shift plan your commander sent: your team (${OWN_TEAM}) has deployment ${own.join(" and ")}, shown first`
      : `The shift plan your commander sent${OWN_TEAM ? `; it names no deployment for ${OWN_TEAM}` : ""}`;
  }
  message.textContent = features.length ? `${what}, ${formatShift(start, end)}.` : body.message || "Nothing to suggest for this shift and area.";
  printHeader.replaceChildren(
    el("p", { class: "print-title", text: `ebike-ops briefing: ${what}` }),
    el("p", { text: formatShift(start, end) }),
  );
  setCount("suggestions", features.length, `${plural(features.length, "deployment")}${stopCount ? `, ${plural(stopCount, "stop")}` : ""}`);
  const toggle = document.querySelector('.layer-toggle[data-layer="suggestions"]');
  toggle.dataset.mode = controls.mode;
  list.dataset.mode = controls.mode;
  list.dataset.source = controls.source;
  list.dataset.count = String(features.length);
}

/** The buttons: plan (commanders), suggest in view, print, take offline. */
export function wireBriefing() {
  for (const [id, mode] of [["s-near", "near"], ["s-plan", "plan"]]) {
    const button = document.getElementById(id);
    if (!button) continue;
    button.addEventListener("click", () => {
      controls.mode = mode;
      state.layers.suggestions.checkbox.checked = true;
      writeUrl();
      refreshLayer(state.layers.suggestions);
    });
  }
  controls.at.addEventListener("change", () => {
    writeUrl();
    refreshLayer(state.layers.suggestions);
  });
  document.getElementById("s-print").addEventListener("click", () => window.print());
  const send = document.getElementById("s-send");
  if (send) send.addEventListener("click", () => track(sendPlan(), "send"));
  const offline = document.getElementById("s-offline");
  if (offline) offline.addEventListener("click", () => track(takeOffline(), "offline"));
}

/** Stores the plan for this shift (POST /api/v1/plans/) so that each team's officers find their
 * stops on their own page. */
async function sendPlan() {
  const { start, end } = shiftWindow();
  try {
    const body = await postJSON(API.plans, { ...areaParams(), start: start.toISOString(), end: end.toISOString(), teams: teams() });
    const named = (body.features || []).filter((f) => f.properties.team).map((f) => `${f.properties.rank}: ${f.properties.team}`);
    message.textContent = `Sent ${plural((body.features || []).length, "deployment")} for ${formatShift(start, end)}`
      + `${named.length ? ` (${named.join("; ")})` : ""}: officers see their team's stops on their page.`;
  } catch (error) {
    reportError("send", `Could not send the plan: ${error.message}`);
  }
}

/** The offline bundle for this shift and area, saved as a file the officer client can load. */
async function takeOffline() {
  const { start, end } = shiftWindow();
  try {
    const body = await getJSON(API.bundle, { ...areaParams(), start: start.toISOString(), end: end.toISOString() });
    const blob = new Blob([JSON.stringify(body)], { type: "application/geo+json" });
    const link = el("a", { href: URL.createObjectURL(blob), download: `deployments-${londonParts(start).isoDay}.geojson` });
    document.body.append(link);
    link.click();
    link.remove();
    message.textContent = `Saved ${plural((body.features || []).length, "deployment")} for offline use: load the file in the officer client.`;
  } catch (error) {
    reportError("offline", `Could not take the deployments offline: ${error.message}`);
  }
}
