/**
 * Judge assurance (seed 001 §6, seed 004 "Model Drift"): per judge model and UTC day, the mean judge_score of
 * `judge_flag` events, its trailing 7-day mean, the PSI of the day's score distribution against the seven
 * days before it, and agreement with human reviewers where `human_verdict` is present.
 *
 * Elasticsearch aggregates per (model, day): count, mean, counts in fixed score bins, and (judge_verdict,
 * human_verdict) pairs. The series arithmetic below is pure.
 */
import type { Client, estypes } from '@elastic/elasticsearch';
import type { EsTiming } from '../elasticsearch/composite-pager.js';
import { withAvailability } from '../elasticsearch/errors.js';
import { JUDGE_SCORE_BIN_EDGES, populationStabilityIndex, type PsiLevel } from './psi.js';

export const DAY_MS = 86_400_000;

export interface JudgeDriftSettings {
  /** seed 001 §6: |daily mean − trailing mean| above this is drift */
  meanShiftThreshold: number;
  /** days in the trailing mean (including the day, as the seed's streamstats window=7) and the PSI reference (the days before) */
  trailingDays: number;
  /** judge scores a day needs before its PSI is computed (PSI of small samples is biased upward) */
  minDayCount: number;
  /** judge scores the reference window needs */
  minReferenceCount: number;
  /** human-reviewed events a day needs before agreement can flag */
  minReviewed: number;
  /** agreement below this is flagged */
  minAgreement: number;
}

export const DEFAULT_JUDGE_DRIFT: JudgeDriftSettings = {
  meanShiftThreshold: 0.15,
  trailingDays: 7,
  minDayCount: 50,
  minReferenceCount: 100,
  minReviewed: 10,
  minAgreement: 0.8,
};

export type JudgeDriftFlag = 'mean_shift' | 'psi_moderate' | 'psi_significant' | 'low_agreement';

export interface JudgeDay {
  /** UTC day, YYYY-MM-DD */
  date: string;
  /** start of the day */
  timestamp: string;
  judge_model: string;
  count: number;
  mean_score: number;
  trailing_mean: number;
  /** days with scores that the trailing mean averages */
  trailing_days: number;
  abs_diff: number;
  /** absent when the day or the reference window has too few scores */
  psi?: number;
  psi_level?: PsiLevel;
  reference_count: number;
  reviewed: number;
  agreed: number;
  agreement?: number;
  /** judge scores per bin [0,0.1) … [0.9,1.0] */
  bins: number[];
  flags: JudgeDriftFlag[];
  /** mean shift, significant PSI, or low agreement */
  flagged: boolean;
}

const AGREEING_REVIEWS = new Set(['true_positive', 'tp', 'confirmed', 'confirm', 'agree', 'agreed', 'correct', 'valid', 'violation']);
const DISAGREEING_REVIEWS = new Set(['false_positive', 'fp', 'disagree', 'disagreed', 'incorrect', 'invalid', 'benign', 'not_violation']);

const normalize = (verdict: string) => verdict.trim().toLowerCase().replace(/[\s-]+/g, '_');

/**
 * Whether a reviewer agreed with the judge on a flagged event: the reviewer's verdict names the same label as the
 * judge's, or is an explicit confirmation (true_positive, confirmed, …) rather than a rejection (false_positive, …).
 */
export function reviewerAgrees(judgeVerdict: string, humanVerdict: string): boolean {
  const human = normalize(humanVerdict);
  if (judgeVerdict !== '' && normalize(judgeVerdict) === human) return true;
  if (AGREEING_REVIEWS.has(human)) return true;
  if (DISAGREEING_REVIEWS.has(human)) return false;
  return false;
}

export const utcDay = (epochMs: number) => Math.floor(epochMs / DAY_MS) * DAY_MS;
export const dayString = (epochMs: number) => new Date(epochMs).toISOString().slice(0, 10);

const binRanges = JUDGE_SCORE_BIN_EDGES.slice(0, -1).map((from, i) => {
  // the last bin is closed: a score of exactly 1.0 belongs to [0.9, 1.0]
  const to = JUDGE_SCORE_BIN_EDGES[i + 1]!;
  return i === JUDGE_SCORE_BIN_EDGES.length - 2 ? { key: String(i), from } : { key: String(i), from, to };
});

/** Scope of judge assurance: seed 001 §6 measures the scores of `judge_flag` events. */
export function judgeScope(from: number, to: number, judgeModel?: string): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [
    { range: { '@timestamp': { gte: new Date(from).toISOString(), lt: new Date(to).toISOString() } } },
    { term: { category: 'judge_flag' } },
    { exists: { field: 'judge_score' } },
    { exists: { field: 'judge_model' } },
  ];
  if (judgeModel !== undefined) filter.push({ term: { judge_model: judgeModel } });
  return { bool: { filter } };
}

