/**
 * Local-time arithmetic in an IANA time zone, the one calendar of the service: detection's business hours and
 * judge days, UEBA's hour-of-week slots, the query kinds' profiles. Offsets come from Intl (DST-aware) and are
 * cached per minute, since zones change offset on whole minutes.
 */
import { DAY_MS, HOUR_MS, MINUTE_MS } from './units.js';

/** Monday-first weekday names, as business hours and hour-of-week slots number them. */
export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const;
export const HOURS_PER_WEEK = 168;

const UTC_ZONES = new Set(['UTC', 'Etc/UTC']);

export class ZoneCalendar {
  /** undefined for UTC, where everything is arithmetic */
  private readonly format: Intl.DateTimeFormat | undefined;
  private readonly offsetCache = new Map<number, number>();

  constructor(readonly timeZone: string = 'UTC') {
    // throws RangeError for an unknown zone, which config validation turns into a clear message
    const format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    this.format = UTC_ZONES.has(timeZone) ? undefined : format;
  }

  /** Offset of local time from UTC at an instant, in ms (local = utc + offset). */
  offsetAt(epochMs: number): number {
    if (!this.format) return 0;
    const minute = Math.floor(epochMs / MINUTE_MS);
    const cached = this.offsetCache.get(minute);
    if (cached !== undefined) return cached;
    const parts = this.format.formatToParts(new Date(minute * MINUTE_MS));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const offset = local - minute * MINUTE_MS;
    if (this.offsetCache.size > 100_000) this.offsetCache.clear();
    this.offsetCache.set(minute, offset);
    return offset;
  }

  /** The local wall-clock time of an instant, written as if it were UTC. */
  wallTime(epochMs: number): number {
    return epochMs + this.offsetAt(epochMs);
  }

  /** 0 = Monday … 6 = Sunday, of the local date containing an instant. */
  weekdayIndex(epochMs: number): number {
    return (((Math.floor(this.wallTime(epochMs) / DAY_MS) + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (index 3)
  }

  /** Minutes since local midnight. */
  minuteOfDay(epochMs: number): number {
    const wall = this.wallTime(epochMs);
    return Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  }

  /** UTC instant of a local wall-clock time on the local date containing `dayAnchor` (DST-aware). */
  localToUtc(dayAnchor: number, minuteOfDay: number): number {
    const wall = wallMidnight(this.wallTime(dayAnchor)) + minuteOfDay * MINUTE_MS;
    const guess = wall - this.offsetAt(dayAnchor);
    return wall - this.offsetAt(guess);
  }

  /** Start of the local calendar day containing an instant, as a UTC instant (DST-aware). */
  dayStart(epochMs: number): number {
    return this.localToUtc(epochMs, 0);
  }

  /** The local calendar date containing an instant, as YYYY-MM-DD. */
  date(epochMs: number): string {
    return new Date(wallMidnight(this.wallTime(epochMs))).toISOString().slice(0, 10);
  }

  /** Hour-of-week slot (0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00) of the local hour containing an instant. */
  hourOfWeekSlot(epochMs: number): number {
    const wall = this.wallTime(epochMs);
    const day = (((Math.floor(wall / DAY_MS) + 3) % 7) + 7) % 7;
    return day * 24 + Math.floor((((wall % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  }

  /** Start of the local hour containing an instant (local hours may start at :30 or :45 UTC). */
  floorToHour(epochMs: number): number {
    const offset = this.offsetAt(epochMs);
    const local = epochMs + offset;
    return local - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS) - offset;
  }
}

const wallMidnight = (wall: number) => Math.floor(wall / DAY_MS) * DAY_MS;

const calendars = new Map<string, ZoneCalendar>();

/** The shared calendar of a zone (its offset cache is reused across callers). Throws RangeError for an unknown zone. */
export function zoneCalendar(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (!calendar) {
    calendar = new ZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

/** Start of the local calendar day containing `at` in `timeZone`, as a UTC instant (DST-aware). */
export const localDayStart = (at: number, timeZone: string): number => zoneCalendar(timeZone).dayStart(at);

/** The local calendar date containing `at` in `timeZone`, as YYYY-MM-DD. */
export const localDate = (at: number, timeZone: string): string => zoneCalendar(timeZone).date(at);
