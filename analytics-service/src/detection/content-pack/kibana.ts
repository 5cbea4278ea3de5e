/**
 * Elastic Security (Kibana) detection rules from the rule definitions, as the NDJSON that Kibana's rule import
 * (`POST /api/detection_engine/rules/_import`) takes: one rule object per line.
 *
 * - threshold signals → `threshold` rules (count, or `cardinality` for distinct counts), one per severity-ladder
 *   step, since Kibana gives a rule one severity;
 * - sequences → `eql` rules (`sequence by <keys> with maxspan=<window>`);
 * - new-terms rules → `new_terms` rules with the same history;
 * - content rules → `query` rules in Lucene over the engine's own candidate terms (Kibana cannot run the exact
 *   pattern and Luhn checks that follow them in the engine).
 * Baseline-deviation, drift and UEBA rules need history statistics no Kibana rule type computes and are left out,
 * as is any signal with a time-of-day condition; `skipped` says which and why.
 *
 * Severity and risk score follow seed 004's ladder (Low = Informational, Medium = Warning, High = Alert,
 * Critical = Incident) onto Kibana's four severities, each at the top of its risk-score band (0–21, 22–47, 48–73,
 * 74–100). Schedules leave no gaps: every rule looks back at least as far as its interval.
 */
import type { DetectionConfig } from '../config-schema.js';
import { durationMs, formatDuration } from '../duration.js';
import type { Rule, SequenceRule, ThresholdRule, NewTermsRule, ContentMatchRule } from '../rule-schema.js';
import type { Severity } from '../../contract/event-schema.js';
import { ATLAS_TECHNIQUES, atlasTacticUrl, atlasTechniqueUrl } from './atlas.js';
import { kibanaQuery, luceneDetector, NotExpressible } from './kibana-query.js';

export type KibanaSeverity = 'low' | 'medium' | 'high' | 'critical';

interface ThreatRef {
  id: string;
  name: string;
  reference: string;
}
export interface KibanaThreat {
  framework: string;
  tactic: ThreatRef;
  technique: Array<ThreatRef & { subtechnique?: ThreatRef[] }>;
}

interface KibanaRuleBase {
  rule_id: string;
  name: string;
  description: string;
  severity: KibanaSeverity;
  risk_score: number;
  version: number;
  enabled: boolean;
  interval: string;
  from: string;
  to: string;
  index: string[];
  max_signals: number;
  tags: string[];
  threat: KibanaThreat[];
  author: string[];
  references: string[];
  false_positives: string[];
  note: string;
  meta: { aisec_rule_id: string; aisec_signal?: string; source: string };
}

export type KibanaRule = KibanaRuleBase &
  (
    | { type: 'query'; language: 'kuery' | 'lucene'; query: string }
    | { type: 'threshold'; language: 'kuery'; query: string; threshold: { field: string[]; value: number; cardinality?: Array<{ field: string; value: number }> } }
    | { type: 'eql'; language: 'eql'; query: string; event_category_override: string }
    | { type: 'new_terms'; language: 'kuery'; query: string; new_terms_fields: string[]; history_window_start: string }
  );

export interface KibanaPack {
  rules: KibanaRule[];
  skipped: Array<{ rule_id: string; signal?: string; reason: string }>;
}

/** seed 004's ladder onto Kibana's severities; risk at the top of each band of Kibana's RiskScore. */
export const SEVERITY_LADDER: Readonly<Record<Severity, { severity: KibanaSeverity; risk_score: number }>> = {
  info: { severity: 'low', risk_score: 21 },
  low: { severity: 'low', risk_score: 21 },
  medium: { severity: 'medium', risk_score: 47 },
  high: { severity: 'high', risk_score: 73 },
  critical: { severity: 'critical', risk_score: 99 },
};

const MINUTE = 60_000;

/**
 * How often a rule runs: often enough that a window is checked several times, never more than the window.
 * Per-event rules (query, new terms) run every 5 minutes with one minute of overlap, as Elastic's own rules do.
 */
export function intervalFor(windowMs: number): number {
  const steps = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 24 * 60 * MINUTE];
  const wanted = windowMs / 5;
  const chosen = [...steps].reverse().find((s) => s <= wanted) ?? MINUTE;
  return Math.min(chosen, windowMs);
}

