/**
 * Per-user answers (event_volume by user, risk_matrix's users and top user) from the daily per-user rollup where it
 * is exact, and from raw events elsewhere (or, for event_volume's histograms of its top users, the hourly one).
 *
 * The split is the one of rollup-split.ts, by days: with the per-user rollup's committed watermark W, its rows of
 * the range's whole (UTC) days count exactly their events ingested before W; the raw events the rows do not count
 * are the partial days at the edges and, inside the whole days, events with event.ingested ≥ W. Two ways to ask:
 * - `searchUnion`: ONE search matching both (rows of the rollup index in the whole days, OR events outside them), so
 *   that one aggregation sees the union: `cardinality` then sees the same set of user_id values as over raw events
 *   alone (a row's user is one of its events' users), so its estimate — approximate above its precision threshold,
 *   as over raw events — is the same;
 * - `searchParts`: the two parts as two searches, for `terms` whose top values are merged and checked exact
 *   (exact-top-terms.ts; `terms` over two indices at once cannot tell which shard left a value out).
 * Either is undefined when the rollup cannot answer: none, no watermark yet, no whole day in range, or a row newer
 * than the watermark (a run in progress).
 */
import { eventTermFilters, timeRangeFilter, type Aggregations, type Query, type QueryContext, type UserRollupSource } from './context.js';
import { wholeHours } from '../rollups/hourly-rollup.js';
import { notRolledQuery } from './rollup-split.js';
import type { QueryFilters } from './kinds.js';

const NEWEST_ROW = '__user_rollup_newest_row';

export interface UserSplit {
  rowsIndex: string;
  rows: Query;
  raw: Query;
  union: Query;
  watermark: number;
}

type Answer = Record<string, unknown> | undefined;

export async function userSplit(
  ctx: QueryContext,
  filters: QueryFilters,
  query: { mustNot?: Query[]; filter?: Query[] } = {},
  users: UserRollupSource | undefined = ctx.rollup?.users,
): Promise<UserSplit | undefined> {
  if (!users) return undefined;
  const days = wholeHours(ctx.from.getTime(), ctx.to.getTime(), users.bucketMs);
  if (!days) return undefined;
  const watermark = await users.watermark();
  if (watermark === undefined) return undefined;
  const isRow: Query = { term: { _index: users.index } };
  const rolled: Query = timeRangeFilter(days.from, days.to);
  const notRolled = notRolledQuery(ctx, days, watermark);
  const common = [...eventTermFilters(filters), ...(query.filter ?? [])];
  const mustNot = query.mustNot ?? [];
  return {
    rowsIndex: users.index,
    rows: { bool: { filter: [rolled, ...common], must_not: mustNot } },
    raw: { bool: { filter: [notRolled, ...common], must_not: mustNot } },
    union: {
      bool: {
        filter: [{ bool: { should: [{ bool: { filter: [isRow, rolled] } }, { bool: { must_not: [isRow], filter: [notRolled] } }], minimum_should_match: 1 } }, ...common],
        must_not: mustNot,
      },
    },
    watermark,
  };
}

const newestRow = (answer: Answer) => (answer?.[NEWEST_ROW] as { value?: number | null } | undefined)?.value;
const newerThan = (answer: Answer, watermark: number) => {
  const newest = newestRow(answer);
  return typeof newest === 'number' && newest > watermark;
};

/** One search over rows ∪ unrolled raw events. */
export async function searchUnion(ctx: QueryContext, split: UserSplit, aggs: Aggregations): Promise<Answer | undefined> {
  const answer = await ctx.reader.aggregate(`${split.rowsIndex},${ctx.indices.events}`, split.union, { ...aggs, [NEWEST_ROW]: { max: { field: 'ingested_before' } } });
  return newerThan(answer, split.watermark) ? undefined : (answer ?? {});
}

/** The rows and the unrolled raw events as two searches, side by side. */
export async function searchParts(ctx: QueryContext, split: UserSplit, aggs: Aggregations): Promise<{ rows: Answer; raw: Answer } | undefined> {
  const [rows, raw] = await Promise.all([
    ctx.reader.aggregate(split.rowsIndex, split.rows, { ...aggs, [NEWEST_ROW]: { max: { field: 'ingested_before' } } }),
    ctx.reader.aggregate(ctx.indices.events, split.raw, aggs),
  ]);
  return newerThan(rows, split.watermark) ? undefined : { rows, raw };
}
