/**
 * The pure UEBA scoring functions on hand-made baselines: what alerts, what does not, and what the
 * explanation says. Guards against new and sparse entities; weekly rhythm; robust spreads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { paramsFor } from '../src/ueba/anomaly.js';
import {
  scoreCostSpike,
  scoreFirstSeen,
  scoreOffProfileHours,
  peerOwnTypical,
  scorePeerOutliers,
  scoreTokenShift,
  scoreVolumeSpike,
  type ScoredHour,
} from '../src/ueba/anomaly-scoring.js';
import type { BaselineDocument } from '../src/ueba/baseline-document.js';
import { reviewerAgrees } from '../src/assurance/reviews.js';

/** erfc for the test's own check, by numerical integration (independent of the service's Chebyshev fit). */
function erfcLike(x: number): number {
  let sum = 0;
  const step = 1e-4;
  for (let t = x; t < x + 12; t += step) sum += Math.exp(-(t + step / 2) * (t + step / 2)) * step;
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const MONDAY_10 = 10;
const SUNDAY_11 = 6 * 24 + 11;

/** A baseline of a 9-to-6 worker: 14 requests per Monday hour, 7 on other weekdays, 1 on weekend late mornings. */
function baseline(overrides: Partial<BaselineDocument> = {}): BaselineDocument {
  const slots = Array.from({ length: 168 }, (_, s) => {
    const day = Math.floor(s / 24);
    const hour = s % 24;
    if (day >= 5) return hour >= 10 && hour < 13 ? 1 : 0;
    if (hour < 9 || hour >= 18) return 0;
    return day === 0 ? 14 : 7;
  });
  const hourOfDay = Array.from({ length: 24 }, (_, h) => (h >= 9 && h < 18 ? 20 : h >= 10 && h < 13 ? 22 : 0));
  return {
    '@timestamp': '2026-02-02T00:00:00.000Z',
    entity_kind: 'user',
    entity_id: 'alice',
    window_start: '2026-01-05T00:00:00.000Z',
    window_end: '2026-02-02T00:00:00.000Z',
    time_zone: 'UTC',
    first_seen: '2026-01-05T09:00:00.000Z',
    last_seen: '2026-02-01T12:00:00.000Z',
    history_days: 27.6,
    event_count: 1600,
    request_count: 1600,
    active_hours: 200,
    active_days: 28,
    session_count: 80,
    countries: ['GB'],
    models: ['gpt-4o'],
    endpoints: ['/api/v1/chat'],
    tools: [],
    requests_per_active_hour: { count: 200, mean: 8, median: 7, mad: 2, p95: 16, p99: 20 },
    hourly_cost_usd: { count: 200, mean: 0.05, median: 0.045, mad: 0.015, p95: 0.11, p99: 0.14 },
    hourly_tokens_out: { count: 200, median: 2500, mad: 800 },
    tokens_in: { count: 1600, median: 400, mad: 65 },
    tokens_out: { count: 1600, median: 350, mad: 57, p95: 520 },
    cost_usd: { count: 1600, median: 0.0065, mad: 0.0009 },
    session_cost_usd: { count: 80, median: 0.14, mad: 0.04 },
    volume_dispersion: 0.03,
    profile: {
      hour_of_week: { total: slots.map((v) => v * 4), occurrences: Array(168).fill(4), mean: slots, median: slots },
      hour_of_day_active_hours: hourOfDay,
      categories: [],
      countries: [{ value: 'GB', count: 1600 }],
      models: [{ value: 'gpt-4o', count: 1600 }],
      endpoints: [],
      tools: [],
      departments: [],
      users: [],
      distinct: { countries: 1, models: 1, endpoints: 1, tools: 0, users: 1 },
    },
    ...overrides,
  };
}

const hour = (slot: number): ScoredHour => ({ kind: 'user', id: 'alice', start: Date.parse('2026-02-02T00:00:00Z') + slot * 3_600_000, end: 0, slot });

test('volume: a busy Monday is measured against earlier Mondays and does not alert; 20× does', () => {
  const params = paramsFor('volume_spike');
  assert.equal(scoreVolumeSpike(baseline(), hour(MONDAY_10), 22, params), undefined, 'a busy Monday');
  assert.equal(scoreVolumeSpike(baseline(), hour(SUNDAY_11), 0, params), undefined, 'a quiet Sunday');
  assert.equal(scoreVolumeSpike(baseline(), hour(SUNDAY_11), 9, params), undefined, 'a Sunday at a weekday level is no spike');
  const spike = scoreVolumeSpike(baseline(), hour(24 + 11), 140, params)!;
  assert.ok(spike);
  assert.equal(spike.expected, 7);
  assert.equal(spike.score, 100);
  assert.match(spike.explanation, /^140 requests in the hour from Tue 11:00 \(UTC\), 20× the expected 7 ± /);
  assert.equal(spike.dedup_key, `ueba_volume_spike:user:alice:${new Date(hour(24 + 11).start).toISOString()}`);
  assert.deepEqual(spike.fields, { user_id: 'alice' });
});

test('volume: statistical significance alone is not enough — ratio and excess guards', () => {
  const big = baseline({ requests_per_active_hour: { count: 500, median: 2000, mad: 10 }, volume_dispersion: 0 });
  big.profile.hour_of_week.median = Array(168).fill(2000);
  assert.equal(scoreVolumeSpike(big, hour(MONDAY_10), 2400, paramsFor('volume_spike')), undefined, '+20% is significant but not 3×');
  const tiny = baseline({ requests_per_active_hour: { count: 200, median: 1, mad: 0 } });
  tiny.profile.hour_of_week.median = Array(168).fill(0);
  assert.equal(scoreVolumeSpike(tiny, hour(MONDAY_10), 8, paramsFor('volume_spike')), undefined, '8 requests is under the minimum excess of 10');
});

test('new and sparse entities do not alert on history-based rules', () => {
  const young = baseline({ history_days: 3 });
  const sparse = baseline({ active_hours: 5 });
  for (const b of [young, sparse]) {
    assert.equal(scoreVolumeSpike(b, hour(24 + 11), 500, paramsFor('volume_spike')), undefined);
    assert.equal(scoreCostSpike(b, hour(24 + 11), 10, 500, paramsFor('cost_spike')), undefined);
    assert.equal(scoreOffProfileHours(b, hour(3), 50, paramsFor('off_profile_hours')), undefined);
  }
  assert.equal(scoreTokenShift(young, hour(24 + 11), { requests: 20, tokens_out_median: 3000 }, paramsFor('token_shift')), undefined);
});

test('token shift: the median of an hour against the baseline median, with the standard error of a median', () => {
  const params = paramsFor('token_shift');
  assert.equal(scoreTokenShift(baseline(), hour(24 + 11), { requests: 8, tokens_out_median: 420 }, params), undefined, '1.2× is within the ratio guard');
  assert.equal(scoreTokenShift(baseline(), hour(24 + 11), { requests: 2, tokens_out_median: 2000 }, params), undefined, 'two requests are too few');
  const shift = scoreTokenShift(baseline(), hour(24 + 11), { requests: 8, tokens_out_median: 900, tokens_in_median: 410 }, params)!;
  assert.equal(shift.feature, 'tokens_out_median');
  assert.equal(shift.expected, 350);
  // by hand, on the log scale: σ = ln(p95 / median) / 1.645 = ln(520/350) / 1.645 = 0.395896 / 1.645 = 0.240666;
  // standard error of the median of 8 = 1.2533 · σ / √8 = 0.106641; spread = 350 · (e^0.106641 − 1) = 39.387
  assert.ok(Math.abs(shift.spread - 39.387) < 0.001, `spread ${shift.spread}`);
  // z = ln(900/350) / 0.106641 = 0.944462 / 0.106641 = 8.8564; P(Z ≥ z) by integrating the density
  assert.ok(Math.abs(shift.log10_probability - Math.log10(0.5 * erfcLike(8.8564 / Math.SQRT2))) < 0.05);
  assert.ok(Math.abs(shift.log10_probability - -18.384) < 0.05, `log10 p ${shift.log10_probability}`);
  assert.match(shift.explanation, /z = .* on the log scale/);
  // a skewed baseline (p95 3× the median) needs far more than 2.75× over 8 requests
  const skewed = baseline({ tokens_out: { count: 1600, median: 590, mad: 234, p95: 1694 } });
  assert.equal(scoreTokenShift(skewed, hour(24 + 11), { requests: 8, tokens_out_median: 1623 }, params), undefined);
});

test('cost spike needs 5× the median active hour, more than its p99, and a log-scale z to match', () => {
  const params = paramsFor('cost_spike');
  assert.equal(scoreCostSpike(baseline(), hour(24 + 11), 0.13, 20, params), undefined);
  const spike = scoreCostSpike(baseline(), hour(24 + 11), 0.9, 140, params)!;
  assert.ok(spike.score > 70 && spike.score < 80, `ln(20) / (ln(0.11/0.045)/1.645) = 5.5σ: ${spike.score}`);
  // a user whose busy hours routinely cost several times the median is judged on that spread
  const bursty = baseline({ hourly_cost_usd: { count: 200, median: 0.065, mad: 0.03, p95: 0.19, p99: 0.3 } });
  assert.equal(scoreCostSpike(bursty, hour(24 + 11), 0.33, 16, params), undefined);
});

test('first seen: a new value after enough history, scored by Good–Turing', () => {
  const params = paramsFor('new_country');
  const history = { events: 999, first_seen: Date.parse('2026-01-01T00:00:00Z'), values: [{ value: 'GB', count: 999 }], distinct: 1 };
  const h = hour(24 + 14);
  const found = scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start + 60_000, 3, history, params)!;
  assert.equal(found.observed_value, 'BR');
  assert.equal(found.score, 30, '(0 singletons + 1) / (999 + 1) = 1e-3');
  assert.equal(found.dedup_key, 'ueba_new_country:user:alice:BR');
  assert.equal(scoreFirstSeen('new_country', 'src_country', h, 'GB', h.start, 3, history, params), undefined, 'known');
  assert.equal(scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start, 3, { ...history, events: 20 }, params), undefined, 'too little history');
  assert.equal(scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start, 3, undefined, params), undefined, 'no history at all');
  const roamer = { ...history, values: [...'ABCDEFGHIJ'].map((c) => ({ value: c, count: 1 })), events: 10 + 989 };
  assert.ok(scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start, 3, roamer, { ...params, min_score: 0 })!.score < found.score, 'a roamer scores lower');
  // (10 singletons + 1) / 1000 ≈ 1 in 91: meeting something new was not unlikely for this entity, no alert by default
  assert.equal(scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start, 3, roamer, params), undefined, 'a roamer is not alerted');
});

