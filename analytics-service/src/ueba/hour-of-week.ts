/**
 * Hour-of-week slots (0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00) in a configured IANA time zone,
 * the seasonal unit of UEBA baselines: a busy Monday morning is compared with earlier Monday mornings.
 *
 * Elasticsearch buckets hours with the same time zone (`fixed_interval: 1h, time_zone`), so bucket keys are
 * local hour starts; this module maps them to slots and counts how often each slot occurs in a range.
 */
export const HOURS_PER_WEEK = 168;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

const WEEKDAY_INDEX: Record<string, number> = { Mon: 0, Tue: 1, Wed: 2, Thu: 3, Fri: 4, Sat: 5, Sun: 6 };

export class HourOfWeekCalendar {
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
    this.format = timeZone === 'UTC' || timeZone === 'Etc/UTC' ? undefined : format;
  }

  /** Offset of local time from UTC at an instant, in ms (local = utc + offset). Zone offsets change on whole minutes. */
  offsetAt(epochMs: number): number {
    if (!this.format) return 0;
    const minute = Math.floor(epochMs / 60_000);
    const cached = this.offsetCache.get(minute);
    if (cached !== undefined) return cached;
    const parts = this.format.formatToParts(new Date(minute * 60_000));
    const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
    const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    const offset = local - minute * 60_000;
    if (this.offsetCache.size > 100_000) this.offsetCache.clear();
    this.offsetCache.set(minute, offset);
    return offset;
  }

  /** Slot of the local hour containing an instant. */
  slotOf(epochMs: number): number {
    const local = epochMs + this.offsetAt(epochMs);
    const day = (((Math.floor(local / DAY_MS) + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday (index 3)
    return day * 24 + Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS);
  }

  /** Start of the local hour containing an instant (local hours may start at :30 or :45 UTC). */
  floorToHour(epochMs: number): number {
    const offset = this.offsetAt(epochMs);
    const local = epochMs + offset;
    return local - (((local % HOUR_MS) + HOUR_MS) % HOUR_MS) - offset;
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
  const day = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'][Math.floor(slot / 24)] ?? '?';
  return `${day} ${String(slot % 24).padStart(2, '0')}:00`;
}
