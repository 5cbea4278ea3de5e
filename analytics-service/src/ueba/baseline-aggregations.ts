/**
 * The Elasticsearch aggregations a baseline is computed from, and typed readers of their answers.
 * Everything per event (counts, percentiles, MAD, term lists) is computed by Elasticsearch; the service
 * receives one summary bucket per entity and, per entity, one bucket per active hour and per session.
 */
import type { estypes } from '../elasticsearch/dsl.js';
import type { Distribution, SeenValue } from './baseline-document.js';
import { ENTITY_FIELD, type EntityKind } from './entities.js';

export interface TimeWindow {
  from: Date;
  to: Date;
}

/** How many values of each "seen" list a baseline keeps. */
export const SEEN_LIST_SIZE = 25;

export function windowFilter(window: TimeWindow): estypes.QueryDslQueryContainer {
  return { range: { '@timestamp': { gte: window.from.toISOString(), lt: window.to.toISOString(), format: 'strict_date_optional_time' } } };
}

const REQUEST = { term: { category: 'request' } } as const;

const distributionAggs = (field: string): Record<string, estypes.AggregationsAggregationContainer> => ({
  [`${field}_stats`]: { extended_stats: { field } },
  [`${field}_pct`]: { percentiles: { field, percents: [50, 95, 99], keyed: false } },
  [`${field}_mad`]: { median_absolute_deviation: { field } },
});

const seen = (field: string, size = SEEN_LIST_SIZE): estypes.AggregationsAggregationContainer => ({ terms: { field, size } });

/** One request per page of entities: everything that Elasticsearch can summarize per entity in one pass. */
export function summaryRequest(index: string, kind: EntityKind, ids: string[], window: TimeWindow): estypes.SearchRequest {
  const field = ENTITY_FIELD[kind];
  return {
    index,
    size: 0,
    ignore_unavailable: true,
    allow_no_indices: true,
    query: { bool: { filter: [windowFilter(window), { terms: { [field]: ids } }] } },
    aggs: {
      entities: {
        terms: { field, size: ids.length, order: { _key: 'asc' } },
        aggs: {
          first_seen: { min: { field: '@timestamp' } },
          last_seen: { max: { field: '@timestamp' } },
          categories: seen('category', 20),
          countries: seen('src_country'),
          models: seen('model'),
          endpoints: seen('endpoint'),
          tools: seen('tool_name'),
          departments: seen('user_department', 5),
          users: seen('user_id', 10),
          countries_distinct: { cardinality: { field: 'src_country' } },
          models_distinct: { cardinality: { field: 'model' } },
          endpoints_distinct: { cardinality: { field: 'endpoint' } },
          tools_distinct: { cardinality: { field: 'tool_name' } },
          users_distinct: { cardinality: { field: 'user_id' } },
          sessions_distinct: { cardinality: { field: 'session_id' } },
          requests: {
            filter: REQUEST,
            aggs: { ...distributionAggs('tokens_in'), ...distributionAggs('tokens_out'), ...distributionAggs('cost_usd') },
          },
        },
      },
    },
  };
}

/** Composite sources and query of the per-(entity, local hour) request counts of a page of entities. */
export function hourlyComposite(kind: EntityKind, ids: string[], window: TimeWindow, timeZone: string) {
  const field = ENTITY_FIELD[kind];
  return {
    query: { bool: { filter: [windowFilter(window), REQUEST, { terms: { [field]: ids } }] } } as estypes.QueryDslQueryContainer,
    sources: [
      { entity: { terms: { field } } },
      { hour: { date_histogram: { field: '@timestamp', fixed_interval: '1h', time_zone: timeZone } } },
    ] as Array<Record<string, estypes.AggregationsCompositeAggregationSource>>,
    aggs: { cost: { sum: { field: 'cost_usd' } }, tokens_out: { sum: { field: 'tokens_out' } } } as Record<string, estypes.AggregationsAggregationContainer>,
  };
}

