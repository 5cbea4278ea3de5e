/**
 * Judge drift statistics: the tests against published tables and hand calculations, then the assessment on
 * simulated judges — stable ones of several volumes (false flags ≤ 1 % of judge-days, issue 13's goal), a +0.29
 * mean shift and a doubled spread (flagged on their day) — next to PSI's fixed cut-offs, which flag stable judges
 * at low volume.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import { chiSquaredDistributionTable, mean, sampleVariance } from 'simple-statistics';
import { gTestHomogeneity, pooledMoments, welchTTest } from '../src/assurance/drift-statistics.js';
import { assessJudgeDays, type JudgeDayStats } from '../src/assurance/judge-drift-assessment.js';
import { DEFAULT_JUDGE_DRIFT } from '../src/assurance/judge-drift.js';
import { populationStabilityIndex } from '../src/assurance/psi.js';
// the one seeded generator (mulberry32), so every run sees the same judges
import { seededRandom as random } from '../../cli/src/demo/random.js';

const DAY = 86_400_000;

test('pooled moments equal the moments of the concatenated samples', () => {
  const a = [0.1, 0.5, 0.9, 0.4];
  const b = [0.7, 0.75];
  const c = [0.2, 0.3, 0.35, 0.9, 0.95];
  const pooled = pooledMoments([a, b, c].map((xs) => ({ n: xs.length, mean: mean(xs), variance: sampleVariance(xs) })));
  const all = [...a, ...b, ...c];
  assert.equal(pooled.n, all.length);
  assert.ok(Math.abs(pooled.mean - mean(all)) < 1e-12);
  assert.ok(Math.abs(pooled.variance - sampleVariance(all)) < 1e-12);
});

test("Welch's t: statistic and degrees of freedom by hand, p-values at Student's t table points", () => {
  const x = [0.81, 0.79, 0.86, 0.9, 0.84, 0.77, 0.88];
  const y = [0.7, 0.74, 0.61, 0.69, 0.8, 0.66, 0.72, 0.58, 0.75, 0.71];
  const result = welchTTest({ n: x.length, mean: mean(x), variance: sampleVariance(x) }, { n: y.length, mean: mean(y), variance: sampleVariance(y) })!;
  const vx = sampleVariance(x) / x.length;
  const vy = sampleVariance(y) / y.length;
  assert.ok(Math.abs(result.statistic - (mean(x) - mean(y)) / Math.sqrt(vx + vy)) < 1e-12);
  assert.ok(Math.abs(result.df - (vx + vy) ** 2 / (vx ** 2 / (x.length - 1) + vy ** 2 / (y.length - 1))) < 1e-9);
  // Student's t table: t(0.975, 10) = 2.228 and t(0.9995, 30) = 3.646, i.e. two-sided p 0.05 and 0.001. Two samples
  // of n values with unit variance have df = 2(n − 1) (by hand), and their t is set by the difference of means.
  const tAt = (t: number, df: number) => {
    const size = df / 2 + 1;
    return welchTTest({ n: size, mean: t * Math.sqrt(2 / size), variance: 1 }, { n: size, mean: 0, variance: 1 })!;
  };
  for (const [t, df, p] of [[2.228, 10, 0.05], [3.646, 30, 0.001]] as const) {
    const r = tAt(t, df);
    assert.ok(Math.abs(r.df - df) < 1e-9);
    assert.ok(Math.abs(r.p - p) < p * 0.01, `t ${t}, df ${df}: p ${r.p}, table ${p}`);
  }
  // no spread at all: a difference is certain, equality is not a difference
  assert.equal(welchTTest({ n: 12, mean: 0.6, variance: 0 }, { n: 84, mean: 0.8, variance: 0 })!.p, 0);
  assert.equal(welchTTest({ n: 12, mean: 0.8, variance: 0 }, { n: 84, mean: 0.8, variance: 0 })!.p, 1);
  assert.equal(welchTTest({ n: 1, mean: 0.8, variance: 0 }, { n: 84, mean: 0.8, variance: 0.1 }), undefined);
});

test('G-test of homogeneity: G by hand with Williams’ correction, p-values at chi-square table points', () => {
  const a = [30, 50, 20];
  const b = [60, 40, 100];
  const result = gTestHomogeneity(a, b)!;
  // by hand: expected = row total × column total / n
  const n = 300;
  const rows = [100, 200];
  const columns = [90, 90, 120];
  let g = 0;
  [a, b].forEach((row, r) => row.forEach((o, c) => (g += o * Math.log(o / ((rows[r]! * columns[c]!) / n)))));
  g *= 2;
  const q = 1 + ((n * (1 / 100 + 1 / 200) - 1) * (n * (1 / 90 + 1 / 90 + 1 / 120) - 1)) / (6 * n * 2);
  assert.equal(result.df, 2);
  assert.ok(Math.abs(result.statistic - g / q) < 1e-9, `${result.statistic} vs ${g / q}`);
  // the distribution G is read against: a chi-square table's critical value has the table's level
  // (simple-statistics' table; the CDF is the one the G-test calls, with its arguments in that order)
  for (const df of [1, 2, 5, 9]) {
    for (const level of [0.05, 0.01, 0.005] as const) {
      const critical = chiSquaredDistributionTable[df as keyof typeof chiSquaredDistributionTable][level];
      const p = 1 - chisquareCdf(critical, df);
      assert.ok(Math.abs(p - level) < level * 0.02, `df ${df}: p(${critical}) = ${p}, table ${level}`);
    }
  }
  assert.equal(gTestHomogeneity([12, 0], [0, 0]), undefined, 'an empty sample');
  assert.equal(gTestHomogeneity([0, 12, 0], [0, 84, 0]), undefined, 'one bin is no distribution');
  assert.throws(() => gTestHomogeneity([1, 2], [1, 2, 3]), /same bins/);
});

// ---- simulated judges ----

function judgeDay(rnd: () => number, day: number, n: number, mu: number, sd: number): JudgeDayStats {
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const scores = Array.from({ length: n }, () => Math.min(1, Math.max(0, mu + sd * normal())));
  const bins = new Array<number>(10).fill(0);
  for (const s of scores) bins[Math.min(9, Math.floor(s * 10 + 1e-9))]!++;
  return { day: day * DAY, count: n, mean: mean(scores), variance: sampleVariance(scores), bins, reviewed: 0, agreed: 0, last: day * DAY };
}

interface Rates {
  judgeDays: number;
  flagged: number;
  psiFlagged: number;
}

/** 8 scored days after a week of history, for `judges` stable judges of n scores a day */
function stableJudges(n: number, judges: number, seed: number): Rates {
  const rnd = random(seed);
  const rates: Rates = { judgeDays: 0, flagged: 0, psiFlagged: 0 };
  for (let j = 0; j < judges; j++) {
    // each judge has its own level and spread, the same every day
    const mu = 0.55 + 0.3 * rnd();
    const sd = 0.08 + 0.1 * rnd();
    const days = Array.from({ length: 15 }, (_, d) => judgeDay(rnd, d, n, mu, sd));
    for (const a of assessJudgeDays(days, 7 * DAY, 15 * DAY, DEFAULT_JUDGE_DRIFT)) {
      rates.judgeDays++;
      if (a.flags.length > 0) rates.flagged++;
      if ((a.psi ?? 0) > 0.25) rates.psiFlagged++;
    }
  }
  return rates;
}

