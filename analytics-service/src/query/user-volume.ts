/**
 * `event_volume` grouped by user_id with the daily per-user rollup (query/user-rollup-split.ts), in two steps:
 * 1. the top `limit` users by events in range: `terms` over the rollup's rows of the whole days and over the raw
 *    events they do not count, side by side, merged and checked exact (exact-top-terms.ts), and the other users'
 *    events;
 * 2. the date histogram of exactly those users (filtered to them): with buckets of whole hours from the hourly
 *    per-user rollup's rows of the range's whole hours plus the raw events they do not count, added bucket by bucket
 *    (rollup-split.ts's merge); otherwise from their raw events.
 * Undefined (the caller reads raw events) when the rollup cannot answer, the top cannot be proven exact, or events
 * arrived between the two steps (the counts of step 2 differ).
 */
import { aggregate, bucketIntervalMs, bucketsOf, dateHistogram, eventFilters, type Aggregations, type Bucket, type Query, type QueryContext } from './context.js';
import { hourAlignedInterval } from '../rollups/hourly-rollup.js';
import { mergeTermSeries } from './rollup-split.js';
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
  const histogramAggs = { users: { terms: { field: 'user_id', size: keys.length, missing: NONE }, aggs: { over_time: { date_histogram: dateHistogram(ctx) } } } };
  const byUser = (await hourlyHistograms(ctx, target, only, histogramAggs)) ?? (await rawHistograms(ctx, target, only, histogramAggs));
  const series: UserVolume['series'] = [];
  for (const u of ranked.top) {
    const found = byUser.get(String(u.key));
    if (!found || found.count !== u.count) return undefined;
    series.push({ key: u.key, buckets: found.buckets });
  }
  return { series, other };
}

type Histograms = Map<string, { count: number; buckets: Bucket[] }>;

/** The top users' histograms from the hourly per-user rollup (whole hours) and raw events (the rest), when the buckets are whole hours. */
async function hourlyHistograms(ctx: QueryContext, target: QueryTargetOf<'event_volume'>, only: Query, aggs: Aggregations): Promise<Histograms | undefined> {
  if (!hourAlignedInterval(bucketIntervalMs(ctx))) return undefined;
  const split = await userSplit(ctx, target, { filter: [only] }, ctx.rollup?.hourlyUsers);
  const parts = split && (await searchParts(ctx, split, aggs));
  const merged = parts && mergeTermSeries([parts.rows, parts.raw], 'users', 'over_time');
  return merged && new Map(merged.map((s) => [String(s.key), { count: s.count, buckets: s.buckets }]));
}

async function rawHistograms(ctx: QueryContext, target: QueryTargetOf<'event_volume'>, only: Query, aggs: Aggregations): Promise<Histograms> {
  const answer = await aggregate(ctx, ctx.indices.events, { bool: { filter: [...eventFilters(ctx, target), only] } }, aggs);
  return new Map(bucketsOf(answer, 'users').map((b) => [String(b.key), { count: b.doc_count, buckets: bucketsOf(b, 'over_time') }]));
}
