/**
 * The risk matrix's per-cell users (how many distinct) and top user (most events; ties: lowest id, as
 * Elasticsearch orders terms), from the daily per-user rollup where it is exact (user-rollup-split.ts) and from raw
 * events otherwise.
 *
 * With the rollup: one search over rows ∪ unrolled raw events gives each cell's `cardinality` (the same set of users
 * as over raw events, so the same value), and the two parts searched side by side give each cell's top candidates,
 * merged and checked exact (exact-top-terms.ts). A cell whose top user cannot be proven (near-ties in a cell spread
 * over many users) is recomputed from raw events, those cells only.
 */
import { aggregate, bucketsOf, type Aggregations, type Query, type QueryContext } from './context.js';
import { exactTopOfParts, type TermsPart } from './exact-top-terms.js';
import type { QueryTargetOf } from './kinds.js';
import { cellFilter, cells, cellsOf, truncated } from './risk-matrix-cells.js';
import { searchParts, searchUnion, userSplit } from './user-rollup-split.js';

export interface CellUsers {
  users: number;
  topUser: string | null;
}

/** Candidates per cell and part for the top user: the more, the likelier it is provably exact. */
const TOP_CANDIDATES = 20;

const CARDINALITY: Aggregations = { users: { cardinality: { field: 'user_id' } } };
const TOP_USER: Aggregations = { top_user: { terms: { field: 'user_id', size: 1 } } };

const usersOf = (cell: unknown) => (cell as { users?: { value?: number } }).users?.value ?? 0;
const topOf = (cell: unknown) => {
  const first = bucketsOf(cell, 'top_user')[0];
  return first ? String(first.key) : null;
};

/** Users and top user per cell (by cellId) of the events `query` matches. */
export async function cellUsers(ctx: QueryContext, target: QueryTargetOf<'risk_matrix'>, query: { bool: { filter: Query[]; must_not: Query[] } }): Promise<Map<string, CellUsers>> {
  const split = await userSplit(ctx, target, { mustNot: query.bool.must_not });
  const [union, parts] = split
    ? await Promise.all([searchUnion(ctx, split, cells(CARDINALITY)), searchParts(ctx, split, cells({ top_user: { terms: { field: 'user_id', size: TOP_CANDIDATES } } }))])
    : [];
  if (!union || !parts || truncated(union) || truncated(parts.rows) || truncated(parts.raw)) return rawCellUsers(ctx, query);
  const rowCells = cellsOf(parts.rows);
  const rawCells = cellsOf(parts.raw);
  const result = new Map<string, CellUsers>();
  const unproven: Array<{ id: string; tier: number; category: string }> = [];
  for (const [id, { tier, category, bucket }] of cellsOf(union)) {
    const candidates = [rowCells.get(id)?.bucket.top_user as TermsPart | undefined, rawCells.get(id)?.bucket.top_user as TermsPart | undefined];
    const top = exactTopOfParts(candidates, 1);
    result.set(id, { users: usersOf(bucket), topUser: top?.top[0] ? String(top.top[0].key) : null });
    if (!top) unproven.push({ id, tier, category });
  }
  if (unproven.length > 0) {
    const only: Query = { bool: { should: unproven.map((c) => cellFilter(c.tier, c.category)), minimum_should_match: 1 } };
    const raw = await aggregate(ctx, ctx.indices.events, { bool: { filter: [...query.bool.filter, only], must_not: query.bool.must_not } }, cells(TOP_USER));
    const found = cellsOf(raw);
    for (const c of unproven) result.get(c.id)!.topUser = topOf(found.get(c.id)?.bucket);
  }
  return result;
}

async function rawCellUsers(ctx: QueryContext, query: Query): Promise<Map<string, CellUsers>> {
  const raw = await aggregate(ctx, ctx.indices.events, query, cells({ ...CARDINALITY, ...TOP_USER }));
  return new Map([...cellsOf(raw)].map(([id, { bucket }]) => [id, { users: usersOf(bucket), topUser: topOf(bucket) }]));
}
