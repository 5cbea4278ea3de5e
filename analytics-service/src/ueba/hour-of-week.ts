/**
 * Hour-of-week slots (0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00) in a configured IANA time zone,
 * the seasonal unit of UEBA baselines: a busy Monday morning is compared with earlier Monday mornings.
 *
 * Elasticsearch buckets hours with the same time zone (`fixed_interval: 1h, time_zone`), so bucket keys are
 * local hour starts; this module maps them to slots (with the service's calendar, time/zone-calendar.ts) and
 * counts how often each slot occurs in a range.
 */
import { HOURS_PER_WEEK, WEEKDAY_NAMES, zoneCalendar, type ZoneCalendar } from '../time/zone-calendar.js';
import { DAY_MS, HOUR_MS } from '../time/units.js';

export { DAY_MS, HOUR_MS, HOURS_PER_WEEK };

/** The hour-of-week view of a zone's calendar. */
export class HourOfWeekCalendar {
  private readonly calendar: ZoneCalendar;

  constructor(readonly timeZone: string = 'UTC') {
    // throws RangeError for an unknown zone, which config validation turns into a clear message
    this.calendar = zoneCalendar(timeZone);
  }

  /** Offset of local time from UTC at an instant, in ms (local = utc + offset). */
  offsetAt(epochMs: number): number {
    return this.calendar.offsetAt(epochMs);
  }

  /** Slot of the local hour containing an instant. */
  slotOf(epochMs: number): number {
    return this.calendar.hourOfWeekSlot(epochMs);
  }

  /** Start of the local hour containing an instant (local hours may start at :30 or :45 UTC). */
  floorToHour(epochMs: number): number {
    return this.calendar.floorToHour(epochMs);
  }

  /** Starts of the local hours that overlap [from, to). */
  hourStarts(from: number, to: number): number[] {
    const hours: number[] = [];
    for (let h = this.floorToHour(from); h < to; h += HOUR_MS) hours.push(h);
    return hours;
  }
}

/**
 * The hours of a baseline window with their slots, computed once per refresh; `occurrences` answers, for any
 * entity start inside the window, how many times each slot occurred since, without re-deriving time zones.
 */
export class WindowHours {
  readonly starts: number[];
  readonly slots: Uint8Array;
  private readonly indexByStart = new Map<number, number>();

  constructor(
    readonly calendar: HourOfWeekCalendar,
    readonly from: number,
    readonly to: number,
  ) {
    this.starts = calendar.hourStarts(from, to);
    this.slots = new Uint8Array(this.starts.length);
    this.starts.forEach((start, i) => {
      this.slots[i] = calendar.slotOf(start);
      this.indexByStart.set(start, i);
    });
  }

  slotOfBucket(start: number): number {
    const i = this.indexByStart.get(start);
    return i === undefined ? this.calendar.slotOf(start) : this.slots[i]!;
  }

  /** How many times each slot occurs in the window's hours from `since` (inclusive) on. */
  occurrencesSince(since: number): number[] {
    const counts = new Array<number>(HOURS_PER_WEEK).fill(0);
    for (let i = 0; i < this.starts.length; i++) {
      if (this.starts[i]! + HOUR_MS > since) counts[this.slots[i]!]!++;
    }
    return counts;
  }
}

/** "Mon 09:00" for explanations. */
export function slotLabel(slot: number): string {
  const day = WEEKDAY_NAMES[Math.floor(slot / 24)] ?? '?';
  return `${day} ${String(slot % 24).padStart(2, '0')}:00`;
}
