/**
 * UEBA anomaly scoring: pure functions from a baseline and an observation to an explainable candidate.
 *
 * Every score is 10 × −log10(tail probability), capped at 100 (tail-probabilities.ts). Counts use a negative
 * binomial tail around a seasonal (hour-of-week) median; continuous features use a normal tail around a
 * median with a MAD-based spread; first-seen values use a Good–Turing estimate of how often this entity meets
 * something new. Guards (minimum history, minimum ratio, minimum excess) keep new, sparse and noisy entities
 * from flooding the SOC; a statistically significant but tiny change is never an alert.
 */
import type { AnomalyCandidate, UebaParams } from './anomaly.js';
import type { BaselineDocument, Distribution, SeenValue } from './baseline-document.js';
import { MAD_TO_SD } from './baseline-builder.js';
import { slotLabel } from './hour-of-week.js';
import { logNormalUpperTail, logPoissonLogNormalUpperTail, scoreFromLogProbability } from './tail-probabilities.js';

import { candidate, formatNumber, LOG10, oneIn, type ScoredHour } from './anomaly-candidate.js';

export { formatNumber, type ScoredHour } from './anomaly-candidate.js';

/** Standard error of a sample median is ≈ 1.2533·σ/√n for normal data. */
const MEDIAN_SE_FACTOR = 1.2533;

function hasHistory(baseline: BaselineDocument, params: UebaParams): boolean {
  return baseline.history_days >= params.min_history_days && baseline.active_hours >= params.min_active_hours;
}

/**
 * Smallest dispersion α (squared coefficient of variation of the hourly rate) of a person's hourly requests. People
 * are not Poisson processes: a busy day, a meeting-free afternoon, arriving early move an hour's volume by a factor
 * that a few weeks of active hours can under-read. α = 0.1 is a day-to-day spread of about ×1.37 (σ of log rate ≈
 * 0.31); the entity's own estimate (robustDispersion: read from the median and p95 of its active hours) is used
 * when larger.
 */
export const MIN_VOLUME_DISPERSION = 0.1;

/**
 * ueba_volume_spike: requests in one hour against the seasonal expectation for that hour of the week.
 * Expected μ = max(median of this slot over past weeks, median requests per active hour): a busy Monday is
 * measured against earlier Mondays, and a quiet Sunday slot is not a trap (a Sunday with a normal weekday's
 * volume is not a spike). The tail is Poisson with a log-normally varying rate around μ, σ² = ln(1 + α) from the
 * entity's dispersion α: multiplicative swings keep their heavy upper tail, so a spike has to be several-fold of what
 * the entity's own swings make ordinary. The score is capped at 100 for display; `log10_probability` is not, and
 * ranks spikes beyond the cap.
 */
export function scoreVolumeSpike(baseline: BaselineDocument, hour: ScoredHour, observed: number, params: UebaParams): AnomalyCandidate | undefined {
  if (!hasHistory(baseline, params)) return undefined;
  const seasonal = baseline.profile.hour_of_week.median[hour.slot] ?? 0;
  const typical = baseline.requests_per_active_hour.median ?? 0;
  const expected = Math.max(seasonal, typical, 1);
  if (observed < params.min_ratio * expected || observed - expected < params.min_excess) return undefined;
  const alpha = Math.max(baseline.volume_dispersion, MIN_VOLUME_DISPERSION);
  const logP = logPoissonLogNormalUpperTail(observed, expected, Math.sqrt(Math.log1p(alpha)));
  const score = scoreFromLogProbability(logP);
  if (score < params.min_score) return undefined;
  const spread = Math.sqrt(expected + alpha * expected * expected);
  const weeks = baseline.profile.hour_of_week.occurrences[hour.slot] ?? 0;
  return candidate('volume_spike', hour, baseline, {
    feature: 'requests_per_hour',
    observed,
    expected,
    spread,
    score,
    log10_probability: logP / LOG10,
    event_count: observed,
    explanation:
      `${observed} requests in the hour from ${slotLabel(hour.slot)} (${baseline.time_zone}), ` +
      `${formatNumber(observed / expected)}× the expected ${formatNumber(expected)} ± ${formatNumber(spread)} ` +
      `(median of this hour over ${weeks} past week(s): ${formatNumber(seasonal)}; median active hour: ${formatNumber(typical)}); ` +
      `chance under the baseline ${oneIn(logP)}.`,
  });
}

export interface TokenObservation {
  requests: number;
  tokens_in_median?: number;
  tokens_out_median?: number;
}