test('first seen at the edge of the data: a new country after one week of history, a new model after two', () => {
  const h = hour(24 + 14);
  const since = (days: number) => ({ events: 999, first_seen: h.start - days * 86_400_000, values: [{ value: 'gpt-4o', count: 999 }], distinct: 1 });
  assert.ok(scoreFirstSeen('new_country', 'src_country', h, 'BR', h.start, 3, { ...since(8), values: [{ value: 'GB', count: 999 }] }, paramsFor('new_country')));
  assert.equal(scoreFirstSeen('new_model_for_user', 'model', h, 'mistral-large', h.start, 3, since(13), paramsFor('new_model_for_user')), undefined, '13 days');
  assert.ok(scoreFirstSeen('new_model_for_user', 'model', h, 'mistral-large', h.start, 3, since(14), paramsFor('new_model_for_user')), '14 days');
});

test('off-profile hours: never-active hours alert, the hour after work does not', () => {
  const params = paramsFor('off_profile_hours');
  assert.ok(scoreOffProfileHours(baseline(), hour(24 + 3), 12, params));
  assert.equal(scoreOffProfileHours(baseline(), hour(24 + 3), 7, params), undefined, 'a short late session is not enough');
  assert.equal(scoreOffProfileHours(baseline(), hour(24 + 18), 8, params), undefined, 'next to working hours: smoothed share is high');
  assert.equal(scoreOffProfileHours(baseline(), hour(24 + 19), 8, params), undefined, 'two hours late still is');
  assert.equal(scoreOffProfileHours(baseline(), hour(24 + 3), 2, params), undefined, 'a stray request or two');
  assert.equal(scoreOffProfileHours(baseline(), hour(SUNDAY_11), 8, params), undefined, 'weekend in normal hours');
});

