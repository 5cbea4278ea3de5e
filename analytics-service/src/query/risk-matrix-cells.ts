/**
 * The risk matrix's cells (risk tier × category) as Elasticsearch aggregations, shared by its counts
 * (risk-matrix.ts) and its users (risk-matrix-users.ts).
 */
import { bucketsOf, type Aggregations, type Bucket, type Query } from './context.js';

const MAX_TIERS = 10;
const MAX_CATEGORIES = 50;

/** tier × category, with `cellAggs` in each cell; events without a risk tier are in tier 0 */
export const cells = (cellAggs: Aggregations): Aggregations => ({
  tiers: {
    terms: { field: 'risk_tier', size: MAX_TIERS, missing: 0 },
    aggs: { categories: { terms: { field: 'category', size: MAX_CATEGORIES }, aggs: cellAggs } },
  },
});

export const cellId = (tier: Bucket, cell: Bucket): string => `${Number(tier.key)}\u0000${String(cell.key)}`;

/** Every cell of a tiers → categories answer, by cellId. */
export function cellsOf(aggs: Record<string, unknown> | undefined): Map<string, { tier: number; category: string; bucket: Bucket }> {
  const found = new Map<string, { tier: number; category: string; bucket: Bucket }>();
  for (const tier of bucketsOf(aggs, 'tiers')) {
    for (const cell of bucketsOf(tier, 'categories')) found.set(cellId(tier, cell), { tier: Number(tier.key), category: String(cell.key), bucket: cell });
  }
  return found;
}

/** whether a tiers → categories answer left cells out */
export const truncated = (aggs: Record<string, unknown> | undefined): boolean =>
  ((aggs?.tiers as { sum_other_doc_count?: number } | undefined)?.sum_other_doc_count ?? 0) > 0 ||
  bucketsOf(aggs, 'tiers').some((t) => ((t.categories as { sum_other_doc_count?: number } | undefined)?.sum_other_doc_count ?? 0) > 0);

/** The events of one cell (tier 0: risk tier 0 or none, as the `missing: 0` of `cells`). */
export function cellFilter(tier: number, category: string): Query {
  const tierFilter: Query =
    tier === 0 ? { bool: { should: [{ term: { risk_tier: 0 } }, { bool: { must_not: [{ exists: { field: 'risk_tier' } }] } }], minimum_should_match: 1 } } : { term: { risk_tier: tier } };
  return { bool: { filter: [tierFilter, { term: { category } }] } };
}