/**
 * Spread of log(value) for a right-skewed distribution (tokens, cost), read from its median and p95 as a
 * log-normal would have it: σ = ln(p95 / median) / 1.645; from the MAD when p95 is missing. Never below `floor`.
 */
export function logSigma(distribution: Distribution, floor: number): number {
  const median = distribution.median ?? 0;
  if (median <= 0) return floor;
  if (distribution.p95 !== undefined && distribution.p95 > median) return Math.max(Math.log(distribution.p95 / median) / 1.645, floor);
  return Math.max(Math.log1p((MAD_TO_SD * (distribution.mad ?? 0)) / median), floor);
}

/**
 * ueba_token_shift: the median tokens per request in one hour against the entity's baseline median. Token counts
 * are right-skewed, so the test is on the log scale: the hour's log-median against the baseline's, with the
 * standard error of a median of n requests, 1.2533·σ/√n, σ read from the baseline's median and p95. A one-off long
 * answer does not count; a sustained shift does — well before it reaches the endpoint-level exfiltration rule's 5×.
 */
export function scoreTokenShift(baseline: BaselineDocument, hour: ScoredHour, observation: TokenObservation, params: UebaParams): AnomalyCandidate | undefined {
  if (baseline.history_days < params.min_history_days || observation.requests < params.min_requests) return undefined;
  let best: AnomalyCandidate | undefined;
  for (const feature of ['tokens_out', 'tokens_in'] as const) {
    const observed = observation[`${feature}_median`];
    const distribution: Distribution = baseline[feature];
    if (observed === undefined || distribution.count < params.min_baseline_requests || !distribution.median) continue;
    const expected = distribution.median;
    if (observed < params.min_ratio * expected) continue;
    const standardError = (MEDIAN_SE_FACTOR * logSigma(distribution, 0.05)) / Math.sqrt(observation.requests);
    const z = Math.log(observed / expected) / standardError;
    const logP = logNormalUpperTail(z);
    const score = scoreFromLogProbability(logP);
    if (score < params.min_score || (best && best.score >= score)) continue;
    const spread = expected * Math.expm1(standardError);
    best = candidate('token_shift', hour, baseline, {
      feature: `${feature}_median`,
      observed,
      expected,
      spread,
      score,
      log10_probability: logP / LOG10,
      event_count: observation.requests,
      episode: `${new Date(hour.start).toISOString()}:${feature}`,
      explanation:
        `median ${feature} per request was ${formatNumber(observed)} over ${observation.requests} requests in the hour from ` +
        `${slotLabel(hour.slot)} (${baseline.time_zone}), ${formatNumber(observed / expected)}× the baseline median ` +
        `${formatNumber(expected)} (p95 ${formatNumber(distribution.p95 ?? 0)}; one standard error of this hour's median: ×${formatNumber(Math.exp(standardError))}, ` +
        `z = ${formatNumber(z)} on the log scale); chance ${oneIn(logP)}.`,
    });
  }
  return best;
}

/**
 * ueba_cost_spike: spend in one hour against the entity's spend per active hour, on the log scale (hourly spend is
 * right-skewed): z = ln(observed / median) / σ, σ from the median and p95 of its active hours. Also needs
 * `min_ratio`× the median and more than the hourly p99.
 */
export function scoreCostSpike(baseline: BaselineDocument, hour: ScoredHour, observedCost: number, requests: number, params: UebaParams): AnomalyCandidate | undefined {
  const hourly = baseline.hourly_cost_usd;
  if (!hasHistory(baseline, params) || hourly.count < params.min_active_hours || !hourly.median) return undefined;
  const expected = hourly.median;
  if (observedCost < params.min_ratio * expected || observedCost <= (hourly.p99 ?? 0)) return undefined;
  const sigma = logSigma(hourly, 0.1);
  const z = Math.log(observedCost / expected) / sigma;
  const logP = logNormalUpperTail(z);
  const score = scoreFromLogProbability(logP);
  if (score < params.min_score) return undefined;
  const spread = expected * Math.expm1(sigma);
  return candidate('cost_spike', hour, baseline, {
    feature: 'cost_usd_per_hour',
    observed: observedCost,
    expected,
    spread,
    score,
    log10_probability: logP / LOG10,
    event_count: requests,
    explanation:
      `spent $${formatNumber(observedCost)} in the hour from ${slotLabel(hour.slot)} (${baseline.time_zone}) over ${requests} requests, ` +
      `${formatNumber(observedCost / expected)}× the median active hour $${formatNumber(expected)} (one log-scale σ: ×${formatNumber(Math.exp(sigma))}; ` +
      `p99 $${formatNumber(hourly.p99 ?? 0)}; z = ${formatNumber(z)}); chance ${oneIn(logP)}.`,
  });
}

