/**
 * The evaluator of each rule type, by name. The detection engine gets the whole table when the app is composed
 * (rule-evaluators.ts): the types below are detection's own; `ueba` comes from the UEBA module, built with the
 * baselines it scores against. A new type adds its schema to rule-schema.ts and its evaluator to the table; the
 * engine, the alert writer and the API need no change.
 */
import type { RuleEvaluator } from './evaluation.js';
import type { Rule, RuleType } from './rule-schema.js';
import { baselineDeviationEvaluator } from './types/baseline-deviation.js';
import { contentMatchEvaluator } from './types/content-match.js';
import { driftEvaluator } from './types/drift.js';
import { newTermsEvaluator } from './types/new-terms.js';
import { sequenceEvaluator } from './types/sequence.js';
import { thresholdEvaluator } from './types/threshold.js';

export type EvaluatorTable = { [T in RuleType]: RuleEvaluator<Extract<Rule, { type: T }>> };

/** Every rule type whose evaluator needs nothing beyond the engine's evaluation context. */
export const DETECTION_EVALUATORS: Omit<EvaluatorTable, 'ueba'> = {
  threshold: thresholdEvaluator,
  sequence: sequenceEvaluator,
  new_terms: newTermsEvaluator,
  baseline_deviation: baselineDeviationEvaluator,
  drift: driftEvaluator,
  content_match: contentMatchEvaluator,
};

export function evaluatorFor(rule: Rule, table: EvaluatorTable): RuleEvaluator {
  return table[rule.type] as unknown as RuleEvaluator;
}