export function judgeDriftRequest(index: string, from: number, to: number, settings: JudgeDriftSettings, judgeModel?: string): estypes.SearchRequest {
  return {
    index,
    size: 0,
    ignore_unavailable: true,
    allow_no_indices: true,
    query: judgeScope(utcDay(from) - settings.trailingDays * DAY_MS, to, judgeModel),
    aggs: {
      models: {
        terms: { field: 'judge_model', size: 500, order: { _key: 'asc' } },
        aggs: {
          days: {
            date_histogram: { field: '@timestamp', calendar_interval: '1d', time_zone: 'UTC', min_doc_count: 1 },
            aggs: {
              mean: { avg: { field: 'judge_score' } },
              bins: { range: { field: 'judge_score', ranges: binRanges, keyed: false } },
              reviewed: {
                filter: { exists: { field: 'human_verdict' } },
                aggs: {
                  judge: {
                    terms: { field: 'judge_verdict', size: 50, missing: '' },
                    aggs: { human: { terms: { field: 'human_verdict', size: 50 } } },
                  },
                },
              },
            },
          },
        },
      },
    },
  };
}

interface DayBucket {
  key: number;
  doc_count: number;
  mean: { value: number | null };
  bins: { buckets: Array<{ key: string; doc_count: number }> };
  reviewed: { doc_count: number; judge: { buckets: Array<{ key: string; human: { buckets: Array<{ key: string; doc_count: number }> } }> } };
}
interface ModelBucket {
  key: string;
  days: { buckets: DayBucket[] };
}

interface DayData {
  count: number;
  mean: number;
  bins: number[];
  reviewed: number;
  agreed: number;
}

function readDay(bucket: DayBucket): DayData {
  const bins = new Array<number>(binRanges.length).fill(0);
  for (const b of bucket.bins.buckets) bins[Number(b.key)] = b.doc_count;
  let agreed = 0;
  for (const judge of bucket.reviewed.judge.buckets) {
    for (const human of judge.human.buckets) if (reviewerAgrees(String(judge.key), String(human.key))) agreed += human.doc_count;
  }
  return { count: bucket.doc_count, mean: bucket.mean.value ?? 0, bins, reviewed: bucket.reviewed.doc_count, agreed };
}

/** The daily series of every judge model for the days of [from, to) that have scores. Pure. */
export function judgeDriftSeries(response: estypes.SearchResponse, from: number, to: number, settings: JudgeDriftSettings): JudgeDay[] {
  const models = (response.aggregations?.models as unknown as { buckets: ModelBucket[] } | undefined)?.buckets ?? [];
  const series: JudgeDay[] = [];
  for (const model of models) {
    const days = new Map<number, DayData>();
    for (const bucket of model.days.buckets) days.set(utcDay(bucket.key), readDay(bucket));
    for (let day = utcDay(from); day < to; day += DAY_MS) {
      const today = days.get(day);
      if (!today || today.count === 0) continue;

      // trailing mean of daily means, the day included (seed 001 §6: streamstats window=7)
      const trailing: number[] = [];
      for (let d = day - (settings.trailingDays - 1) * DAY_MS; d <= day; d += DAY_MS) {
        const data = days.get(d);
        if (data && data.count > 0) trailing.push(data.mean);
      }
      const trailingMean = trailing.reduce((s, v) => s + v, 0) / trailing.length;
      const absDiff = Math.abs(today.mean - trailingMean);

      // PSI against the pooled scores of the days before (the day itself excluded)
      const reference = new Array<number>(binRanges.length).fill(0);
      for (let d = day - settings.trailingDays * DAY_MS; d < day; d += DAY_MS) {
        days.get(d)?.bins.forEach((count, i) => (reference[i]! += count));
      }
      const referenceCount = reference.reduce((s, v) => s + v, 0);

      const flags: JudgeDriftFlag[] = [];
      if (absDiff > settings.meanShiftThreshold) flags.push('mean_shift');
      const entry: JudgeDay = {
        date: dayString(day),
        timestamp: new Date(day).toISOString(),
        judge_model: String(model.key),
        count: today.count,
        mean_score: today.mean,
        trailing_mean: trailingMean,
        trailing_days: trailing.length,
        abs_diff: absDiff,
        reference_count: referenceCount,
        reviewed: today.reviewed,
        agreed: today.agreed,
        bins: today.bins,
        flags,
        flagged: false,
      };
      if (today.count >= settings.minDayCount && referenceCount >= settings.minReferenceCount) {
        const psi = populationStabilityIndex(today.bins, reference);
        entry.psi = psi.psi;
        entry.psi_level = psi.level;
        if (psi.level === 'moderate') flags.push('psi_moderate');
        if (psi.level === 'significant') flags.push('psi_significant');
      }
      if (today.reviewed > 0) {
        entry.agreement = today.agreed / today.reviewed;
        if (today.reviewed >= settings.minReviewed && entry.agreement < settings.minAgreement) flags.push('low_agreement');
      }
      entry.flagged = flags.some((f) => f !== 'psi_moderate');
      series.push(entry);
    }
  }
  return series;
}

export async function judgeDrift(
  es: Client,
  eventsIndex: string,
  range: { from: Date; to: Date; judgeModel?: string },
  settings: JudgeDriftSettings = DEFAULT_JUDGE_DRIFT,
  timing?: EsTiming,
): Promise<JudgeDay[]> {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const response = await withAvailability('judge drift aggregation', () => es.search(judgeDriftRequest(eventsIndex, from, to, settings, range.judgeModel)));
  timing?.add(response);
  return judgeDriftSeries(response, from, to, settings);
}
