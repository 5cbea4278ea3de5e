/** Resolves `since` or `from`/`to` query parameters to a time range. */
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export class RangeError400 extends Error {
  readonly statusCode = 400;
}

export function parseSince(since: string): number {
  const match = /^([1-9][0-9]{0,5})([smhdw])$/.exec(since);
  if (!match) throw new RangeError400(`since must look like 30s, 5m, 24h, 7d or 2w (got "${since}")`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export function resolveRange(query: { since?: string; from?: string; to?: string }, now = Date.now()): { from?: Date; to?: Date } {
  if (query.since !== undefined && (query.from !== undefined || query.to !== undefined)) {
    throw new RangeError400('use either since or from/to, not both');
  }
  if (query.since !== undefined) return { from: new Date(now - parseSince(query.since)) };
  const range: { from?: Date; to?: Date } = {};
  if (query.from !== undefined) range.from = new Date(query.from);
  if (query.to !== undefined) range.to = new Date(query.to);
  if (range.from && range.to && range.from >= range.to) throw new RangeError400('from must be before to');
  return range;
}
