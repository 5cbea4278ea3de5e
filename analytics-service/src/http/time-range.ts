/** Resolves `since` or `from`/`to` query parameters to a time range. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The longest look-back `since` may ask for: a century covers any retention, and keeps every date representable. */
export const MAX_SINCE_MS = 100 * 365.25 * 86_400_000;

export class RangeError400 extends Error {
  readonly statusCode = 400;
}

export function parseSince(since: string): number {
  const match = /^([1-9][0-9]{0,5})([smhdw])$/.exec(since);
  if (!match) throw new RangeError400(`since must look like 30s, 5m, 24h, 7d or 2w (got "${since}")`);
  const ms = Number(match[1]) * UNIT_MS[match[2]!]!;
  if (ms > MAX_SINCE_MS) throw new RangeError400(`since may reach back at most 100 years (5217w or 36524d); got "${since}"`);
  return ms;
}

/** A date from a query parameter that passed the schema's format check but is no real instant (e.g. 23:59:60). */
function instant(name: string, value: string): Date {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new RangeError400(`${name} is not a valid date-time (got "${value}"); use e.g. 2026-02-11T14:30:00Z`);
  const year = date.getUTCFullYear();
  if (year < 0 || year > 9999) throw new RangeError400(`${name} must lie between the years 0000 and 9999 (got "${value}")`);
  return date;
}

export function resolveRange(query: { since?: string; from?: string; to?: string }, now = Date.now()): { from?: Date; to?: Date } {
  if (query.since !== undefined && (query.from !== undefined || query.to !== undefined)) {
    throw new RangeError400('use either since or from/to, not both');
  }
  if (query.since !== undefined) return { from: new Date(now - parseSince(query.since)) };
  const range: { from?: Date; to?: Date } = {};
  if (query.from !== undefined) range.from = instant('from', query.from);
  if (query.to !== undefined) range.to = instant('to', query.to);
  if (range.from && range.to && range.from >= range.to) throw new RangeError400('from must be before to');
  return range;
}
