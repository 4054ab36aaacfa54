/* Two small charts from the summaries endpoint (counted by the server, in London time):
 * seizures per month, and by weekday and hour. Month labels are en-GB ("Dec", with the year
 * at January and at the start), a last month still under way is marked as partial, and the
 * y axis has round ticks. */
import { API } from "./config.js";
import { getJSON } from "./api.js";
import { svg } from "./dom.js";
import { apiFilters, readFilters } from "./filters.js";
import { formatMonth, formatNumber, londonParts, plural } from "./format.js";
import { track } from "./status.js";

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

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

/** Round tick values from 0 to at least `max`: 1, 2 or 5 times a power of ten apart. */
export function ticks(max, count = 4) {
  if (max <= 0) return [0, 1];
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  const out = [];
  for (let v = 0; v < max + step; v += step) out.push(Math.round(v));
  return out;
}

/** Whether month `key` is still under way (or cut short by the filter's end). */
function partialMonth(key, filters) {
  const today = londonParts(new Date()).isoDay;
  const end = filters.until && filters.until < today ? filters.until : today;
  if (end.slice(0, 7) !== key) return false;
  const [year, month] = key.split("-").map(Number);
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Number(end.slice(8, 10)) < lastDay;
}

function drawTimeChart(bars, filters) {
  const chart = document.getElementById("chart-time");
  const width = 320;
  const height = 140;
  const pad = { left: 34, bottom: 30, top: 8, right: 6 };
  chart.setAttribute("viewBox", `0 0 ${width} ${height}`);
  chart.replaceChildren();
  const scale = ticks(Math.max(1, ...bars.map((b) => b.value)));
  const top = scale[scale.length - 1];
  const step = (width - pad.left - pad.right) / Math.max(1, bars.length);
  const y = (v) => height - pad.bottom - (v / top) * (height - pad.bottom - pad.top);
  for (const value of scale) {
    chart.append(svg("line", { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value), class: value ? "grid" : "axis" }));
    chart.append(svg("text", { x: pad.left - 4, y: y(value) + 3, "text-anchor": "end", class: "tick y-tick", text: formatNumber(value) }));
  }
  // One label per month while they fit, else every second, third or sixth; the year under
  // January and under the first month.
  const every = [1, 2, 3, 6, 12].find((n) => bars.length / n <= 12) || 12;
  let partialNote = "";
  bars.forEach((bar, i) => {
    const x = pad.left + i * step;
    const partial = i === bars.length - 1 && partialMonth(bar.key, filters);
    const rect = svg("rect", {
      x: x + 1, y: y(bar.value), width: Math.max(1, step - 2), height: y(0) - y(bar.value),
      class: partial ? "bar partial" : "bar", "data-key": bar.key, "data-value": bar.value,
    });
    rect.append(svg("title", { text: `${formatMonth(bar.key, { long: true })}: ${plural(bar.value, "seizure")}${partial ? " so far" : ""}` }));
    chart.append(rect);
    const [year, month] = bar.key.split("-").map(Number);
    if (i % every === 0 || (month === 1 && every <= 3)) {
      chart.append(svg("text", { x: x + step / 2, y: height - pad.bottom + 12, "text-anchor": "middle", class: "tick x-tick", text: formatMonth(bar.key) }));
      if (month === 1 || i === 0) {
        chart.append(svg("text", { x: x + step / 2, y: height - pad.bottom + 24, "text-anchor": "middle", class: "tick year", text: String(year) }));
      }
    }
    if (partial) partialNote = `${formatMonth(bar.key, { long: true })} is not over yet: its bar (hatched) counts the days so far.`;
  });
  chart.dataset.count = String(bars.length);
  chart.dataset.total = String(bars.reduce((sum, b) => sum + b.value, 0));
  document.getElementById("chart-time-note").textContent = `Counted by the server, in London time. ${partialNote}`.trim();
}

function drawWeekHourChart(grid) {
  const chart = document.getElementById("chart-weekhour");
  const cell = 11;
  const left = 30;
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
      const from = `${String(hour).padStart(2, "0")}:00`;
      const to = `${String((hour + 1) % 24).padStart(2, "0")}:00`;
      rect.append(svg("title", { text: `${WEEKDAY_NAMES[day]} ${from} to ${to}: ${plural(value, "seizure")}` }));
      chart.append(rect);
    });
  });
  for (const hour of [0, 6, 12, 18]) {
    chart.append(svg("text", { x: left + hour * cell, y: height - 3, class: "tick", text: `${String(hour).padStart(2, "0")}:00` }));
  }
  chart.dataset.count = String(7 * 24);
  chart.dataset.total = String(total);
}

async function loadCharts(signal) {
  const filters = readFilters();
  const params = apiFilters(filters);
  const [byMonth, byWeekHour] = await Promise.all([
    getJSON(API.summaries, { ...params, group_by: "month" }, signal),
    getJSON(API.summaries, { ...params, group_by: "weekday,hour" }, signal),
  ]);
  const months = new Map(byMonth.groups.map((group) => [group.month, group.seizures.total]));
  const weekHour = Array.from({ length: 7 }, () => new Array(24).fill(0));
  for (const group of byWeekHour.groups) weekHour[group.weekday - 1][group.hour] += group.seizures.total; // ISO 1 = Monday
  drawTimeChart(fillMonths(months, filters), filters);
  drawWeekHourChart(weekHour);
}

let controller = null;
export function refreshCharts() {
  if (controller) controller.abort();
  controller = new AbortController();
  return track(loadCharts(controller.signal), "charts");
}
