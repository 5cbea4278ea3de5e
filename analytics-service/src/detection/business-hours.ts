/**
 * Business hours in a configured IANA time zone, without scripts: "outside business hours" becomes a list of
 * UTC time ranges for the span being evaluated, which Elasticsearch answers with plain range queries, and an
 * exact check of one instant for TypeScript. Local time comes from the service's one calendar (time/zone-calendar.ts).
 */
import type { DetectionConfig } from './config-schema.js';
import { WEEKDAYS } from './config-schema.js';
import { zoneCalendar } from '../time/zone-calendar.js';
import { DAY_MS } from '../time/units.js';

type BusinessHours = DetectionConfig['business_hours'];

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
}

/** Business hours' name of the local weekday (`mon` … `sun`; WEEKDAYS is Monday-first like the calendar). */
function weekdayOf(at: number, timeZone: string): (typeof WEEKDAYS)[number] {
  return WEEKDAYS[zoneCalendar(timeZone).weekdayIndex(at)]!;
}

/** True when the instant lies outside business hours (including on non-business days). */
export function isOutsideBusinessHours(at: number, hours: BusinessHours, timeZone: string): boolean {
  if (!hours.days.includes(weekdayOf(at, timeZone))) return true;
  const minuteOfDay = zoneCalendar(timeZone).minuteOfDay(at);
  return minuteOfDay < minutesOf(hours.start) || minuteOfDay >= minutesOf(hours.end);
}

/**
 * The business-hours intervals [start, end) that intersect [from, to), as UTC milliseconds.
 * Off-hours are the complement; Elasticsearch gets them as `must_not` ranges.
 */
export function businessIntervals(from: number, to: number, hours: BusinessHours, timeZone: string): Array<[number, number]> {
  const intervals: Array<[number, number]> = [];
  const start = minutesOf(hours.start);
  const end = minutesOf(hours.end);
  const calendar = zoneCalendar(timeZone);
  for (let anchor = from - DAY_MS; anchor < to + DAY_MS; anchor += DAY_MS) {
    if (!hours.days.includes(weekdayOf(anchor, timeZone))) continue;
    const open = calendar.localToUtc(anchor, start);
    const close = calendar.localToUtc(anchor, end);
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