test('stable judges: at most 1 % of judge-days flagged from 10 to 10 000 scores a day; PSI > 0.25 alone flags far more at low volume', () => {
  const report: string[] = [];
  for (const [n, judges] of [[10, 100], [30, 100], [60, 100], [300, 60], [3000, 10], [10_000, 4]] as const) {
    const rates = stableJudges(n, judges, n);
    const share = rates.flagged / rates.judgeDays;
    report.push(`n=${n}: ${rates.flagged}/${rates.judgeDays} flagged, PSI>0.25 ${rates.psiFlagged}`);
    assert.ok(share <= 0.01, `n=${n}: ${(share * 100).toFixed(2)} % of stable judge-days flagged`);
    if (n === 30 || n === 60) assert.ok(rates.psiFlagged / rates.judgeDays > 0.05, `the old fixed PSI cut-off flags stable judges at n=${n}: ${rates.psiFlagged}`);
  }
  // the figures behind docs/ueba.md's judge drift table
  process.stdout.write(`# judge-drift stable judges: ${report.join('; ')}\n`);
});

test('a +0.29 mean shift and a doubled spread are flagged on their day', () => {
  const rnd = random(7);
  let shifted = 0;
  let spread = 0;
  const trials = 100;
  for (let i = 0; i < trials; i++) {
    const history = Array.from({ length: 14 }, (_, d) => judgeDay(rnd, d, 60, 0.6, 0.15));
    const shiftDay = assessJudgeDays([...history, judgeDay(rnd, 14, 60, 0.89, 0.15)], 14 * DAY, 15 * DAY, DEFAULT_JUDGE_DRIFT)[0]!;
    if (shiftDay.flags.includes('mean_shift')) shifted++;
    const spreadDay = assessJudgeDays([...history, judgeDay(rnd, 14, 60, 0.6, 0.3)], 14 * DAY, 15 * DAY, DEFAULT_JUDGE_DRIFT)[0]!;
    if (spreadDay.flags.includes('distribution_shift')) spread++;
  }
  process.stdout.write(`# judge-drift power at 60 scores a day: +0.29 mean shift ${shifted}/${trials}, spread 0.15 → 0.3 ${spread}/${trials}\n`);
  assert.equal(shifted, trials, 'every +0.29 shift');
  assert.ok(spread >= 0.9 * trials, `doubled spread flagged ${spread}/${trials}`);
});

test('a day is judged against the days before it only, with enough of them', () => {
  const days: JudgeDayStats[] = [0, 1, 2, 3].map((d) => ({ day: d * DAY, count: 12, mean: 0.8, variance: 0, bins: [0, 0, 0, 0, 0, 0, 0, 0, 12, 0], reviewed: 0, agreed: 0, last: d * DAY }));
  const [third] = assessJudgeDays(days.slice(0, 3), 2 * DAY, 3 * DAY, DEFAULT_JUDGE_DRIFT);
  assert.equal(third!.trailing_days, 2);
  assert.equal(third!.trailing_mean, undefined, 'two reference days are fewer than min_trailing_days (3)');
  const [fourth] = assessJudgeDays(days, 3 * DAY, 4 * DAY, DEFAULT_JUDGE_DRIFT);
  assert.equal(fourth!.trailing_days, 3);
  assert.ok(Math.abs(fourth!.trailing_mean! - 0.8) < 1e-12);
  assert.deepEqual(fourth!.flags, []);
  // PSI of a day against the reference is the module's PSI of those histograms (bins summed over the reference days)
  const moved = { ...days[3]!, mean: 0.6, bins: [0, 0, 0, 0, 0, 0, 12, 0, 0, 0] };
  const [assessed] = assessJudgeDays([...days.slice(0, 3), moved], 3 * DAY, 4 * DAY, DEFAULT_JUDGE_DRIFT);
  assert.equal(assessed!.psi, populationStabilityIndex(moved.bins, [0, 0, 0, 0, 0, 0, 0, 0, 36, 0]).psi);
  assert.deepEqual(assessed!.flags, ['mean_shift', 'distribution_shift']);
});
