/**
 * What a rule type exports of itself for other SIEMs: Splunk SPL, Sentinel KQL, Sigma v2 and Elastic Security
 * (Kibana) rules. Each rule type carries one `RuleExport` beside its evaluator (detection/types/<type>-export.ts,
 * ueba/siem-export.ts); the content-pack builders (index.ts, sigma.ts, kibana.ts) only iterate the rules and ask
 * each rule's type. A format a type cannot express returns the rule as skipped, with the reason.
 */
import type { DetectionConfig } from '../config-schema.js';
import type { Rule } from '../rule-schema.js';
import type { KibanaRule } from './kibana-rules.js';

/** One SPL or KQL search: a rule (or one of its signals) in the target language. */
export interface GeneratedQuery {
  rule_id: string;
  signal?: string;
  title: string;
  severity: string;
  query: string;
}

/** A rule (or one signal of it) a format cannot express, and why. */
export interface SkippedExport {
  rule_id: string;
  signal?: string;
  reason: string;
}

/** What one rule contributes to a pack: its documents, and what it had to leave out. */
export interface Exported<T> {
  items: T[];
  skipped: SkippedExport[];
}

/** One Sigma rule or correlation rule, as the YAML document it is written out as. */
export type SigmaDocument = Record<string, unknown>;

export interface RuleExport<R extends Rule = Rule> {
  /** Splunk SPL searches over `index=ai_security` */
  spl(rule: R, config: DetectionConfig): GeneratedQuery[];
  /** Sentinel KQL queries over the `AISecurity_CL` custom table */
  kql(rule: R, config: DetectionConfig): GeneratedQuery[];
  /** Sigma v2 rules and correlation rules */
  sigma(rule: R, config: DetectionConfig): Exported<SigmaDocument>;
  /** Elastic Security rules over `index` (the events data stream's patterns) */
  kibana(rule: R, config: DetectionConfig, index: string[]): Exported<KibanaRule>;
}

/**
 * A predicate or rule part a target language cannot state. Thrown while translating; the pack builders (and the
 * per-signal loops of multi-signal types) turn it into a skipped entry carrying its message.
 */
export class NotExpressible extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotExpressible';
  }
}

/** The whole rule left out of a format. */
export const notExported = (rule: Rule, reason: string): Exported<never> => ({ items: [], skipped: [{ rule_id: rule.id, reason }] });

/** The rule exported whole, nothing left out. */
export const exported = <T>(...items: T[]): Exported<T> => ({ items, skipped: [] });

/** Reasons shared by the types that need per-entity history (baselines, first-seen, drift, UEBA). */
export const NEEDS_HISTORY = {
  sigma: (rule: Rule) => `${rule.type} rules need baselines or history that Sigma cannot express`,
  kibana: (rule: Rule) => `${rule.type} rules need per-entity history statistics that no Kibana rule type computes`,
};
