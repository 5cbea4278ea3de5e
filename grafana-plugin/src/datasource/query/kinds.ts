/**
 * What the query editor offers for each kind: a label, a line of help, which filters apply and a default query.
 * The kinds themselves and their options are the service's (analytics-service/src/query/kinds.ts).
 */
import type { AisecQuery, Category, QueryKind, Severity } from '../types';

export type FilterKey = 'user_id' | 'endpoint' | 'model' | 'category' | 'severity';

export interface KindInfo {
  label: string;
  description: string;
  filters: FilterKey[];
  defaults: Partial<AisecQuery>;
}

const ALL_FILTERS: FilterKey[] = ['user_id', 'endpoint', 'model', 'category', 'severity'];
const ALERT_FILTERS: FilterKey[] = ['user_id', 'endpoint', 'model', 'severity'];

export const KINDS: Record<QueryKind, KindInfo> = {
  event_volume: { label: 'Event volume', description: 'Events over time, one series per category (or another field).', filters: ALL_FILTERS, defaults: { kind: 'event_volume', groupBy: 'category' } },
  top_users: { label: 'Top users by alerts', description: 'Users ranked by alert count with a severity breakdown (table).', filters: ALERT_FILTERS, defaults: { kind: 'top_users', source: 'alerts', limit: 10 } },
  risk_matrix: { label: 'Risk tier × category', description: 'Event counts per risk tier and category, with the highest severity per cell (heatmap).', filters: ALL_FILTERS, defaults: { kind: 'risk_matrix' } },
  judge_score_distribution: { label: 'Judge score distribution', description: 'Histogram of judge scores (judge_flag events unless categories are set).', filters: ALL_FILTERS, defaults: { kind: 'judge_score_distribution', bucketSize: 0.1 } },
  judge_drift: { label: 'Judge drift', description: 'Daily mean judge score per judge model vs its trailing mean; the days the judge_drift rule flags are flagged.', filters: ALL_FILTERS, defaults: { kind: 'judge_drift' } },
  guardrail_effectiveness: { label: 'Guardrail effectiveness', description: 'Caught by guardrails vs caught by the judge after a guardrail pass.', filters: ['user_id', 'endpoint', 'model', 'severity'], defaults: { kind: 'guardrail_effectiveness', format: 'timeseries' } },
  alerts: { label: 'Alerts', description: 'Alerts of the detection engine, newest first (table).', filters: ALERT_FILTERS, defaults: { kind: 'alerts', status: 'all', limit: 100 } },
  alert_summary: { label: 'Alert counts', description: 'Open alerts per severity (ladder order), rule or user.', filters: ALERT_FILTERS, defaults: { kind: 'alert_summary', groupBy: 'severity', status: 'open' } },
  entity_baseline: { label: 'Entity baseline', description: 'One user’s (model’s, endpoint’s, agent’s) baseline, usage and hour-of-week activity.', filters: ['category'], defaults: { kind: 'entity_baseline', entityKind: 'user', entityId: '$user' } },
  values: { label: 'Distinct values', description: 'Distinct values of a field, most frequent first.', filters: ALL_FILTERS, defaults: { kind: 'values', field: 'user_id' } },
  annotations: { label: 'Alert annotations', description: 'Alerts at or above a severity, as annotations.', filters: ALERT_FILTERS, defaults: { kind: 'annotations', minSeverity: 'high' } },
};

export const KIND_ORDER = Object.keys(KINDS) as QueryKind[];

/** Every category of the contract; `satisfies` plus the check below fail the build when the contract changes. */
export const CATEGORY_VALUES = [
  'request', 'guardrail_block', 'judge_flag', 'prompt_attack', 'data_exfiltration', 'agent_boundary_violation', 'tool_invocation',
  'credential_detected', 'model_drift', 'anomaly', 'auth_failure', 'rate_limit', 'model_filter_block', 'supply_chain',
] as const satisfies readonly Category[];
export const SEVERITY_VALUES = ['info', 'low', 'medium', 'high', 'critical'] as const satisfies readonly Severity[];
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
export const CONTRACT_COVERED: [Missing<Category, (typeof CATEGORY_VALUES)[number]>, Missing<Severity, (typeof SEVERITY_VALUES)[number]>] = [true, true];