const seconds = (ms: number) => `now-${Math.round(ms / 1000)}s`;

function threat(atlas: string[]): KibanaThreat[] {
  const byTactic = new Map<string, KibanaThreat>();
  for (const id of atlas) {
    const entry = ATLAS_TECHNIQUES[id];
    if (!entry) continue;
    const parentId = id.split('.').slice(0, 2).join('.');
    const parent = ATLAS_TECHNIQUES[parentId];
    let group = byTactic.get(entry.tactic.id);
    if (!group) {
      group = { framework: 'MITRE ATLAS', tactic: { ...entry.tactic, reference: atlasTacticUrl(entry.tactic.id) }, technique: [] };
      byTactic.set(entry.tactic.id, group);
    }
    const techniqueId = parent ? parentId : id;
    let technique = group.technique.find((t) => t.id === techniqueId);
    if (!technique) {
      technique = { id: techniqueId, name: (parent ?? entry).name, reference: atlasTechniqueUrl(techniqueId) };
      group.technique.push(technique);
    }
    if (techniqueId !== id) (technique.subtechnique ??= []).push({ id, name: entry.name, reference: atlasTechniqueUrl(id) });
  }
  return [...byTactic.values()];
}

function base(rule: Rule, index: string[], options: { id: string; suffix?: string; signal?: string; severity?: Severity; interval: number; lookback: number; note?: string }): KibanaRuleBase {
  const ladder = SEVERITY_LADDER[options.severity ?? rule.severity];
  const tags = rule.tags;
  const owasp = [...tags.owasp_llm.map((t) => `OWASP LLM ${t}`), ...tags.owasp_agentic.map((t) => `OWASP Agentic ${t}`)];
  const response = [`## Response`, '', rule.response.trim(), ...(rule.escalation ?? []).map((e) => `- ${e.trigger} (${e.source})`)];
  return {
    rule_id: options.id,
    name: `${rule.title}${options.suffix ?? ''}`,
    description: `${rule.description.trim()} Source: ${rule.source}. Generated from aisec rule ${rule.id}.`,
    severity: ladder.severity,
    risk_score: ladder.risk_score,
    version: 1,
    // imported rules start disabled: check the index pattern and thresholds, then enable
    enabled: false,
    interval: formatDuration(options.interval),
    from: seconds(options.lookback),
    to: 'now',
    index,
    max_signals: 100,
    tags: ['Domain: LLM', 'Use Case: AI Security', 'Data Source: aisec', `aisec:${rule.id}`, ...tags.atlas.map((t) => `MITRE ATLAS ${t}`), ...owasp],
    threat: threat(tags.atlas),
    author: ['aisec analytics service (generated)'],
    references: tags.atlas.map(atlasTechniqueUrl),
    false_positives: [],
    note: [...(options.note ? [options.note, ''] : []), ...response].join('\n'),
    meta: { aisec_rule_id: rule.id, ...(options.signal ? { aisec_signal: options.signal } : {}), source: rule.source },
  };
}

/** Kibana alerts when a count reaches `value` (>=); our signals say > or >= a number. */
const atLeast = (operator: 'gt' | 'gte', threshold: number) => Math.max(1, operator === 'gt' ? Math.floor(threshold) + 1 : Math.ceil(threshold));

function thresholdRules(rule: ThresholdRule, signal: ThresholdRule['signals'][number], config: DetectionConfig, index: string[]): KibanaRule[] {
  const window = durationMs(signal.window ?? rule.window);
  const interval = intervalFor(window);
  const query = kibanaQuery(signal.where, config, 'kuery');
  const steps = [{ severity: rule.severity, value: atLeast(signal.operator, signal.threshold), label: '' }];
  for (const step of rule.severity_ladder ?? []) steps.push({ severity: step.severity, value: atLeast('gt', step.above), label: step.severity });
  const single = rule.signals.length === 1;
  return steps.map((step): KibanaRule => {
    const idParts = [rule.id, ...(single ? [] : [signal.name]), ...(step.label ? [step.label] : [])];
    const suffix = `${single ? '' : ` — ${signal.name.replace(/_/g, ' ')}`}${step.label ? ` (${step.label}: ${signal.distinct ? 'distinct ' : ''}count ≥ ${step.value})` : ''}`;
    const counted = signal.distinct ? `distinct ${signal.distinct} values` : 'events';
    return {
      ...base(rule, index, {
        id: idParts.join('.'),
        suffix,
        signal: signal.name,
        severity: step.severity,
        interval,
        // the look-back is the window itself: each run counts the window ending at it, runs overlap, nothing is missed
        lookback: window,
        note: `Counts ${counted} by ${signal.group_by.join(', ')} in the ${formatDuration(window)} before each run (every ${formatDuration(interval)}); the aisec engine slides the window exactly.`,
      }),
      type: 'threshold',
      language: 'kuery',
      query,
      threshold: signal.distinct
        ? { field: [...signal.group_by], value: 1, cardinality: [{ field: signal.distinct, value: step.value }] }
        : { field: [...signal.group_by], value: step.value },
    };
  });
}

