/**
 * `event_volume` grouped by user_id with the daily per-user rollup (query/user-rollup-split.ts), in two steps:
 * 1. the top `limit` users by events in range: `terms` over the rollup's rows of the whole days and over the raw
 *    events they do not count, side by side, merged and checked exact (exact-top-terms.ts), and the other users'
 *    events;
 * 2. the date histogram of exactly those users from raw events (filtered to them: a small share of the events, and
 *    any bucket width).
 * Undefined (the caller reads raw events) when the rollup cannot answer, the top cannot be proven exact, or events
 * arrived between the two steps (the counts of step 2 differ).
 */
import { aggregate, bucketsOf, dateHistogram, eventFilters, type Bucket, type Query, type QueryContext } from './context.js';
import { exactTopOfParts, type TermsPart } from './exact-top-terms.js';
import type { QueryTargetOf } from './kinds.js';
import { searchParts, userSplit } from './user-rollup-split.js';

/** Users each part lists in step 1: the more, the likelier the top `limit` is provably exact. */
const CANDIDATES = 200;
/** event_volume's label for events without the field (as in the raw aggregation) */
const NONE = '(none)';

export interface UserVolume {
  series: Array<{ key: number | string; buckets: Bucket[] }>;
  /** events of users beyond the limit */
  other: number;
}

export async function rolledUpUserVolume(ctx: QueryContext, target: QueryTargetOf<'event_volume'>, limit: number): Promise<UserVolume | undefined> {
  const split = await userSplit(ctx, target);
  if (!split) return undefined;
  const parts = await searchParts(ctx, split, { users: { terms: { field: 'user_id', size: Math.max(CANDIDATES, limit * 2), missing: NONE } } });
  if (!parts) return undefined;
  const ranked = exactTopOfParts([parts.rows?.users as TermsPart | undefined, parts.raw?.users as TermsPart | undefined], limit);
  if (!ranked) return undefined;
  const other = ranked.total - ranked.top.reduce((n, u) => n + u.count, 0);
  if (ranked.top.length === 0) return { series: [], other };

  const keys = ranked.top.map((u) => String(u.key));
  const named = keys.filter((k) => k !== NONE);
  const only: Query = {
    bool: {
      should: [...(named.length > 0 ? [{ terms: { user_id: named } }] : []), ...(keys.includes(NONE) ? [{ bool: { must_not: [{ exists: { field: 'user_id' } }] } }] : [])],
      minimum_should_match: 1,
    },
  };
  const histograms = await aggregate(ctx, ctx.indices.events, { bool: { filter: [...eventFilters(ctx, target), only] } }, {
    users: { terms: { field: 'user_id', size: keys.length, missing: NONE }, aggs: { over_time: { date_histogram: dateHistogram(ctx) } } },
  });
  const byUser = new Map(bucketsOf(histograms, 'users').map((b) => [String(b.key), b]));
  const series: UserVolume['series'] = [];
  for (const u of ranked.top) {
    const found = byUser.get(String(u.key));
    if (!found || found.doc_count !== u.count) return undefined;
    series.push({ key: u.key, buckets: bucketsOf(found, 'over_time') });
  }
  return { series, other };
}
