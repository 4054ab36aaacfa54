/* Dates, times and numbers as people in London read them: en-GB, 24-hour clock, London time,
 * whatever the browser's own locale and time zone (explicit locale and timeZone everywhere). */

export const LOCALE = "en-GB";
export const TIME_ZONE = "Europe/London";

const formats = {
  dateTime: new Intl.DateTimeFormat(LOCALE, {
    timeZone: TIME_ZONE, weekday: "short", day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  }),
  day: new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, weekday: "long", day: "numeric", month: "long" }),
  date: new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, day: "numeric", month: "long", year: "numeric" }),
  time: new Intl.DateTimeFormat(LOCALE, { timeZone: TIME_ZONE, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }),
  parts: new Intl.DateTimeFormat(LOCALE, {
    timeZone: TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    weekday: "long", hourCycle: "h23",
  }),
  // Months are labelled in UTC from a YYYY-MM key: no time zone can move them.
  month: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", month: "short" }),
  monthYear: new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", month: "long", year: "numeric" }),
};
const number = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 1 });

export function formatNumber(value) {
  return number.format(value);
}

/** "1 seizure", "2 seizures", "1,204 seizures"; `many` for irregular plurals. */
export function plural(count, one, many = `${one}s`) {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

export function formatDateTime(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : formats.dateTime.format(date);
}

/** "1 December 2025" (London's calendar day of the instant). */
export function formatDate(value) {
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? "" : formats.date.format(date);
}

export function formatTime(date) {
  return formats.time.format(date);
}

export function formatDay(date) {
  return formats.day.format(date);
}

/** "Saturday 13 December, 15:00 to 23:00"; across midnight "…, 23:00 to Sunday 14 December 07:00". */
export function formatShift(start, end) {
  const sameDay = londonParts(start).isoDay === londonParts(new Date(end.getTime() - 1)).isoDay;
  return sameDay
    ? `${formatDay(start)}, ${formatTime(start)} to ${formatTime(end)}`
    : `${formatDay(start)}, ${formatTime(start)} to ${formatDay(end)} ${formatTime(end)}`;
}

/** "2025-12" -> "Dec" (and with the year: "December 2025"). */
export function formatMonth(key, { long = false } = {}) {
  const [year, month] = key.split("-").map(Number);
  const date = new Date(Date.UTC(year, month - 1, 1));
  return (long ? formats.monthYear : formats.month).format(date);
}

/** London's wall clock at an instant: {year, month, day, hour, minute, weekday, isoDay}. */
export function londonParts(date) {
  const parts = Object.fromEntries(formats.parts.formatToParts(date).map((p) => [p.type, p.value]));
  return {
    year: Number(parts.year), month: Number(parts.month), day: Number(parts.day),
    hour: Number(parts.hour) % 24, minute: Number(parts.minute), weekday: parts.weekday,
    isoDay: `${parts.year}-${parts.month}-${parts.day}`,
  };
}

/** The instant at which London's clocks show `local` ("YYYY-MM-DDTHH:MM"), GMT or BST. */
export function londonInstant(local) {
  const [day, time = "00:00"] = local.split("T");
  const [year, month, date] = day.split("-").map(Number);
  const [hour, minute] = time.split(":").map(Number);
  const guess = Date.UTC(year, month - 1, date, hour, minute);
  // London is UTC+0 or UTC+1: try both offsets and keep the one whose wall clock matches.
  for (const offsetHours of [0, 1]) {
    const candidate = new Date(guess - offsetHours * 3600_000);
    const p = londonParts(candidate);
    if (p.hour === hour && p.day === date && p.minute === minute) return candidate;
  }
  return new Date(guess); // a time skipped when the clocks go forward: read as GMT
}

/** The instant London's clocks show 00:00 on `day` (YYYY-MM-DD). */
export function londonMidnight(day) {
  return londonInstant(`${day}T00:00`);
}

/** "YYYY-MM-DDTHH:MM" in London time, for a datetime-local input. */
export function londonInputValue(date) {
  const p = londonParts(date);
  return `${p.isoDay}T${String(p.hour).padStart(2, "0")}:${String(p.minute).padStart(2, "0")}`;
}

/** Today in London as YYYY-MM-DD, shifted by `days`. */
export function londonDay(date, days = 0) {
  const p = londonParts(date);
  const shifted = new Date(Date.UTC(p.year, p.month - 1, p.day + days));
  return shifted.toISOString().slice(0, 10);
}
