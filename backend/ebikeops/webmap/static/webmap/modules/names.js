/* Display names: the words for every code, from the one table the server keeps
 * (GET /api/v1/display-names/, built from the models' choices in ebikeops.core.display). */
import { API } from "./config.js";
import { getJSON } from "./api.js";

let table = {};

export async function loadNames(signal) {
  table = await getJSON(API.displayNames, null, signal);
}

/** Words for a code the table does not know: never a snake_case token on screen. */
function wordsFor(code) {
  const text = String(code).replace(/_/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** label("vehicle_type", "e_scooter") -> "E-scooter". */
export function label(group, code) {
  if (code === null || code === undefined || code === "") return "";
  const words = table[group] && table[group][String(code)];
  return words || wordsFor(code);
}

/** A property's heading: label("field", "seizure_count") -> "Seizures". */
export function fieldName(key) {
  return label("field", key);
}

/** "intensifying_hot_spot" -> "intensifying"; every cold category -> "cold". */
export function trendKey(category) {
  if (!category) return "no_pattern";
  const key = String(category);
  if (key.includes("cold")) return "cold";
  return key.replace(/_hot_spot$/, "");
}

export function trendWords(category) {
  return label("trend", trendKey(category));
}

export function trendDirection(category) {
  return (table.trend_direction && table.trend_direction[trendKey(category)]) || "none";
}
