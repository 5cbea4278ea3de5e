/**
 * Business hours in a configured IANA time zone, without scripts: "outside business hours" becomes a list of
 * UTC time ranges for the span being evaluated, which Elasticsearch answers with plain range queries, and an
 * exact check of one instant for TypeScript.
 */
import type { DetectionConfig } from './config-schema.js';
import { WEEKDAYS } from './config-schema.js';

type BusinessHours = DetectionConfig['business_hours'];
const DAY_MS = 86_400_000;

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalTime {
  weekday: (typeof WEEKDAYS)[number];
  minuteOfDay: number;
  /** wall-clock time minus the instant (the zone's UTC offset at that instant) */
  offsetMs: number;
  /** the local date's midnight written as if it were UTC */
  wallMidnight: number;
}

export function localTime(at: number, timeZone: string): LocalTime {
  const parts = Object.fromEntries(formatter(timeZone).formatToParts(new Date(at)).map((p) => [p.type, p.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return {
    weekday: String(parts.weekday).toLowerCase().slice(0, 3) as LocalTime['weekday'],
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    offsetMs: asUtc - Math.floor(at / 1000) * 1000,
    wallMidnight: Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day)),
  };
}

/** True when the instant lies outside business hours (including on non-business days). */
export function isOutsideBusinessHours(at: number, hours: BusinessHours, timeZone: string): boolean {
  const local = localTime(at, timeZone);
  if (!hours.days.includes(local.weekday)) return true;
  return local.minuteOfDay < minutesOf(hours.start) || local.minuteOfDay >= minutesOf(hours.end);
}

/** UTC instant of a local wall-clock time on the local date containing `dayAnchor` (DST-aware). */
function localToUtc(dayAnchor: number, minuteOfDay: number, timeZone: string): number {
  const local = localTime(dayAnchor, timeZone);
  const wall = local.wallMidnight + minuteOfDay * 60_000;
  let guess = wall - local.offsetMs;
  guess = wall - localTime(guess, timeZone).offsetMs;
  return guess;
}

/** Start of the local calendar day containing `at`, as a UTC instant (DST-aware). */
export function localDayStart(at: number, timeZone: string): number {
  return localToUtc(at, 0, timeZone);
}

/** The local calendar date containing `at`, as YYYY-MM-DD. */
export function localDate(at: number, timeZone: string): string {
  return new Date(localTime(at, timeZone).wallMidnight).toISOString().slice(0, 10);
}

/**
 * The business-hours intervals [start, end) that intersect [from, to), as UTC milliseconds.
 * Off-hours are the complement; Elasticsearch gets them as `must_not` ranges.
 */
export function businessIntervals(from: number, to: number, hours: BusinessHours, timeZone: string): Array<[number, number]> {
  const intervals: Array<[number, number]> = [];
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  for (let anchor = from - DAY_MS; anchor < to + DAY_MS; anchor += DAY_MS) {
    const local = localTime(anchor, timeZone);
    if (!hours.days.includes(local.weekday)) continue;
    const open = localToUtc(anchor, start, timeZone);
    const close = localToUtc(anchor, end, timeZone);
    if (close > from && open < to) intervals.push([open, close]);
  }
  // anchors a day apart can name the same local date around DST changes: merge duplicates and overlaps
  intervals.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const interval of intervals) {
    const last = merged.at(-1);
    if (last && interval[0] <= last[1]) last[1] = Math.max(last[1], interval[1]);
    else merged.push([...interval]);
  }
  return merged;
}
