/**
 * Per judge model and day, the statistics judge drift needs (assurance/judge-drift-assessment.ts), aggregated by
 * Elasticsearch: count, mean and variance of `judge_score`, its histogram on fixed bins, and the human reviews
 * that agreed with the judge. One set of sub-aggregations serves both ways in: a terms × date_histogram request
 * (the API, daily metrics and the Grafana query kind) and the detection store's composite pages (the rule).
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import { reviewerAgrees } from '../assurance/reviews.js';
import type { JudgeDayStats } from '../assurance/judge-drift-assessment.js';
import type { EsTiming } from './composite-pager.js';
import { withAvailability } from './errors.js';

/** Fixed judge-score bins: [0, 0.1), [0.1, 0.2), … [0.9, 1.0]. Fixed so that days are comparable. */
export const JUDGE_SCORE_BIN_EDGES = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

const binRanges = JUDGE_SCORE_BIN_EDGES.slice(0, -1).map((from, i) =>
  // the last bin is closed: a score of exactly 1.0 belongs to [0.9, 1.0]
  i === JUDGE_SCORE_BIN_EDGES.length - 2 ? { key: String(i), from } : { key: String(i), from, to: JUDGE_SCORE_BIN_EDGES[i + 1]! },
);

/** The sub-aggregations of one (judge model, day) bucket, over `field` (judge_score). */
export function judgeDayAggregations(field = 'judge_score'): Record<string, estypes.AggregationsAggregationContainer> {
  return {
    score: { extended_stats: { field } },
    bins: { range: { field, ranges: binRanges, keyed: false } },
    last: { max: { field: '@timestamp' } },
    reviewed: {
      filter: { exists: { field: 'human_verdict' } },
      aggs: { judge: { terms: { field: 'judge_verdict', size: 50, missing: '' }, aggs: { human: { terms: { field: 'human_verdict', size: 50 } } } } },
    },
  };
}

interface DayAggs {
  score?: { count: number; avg: number | null; variance_sampling?: number | null; variance?: number | null };
  bins?: { buckets: Array<{ key: string; doc_count: number }> };
  last?: { value: number | null };
  reviewed?: { doc_count: number; judge: { buckets: Array<{ key: string | number; human: { buckets: Array<{ key: string | number; doc_count: number }> } }> } };
}

/** A bucket's sub-aggregations as the statistics of one day. */
export function judgeDayStats(day: number, aggs: unknown): JudgeDayStats {
  const a = aggs as DayAggs;
  const count = a.score?.count ?? 0;
  const bins = new Array<number>(binRanges.length).fill(0);
  for (const b of a.bins?.buckets ?? []) bins[Number(b.key)] = b.doc_count;
  let agreed = 0;
  for (const judge of a.reviewed?.judge.buckets ?? []) {
    for (const human of judge.human.buckets) if (reviewerAgrees(String(judge.key), String(human.key))) agreed += human.doc_count;
  }
  // extended_stats' variance_sampling is the unbiased (n − 1) variance; older nodes give only the population one
  const population = a.score?.variance ?? 0;
  const variance = a.score?.variance_sampling ?? (count > 1 ? (population * count) / (count - 1) : 0);
  return { day, count, mean: a.score?.avg ?? 0, variance, bins, reviewed: a.reviewed?.doc_count ?? 0, agreed, last: a.last?.value ?? day };
}

export interface JudgeDaysRequest {
  index: string;
  /** judge_flag events with a score, in the read range, plus any filter of the caller */
  filter: estypes.QueryDslQueryContainer[];
  timeZone: string;
  judgeModels?: string[];
}

/** Day statistics per judge model, for every day with scores that the filter lets through. */
export async function readJudgeDays(es: Client, request: JudgeDaysRequest, timing?: EsTiming): Promise<Map<string, JudgeDayStats[]>> {
  const filter = [
    ...request.filter,
    { exists: { field: 'judge_score' } },
    { exists: { field: 'judge_model' } },
    ...(request.judgeModels && request.judgeModels.length > 0 ? [{ terms: { judge_model: request.judgeModels } }] : []),
  ];
  const response = await withAvailability('judge drift aggregation', () =>
    es.search({
      index: request.index,
      size: 0,
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { bool: { filter } },
      aggs: {
        models: {
          terms: { field: 'judge_model', size: 500, order: { _key: 'asc' } },
          aggs: {
            days: {
              date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: request.timeZone, min_doc_count: 1 },
              aggs: judgeDayAggregations(),
            },
          },
        },
      },
    }),
  );
  timing?.add(response);
  const models = (response.aggregations?.models as { buckets: Array<{ key: string; days: { buckets: Array<{ key: number } & Record<string, unknown>> } }> } | undefined)?.buckets ?? [];
  return new Map(models.map((m) => [String(m.key), m.days.buckets.map((b) => judgeDayStats(Number(b.key), b))]));
}
