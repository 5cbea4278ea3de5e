/**
 * Population Stability Index between two histograms on the same fixed bins:
 *
 *   PSI = Σ_i (a_i − e_i) · ln(a_i / e_i)
 *
 * with a_i and e_i the shares of the actual (the day) and expected (the reference window) counts in bin i.
 * An empty bin's share is replaced by ε = 0.0001 (the usual convention), which keeps the sum finite while still
 * charging a bin that appears or vanishes. Reading (industry convention): < 0.1 stable, 0.1–0.25 moderate
 * shift, > 0.25 significant shift.
 *
 * Hand-written: simple-statistics has no PSI (nor does any well-kept JavaScript library).
 */
export const PSI_EPSILON = 1e-4;

export type PsiLevel = 'stable' | 'moderate' | 'significant';

export interface PsiBin {
  actual_share: number;
  expected_share: number;
  term: number;
}

export interface PsiResult {
  psi: number;
  level: PsiLevel;
  bins: PsiBin[];
}

export function psiLevel(psi: number): PsiLevel {
  if (psi < 0.1) return 'stable';
  if (psi <= 0.25) return 'moderate';
  return 'significant';
}

/** PSI of `actual` against `expected`, both given as counts per bin. */
export function populationStabilityIndex(actual: readonly number[], expected: readonly number[], epsilon = PSI_EPSILON): PsiResult {
  if (actual.length !== expected.length || actual.length === 0) {
    throw new Error(`PSI needs two histograms with the same bins (got ${actual.length} and ${expected.length} bins)`);
  }
  const actualTotal = actual.reduce((s, v) => s + v, 0);
  const expectedTotal = expected.reduce((s, v) => s + v, 0);
  if (actualTotal <= 0 || expectedTotal <= 0) throw new Error('PSI needs at least one value in each histogram');
  let psi = 0;
  const bins = actual.map((count, i) => {
    const a = count / actualTotal || epsilon;
    const e = expected[i]! / expectedTotal || epsilon;
    const term = (a - e) * Math.log(a / e);
    psi += term;
    return { actual_share: count / actualTotal, expected_share: expected[i]! / expectedTotal, term };
  });
  return { psi, level: psiLevel(psi), bins };
}
