/**
 * Elastic Security (Kibana) detection rules from the rule definitions, as the NDJSON that Kibana's rule import
 * (`POST /api/detection_engine/rules/_import`) takes: one rule object per line. Each rule's type says what it
 * becomes (detection/types/<type>-export.ts):
 *
 * - threshold signals → `threshold` rules (count, or `cardinality` for distinct counts), one per severity-ladder
 *   step, since Kibana gives a rule one severity;
 * - sequences → `eql` rules (`sequence by <keys> with maxspan=<window>`);
 * - new-terms rules → `new_terms` rules with the same history;
 * - content rules → `query` rules in Lucene over the engine's own candidate terms (Kibana cannot run the exact
 *   pattern and Luhn checks that follow them in the engine).
 * Baseline-deviation, drift and UEBA rules need history statistics no Kibana rule type computes and are left out,
 * as is any signal with a time-of-day condition; `skipped` says which and why. kibana-rules.ts holds what every
 * exported rule shares (severity ladder, risk scores, schedules, threat mapping).
 */
import type { DetectionConfig } from '../config-schema.js';
import { evaluatorFor, type EvaluatorTable } from '../evaluators.js';
import type { Rule } from '../rule-schema.js';
import type { KibanaRule } from './kibana-rules.js';
import { NotExpressible, type SkippedExport } from './rule-export.js';

export interface KibanaPack {
  rules: KibanaRule[];
  skipped: SkippedExport[];
}

export function kibanaPack(rules: Rule[], config: DetectionConfig, evaluators: EvaluatorTable, eventsIndex: string): KibanaPack {
  const index = [`${eventsIndex}*`];
  const pack: KibanaPack = { rules: [], skipped: [] };
  for (const rule of rules) {
    const exporter = evaluatorFor(rule, evaluators).export;
    if (!exporter) {
      pack.skipped.push({ rule_id: rule.id, reason: `${rule.type} rules have no Kibana export` });
      continue;
    }
    try {
      const { items, skipped } = exporter.kibana(rule, config, index);
      pack.rules.push(...items);
      pack.skipped.push(...skipped);
    } catch (error) {
      if (!(error instanceof NotExpressible)) throw error;
      pack.skipped.push({ rule_id: rule.id, reason: error.message });
    }
  }
  return pack;
}

export function kibanaNdjson(pack: KibanaPack): string {
  return pack.rules.map((r) => JSON.stringify(r)).join('\n') + (pack.rules.length ? '\n' : '');
}