function sequenceRule(rule: SequenceRule, config: DetectionConfig, index: string[]): KibanaRule {
  const window = durationMs(rule.window);
  const interval = intervalFor(window);
  const differs = rule.then.differs_from_first ?? [];
  const query = [
    `sequence by ${rule.group_by.join(', ')} with maxspan=${formatDuration(window)}`,
    `  [any where ${kibanaQuery(rule.first.where, config, 'eql')}]`,
    `  [any where ${kibanaQuery(rule.then.where, config, 'eql')}]`,
  ].join('\n');
  return {
    ...base(rule, index, {
      id: rule.id,
      interval,
      // a sequence may start up to one window before the run that sees its last event
      lookback: window + interval,
      ...(differs.length ? { note: `EQL cannot compare fields across a sequence's events: check that ${differs.join(', ')} differs between the two steps.` } : {}),
    }),
    type: 'eql',
    language: 'eql',
    query,
    event_category_override: 'category',
  };
}

function newTermsRule(rule: NewTermsRule, config: DetectionConfig, index: string[]): KibanaRule {
  const interval = 5 * MINUTE;
  const where = kibanaQuery(rule.where, config, 'kuery');
  const approved = rule.approved.length ? ` and not ${rule.field}:(${rule.approved.map((a) => `"${a.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(' or ')})` : '';
  return {
    ...base(rule, index, { id: rule.id, interval, lookback: interval + MINUTE }),
    type: 'new_terms',
    language: 'kuery',
    query: `${where}${approved}`,
    new_terms_fields: [rule.field],
    history_window_start: `now-${rule.history}`,
  };
}

function contentRule(rule: ContentMatchRule, config: DetectionConfig, index: string[]): KibanaRule {
  const interval = 5 * MINUTE;
  const candidates = rule.fields.flatMap((field) => rule.detectors.map((d) => `(${luceneDetector(d, field)})`));
  return {
    ...base(rule, index, {
      id: rule.id,
      interval,
      lookback: interval + MINUTE,
      note: `Matches the candidates the aisec engine checks (${rule.detectors.map((d) => d.name).join(', ')}); Kibana cannot run the exact patterns or the Luhn check, so verify the matched text before acting.`,
    }),
    type: 'query',
    language: 'lucene',
    query: `${kibanaQuery(rule.where, config, 'lucene')} AND (${candidates.join(' OR ')})`,
  };
}

export function kibanaPack(rules: Rule[], config: DetectionConfig, eventsIndex: string): KibanaPack {
  const index = [`${eventsIndex}*`];
  const pack: KibanaPack = { rules: [], skipped: [] };
  for (const rule of rules) {
    try {
      switch (rule.type) {
        case 'threshold':
          for (const signal of rule.signals) {
            try {
              pack.rules.push(...thresholdRules(rule, signal, config, index));
            } catch (error) {
              if (!(error instanceof NotExpressible)) throw error;
              pack.skipped.push({ rule_id: rule.id, signal: signal.name, reason: error.message });
            }
          }
          break;
        case 'sequence':
          pack.rules.push(sequenceRule(rule, config, index));
          break;
        case 'new_terms':
          pack.rules.push(newTermsRule(rule, config, index));
          break;
        case 'content_match':
          pack.rules.push(contentRule(rule, config, index));
          break;
        default:
          pack.skipped.push({ rule_id: rule.id, reason: `${rule.type} rules need per-entity history statistics that no Kibana rule type computes` });
      }
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