test('peer outliers: far above the peers of the hour, unless that is the member’s own normal', () => {
  const params = paramsFor('peer_outlier');
  const h = { start: Date.parse('2026-02-03T11:00:00Z'), end: Date.parse('2026-02-03T12:00:00Z'), slot: 24 + 11 };
  const members = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, value: 6 + i, requests: 6 + i }));
  assert.deepEqual(scorePeerOutliers('finance', 'requests', h, members, params), []);
  const withOutlier = [...members, { id: 'x', value: 150, requests: 150 }];
  const [found, ...rest] = scorePeerOutliers('finance', 'requests', h, withOutlier, params);
  assert.equal(rest.length, 0);
  assert.equal(found!.entity_id, 'x');
  assert.equal(found!.fields.user_department, 'finance');
  assert.deepEqual(scorePeerOutliers('finance', 'requests', h, [...members, { id: 'x', value: 150, requests: 150, ownTypical: 140 }], params), [], 'a heavy user as usual');
  assert.deepEqual(scorePeerOutliers('finance', 'requests', h, withOutlier.slice(2), params), [], 'too few peers');
});

test('peer outliers: the guards of the edges of the day (issue 13)', () => {
  const params = paramsFor('peer_outlier');
  const h = { start: Date.parse('2026-02-03T08:00:00Z'), end: Date.parse('2026-02-03T09:00:00Z'), slot: 24 + 8 };
  // the first workday hour: ten colleagues have sent one request each so far
  const quiet = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, value: 1, requests: 1 }));
  assert.deepEqual(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'early', value: 8, requests: 8 }], params), [], '8× the median but 7 requests more: no outlier');
  assert.equal(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'early', value: 12, requests: 12 }], params).length, 1, '11 more: an outlier');
  assert.deepEqual(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'early', value: 40, requests: 40, ownTypical: 12 }], params), [], 'always this far above these peers (own usual 12)');
  assert.deepEqual(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'early', value: 15, requests: 15, ownTypical: 4 }], params), [], 'within 5× of their own usual 4');
  assert.equal(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'early', value: 30, requests: 30, ownTypical: 4 }], params).length, 1, 'beyond 5× of their own usual');
  // the edge of the data: a member's baseline of half a working day (4 active hours, a median of 30 an hour) is enough
  // for the guard, whatever the rule's min_active_hours (20) asks of a score; 3 hours are not
  const young = (active: number) => baseline({ active_hours: active, history_days: 0.5, requests_per_active_hour: { count: active, median: 30, mad: 5 } });
  assert.equal(peerOwnTypical(young(4), 'requests', params), 30);
  assert.equal(peerOwnTypical(young(3), 'requests', params), undefined);
  assert.deepEqual(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'heavy', value: 40, requests: 40, ownTypical: peerOwnTypical(young(4), 'requests', params) }], params), [], 'a heavy user on day two');
  assert.equal(scorePeerOutliers('engineering', 'requests', h, [...quiet, { id: 'heavy', value: 40, requests: 40, ownTypical: peerOwnTypical(young(3), 'requests', params) }], params).length, 1, 'without a baseline: an outlier');
  // output tokens on a single request are no peer anomaly
  const tokens = Array.from({ length: 10 }, (_, i) => ({ id: `p${i}`, value: 400, requests: 1 }));
  assert.deepEqual(scorePeerOutliers('engineering', 'tokens_out', h, [...tokens, { id: 'long', value: 12_000, requests: 1 }], params), [], 'one long answer');
});

