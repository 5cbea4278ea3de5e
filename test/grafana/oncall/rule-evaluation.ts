/**
 * One evaluation of a provisioned Grafana alert rule at time `at`, the way Grafana's scheduler does it: each
 * datasource query over its relativeTimeRange [at − from, at − to] through the Elasticsearch backend
 * (es-query-translation.ts), then the server-side expressions in order, then the condition per labelled number.
 *
 *   reduce    (pkg/expr/commands.go ReduceCommand.Execute): a number passes through unchanged (the table is
 *             already reduced); mode dropNN drops null/NaN
 *   threshold (pkg/expr/threshold.go): 1 when the evaluator holds, else 0
 *   condition (pkg/services/ngalert/eval/eval.go): a non-zero value is Alerting, zero is Normal; no numbers is NoData
 *   labels    (pkg/services/ngalert/state/cache.go expandAnnotationsAndLabels): Grafana's own labels (alertname,
 *             grafana_folder, __alert_rule_uid__), then the rule's labels, then the result's — earlier sets win
 */
import type { Datasource, Provisioned, Rule, RuleGroup } from '../provisioned.js';
import { grafanaSearchRequest, runGrafanaQuery, type LabelledNumber } from './es-query-translation.js';

export interface EvaluatedInstance {
  labels: Record<string, string>;
  value: number | null;
  firing: boolean;
}

export type QueryTarget = (datasource: Datasource) => { url: string; index: string };

function threshold(type: string, params: number[], value: number): boolean {
  const [a = 0, b = 0] = params;
  switch (type) {
    case 'gt':
      return value > a;
    case 'lt':
      return value < a;
    case 'within_range':
      return value > Math.min(a, b) && value < Math.max(a, b);
    case 'outside_range':
      return value < Math.min(a, b) || value > Math.max(a, b);
    default:
      throw new Error(`threshold evaluator ${type} is not translated`);
  }
}

/** Grafana's own labels, which neither the rule nor the result can override. */
export const grafanaLabels = (group: RuleGroup, rule: Rule): Record<string, string> => ({
  alertname: rule.title,
  grafana_folder: group.folder,
  __alert_rule_uid__: rule.uid,
});

export function instanceLabels(group: RuleGroup, rule: Rule, result: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { ...grafanaLabels(group, rule) };
  for (const [k, v] of Object.entries(rule.labels ?? {})) if (!(k in labels)) labels[k] = v;
  for (const [k, v] of Object.entries(result)) if (!(k in labels)) labels[k] = v;
  return labels;
}

export async function evaluateRule(p: Provisioned, group: RuleGroup, rule: Rule, at: number, target: QueryTarget): Promise<EvaluatedInstance[]> {
  const vars = new Map<string, LabelledNumber[]>();
  for (const query of rule.data) {
    const model = query.model;
    if (query.datasourceUid !== '__expr__') {
      const datasource = p.datasources.datasources.find((d) => d.uid === query.datasourceUid);
      if (!datasource) throw new Error(`rule ${rule.uid}: datasource ${query.datasourceUid} is not provisioned`);
      const range = { from: at - (query.relativeTimeRange?.from ?? 0) * 1000, to: at - (query.relativeTimeRange?.to ?? 0) * 1000 };
      vars.set(query.refId, await runGrafanaQuery(grafanaSearchRequest(model, datasource, range, target(datasource)), model));
      continue;
    }
    const input = vars.get(model.expression ?? '');
    if (!input) throw new Error(`rule ${rule.uid}: ${query.refId} reads ${model.expression}, which is not defined before it`);
    if (model.type === 'reduce') {
      const dropNN = model.settings?.mode === 'dropNN';
      vars.set(query.refId, input.filter((n) => !dropNN || (n.value !== null && !Number.isNaN(n.value))));
    } else if (model.type === 'threshold') {
      const evaluator = model.conditions?.[0]?.evaluator;
      vars.set(query.refId, input.map((n) => ({ labels: n.labels, value: n.value === null ? null : threshold(evaluator?.type ?? '', evaluator?.params ?? [], n.value) ? 1 : 0 })));
    } else throw new Error(`rule ${rule.uid}: expression ${model.type} is not translated`);
  }
  const condition = vars.get(rule.condition) ?? [];
  return condition.map((n) => ({ labels: instanceLabels(group, rule, n.labels), value: n.value, firing: n.value !== null && n.value !== 0 }));
}
