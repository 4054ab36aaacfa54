/* The details panel: one feature's properties as words (headings and values from the display
 * names), with what a role may not see simply absent from the API's answer. */
import { el } from "./dom.js";
import { formatDateTime, formatNumber, plural } from "./format.js";
import { fieldName, label, trendWords } from "./names.js";

const body = document.getElementById("details-body");
// Codes whose words come from a display-name group.
const GROUPS = {
  vehicle_type: "vehicle_type", reason: "reason", power: "power", disposition: "disposition",
  status: "operation_status", kind: "suggestion_kind", gi_bin: "gi_bin", source: "source",
};

/** A property's value in words. */
export function formatValue(key, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (key in GROUPS) return label(GROUPS[key], value);
  if (key === "trend_category" || key === "category") return trendWords(value);
  if (key === "busiest_hour_band") return label("hour_band", value);
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}T/.test(value)) return formatDateTime(value);
  if (typeof value === "number") {
    if (key === "area_m2") return value >= 10000 ? `${formatNumber(value / 1e6)} km²` : `${Math.round(value).toLocaleString("en-GB")} m²`;
    if (key === "share") return `${Math.round(value * 100)} %`;
    if (/^p(_fdr)?$/.test(key)) return value < 0.001 ? "under 0.001" : value.toFixed(3);
    return formatNumber(value);
  }
  if (Array.isArray(value)) return value.map((item) => formatValue(key, item)).join(", ");
  if (typeof value === "object") {
    if (key === "vehicle_mix") {
      return Object.entries(value).map(([code, n]) => `${label("vehicle_type", code)}: ${formatNumber(n)}`).join("; ");
    }
    if (key === "counts") return Object.entries(value).filter(([, n]) => n).map(([k, n]) => plural(n, fieldName(k).toLowerCase().replace(/s$/, ""))).join(", ");
    if (key === "cooldown") return value.last_operation_at ? formatDateTime(value.last_operation_at) : "None recently";
    return "—";
  }
  return String(value);
}

/** Shows `title`, then `extra` nodes, then the listed properties present in `properties`. */
export function showDetails(kind, title, properties, keys, extra = []) {
  const list = el("dl", { class: "props" });
  for (const key of keys) {
    if (!(key in properties)) continue;
    list.append(el("dt", { text: fieldName(key) }), el("dd", { text: formatValue(key, properties[key]), "data-key": key }));
  }
  body.replaceChildren(el("h3", { text: title }), ...extra, list);
  body.dataset.kind = kind;
}
