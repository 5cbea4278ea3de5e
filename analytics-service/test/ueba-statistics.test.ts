/**
 * The hand-written statistics of UEBA and judge assurance, checked against hand-computed values:
 * PSI, tail probabilities, the score scale, entity risk, hour-of-week slots, robust dispersion.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gammaln } from 'simple-statistics';
import { populationStabilityIndex, psiLevel } from '../src/assurance/psi.js';
import { distributionOf, robustDispersion } from '../src/ueba/baseline-builder.js';
import { HourOfWeekCalendar, WindowHours, slotLabel } from '../src/ueba/hour-of-week.js';
import { riskLevel, riskScore } from '../src/ueba/risk-score.js';
import {
  logNegativeBinomialUpperTail,
  logNormalUpperTail,
  logPoissonLogNormalUpperTail,
  logPoissonUpperTail,
  scoreFromLogProbability,
} from '../src/ueba/tail-probabilities.js';

const near = (actual: number, expected: number, tolerance: number, what = '') =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} vs ${expected}`);

test('PSI equals a hand-computed example', () => {
  // expected shares .1 .2 .3 .4, actual .2 .2 .3 .3:
  // (.2−.1)·ln(.2/.1) + 0 + 0 + (.3−.4)·ln(.3/.4) = 0.1·0.693147 + 0.1·0.287682 = 0.098083
  const result = populationStabilityIndex([20, 20, 30, 30], [10, 20, 30, 40]);
  near(result.psi, 0.0980829253, 1e-9, 'psi');
  assert.equal(result.level, 'stable');
  near(result.bins[0]!.term, 0.1 * Math.LN2, 1e-12);
});

test('an empty bin counts with ε = 0.0001 and a large shift is significant', () => {
  // (0.0001 − .25)·ln(0.0001/.25) + (.5 − .25)·ln 2 + 0 = 1.955229 + 0.173287 = 2.128516
  const result = populationStabilityIndex([0, 50, 50], [25, 25, 50]);
  near(result.psi, 2.1285158933, 1e-9);
  assert.equal(result.level, 'significant');
  assert.equal(psiLevel(0.0999), 'stable');
  assert.equal(psiLevel(0.1), 'moderate');
  assert.equal(psiLevel(0.25), 'moderate');
  assert.equal(psiLevel(0.2501), 'significant');
  assert.throws(() => populationStabilityIndex([1, 2], [1, 2, 3]), /same bins/);
  assert.throws(() => populationStabilityIndex([0, 0], [1, 2]), /at least one value/);
});

test('tail probabilities match reference values, far into the tail', () => {
  near(Math.exp(logNormalUpperTail(1.96)), 0.0249979, 1e-6, 'normal 1.96');
  near(Math.exp(logNormalUpperTail(5)), 2.8665e-7, 1e-10, 'normal 5');
  near(logNormalUpperTail(40) / Math.LN10, -349.437, 0.01, 'normal 40 (would underflow without logs)');
  near(Math.exp(logNormalUpperTail(-2)), 0.97725, 1e-5, 'normal −2');
  near(Math.exp(logPoissonUpperTail(10, 5)), 0.0318281, 1e-6, 'Poisson(5) ≥ 10');
  near(Math.exp(logPoissonUpperTail(3, 5)), 0.8753480, 1e-6, 'Poisson(5) ≥ 3');
  // negative binomial, mean 5, α = 0.5 (r = 2, p = 2/7): P(X ≥ 10) = 0.1333477 by summing the pmf
  near(Math.exp(logNegativeBinomialUpperTail(10, 5, 0.5)), 0.1333477, 1e-6, 'NB ≥ 10');
  near(Math.exp(logNegativeBinomialUpperTail(3, 5, 0.5)), 0.6768013, 1e-6, 'NB ≥ 3');
  assert.equal(logNegativeBinomialUpperTail(10, 5, 0), logPoissonUpperTail(10, 5), 'α = 0 is the Poisson');
  assert.ok(logNegativeBinomialUpperTail(10, 5, 0.5) > logPoissonUpperTail(10, 5), 'over-dispersion widens the tail');
  assert.ok(Number.isFinite(logPoissonUpperTail(2000, 5)), 'a 400× spike still has a finite log probability');
});

/** P(X ≥ k) by summing the probability mass function term by term: a brute-force oracle for the closed forms. */
function upperTailBySumming(k: number, pmf: (x: number) => number): number {
  let below = 0;
  for (let x = 0; x < k; x++) below += pmf(x);
  return 1 - below;
}
const poissonPmf = (mean: number) => (x: number) => {
  let p = Math.exp(-mean);
  for (let i = 1; i <= x; i++) p *= mean / i;
  return p;
};
/** NB with mean μ and dispersion α: r = 1/α, p = r/(r+μ); P(x) = Γ(x+r)/(Γ(r)·x!)·p^r·(1−p)^x, built up term by term. */
const negativeBinomialPmf = (mean: number, alpha: number) => (x: number) => {
  const r = 1 / alpha;
  const p = r / (r + mean);
  let term = p ** r;
  for (let i = 1; i <= x; i++) term *= ((i - 1 + r) / i) * (1 - p);
  return term;
};

