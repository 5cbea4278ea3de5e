/**
 * The alert document and the pure parts of alerting: deterministic ids, the severity ladder, seed 004's
 * escalation triggers, and merging a new finding into an existing alert without touching triage fields.
 */
import { createHash } from 'node:crypto';
import { SEVERITIES, severityRank, type Severity } from '../contract/event-schema.js';
import type { Finding } from './evaluation.js';
import type { AlertOutbox } from './notifications.js';
import type { EntityField, EscalationAction, Rule } from './rule-schema.js';

export const ALERT_STATUSES = ['open', 'acknowledged', 'closed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];
export const RESOLUTIONS = ['true_positive', 'false_positive', 'benign'] as const;
export type Resolution = (typeof RESOLUTIONS)[number];

export interface HistoryEntry {
  at: string;
  actor: string;
  action: 'created' | 'updated' | 'triage';
  status?: AlertStatus;
  resolution?: Resolution;
  note?: string;
  severity?: Severity;
}

/** Detection and triage fields, plus the notification outbox (detection/notifications.ts). */
export type AlertDocument = Partial<Record<EntityField, string>> & AlertOutbox & {
  id: string;
  rule_id: string;
  rule_type: string;
  signal?: string;
  title: string;
  severity: Severity;
  severity_rank: number;
  '@timestamp': string;
  window_start: string;
  window_end: string;
  entity_key: string;
  entity_fields: EntityField[];
  observed: number;
  threshold: number;
  event_ids: string[];
  event_count: number;
  tags: string[];
  response: string;
  status: AlertStatus;
  resolution?: Resolution;
  escalated: boolean;
  recommended_action?: EscalationAction;
  escalation_triggers?: string[];
  explanation?: Record<string, unknown>;
  created_at: string;
  updated_at: string;
  history: HistoryEntry[];
};

/** Fields the detection engine owns; everything else (status, resolution, history) belongs to triage. */
export const DETECTION_FIELDS = [
  'severity',
  'severity_rank',
  '@timestamp',
  'window_start',
  'window_end',
  'observed',
  'threshold',
  'event_ids',
  'event_count',
  'escalated',
  'recommended_action',
  'escalation_triggers',
  'explanation',
] as const;

export function entityKey(finding: Pick<Finding, 'keyFields' | 'entity'>): string[] {
  return finding.keyFields.map((f) => finding.entity[f] ?? '');
}

/** sha256 of (rule id, signal, entity values in group-by order, episode anchor): the same episode always gets the same id. */
export function alertId(ruleId: string, signal: string | undefined, key: readonly string[], anchor: number): string {
  return createHash('sha256')
    .update(JSON.stringify([ruleId, signal ?? '', key, new Date(anchor).toISOString()]))
    .digest('hex');
}

export function entityKeyString(ruleId: string, signal: string | undefined, key: readonly string[]): string {
  return createHash('sha256').update(JSON.stringify([ruleId, signal ?? '', key])).digest('hex').slice(0, 32);
}

/** The rule's base severity, raised by every ladder step the observed value is above. */
export function severityFor(rule: Rule, observed: number): Severity {
  let severity: Severity = rule.severity;
  for (const step of rule.severity_ladder ?? []) if (observed > step.above && severityRank(step.severity) > severityRank(severity)) severity = step.severity;
  return severity;
}

export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) >= severityRank(b) ? a : b);

/** Most disruptive first: the recommended action is the first that applies. */
const ACTION_PRIORITY: EscalationAction[] = ['halt_agent', 'block_user', 'disable_feature_for_user', 'rate_limit_user', 'log_full_request', 'flag_for_human_review'];

export function escalationFor(rule: Rule, severity: Severity): { escalated: boolean; recommended_action?: EscalationAction; escalation_triggers?: string[] } {
  const applicable = (rule.escalation ?? []).filter((e) => !e.min_severity || severityRank(severity) >= severityRank(e.min_severity));
  if (applicable.length === 0) return { escalated: false };
  const action = ACTION_PRIORITY.find((a) => applicable.some((e) => e.action === a))!;
  return { escalated: true, recommended_action: action, escalation_triggers: applicable.map((e) => `${e.source}: ${e.trigger}`) };
}

