/**
 * Seed 001 panel 4: `stats count by risk_tier, category`, in long format (one row per cell) with what a drill-down
 * needs: the highest severity seen in the cell, how many users, and the user with most events.
 *
 * Counts and severities come from the hourly rollup where it is exact (query/rollup-split.ts); users and the top
 * user from the daily per-user rollup where it is exact (risk-matrix-users.ts), computed side by side.
 */
import { SEVERITIES, severityRank, type Severity } from '../contract/event-schema.js';
import { aggregate, bucketsOf, eventFilters, field, frame, type Aggregations, type Bucket, type QueryContext } from './context.js';
import type { FrameJson, QueryTargetOf } from './kinds.js';
import { compareTermsKeys, rollupCanFilter, splitAggregate } from './rollup-split.js';
import { cells, cellsOf, truncated } from './risk-matrix-cells.js';
import { cellUsers, type CellUsers } from './risk-matrix-users.js';

interface Cell {
  tier: number;
  category: string;
  count: number;
  severity: Severity | null;
  users: number;
  topUser: string | null;
}

const COUNTS: Aggregations = { severities: { terms: { field: 'severity', size: SEVERITIES.length } } };
const USERS: Aggregations = { users: { cardinality: { field: 'user_id' } }, top_user: { terms: { field: 'user_id', size: 1 } } };

/** The highest of these severities on the seed-004 ladder. */
function highest(severities: Iterable<string>): Severity | null {
  let best: Severity | null = null;
  for (const severity of severities) {
    if (!(SEVERITIES as readonly string[]).includes(severity)) continue;
    if (best === null || severityRank(severity as Severity) > severityRank(best)) best = severity as Severity;
  }
  return best;
}

const usersOf = (cell: Bucket) => (cell.users as { value?: number } | undefined)?.value ?? 0;
const topUserOf = (cell: Bucket) => (bucketsOf(cell, 'top_user')[0] ? String(bucketsOf(cell, 'top_user')[0]!.key) : null);

export async function riskMatrix(ctx: QueryContext, target: QueryTargetOf<'risk_matrix'>): Promise<FrameJson[]> {
  const mustNot = target.includeRequests ? [] : [{ term: { category: 'request' } }];
  const query = { bool: { filter: eventFilters(ctx, target), must_not: mustNot } };
  // without a rollup (or with it off, or a user filter the counts cannot apply) straight to raw events
  const [split, users] = ctx.rollup && rollupCanFilter(target) ? await Promise.all([splitAggregate(ctx, target, { mustNot }, cells(COUNTS)), cellUsers(ctx, target, query)]) : [];
  const rows = split && users && !truncated(split.rolled) && !truncated(split.raw) ? mergedCells([split.rolled, split.raw], users) : await rawCells(ctx, query);
  rows.sort((a, b) => a.tier - b.tier || b.count - a.count || compareTermsKeys(a.category, b.category));
  if (rows.length === 0) return [];
  return [
    frame(
      'risk_matrix',
      [
        field('risk_tier', 'number', rows.map((r) => r.tier), { config: { displayName: 'Risk tier' } }),
        field('category', 'string', rows.map((r) => r.category)),
        field('events', 'number', rows.map((r) => r.count)),
        field('max_severity', 'string', rows.map((r) => r.severity)),
        field('users', 'number', rows.map((r) => r.users)),
        field('top_user', 'string', rows.map((r) => r.topUser)),
      ],
      { preferredVisualisationType: 'table', custom: { tierZeroMeans: 'event has no risk_tier' } },
    ),
  ];
}

async function rawCells(ctx: QueryContext, query: object): Promise<Cell[]> {
  const aggs = await aggregate(ctx, ctx.indices.events, query, cells({ ...COUNTS, ...USERS }));
  return bucketsOf(aggs, 'tiers').flatMap((tier) =>
    bucketsOf(tier, 'categories').map((cell) => ({
      tier: Number(tier.key),
      category: String(cell.key),
      count: cell.doc_count,
      severity: highest(bucketsOf(cell, 'severities').map((s) => String(s.key))),
      users: usersOf(cell),
      topUser: topUserOf(cell),
    })),
  );
}

/** Counts and severities added over the parts; users and top user over the whole range (risk-matrix-users.ts). */
function mergedCells(parts: Array<Record<string, unknown> | undefined>, users: Map<string, CellUsers>): Cell[] {
  const byCell = new Map<string, { tier: number; category: string; count: number; severities: Set<string> }>();
  for (const part of parts) {
    for (const [id, { tier, category, bucket }] of cellsOf(part)) {
      let merged = byCell.get(id);
      if (!merged) byCell.set(id, (merged = { tier, category, count: 0, severities: new Set() }));
      merged.count += bucket.doc_count;
      for (const s of bucketsOf(bucket, 'severities')) if (s.doc_count > 0) merged.severities.add(String(s.key));
    }
  }
  return [...byCell.entries()].map(([id, c]) => {
    const who = users.get(id);
    return { tier: c.tier, category: c.category, count: c.count, severity: highest(c.severities), users: who?.users ?? 0, topUser: who?.topUser ?? null };
  });
}