test('Poisson and negative binomial tails agree with summing the pmf, over a grid', () => {
  for (const mean of [0.3, 1, 4.5, 12, 30]) {
    for (let k = 1; k <= 3 * mean + 10; k++) {
      const expected = upperTailBySumming(k, poissonPmf(mean));
      if (expected < 1e-12) break; // below what 1 − Σ can resolve
      near(Math.exp(logPoissonUpperTail(k, mean)), expected, 1e-9 + expected * 1e-6, `Poisson(${mean}) ≥ ${k}`);
    }
    for (const alpha of [0.1, 0.5, 2]) {
      for (let k = 1; k <= 4 * mean + 10; k++) {
        const expected = upperTailBySumming(k, negativeBinomialPmf(mean, alpha));
        if (expected < 1e-12) break;
        near(Math.exp(logNegativeBinomialUpperTail(k, mean, alpha)), expected, 1e-9 + expected * 1e-6, `NB(${mean}, α ${alpha}) ≥ ${k}`);
      }
    }
  }
});

/**
 * Oracle for the Poisson–log-normal tail, by another route than the product's (a quadrature of the incomplete
 * gamma): the mass function P(X = k) = ∫ φ(z) Poisson(k; median·e^{σz}) dz by the midpoint rule on a fine grid, the
 * tail summed from the top of the masses down. Agreement to 1 % (0.04 score points): the product's trapezoid step of
 * 0.05 σ blurs the Poisson tail's edge a little once counts are in the hundreds.
 */
function poissonLogNormalTails(median: number, sigma: number): number[] {
  const kMax = Math.ceil(median * Math.exp(8 * sigma)) + 60;
  const pmf = new Array<number>(kMax + 1).fill(0);
  const step = 0.002;
  for (let z = -8 + step / 2; z < 8; z += step) {
    const lambda = median * Math.exp(sigma * z);
    const weight = (Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI)) * step;
    for (let k = 0; k <= kMax; k++) pmf[k]! += weight * Math.exp(k * Math.log(lambda) - lambda - gammaln(k + 1));
  }
  const tails = new Array<number>(kMax + 2).fill(0);
  for (let k = kMax; k >= 0; k--) tails[k] = tails[k + 1]! + pmf[k]!;
  return tails;
}

test('the Poisson–log-normal tail agrees with summing its mass function, over a grid; σ = 0 is the Poisson', () => {
  for (const median of [0.5, 3, 12, 40]) {
    for (const sigma of [0.1, 0.3, 0.6]) {
      const tails = poissonLogNormalTails(median, sigma);
      for (let k = 1; k < tails.length; k++) {
        const expected = tails[k]!;
        if (expected < 1e-12) break; // past the oracle's grid (|z| ≤ 8)
        near(Math.exp(logPoissonLogNormalUpperTail(k, median, sigma)), expected, 1e-12 + expected * 0.05, `PLN(${median}, σ ${sigma}) ≥ ${k}`);
      }
    }
  }
  assert.equal(logPoissonLogNormalUpperTail(10, 5, 0), logPoissonUpperTail(10, 5));
  assert.equal(logPoissonLogNormalUpperTail(0, 5, 0.3), 0);
  // far in the tail (10⁸ against a median of 10⁶): finite, and rarer than 1 in 10⁵⁰ (z = ln 100 / 0.3 ≈ 15.4)
  const far = logPoissonLogNormalUpperTail(1e8, 1e6, 0.3) / Math.LN10;
  assert.ok(Number.isFinite(far) && far < -50 && far > -60, String(far));
});

test('the score is ten points per decimal order of magnitude, capped at 100', () => {
  assert.equal(scoreFromLogProbability(Math.log(1e-3)), 30);
  assert.equal(scoreFromLogProbability(Math.log(1e-6)), 60);
  assert.equal(scoreFromLogProbability(-1000), 100);
  assert.equal(scoreFromLogProbability(0), 0);
});

