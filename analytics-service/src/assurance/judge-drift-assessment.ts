/**
 * Judge drift, one definition for the API, the Grafana query kind and the `judge_drift` rule (seed 001 §6,
 * seed 004 "Model Drift"). Pure: it takes per-day statistics of one judge model and says, for each day, whether
 * the day's scores moved away from the days before it.
 *
 * The reference of a day is the `trailing_days` days before it (the day itself excluded, so a shift is not
 * diluted by its own day) that have at least `min_events_per_day` scores; at least `min_trailing_days` of them
 * are needed. Seed 001 §6 compares the day's mean with the trailing mean of daily means: `abs_diff` is that
 * comparison. A flag needs both a practical and a statistical case:
 *
 * - `mean_shift`: abs_diff > max_abs_diff (0.15, seed 001 §6) and Welch's t-test of the day against the pooled
 *   reference scores gives p < alpha;
 * - `distribution_shift`: PSI of the day against the reference ≥ min_psi (0.1, the usual "moderate" mark) and
 *   the G-test of the two histograms gives p < alpha — this catches a change of spread the mean does not show;
 * - `low_agreement`: at least min_reviewed human reviews that day and agreement below min_agreement.
 *
 * With alpha = 0.001 per test, a stable judge is flagged on about 0.2 % of its days whatever its daily volume
 * (the tests know their sample size: PSI alone at 60 scores a day is about 0.17 by chance, with no change).
 */
import { gTestHomogeneity, pooledMoments, welchTTest, type Moments } from './drift-statistics.js';
import { populationStabilityIndex } from './psi.js';
import { DAY_MS } from '../time/units.js';

export interface JudgeDriftSettings {
  /** IANA time zone of the days (the detection config's `timezone`) */
  timeZone: string;
  trailingDays: number;
  minTrailingDays: number;
  minEventsPerDay: number;
  /** seed 001 §6: |daily mean − trailing mean| above this is a practical shift */
  maxAbsDiff: number;
  /** significance level of each test, per judge model and day */
  alpha: number;
  /** PSI a distribution shift must reach */
  minPsi: number;
  minReviewed: number;
  minAgreement: number;
}

/** One judge model's scores on one day, as aggregated by Elasticsearch. */
export interface JudgeDayStats {
  /** start of the day (ms) */
  day: number;
  count: number;
  mean: number;
  /** unbiased variance of the scores */
  variance: number;
  /** scores per fixed bin (elasticsearch/judge-days.ts) */
  bins: number[];
  reviewed: number;
  agreed: number;
  /** time of the day's last score */
  last: number;
}

export type JudgeDriftFlag = 'mean_shift' | 'distribution_shift' | 'low_agreement';

export interface JudgeDayAssessment {
  day: number;
  count: number;
  mean: number;
  /** mean of the reference days' daily means; absent without enough reference days */
  trailing_mean?: number;
  trailing_days: number;
  reference_count: number;
  abs_diff?: number;
  /** Welch's t-test of the day against the pooled reference scores */
  mean_shift_p?: number;
  psi?: number;
  /** G-test of the day's histogram against the reference's */
  distribution_p?: number;
  reviewed: number;
  agreed: number;
  agreement?: number;
  bins: number[];
  flags: JudgeDriftFlag[];
}


/**
 * Assessments of the days of `stats` (one judge model, any order) whose start lies in [from, to). Days before
 * `from` serve as reference only.
 */
export function assessJudgeDays(stats: readonly JudgeDayStats[], from: number, to: number, settings: JudgeDriftSettings): JudgeDayAssessment[] {
  const days = [...stats].sort((a, b) => a.day - b.day);
  const out: JudgeDayAssessment[] = [];
  for (const today of days) {
    if (today.day < from || today.day >= to || today.count === 0) continue;
    // "the days before": by start time, with half a day's slack for days of 23 or 25 hours
    const earliest = today.day - settings.trailingDays * DAY_MS - DAY_MS / 2;
    const reference = days.filter((d) => d.day < today.day && d.day >= earliest && d.count >= settings.minEventsPerDay);
    const assessment: JudgeDayAssessment = {
      day: today.day,
      count: today.count,
      mean: today.mean,
      trailing_days: reference.length,
      reference_count: reference.reduce((s, d) => s + d.count, 0),
      reviewed: today.reviewed,
      agreed: today.agreed,
      bins: today.bins,
      flags: [],
    };
    if (reference.length >= settings.minTrailingDays && today.count >= settings.minEventsPerDay) {
      const trailingMean = reference.reduce((s, d) => s + d.mean, 0) / reference.length;
      assessment.trailing_mean = trailingMean;
      // compared at 1e-9 so that a difference of exactly the threshold (0.8 − 0.65) is not one on float noise
      assessment.abs_diff = Math.round(Math.abs(today.mean - trailingMean) * 1e9) / 1e9;
      const moments = (d: JudgeDayStats): Moments => ({ n: d.count, mean: d.mean, variance: d.variance });
      const meanTest = welchTTest(moments(today), pooledMoments(reference.map(moments)));
      if (meanTest) assessment.mean_shift_p = meanTest.p;
      if (assessment.abs_diff > settings.maxAbsDiff && meanTest && meanTest.p < settings.alpha) assessment.flags.push('mean_shift');

      const referenceBins = today.bins.map((_, i) => reference.reduce((s, d) => s + (d.bins[i] ?? 0), 0));
      assessment.psi = populationStabilityIndex(today.bins, referenceBins).psi;
      const shapeTest = gTestHomogeneity(today.bins, referenceBins);
      if (shapeTest) assessment.distribution_p = shapeTest.p;
      if (assessment.psi >= settings.minPsi && shapeTest && shapeTest.p < settings.alpha) assessment.flags.push('distribution_shift');
    }
    if (today.reviewed > 0) {
      assessment.agreement = today.agreed / today.reviewed;
      if (today.reviewed >= settings.minReviewed && assessment.agreement < settings.minAgreement) assessment.flags.push('low_agreement');
    }
    out.push(assessment);
  }
  return out;
}
