/**
 * Two-sample tests that know their sample size, for judge drift: is one day's judge scores different from the
 * days before it, beyond what chance gives at that many scores?
 *
 * - Welch's t-test for a shift of the mean (unequal variances), from counts, means and variances.
 * - The G-test (log-likelihood ratio) of homogeneity of two binned distributions, for any change of shape
 *   (a variance change leaves the mean alone), with Williams' correction. Sparse bins are merged with their
 *   neighbours until every bin's expected count in the smaller sample is at least 1; measured on simulated
 *   stable judges (analytics-service/test/judge-drift-assessment.test.ts), the test holds its level from 10
 *   scores a day to 10 000.
 *
 * Distribution functions come from @stdlib; the statistics are the textbook ones (Welch 1947; Sokal & Rohlf,
 * Biometry, ch. 17 for the G-test).
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import tCdf from '@stdlib/stats-base-dists-t-cdf';

/** A sample summarised: size, mean and (unbiased) variance. */
export interface Moments {
  n: number;
  mean: number;
  variance: number;
}

export interface TestResult {
  statistic: number;
  df: number;
  /** two-sided p-value for t, upper tail for G */
  p: number;
}

/** Pools samples' moments into those of their union (Chan et al.'s parallel update). */
export function pooledMoments(samples: readonly Moments[]): Moments {
  let n = 0;
  let mean = 0;
  let m2 = 0;
  for (const s of samples) {
    if (s.n <= 0) continue;
    const total = n + s.n;
    const delta = s.mean - mean;
    m2 += (s.n > 1 ? s.variance * (s.n - 1) : 0) + (delta * delta * n * s.n) / total;
    mean += (delta * s.n) / total;
    n = total;
  }
  return { n, mean, variance: n > 1 ? m2 / (n - 1) : 0 };
}

/**
 * Welch's two-sample t-test; undefined when either sample has fewer than two values. When neither sample varies
 * the difference is certain: p is 0 for different means and 1 for equal ones.
 */
export function welchTTest(a: Moments, b: Moments): TestResult | undefined {
  if (a.n < 2 || b.n < 2) return undefined;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  if (!(se2 > 0)) {
    const same = Math.abs(a.mean - b.mean) < 1e-12;
    return { statistic: same ? 0 : Math.sign(a.mean - b.mean) * Infinity, df: a.n + b.n - 2, p: same ? 1 : 0 };
  }
  const t = (a.mean - b.mean) / Math.sqrt(se2);
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  return { statistic: t, df, p: Math.min(1, 2 * tCdf(-Math.abs(t), df)) };
}

const MIN_EXPECTED = 1;

/**
 * The G-test of homogeneity of two histograms on the same bins (a 2 × k contingency table). Undefined when
 * either is empty or fewer than two bins remain after merging sparse ones.
 */
export function gTestHomogeneity(a: readonly number[], b: readonly number[]): TestResult | undefined {
  if (a.length !== b.length) throw new Error(`G-test needs two histograms on the same bins (got ${a.length} and ${b.length})`);
  const na = sum(a);
  const nb = sum(b);
  if (na <= 0 || nb <= 0) return undefined;
  const bins = mergeSparseBins(a, b, Math.min(na, nb) / (na + nb));
  if (bins.length < 2) return undefined;
  const total = na + nb;
  let g = 0;
  for (const [ca, cb] of bins) {
    const column = ca + cb;
    g += term(ca, (na * column) / total) + term(cb, (nb * column) / total);
  }
  const df = bins.length - 1;
  // Williams' correction brings G's small-sample distribution closer to chi-square (Sokal & Rohlf, Box 17.6)
  const q = 1 + ((total * (1 / na + 1 / nb) - 1) * (total * bins.reduce((s, [ca, cb]) => s + 1 / (ca + cb), 0) - 1)) / (6 * total * df);
  const statistic = (2 * g) / q;
  return { statistic, df, p: Math.max(0, 1 - chisquareCdf(statistic, df)) };
}

const term = (observed: number, expected: number) => (observed > 0 ? observed * Math.log(observed / expected) : 0);
const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/**
 * Adjacent bins merged, left to right, until each bin's expected count in the smaller sample (its column total
 * times that sample's share) is at least MIN_EXPECTED; a short remainder joins the last bin.
 */
function mergeSparseBins(a: readonly number[], b: readonly number[], smallerShare: number): Array<[number, number]> {
  const merged: Array<[number, number]> = [];
  let current: [number, number] = [0, 0];
  for (let i = 0; i < a.length; i++) {
    current = [current[0] + a[i]!, current[1] + b[i]!];
    if ((current[0] + current[1]) * smallerShare >= MIN_EXPECTED) {
      merged.push(current);
      current = [0, 0];
    }
  }
  if (current[0] + current[1] > 0) {
    const last = merged.pop();
    merged.push(last ? [last[0] + current[0], last[1] + current[1]] : current);
  }
  return merged.filter(([x, y]) => x + y > 0);
}