/** Composite sources and query of the per-(entity, session) cost of a page of entities. */
export function sessionComposite(kind: EntityKind, ids: string[], window: TimeWindow) {
  const field = ENTITY_FIELD[kind];
  return {
    query: { bool: { filter: [windowFilter(window), { terms: { [field]: ids } }, { exists: { field: 'session_id' } }] } } as estypes.QueryDslQueryContainer,
    sources: [{ entity: { terms: { field } } }, { session: { terms: { field: 'session_id' } } }] as Array<
      Record<string, estypes.AggregationsCompositeAggregationSource>
    >,
    aggs: {
      // producers report either a running session total or per-call cost; the larger is the session's cost
      reported: { max: { field: 'session_cost_usd' } },
      summed: { sum: { field: 'cost_usd' } },
    } as Record<string, estypes.AggregationsAggregationContainer>,
  };
}

// ---- readers -------------------------------------------------------------------------------------

interface ValueAgg {
  value: number | null;
  value_as_string?: string;
}
interface TermsAgg {
  buckets: Array<{ key: string | number; doc_count: number }>;
}
interface ExtendedStatsAgg {
  count: number;
  min: number | null;
  max: number | null;
  avg: number | null;
  std_deviation: number | null;
}
interface PercentilesAgg {
  values: Array<{ key: number; value: number | null }>;
}

export interface SummaryBucket {
  key: string;
  doc_count: number;
  first_seen: ValueAgg;
  last_seen: ValueAgg;
  categories: TermsAgg;
  countries: TermsAgg;
  models: TermsAgg;
  endpoints: TermsAgg;
  tools: TermsAgg;
  departments: TermsAgg;
  users: TermsAgg;
  countries_distinct: ValueAgg;
  models_distinct: ValueAgg;
  endpoints_distinct: ValueAgg;
  tools_distinct: ValueAgg;
  users_distinct: ValueAgg;
  sessions_distinct: ValueAgg;
  requests: { doc_count: number } & Record<string, ExtendedStatsAgg | PercentilesAgg | ValueAgg | number>;
}

export function summaryBuckets(response: estypes.SearchResponse): SummaryBucket[] {
  const entities = response.aggregations?.entities as unknown as { buckets: SummaryBucket[] } | undefined;
  return entities?.buckets ?? [];
}

export const seenValues = (agg: TermsAgg): SeenValue[] => agg.buckets.map((b) => ({ value: String(b.key), count: b.doc_count }));

/** The distribution of a numeric field over an entity's requests, read from the summary bucket. */
export function fieldDistribution(requests: SummaryBucket['requests'], field: 'tokens_in' | 'tokens_out' | 'cost_usd'): Distribution {
  const stats = requests[`${field}_stats`] as ExtendedStatsAgg | undefined;
  if (!stats || stats.count === 0) return { count: 0 };
  const pct = (requests[`${field}_pct`] as PercentilesAgg | undefined)?.values ?? [];
  const at = (p: number) => pct.find((v) => v.key === p)?.value ?? undefined;
  const mad = (requests[`${field}_mad`] as ValueAgg | undefined)?.value;
  const out: Distribution = { count: stats.count };
  const set = (key: keyof Distribution, value: number | null | undefined) => {
    if (value !== null && value !== undefined && Number.isFinite(value)) (out as Record<string, number>)[key] = value;
  };
  set('mean', stats.avg);
  set('sd', stats.std_deviation);
  set('min', stats.min);
  set('max', stats.max);
  set('median', at(50));
  set('mad', mad);
  set('p95', at(95));
  set('p99', at(99));
  return out;
}

export interface HourBucket {
  key: { entity: string; hour: number };
  doc_count: number;
  cost: ValueAgg;
  tokens_out: ValueAgg;
}

export interface SessionBucket {
  key: { entity: string; session: string };
  doc_count: number;
  reported: ValueAgg;
  summed: ValueAgg;
}
