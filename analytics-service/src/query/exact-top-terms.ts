/**
 * The exact top values of a `terms` aggregation over disjoint parts of the events (the per-user rollup's rows and
 * the raw events they do not count), each searched on its own, or a refusal when the parts cannot prove it.
 *
 * Each part answers its own top `size` values (one shard: exact counts, ordered by count descending then key
 * ascending, the rest summed in `sum_other_doc_count`). A value a part did not list has there at most that part's
 * last listed count (it would have been listed otherwise). So every value's sum lies in [listed counts,
 * listed counts + the last counts of the parts that did not list it], and a value no part listed has at most the sum
 * of their last counts. The first `k` of the sum are certain when their own counts are exact and nothing else can
 * reach the k-th; the order is then Elasticsearch's (count descending, key ascending), as over raw events.
 * (Elasticsearch's own per-value `doc_count_error_upper_bound` over several indices at once did not bound the
 * error of values every shard listed when measured here, so the parts are merged in the service instead.)
 */
import { compareTermsKeys } from './rollup-split.js';

export interface TermsPart {
  buckets?: Array<{ key: string | number; doc_count: number }>;
  sum_other_doc_count?: number;
  /** over several shards, how far a listed count may be under; 0 over one shard */
  doc_count_error_upper_bound?: number;
}

export interface ExactTop {
  top: Array<{ key: string | number; count: number }>;
  /** events of all values, listed or not */
  total: number;
}

interface Candidate {
  key: string | number;
  low: number;
  high: number;
}

export function exactTopOfParts(parts: ReadonlyArray<TermsPart | undefined>, k: number): ExactTop | undefined {
  const candidates = new Map<string, Candidate>();
  let unseen = 0;
  let total = 0;
  const listed: Array<Set<string>> = [];
  const bounds: Array<{ under: number; missing: number }> = [];
  for (const part of parts) {
    const buckets = part?.buckets ?? [];
    const under = part?.doc_count_error_upper_bound ?? 0;
    const other = part?.sum_other_doc_count ?? 0;
    if (under < 0) return undefined;
    const last = buckets[buckets.length - 1]?.doc_count ?? other;
    const missing = other > 0 ? Math.min(other, last + under) : 0;
    bounds.push({ under, missing });
    unseen += missing;
    total += other;
    const ids = new Set<string>();
    for (const b of buckets) {
      const id = `${typeof b.key}:${b.key}`;
      ids.add(id);
      total += b.doc_count;
      let c = candidates.get(id);
      if (!c) candidates.set(id, (c = { key: b.key, low: 0, high: 0 }));
      c.low += b.doc_count;
    }
    listed.push(ids);
  }
  for (const [id, c] of candidates) {
    c.high = c.low;
    listed.forEach((ids, i) => (c.high += ids.has(id) ? bounds[i]!.under : bounds[i]!.missing));
  }
  const ranked = [...candidates.values()].sort((a, b) => b.low - a.low || compareTermsKeys(a.key, b.key));
  const top = ranked.slice(0, k);
  if (top.some((c) => c.high !== c.low)) return undefined;
  if (top.length < k) return unseen === 0 ? { top: top.map((c) => ({ key: c.key, count: c.low })), total } : undefined;
  const threshold = top[k - 1]?.low ?? 0;
  if (unseen > 0 && unseen >= threshold) return undefined;
  // below the top: exact counts are ordered right; uncertain ones must not be able to reach the k-th
  if (ranked.slice(k).some((c) => c.high !== c.low && c.high >= threshold)) return undefined;
  return { top: top.map((c) => ({ key: c.key, count: c.low })), total };
}
