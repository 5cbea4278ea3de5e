/**
 * The rule types the engine knows, by name. A new type (for example the UEBA work's per-entity baseline
 * scores) adds its schema to rule-schema.ts and its evaluator here; the engine, the alert writer and the
 * API need no change.
 */
import type { RuleEvaluator } from './evaluation.js';
import type { Rule, RuleType } from './rule-schema.js';
import { baselineDeviationEvaluator } from './types/baseline-deviation.js';
import { contentMatchEvaluator } from './types/content-match.js';
import { driftEvaluator } from './types/drift.js';
import { newTermsEvaluator } from './types/new-terms.js';
import { sequenceEvaluator } from './types/sequence.js';
import { thresholdEvaluator } from './types/threshold.js';
import { uebaEvaluator } from '../ueba/rule-type.js';
import { uebaExport } from '../ueba/siem-export.js';

const EVALUATORS: { [T in RuleType]: RuleEvaluator<Extract<Rule, { type: T }>> } = {
  threshold: thresholdEvaluator,
  sequence: sequenceEvaluator,
  new_terms: newTermsEvaluator,
  baseline_deviation: baselineDeviationEvaluator,
  drift: driftEvaluator,
  content_match: contentMatchEvaluator,
  ueba: { ...uebaEvaluator, export: uebaExport },
};

export function evaluatorFor(rule: Rule): RuleEvaluator {
  return EVALUATORS[rule.type] as unknown as RuleEvaluator;
}