test('entity risk: decayed, sorted, zeta-weighted and normalized (hand-computed)', () => {
  const now = new Date('2026-02-15T00:00:00Z');
  const at = (days: number) => new Date(now.getTime() - days * 86_400_000).toISOString();
  // decayed: 99, 73·½ = 36.5, 47·¼ = 11.75 → 99 + 36.5/2^1.5 + 11.75/3^1.5 = 114.165987 → / ζ(1.5) = 43.70
  const result = riskScore(
    [
      { id: 'b', timestamp: at(7), risk: 73 },
      { id: 'a', timestamp: at(0), risk: 99 },
      { id: 'c', timestamp: at(14), risk: 47 },
    ],
    now,
    { halfLifeDays: 7 },
  );
  assert.equal(result.score, 43.7);
  assert.equal(result.level, 'Moderate');
  assert.deepEqual(result.contributions.map((c) => c.id), ['a', 'b', 'c']);
  assert.equal(riskScore([], now, { halfLifeDays: 7 }).score, 0);
  const flood = Array.from({ length: 5000 }, (_, i) => ({ id: String(i), timestamp: at(0), risk: 100 }));
  assert.ok(riskScore(flood, now, { halfLifeDays: 7 }).score > 95, 'endless maximal alerts approach 100');
  assert.deepEqual([0, 19.9, 20, 40, 70, 90, 100].map(riskLevel), ['Unknown', 'Unknown', 'Low', 'Moderate', 'High', 'Critical', 'Critical']);
});

test('hour-of-week slots start on Monday and follow the configured time zone', () => {
  const utc = new HourOfWeekCalendar('UTC');
  assert.equal(slotLabel(utc.slotOf(Date.parse('2026-01-05T10:20:00Z'))), 'Mon 10:00');
  assert.equal(utc.slotOf(Date.parse('2026-01-11T23:59:59Z')), 167);
  const berlin = new HourOfWeekCalendar('Europe/Berlin');
  assert.equal(slotLabel(berlin.slotOf(Date.parse('2026-01-05T10:20:00Z'))), 'Mon 11:00', 'CET');
  assert.equal(slotLabel(berlin.slotOf(Date.parse('2026-07-06T10:20:00Z'))), 'Mon 12:00', 'CEST');
  const kolkata = new HourOfWeekCalendar('Asia/Kolkata');
  assert.equal(new Date(kolkata.floorToHour(Date.parse('2026-01-05T10:20:00Z'))).toISOString(), '2026-01-05T09:30:00.000Z', 'half-hour zone');

  const window = new WindowHours(utc, Date.parse('2026-01-05T00:00:00Z'), Date.parse('2026-02-02T00:00:00Z'));
  assert.equal(window.starts.length, 28 * 24);
  const occurrences = window.occurrencesSince(Date.parse('2026-01-12T05:30:00Z'));
  assert.equal(occurrences[0], 2, 'Monday 00:00 after the second Monday 05:30: two more Mondays');
  assert.equal(occurrences[5], 3, 'the hour containing the start counts');
  assert.equal(occurrences[167], 3);
});

test('summaries of per-hour values, and the dispersion read from median and p95', () => {
  const d = distributionOf([1, 2, 3, 4, 100]);
  assert.equal(d.count, 5);
  assert.equal(d.median, 3);
  assert.equal(d.mad, 1);
  assert.equal(d.max, 100);
  assert.deepEqual(distributionOf([]), { count: 0 });
  // median and MAD against their definitions, by brute force over small integer samples: the median has as many
  // values at or below it as at or above it; the MAD is the median of the absolute deviations from it
  const bruteMedian = (values: number[]) => {
    const candidates = [...new Set(values.flatMap((a) => values.map((b) => (a + b) / 2)))];
    const balanced = candidates.filter((m) => values.filter((v) => v <= m).length >= values.length / 2 && values.filter((v) => v >= m).length >= values.length / 2);
    return (Math.min(...balanced) + Math.max(...balanced)) / 2;
  };
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let trial = 0; trial < 200; trial++) {
    const values = Array.from({ length: 1 + Math.floor(next() * 12) }, () => Math.floor(next() * 20));
    const m = bruteMedian(values);
    const summary = distributionOf(values);
    assert.equal(summary.median, m, `median of ${values}`);
    assert.equal(summary.mad, bruteMedian(values.map((v) => Math.abs(v - m))), `MAD of ${values}`);
  }
  // the dispersion is read from the upper tail. By hand for median 10, p95 25: ln 2.5 / 1.645 = 0.5570156425,
  // squared 0.3102664260, less ln(1 + 1/10) = 0.0953101798 for the Poisson noise: σ² = 0.2149562462,
  // α = e^σ² − 1 = 0.2398076494 — whatever the MAD
  near(robustDispersion({ count: 100, median: 10, mad: 2, p95: 25 }), 0.2398076494, 1e-9);
  near(robustDispersion({ count: 100, median: 10, mad: 6, p95: 25 }), 0.2398076494, 1e-9);
  // a p95 no wider than the Poisson noise's (ln(13/10)/1.645 = 0.159 < √ln 1.1 = 0.309) adds nothing, nor does a
  // wide centre under it
  assert.equal(robustDispersion({ count: 100, median: 10, mad: 2, p95: 13 }), 0);
  assert.equal(robustDispersion({ count: 100, median: 10, mad: 6, p95: 13 }), 0);
  assert.equal(robustDispersion({ count: 100, median: 10, mad: 6 }), 0, 'no p95, no reading');
  assert.equal(robustDispersion({ count: 0 }), 0);
});