export function ruleTags(rule: Rule): string[] {
  return [...rule.tags.atlas, ...rule.tags.owasp_llm, ...rule.tags.owasp_agentic];
}

const iso = (t: number) => new Date(t).toISOString();

/** A new alert document from a finding whose evidence has been counted over its window. */
export function newAlert(finding: Finding, id: string, now: string): AlertDocument {
  const rule = finding.rule;
  const key = entityKey(finding);
  const severity = severityFor(rule, finding.observed);
  const doc: AlertDocument = {
    id,
    rule_id: rule.id,
    rule_type: rule.type,
    ...(finding.signal && rule.type === 'threshold' && rule.signals.length > 1 ? { signal: finding.signal } : {}),
    title: rule.title,
    severity,
    severity_rank: severityRank(severity),
    '@timestamp': iso(finding.firedAt),
    window_start: iso(finding.windowStart),
    window_end: iso(finding.windowEnd),
    ...finding.entity,
    entity_key: entityKeyString(rule.id, finding.signal, key),
    entity_fields: finding.keyFields,
    observed: finding.observed,
    threshold: finding.threshold,
    event_ids: finding.eventIds,
    event_count: finding.eventCount,
    tags: ruleTags(rule),
    response: rule.response,
    status: 'open',
    ...escalationFor(rule, severity),
    ...(finding.explanation ? { explanation: finding.explanation } : {}),
    created_at: now,
    updated_at: now,
    history: [{ at: now, actor: 'detection', action: 'created', severity }],
  };
  return doc;
}

/**
 * The existing alert grown by a finding: window widened, observed maximum, severity only ever up the ladder,
 * earliest firing time kept. Triage fields are carried over untouched.
 */
export function mergedAlert(existing: AlertDocument, finding: Finding, evidence: { count: number; ids: string[] }, now: string): AlertDocument {
  const rule = finding.rule;
  const observed = Math.max(existing.observed, finding.observed);
  const severity = maxSeverity(existing.severity, severityFor(rule, observed));
  const merged: AlertDocument = {
    ...existing,
    severity,
    severity_rank: severityRank(severity),
    '@timestamp': iso(Math.min(Date.parse(existing['@timestamp']), finding.firedAt)),
    window_start: iso(Math.min(Date.parse(existing.window_start), finding.windowStart)),
    window_end: iso(Math.max(Date.parse(existing.window_end), finding.windowEnd)),
    observed,
    threshold: finding.threshold,
    event_ids: evidence.ids,
    event_count: Math.max(evidence.count, existing.event_count),
    tags: ruleTags(rule),
    response: rule.response,
    ...escalationFor(rule, severity),
    ...(finding.explanation || existing.explanation ? { explanation: mergedExplanation(existing.explanation, finding.explanation) } : {}),
  };
  if (!merged.escalated) {
    delete merged.recommended_action;
    delete merged.escalation_triggers;
  }
  if (!detectionChanged(existing, merged)) return existing;
  merged.updated_at = now;
  if (severity !== existing.severity) merged.history = [...existing.history, { at: now, actor: 'detection', action: 'updated', severity }];
  return merged;
}

/** The latest finding's explanation over the alert's, with `new_values` (first-seen episodes) accumulated in order. */
function mergedExplanation(existing: Record<string, unknown> | undefined, latest: Record<string, unknown> | undefined): Record<string, unknown> {
  const merged = { ...existing, ...latest };
  const values = [existing?.new_values, latest?.new_values].flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : []));
  if (values.length > 0) merged.new_values = [...new Set(values)];
  return merged;
}

export function detectionChanged(a: AlertDocument, b: AlertDocument): boolean {
  return DETECTION_FIELDS.some((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
