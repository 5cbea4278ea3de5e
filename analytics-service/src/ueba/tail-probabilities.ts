/**
 * Upper-tail probabilities used by anomaly scoring, computed in log space so that a 20× spike
 * (p ≈ 1e-80) still yields a finite score instead of underflowing to 0.
 *
 * Hand-written because simple-statistics offers only table lookups (`cumulativeStdNormalProbability`,
 * `poissonDistribution`) that lose all precision in the far tail, and no negative binomial at all.
 * `gammaln` (log Γ) comes from simple-statistics, the regularised incomplete gamma from @stdlib.
 */
import gammainc from '@stdlib/math-base-special-gammainc';
import { gammaln } from 'simple-statistics';

const LN10 = Math.log(10);

/** log(exp(a) + exp(b)) without overflow. */
function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(Math.min(a, b) - hi));
}

/** log(1 − exp(x)) for x ≤ 0, accurate near both ends. */
function log1mExp(x: number): number {
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/**
 * Natural log of the complementary error function, erfc(x), for x ≥ 0.
 * Chebyshev fit of Numerical Recipes (erfcc), fractional error < 1.2e-7 everywhere; the fit is already
 * of the form exp(poly), so its logarithm never underflows.
 */
function logErfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const logValue = Math.log(t) + poly;
  return x >= 0 ? logValue : Math.log(2 - Math.exp(logValue));
}

/** log P(Z ≥ z) for a standard normal Z. */
export function logNormalUpperTail(z: number): number {
  return logErfc(z / Math.SQRT2) - Math.LN2;
}

/** P(Z ≥ z) for a standard normal Z. */
export function normalUpperTail(z: number): number {
  return Math.exp(logNormalUpperTail(z));
}

/** log of the Poisson(μ) probability mass at k. */
function logPoissonPmf(k: number, mu: number): number {
  if (mu === 0) return k === 0 ? 0 : -Infinity;
  return k * Math.log(mu) - mu - gammaln(k + 1);
}

/** log of the negative binomial mass at k with mean μ and dispersion α (variance μ + αμ²). */
function logNegativeBinomialPmf(k: number, mu: number, alpha: number): number {
  const r = 1 / alpha;
  const p = r / (r + mu); // probability of "success"; mean = r(1−p)/p = μ
  return gammaln(k + r) - gammaln(r) - gammaln(k + 1) + r * Math.log(p) + k * Math.log1p(-p);
}

/**
 * log P(X ≥ x) for a discrete distribution given by its log pmf, with mode below x. Terms past the mode
 * decrease monotonically, so summing from x upward until they stop mattering is exact to double precision.
 */
function logUpperTailFrom(x: number, logPmf: (k: number) => number): number {
  let total = -Infinity;
  for (let k = x, i = 0; i < 1_000_000; k++, i++) {
    const term = logPmf(k);
    total = logAdd(total, term);
    if (term < total - 40) break; // next terms add < 4e-18 relatively
  }
  return total;
}

/** log P(X ≥ x) by summing the lower part, for x at or below the mode (the tail is then ≥ ~0.3). */
function logUpperTailByComplement(x: number, logPmf: (k: number) => number): number {
  let lower = -Infinity;
  for (let k = 0; k < x; k++) lower = logAdd(lower, logPmf(k));
  return lower >= 0 ? -Infinity : log1mExp(lower);
}

/** log P(X ≥ x) for X ~ Poisson(μ). */
export function logPoissonUpperTail(x: number, mu: number): number {
  if (x <= 0) return 0;
  if (mu <= 0) return -Infinity;
  const pmf = (k: number) => logPoissonPmf(k, mu);
  return x > mu ? logUpperTailFrom(x, pmf) : logUpperTailByComplement(x, pmf);
}

/**
 * log P(X ≥ x) for X ~ negative binomial with mean μ and dispersion α (Var = μ + αμ²), the usual model for
 * over-dispersed counts. α = 0 is the Poisson.
 */
export function logNegativeBinomialUpperTail(x: number, mu: number, alpha: number): number {
  if (alpha <= 1e-9) return logPoissonUpperTail(x, mu);
  if (x <= 0) return 0;
  if (mu <= 0) return -Infinity;
  const pmf = (k: number) => logNegativeBinomialPmf(k, mu, alpha);
  // the mode, ⌊μ(1 − α)⌋, is below μ: past μ the terms only decrease
  return x > mu ? logUpperTailFrom(x, pmf) : logUpperTailByComplement(x, pmf);
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
/** Step of the quadrature over the log-rate, in standard deviations. */
const QUADRATURE_STEP = 0.05;
/** How far past the bulk of the integrand the quadrature reaches, in standard deviations (φ(10) ≈ 10⁻²²). */
const QUADRATURE_REACH = 10;

/**
 * log P(X ≥ x) for X ~ Poisson(λ), x an integer ≥ 1, from the regularised lower incomplete gamma P(x, λ) in closed
 * form (no term-by-term sum, so counts of 10⁸ cost no more than 10); −Infinity where it underflows.
 */
function logPoissonUpperTailClosed(x: number, lambda: number): number {
  return Math.log(gammainc(lambda, x));
}

/**
 * log P(X ≥ x) for a Poisson count whose rate varies log-normally: X | λ ~ Poisson(λ), ln λ ~ N(ln median, σ²) — a
 * person's or service's hourly volume whose level moves by a factor from day to day. Unlike the negative binomial
 * (a gamma-distributed rate), a log-normal rate keeps the heavier upper tail of multiplicative swings: with the same
 * variance, a 4× hour is not called a one-in-a-million event when swings of ×1.4 are ordinary. The integral over
 * z = (ln λ − ln median)/σ is a trapezoid sum in log space, over the z where the integrand matters.
 */
export function logPoissonLogNormalUpperTail(x: number, median: number, sigma: number): number {
  if (x <= 0) return 0;
  if (median <= 0) return -Infinity;
  const k = Math.ceil(x);
  if (sigma <= 1e-6) return logPoissonUpperTail(k, median);
  // the rate that makes x its mean: past it the Poisson tail is about 1 and only φ(z) decreases
  const zAtX = Math.log(k / median) / sigma;
  const from = Math.min(0, zAtX) - QUADRATURE_REACH;
  const to = Math.max(0, zAtX) + QUADRATURE_REACH;
  let total = -Infinity;
  for (let i = 0, z = from; z <= to; i++, z = from + i * QUADRATURE_STEP) {
    const term = -0.5 * z * z - LOG_SQRT_2PI + logPoissonUpperTailClosed(k, median * Math.exp(sigma * z));
    total = logAdd(total, term);
    if (z > zAtX && term < total - 40) break; // past the bulk the terms only decrease
  }
  return Math.min(0, total + Math.log(QUADRATURE_STEP));
}

/** −log10 of a probability given as its natural log: the "surprise" in decimal orders of magnitude. */
export function surprise(logProbability: number): number {
  return Math.max(0, -logProbability / LN10);
}

/**
 * The 0–100 anomaly score of every UEBA rule: ten points per decimal order of magnitude of surprise,
 * so 30 is one-in-a-thousand, 60 one-in-a-million, and 100 one-in-10¹⁰ or rarer.
 */
export function scoreFromLogProbability(logProbability: number): number {
  return Math.min(100, Math.round(10 * surprise(logProbability) * 10) / 10);
}
