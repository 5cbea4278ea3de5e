/**
 * Guardrail effectiveness (seed 001 panel 3): of the threats caught, how many the inline guardrail blocked
 * (`guardrail_block`) and how many the judge caught after the guardrail passed them (`judge_flag` with
 * guardrail_result = pass, i.e. guardrail gaps) — overall, per policy (`policy_violated`) and over time.
 *
 *   guardrail_pct = round(guardrail_caught / (guardrail_caught + judge_caught) × 100, 1)     (judge_pct likewise)
 */
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import type { estypes } from '../elasticsearch/dsl.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';

export const UNSPECIFIED_POLICY = '(unspecified)';

export interface CaughtCounts {
  guardrail_caught: number;
  judge_caught: number;
  total: number;
  /** absent when nothing was caught */
  guardrail_pct?: number;
  judge_pct?: number;
}

export interface GuardrailEffectiveness {
  from: string;
  to: string;
  interval: string;
  overall: CaughtCounts;
  by_policy: Array<CaughtCounts & { policy: string }>;
  series: Array<CaughtCounts & { timestamp: string }>;
}

const GUARDRAIL_CAUGHT: estypes.QueryDslQueryContainer = { term: { category: 'guardrail_block' } };
const JUDGE_CAUGHT: estypes.QueryDslQueryContainer = { bool: { filter: [{ term: { category: 'judge_flag' } }, { term: { guardrail_result: 'pass' } }] } };
const caught: estypes.AggregationsAggregationContainer = { filters: { filters: { guardrail: GUARDRAIL_CAUGHT, judge: JUDGE_CAUGHT } } };

/** `1h`, `15m`, `1d` are fixed intervals; `1w` and `1M` are calendar weeks and months. */
export function histogramInterval(interval: string): Pick<estypes.AggregationsDateHistogramAggregation, 'fixed_interval' | 'calendar_interval'> {
  if (interval === '1w') return { calendar_interval: 'week' };
  if (interval === '1M') return { calendar_interval: 'month' };
  return { fixed_interval: interval };
}

export function intervalMs(interval: string): number {
  const match = /^([1-9][0-9]*)([mhdwM])$/.exec(interval);
  if (!match) throw new Error(`interval must look like 15m, 1h, 1d, 1w or 1M (got "${interval}")`);
  const unit = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, M: 2_592_000_000 }[match[2] as 'm' | 'h' | 'd' | 'w' | 'M'];
  return Number(match[1]) * unit;
}

export function guardrailRequest(index: string, from: Date, to: Date, interval: string): estypes.SearchRequest {
  return {
    index,
    size: 0,
    ignore_unavailable: true,
    allow_no_indices: true,
    query: {
      bool: {
        filter: [{ range: { '@timestamp': { gte: from.toISOString(), lt: to.toISOString() } } }],
        should: [GUARDRAIL_CAUGHT, JUDGE_CAUGHT],
        minimum_should_match: 1,
      },
    },
    aggs: {
      caught,
      by_policy: { terms: { field: 'policy_violated', size: 200, missing: UNSPECIFIED_POLICY }, aggs: { caught } },
      series: {
        date_histogram: {
          field: '@timestamp',
          ...histogramInterval(interval),
          time_zone: 'UTC',
          min_doc_count: 0,
          extended_bounds: { min: from.getTime(), max: to.getTime() - 1 },
        },
        aggs: { caught, by_policy: { terms: { field: 'policy_violated', size: 50, missing: UNSPECIFIED_POLICY }, aggs: { caught } } },
      },
    },
  };
}

interface FiltersAgg {
  buckets: { guardrail: { doc_count: number }; judge: { doc_count: number } };
}
interface PolicyBucket {
  key: string;
  caught: FiltersAgg;
}

const pct = (part: number, total: number) => Math.round((part / total) * 1000) / 10;

export function caughtCounts(agg: FiltersAgg): CaughtCounts {
  const guardrail = agg.buckets.guardrail.doc_count;
  const judge = agg.buckets.judge.doc_count;
  const total = guardrail + judge;
  const counts: CaughtCounts = { guardrail_caught: guardrail, judge_caught: judge, total };
  if (total > 0) {
    counts.guardrail_pct = pct(guardrail, total);
    counts.judge_pct = pct(judge, total);
  }
  return counts;
}

export interface GuardrailBucket extends CaughtCounts {
  timestamp: string;
  by_policy: Array<CaughtCounts & { policy: string }>;
}

export interface GuardrailAnswer extends GuardrailEffectiveness {
  /** the series with per-policy counts in each bucket (for the daily metrics write-back) */
  detailed_series: GuardrailBucket[];
}

/** Reads the aggregation answer. Pure. */
export function guardrailEffectiveness(response: estypes.SearchResponse, from: Date, to: Date, interval: string): GuardrailAnswer {
  const aggs = response.aggregations as unknown as
    | {
        caught: FiltersAgg;
        by_policy: { buckets: PolicyBucket[] };
        series: { buckets: Array<{ key: number; caught: FiltersAgg; by_policy: { buckets: PolicyBucket[] } }> };
      }
    | undefined;
  const empty: FiltersAgg = { buckets: { guardrail: { doc_count: 0 }, judge: { doc_count: 0 } } };
  const byPolicy = (buckets: PolicyBucket[]) =>
    buckets
      .map((b) => ({ policy: String(b.key), ...caughtCounts(b.caught) }))
      .filter((p) => p.total > 0)
      .sort((a, b) => b.total - a.total || a.policy.localeCompare(b.policy));
  const detailed = (aggs?.series.buckets ?? [])
    .filter((b) => b.key >= from.getTime() - intervalMs(interval) && b.key < to.getTime())
    .map((b) => ({ timestamp: new Date(b.key).toISOString(), ...caughtCounts(b.caught), by_policy: byPolicy(b.by_policy.buckets) }));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    interval,
    overall: caughtCounts(aggs?.caught ?? empty),
    by_policy: byPolicy(aggs?.by_policy.buckets ?? []),
    series: detailed.map(({ by_policy: _ignored, ...counts }) => counts),
    detailed_series: detailed,
  };
}

export async function measureGuardrailEffectiveness(
  reader: Pick<SearchReader, 'search'>,
  eventsIndex: string,
  range: { from: Date; to: Date; interval: string },
  timing?: EsTiming,
): Promise<GuardrailAnswer> {
  const response = await reader.search(guardrailRequest(eventsIndex, range.from, range.to, range.interval), {
    availability: 'guardrail effectiveness aggregation',
    ...(timing ? { timing } : {}),
  });
  return guardrailEffectiveness(response, range.from, range.to, range.interval);
}
