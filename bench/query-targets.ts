/**
 * What the query benchmark sends: every query kind with the parameters the provisioned dashboards use, the SOC
 * overview dashboard's panel requests read from its generated JSON, and the shifting 30-day window.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BULK_END, BULK_START, type BulkDataset } from '../cli/src/demo/index.js';
import { HOUR_MS, MINUTE_MS } from '../cli/src/time.js';
import { root } from './detection-support.js';

export const MAX_DATA_POINTS = 1000;
/** Grafana's interval for a 30-day range at 1000 points (2 592 s), rounded as Grafana rounds it. */
export const INTERVAL_MS = HOUR_MS;

export interface Target {
  name: string;
  params: string;
  target: Record<string, unknown>;
}

/** Every kind, with the parameters the provisioned dashboards use (dashboards/src/boards/soc-overview.ts), variables at "All". */
export function targets(data: BulkDataset): Target[] {
  const heaviest = data.users[0]!.id;
  return [
    { name: 'event_volume', params: 'groupBy category', target: { kind: 'event_volume', groupBy: 'category' } },
    { name: 'event_volume', params: 'groupBy user_id, limit 10', target: { kind: 'event_volume', groupBy: 'user_id', limit: 10 } },
    { name: 'top_users', params: 'source alerts, limit 10', target: { kind: 'top_users', source: 'alerts', limit: 10 } },
    { name: 'top_users', params: 'source events (high/critical)', target: { kind: 'top_users', source: 'events', limit: 10 } },
    { name: 'risk_matrix', params: 'security events', target: { kind: 'risk_matrix' } },
    { name: 'risk_matrix', params: 'includeRequests', target: { kind: 'risk_matrix', includeRequests: true } },
    { name: 'judge_score_distribution', params: 'bucketSize 0.1', target: { kind: 'judge_score_distribution', bucketSize: 0.1 } },
    { name: 'judge_score_distribution', params: 'byJudgeModel', target: { kind: 'judge_score_distribution', bucketSize: 0.1, byJudgeModel: true } },
    { name: 'judge_drift', params: 'threshold 0.15, 7 days', target: { kind: 'judge_drift', threshold: 0.15, trailingDays: 7 } },
    { name: 'guardrail_effectiveness', params: 'timeseries', target: { kind: 'guardrail_effectiveness', format: 'timeseries' } },
    { name: 'guardrail_effectiveness', params: 'total, byPolicy', target: { kind: 'guardrail_effectiveness', format: 'total', byPolicy: true } },
    { name: 'alerts', params: 'limit 200', target: { kind: 'alerts', limit: 200 } },
    { name: 'alert_summary', params: 'by severity, open', target: { kind: 'alert_summary', groupBy: 'severity', status: 'open' } },
    { name: 'alert_summary', params: 'by rule, open critical', target: { kind: 'alert_summary', groupBy: 'rule_id', status: 'open', severity: ['critical'] } },
    { name: 'entity_baseline', params: 'busiest user, all sections', target: { kind: 'entity_baseline', entityKind: 'user', entityId: heaviest } },
    { name: 'values', params: 'user_id, limit 200', target: { kind: 'values', field: 'user_id', limit: 200 } },
    { name: 'values', params: 'model', target: { kind: 'values', field: 'model' } },
    { name: 'annotations', params: 'minSeverity high, limit 500', target: { kind: 'annotations', minSeverity: 'high', limit: 500 } },
  ];
}

type DashboardTarget = Record<string, unknown> & { refId?: string; datasource?: unknown };
interface DashboardPanel {
  type?: string;
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
}
interface DashboardJson {
  panels?: DashboardPanel[];
  annotations?: { list?: Array<{ datasource?: { type?: string }; target?: DashboardTarget }> };
  templating?: { list?: Array<{ type?: string; datasource?: { type?: string }; query?: { field?: string } }> };
}

const DATASOURCE_TYPE = 'aisec-ueba-datasource';
const isVariable = (value: unknown) => typeof value === 'string' && value.startsWith('$');

/**
 * A dashboard target as the datasource sends it with every variable at "All": filters that only name variables
 * are dropped, and so are the Grafana-side fields (refId, datasource, hide).
 */
function asSent(target: DashboardTarget): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target)) {
    if (key === 'refId' || key === 'datasource' || key === 'hide') continue;
    if (isVariable(value) || (Array.isArray(value) && value.length > 0 && value.every(isVariable))) continue;
    out[key] = value;
  }
  return out;
}

/**
 * The SOC overview dashboard's requests (dashboards/json/soc-overview.json, generated from dashboards/src), one
 * entry per request Grafana sends on a load: each panel's targets, the datasource annotation query, and each
 * query variable's values.
 */
export function socOverviewPanels(): Array<Array<Record<string, unknown>>> {
  const file = join(root, 'dashboards', 'json', 'soc-overview.json');
  const json = JSON.parse(readFileSync(file, 'utf8')) as DashboardJson & { dashboard?: DashboardJson };
  const dashboard = json.dashboard ?? json;
  const panels: DashboardPanel[] = [];
  const walk = (list: DashboardPanel[] = []) => list.forEach((p) => (p.type === 'row' ? walk(p.panels) : panels.push(p)));
  walk(dashboard.panels);
  const requests = panels.filter((p) => (p.targets ?? []).length > 0).map((p) => p.targets!.map(asSent));
  for (const annotation of dashboard.annotations?.list ?? []) {
    if (annotation.datasource?.type === DATASOURCE_TYPE && annotation.target) requests.push([asSent(annotation.target)]);
  }
  for (const variable of dashboard.templating?.list ?? []) {
    if (variable.type === 'query' && variable.datasource?.type === DATASOURCE_TYPE && variable.query?.field) requests.push([{ kind: 'values', field: variable.query.field }]);
  }
  if (requests.length === 0) throw new Error(`${file} has no panel of the aisec datasource: run \`npm run generate -w dashboards\``);
  return requests;
}

/** The 30-day window of run `i`, shifted back by i minutes so that no two runs send the same request. */
export function range(i: number) {
  return { from: new Date(BULK_START - i * MINUTE_MS).toISOString(), to: new Date(BULK_END - i * MINUTE_MS).toISOString() };
}
