/**
 * Agreement of human reviewers with the judge (seed 001 §6's calibration review): a reviewer agrees when the
 * human verdict names the judge's own label, or is an explicit confirmation rather than a rejection.
 */
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