/** What the entity did before the scored window, for first-seen rules. */
export interface ValueHistory {
  events: number;
  first_seen: number;
  values: SeenValue[];
  distinct: number;
}

/**
 * ueba_new_country / ueba_new_model_for_user: a value never seen for this entity in the look-back. The score
 * is the Good–Turing surprise of meeting any new value: (values seen exactly once + 1) / (events + 1) — an
 * entity that always used one country has a rare, high-scoring first; one that roams scores low.
 */
export function scoreFirstSeen(
  anomaly: 'new_country' | 'new_model_for_user',
  feature: string,
  hour: ScoredHour,
  value: string,
  firstAt: number,
  eventsWithValue: number,
  history: ValueHistory | undefined,
  params: UebaParams,
): AnomalyCandidate | undefined {
  if (!history || history.events < params.min_history_events) return undefined;
  const historyDays = (hour.start - history.first_seen) / 86_400_000;
  if (historyDays < params.min_history_days) return undefined;
  if (history.values.some((v) => v.value === value)) return undefined;
  const singletons = history.values.filter((v) => v.count === 1).length;
  const pNew = (singletons + 1) / (history.events + 1);
  const logP = Math.log(pNew);
  const score = scoreFromLogProbability(logP);
  if (score < params.min_score) return undefined;
  const known = history.values.map((v) => v.value);
  const listed = history.values.slice(0, 5).map((v) => `${v.value} (${v.count})`).join(', ');
  const lookbackStart = new Date(hour.start - params.lookback_days * 86_400_000).toISOString();
  const found = candidate(anomaly, hour, undefined, {
    timestamp: new Date(firstAt).toISOString(),
    feature,
    observed: eventsWithValue,
    expected: 0,
    spread: 0,
    score,
    log10_probability: logP / LOG10,
    observed_value: value,
    expected_values: known,
    event_count: eventsWithValue,
    episode: value,
    extra_fields: { [feature]: value },
    explanation:
      `first ${feature} "${value}" for this ${hour.kind} in ${params.lookback_days} days (${eventsWithValue} event(s) from ` +
      `${new Date(firstAt).toISOString()}); before it, ${history.events} events over ${formatNumber(historyDays)} days used ` +
      `${history.distinct} value(s): ${listed}. Chance of any new value on an event ≈ ${formatNumber(pNew)} (Good–Turing).`,
  });
  found.baseline_window = { start: lookbackStart, end: new Date(hour.start).toISOString() };
  return found;
}

/**
 * ueba_off_profile_hours: activity at an hour of day where the entity is (almost) never active. The share of
 * past active hours at this hour of day is smoothed over ±2 hours and Laplace-corrected, so working late by an
 * hour or two is not an alert and weekends in normal hours never are.
 */
export function scoreOffProfileHours(baseline: BaselineDocument, hour: ScoredHour, observed: number, params: UebaParams): AnomalyCandidate | undefined {
  if (!hasHistory(baseline, params) || observed < params.min_requests) return undefined;
  const byHour = baseline.profile.hour_of_day_active_hours;
  const h = hour.slot % 24;
  const at = (i: number) => byHour[(i + 24) % 24] ?? 0;
  // sessions spill over hour boundaries: the hours around count too (weights .4, .2, .1; they sum to 1)
  const smoothed = 0.4 * at(h) + 0.2 * (at(h - 1) + at(h + 1)) + 0.1 * (at(h - 2) + at(h + 2));
  const share = (smoothed + 0.5) / (baseline.active_hours + 12);
  if (share > params.max_hour_share) return undefined;
  const logP = Math.log(share);
  const score = scoreFromLogProbability(logP);
  if (score < params.min_score) return undefined;
  const usual = byHour
    .map((count, i) => ({ count, i }))
    .filter((x) => x.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, 3)
    .map((x) => `${String(x.i).padStart(2, '0')}:00`);
  return candidate('off_profile_hours', hour, baseline, {
    feature: 'active_hour_share',
    observed,
    expected: share,
    spread: 0,
    score,
    log10_probability: logP / LOG10,
    event_count: observed,
    explanation:
      `${observed} requests in the hour from ${slotLabel(hour.slot)} (${baseline.time_zone}); ${at(h)} of ${baseline.active_hours} past active hours ` +
      `were at ${String(h).padStart(2, '0')}:00 (smoothed share ${formatNumber(share)}); busiest hours ${usual.join(', ')}.`,
  });
}

export { MIN_LOG_SPREAD, peerOwnTypical, peerStatistics, scorePeerOutliers, type PeerStatistics, type PeerValue } from './peer-scoring.js';
