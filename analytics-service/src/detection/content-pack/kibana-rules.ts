/**
 * The parts every exported Elastic Security (Kibana) rule shares, whatever rule type it comes from: the rule
 * object's shape, seed 004's severity ladder onto Kibana's severities and risk scores, the MITRE ATLAS threat
 * mapping, schedules, and the common fields (name, tags, note, meta). Each rule type's export
 * (detection/types/<type>-export.ts) builds its Kibana rules from these; kibana.ts assembles the pack.
 *
 * Severity and risk score follow seed 004's ladder (Low = Informational, Medium = Warning, High = Alert,
 * Critical = Incident) onto Kibana's four severities, each at the top of its risk-score band (0–21, 22–47, 48–73,
 * 74–100). Schedules leave no gaps: every rule looks back at least as far as its interval.
 */
import { formatDuration } from '../duration.js';
import type { Rule } from '../rule-schema.js';
import type { Severity } from '../../contract/event-schema.js';
import { ATLAS_TECHNIQUES, atlasTacticUrl, atlasTechniqueUrl } from './atlas.js';

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

export interface KibanaRuleBase {
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

/** seed 004's ladder onto Kibana's severities; risk at the top of each band of Kibana's RiskScore. */
export const SEVERITY_LADDER: Readonly<Record<Severity, { severity: KibanaSeverity; risk_score: number }>> = {
  info: { severity: 'low', risk_score: 21 },
  low: { severity: 'low', risk_score: 21 },
  medium: { severity: 'medium', risk_score: 47 },
  high: { severity: 'high', risk_score: 73 },
  critical: { severity: 'critical', risk_score: 99 },
};

export const MINUTE = 60_000;

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

export function kibanaRuleBase(rule: Rule, index: string[], options: { id: string; suffix?: string; signal?: string; severity?: Severity; interval: number; lookback: number; note?: string }): KibanaRuleBase {
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
export const atLeast = (operator: 'gt' | 'gte', threshold: number) => Math.max(1, operator === 'gt' ? Math.floor(threshold) + 1 : Math.ceil(threshold));