test('volume: the dispersion never goes below 0.1 (people are not Poisson processes); a steady entity\'s 5× hour alerts', () => {
  const params = paramsFor('volume_spike');
  const poissonLike = baseline({ volume_dispersion: 0 });
  // expected 7 (a Tuesday 10:00 slot); 30 requests: Poisson calls that about 1 in 10^10, a log-normal rate with
  // α = 0.1 (σ of log rate 0.31) about 1 in 20 000 (score 44; ueba-statistics.test.ts checks the tail itself)
  const found = scoreVolumeSpike(poissonLike, hour(24 + 10), 30, params);
  assert.equal(found, undefined, JSON.stringify(found?.explanation));
  assert.ok(scoreVolumeSpike(poissonLike, hour(24 + 10), 150, params), 'a large spike still alerts');
  // a steady, busier entity (30 an hour, α at the floor): 5× is past one in a million, 3.5× is not
  const busy = baseline({ volume_dispersion: 0.05, requests_per_active_hour: { count: 200, median: 30, mad: 4, p95: 42 } });
  busy.profile.hour_of_week.median = Array(168).fill(30);
  const fivefold = scoreVolumeSpike(busy, hour(24 + 10), 150, params);
  assert.ok(fivefold && fivefold.score >= 60 && fivefold.score < 100, JSON.stringify(fivefold?.score));
  assert.ok(fivefold.log10_probability < -6);
  assert.equal(scoreVolumeSpike(busy, hour(24 + 10), 105, params), undefined, '3.5× of a steady entity');
  // the score stops at 100 for display, the probability does not: 40× ranks above 20×
  const twenty = scoreVolumeSpike(busy, hour(24 + 10), 600, params)!;
  const forty = scoreVolumeSpike(busy, hour(24 + 10), 1200, params)!;
  assert.equal(twenty.score, 100);
  assert.equal(forty.score, 100);
  assert.ok(forty.log10_probability < twenty.log10_probability - 5, `${forty.log10_probability} vs ${twenty.log10_probability}`);
});

test('reviewer agreement reads verdict labels and confirmations', () => {
  assert.equal(reviewerAgrees('policy_violation', 'Policy Violation'), true);
  assert.equal(reviewerAgrees('policy_violation', 'true_positive'), true);
  assert.equal(reviewerAgrees('policy_violation', 'false_positive'), false);
  assert.equal(reviewerAgrees('policy_violation', 'hallucination'), false);
});
