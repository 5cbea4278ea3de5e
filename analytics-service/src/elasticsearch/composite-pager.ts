/**
 * Pages through a composite aggregation, one page of buckets at a time, so that high-cardinality
 * groupings (users × hours, users × sessions) are streamed rather than held: memory is bounded by one page.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { withAvailability } from './errors.js';

/** Time Elasticsearch reported spending (`took`), summed over the requests of one job. */
export class EsTiming {
  tookMs = 0;
  requests = 0;
  add(response: { took?: number }): void {
    this.tookMs += response.took ?? 0;
    this.requests++;
  }
}

export interface CompositeQuery {
  index: string;
  query: estypes.QueryDslQueryContainer;
  sources: Array<Record<string, estypes.AggregationsCompositeAggregationSource>>;
  aggs?: Record<string, estypes.AggregationsAggregationContainer>;
  pageSize: number;
  /** shard-copy preference (see DETECTION_PREFERENCE in detection-store.ts) */
  preference?: string;
}

interface CompositeAnswer<B> {
  buckets: B[];
  after_key?: Record<string, unknown>;
}

export async function* compositePages<B>(es: Client, spec: CompositeQuery, timing: EsTiming, what = 'composite aggregation'): AsyncGenerator<B[]> {
  let after: Record<string, unknown> | undefined;
  for (;;) {
    const composite: estypes.AggregationsCompositeAggregation = { size: spec.pageSize, sources: spec.sources };
    if (after) composite.after = after as estypes.AggregationsCompositeAggregateKey;
    const response = await withAvailability(what, () =>
      es.search({
        index: spec.index,
        size: 0,
        ignore_unavailable: true,
        allow_no_indices: true,
        track_total_hits: false,
        query: spec.query,
        aggs: { page: { composite, ...(spec.aggs ? { aggs: spec.aggs } : {}) } },
        ...(spec.preference ? { preference: spec.preference } : {}),
      }),
    );
    timing.add(response);
    const page = response.aggregations?.page as unknown as CompositeAnswer<B> | undefined;
    const buckets = page?.buckets ?? [];
    if (buckets.length > 0) yield buckets;
    if (!page?.after_key || buckets.length < spec.pageSize) return;
    after = page.after_key;
  }
}

/** Reads every page of a composite aggregation into a map keyed by the first source (an entity id). */
export async function groupCompositeByEntity<B extends { key: { entity: string } }>(
  es: Client,
  spec: CompositeQuery,
  timing: EsTiming,
  what?: string,
): Promise<Map<string, B[]>> {
  const grouped = new Map<string, B[]>();
  for await (const page of compositePages<B>(es, spec, timing, what)) {
    for (const bucket of page) {
      const list = grouped.get(bucket.key.entity);
      if (list) list.push(bucket);
      else grouped.set(bucket.key.entity, [bucket]);
    }
  }
  return grouped;
}
