/**
 * Answers an event-count aggregation from the hourly rollup where it is exact, and from raw events elsewhere.
 *
 * The range is split into its whole hours and the partial hours at its edges. With the committed watermark W
 * (rollups/hourly-rollup.ts), the whole hours' rollup rows count exactly their events with event.ingested < W, so
 * one search runs the aggregations over those rows and another over the raw events the rows do not count: the
 * edges, and inside the whole hours only events with event.ingested ≥ W. The two parts count disjoint events, and
 * together every event in range. If the rollup holds a row newer than W (a run in progress), or the range holds no
 * whole hour, or there is no rollup yet, the caller computes from raw events alone.
 */
import { eventTermFilters, timeRangeFilter, type Aggregations, type Bucket, type Query, type QueryContext } from './context.js';
import { wholeHours } from '../rollups/hourly-rollup.js';
import type { QueryFilters } from './kinds.js';

export interface SplitAnswer {
  rolled: Record<string, unknown> | undefined;
  raw: Record<string, unknown> | undefined;
}

const NEWEST_ROW = '__rollup_newest_row';

/** Whether these filters are answerable by the rollup (it has no user_id). */
export const rollupCanFilter = (filters: QueryFilters): boolean => !filters.user_id || filters.user_id.length === 0;

export async function splitAggregate(
  ctx: QueryContext,
  filters: QueryFilters,
  query: { categories?: readonly string[]; mustNot?: Query[] },
  aggs: Aggregations,
): Promise<SplitAnswer | undefined> {
  if (!ctx.rollup || !rollupCanFilter(filters)) return undefined;
  const hours = wholeHours(ctx.from.getTime(), ctx.to.getTime());
  if (!hours) return undefined;
  const watermark = await ctx.rollup.watermark();
  if (watermark === undefined) return undefined;
  const terms = eventTermFilters(filters, query.categories);
  const mustNot = query.mustNot ?? [];
  const rolledQuery: Query = { bool: { filter: [timeRangeFilter(hours.from, hours.to), ...terms], must_not: mustNot } };
  const notRolled = notRolledQuery(ctx, hours, watermark);
  const rawQuery: Query = { bool: { filter: [notRolled, ...terms], must_not: mustNot } };
  const [rolled, raw] = await Promise.all([
    ctx.reader.aggregate(ctx.rollup.index, rolledQuery, { ...aggs, [NEWEST_ROW]: { max: { field: 'ingested_before' } } }),
    ctx.reader.aggregate(ctx.indices.events, rawQuery, aggs),
  ]);
  const newest = (rolled?.[NEWEST_ROW] as { value?: number | null } | undefined)?.value;
  if (typeof newest === 'number' && newest > watermark) return undefined;
  return { rolled, raw };
}

/**
 * The raw events a rollup with this watermark does not stand for, within the query's range: those outside its whole
 * buckets, and those inside them ingested at or after the watermark.
 */
export function notRolledQuery(ctx: Pick<QueryContext, 'from' | 'to'>, whole: { from: number; to: number }, watermark: number): Query {
  return {
    bool: {
      should: [
        timeRangeFilter(ctx.from, whole.from),
        timeRangeFilter(whole.to, ctx.to),
        { bool: { filter: [timeRangeFilter(whole.from, whole.to), { range: { 'event.ingested': { gte: watermark, format: 'epoch_millis' } } }] } },
      ],
      minimum_should_match: 1,
    },
  };
}

/** Elasticsearch's order of terms buckets: count descending, then key ascending (strings by their UTF-8 bytes). */
export function compareTermsKeys(a: number | string, b: number | string): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return Buffer.compare(Buffer.from(String(a)), Buffer.from(String(b)));
}

export interface MergedSeries {
  key: number | string;
  count: number;
  buckets: Bucket[];
}

/**
 * Adds two `terms` (→ `date_histogram`, when `histogramName` is given) answers of the same request value by value and
 * bucket by bucket, ordered as Elasticsearch orders terms. Undefined if either part left values out
 * (sum_other_doc_count > 0): then the top values of the sum cannot be known from the parts.
 */
export function mergeTermSeries(parts: Array<Record<string, unknown> | undefined>, termsName: string, histogramName?: string): MergedSeries[] | undefined {
  const merged = new Map<string, MergedSeries & { byTime: Map<number, Bucket> }>();
  for (const part of parts) {
    const agg = part?.[termsName] as { buckets?: Bucket[]; sum_other_doc_count?: number } | undefined;
    if ((agg?.sum_other_doc_count ?? 0) > 0) return undefined;
    for (const bucket of agg?.buckets ?? []) {
      const id = `${typeof bucket.key}:${bucket.key}`;
      let series = merged.get(id);
      if (!series) merged.set(id, (series = { key: bucket.key, count: 0, buckets: [], byTime: new Map() }));
      series.count += bucket.doc_count;
      const histogram = histogramName ? ((bucket[histogramName] as { buckets?: Bucket[] } | undefined)?.buckets ?? []) : [];
      for (const b of histogram) {
        const time = Number(b.key);
        const existing = series.byTime.get(time);
        if (existing) existing.doc_count += b.doc_count;
        else series.byTime.set(time, { key: time, doc_count: b.doc_count });
      }
    }
  }
  return [...merged.values()]
    .sort((a, b) => b.count - a.count || compareTermsKeys(a.key, b.key))
    .map(({ key, count, byTime }) => ({ key, count, buckets: [...byTime.values()].sort((a, b) => Number(a.key) - Number(b.key)) }));
}
