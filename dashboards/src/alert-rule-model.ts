/**
 * Grafana's file-provisioning format for alert rules (apiVersion 1, groups, rules with data A/B/C), and one rule built
 * from a spec. Grafana alerts only on backend datasources, so a rule queries Elasticsearch through the built-in
 * datasource: A = ES query with terms bucket aggregations only (Grafana's ES backend answers a table; server-side
 * expressions turn a table with one numeric column into one number per row, labelled by its string columns),
 * B = reduce, C = threshold.
 */
import { ES_DATASOURCE_TIME_FIELD } from './constants.js';

export interface EsTermsAgg {
  type: 'terms';
  id: string;
  field: string;
  settings: { size: string; order: 'desc' | 'asc'; orderBy: string; min_doc_count: string };
}
export interface EsMetric {
  type: 'count' | 'max' | 'sum' | 'avg';
  id: string;
  field?: string;
}
export interface EsQueryModel {
  refId: string;
  datasource: { type: 'elasticsearch'; uid: string };
  query: string;
  alias: string;
  metrics: EsMetric[];
  bucketAggs: EsTermsAgg[];
  timeField: string;
  intervalMs: number;
  maxDataPoints: number;
}
export interface ExpressionModel {
  refId: string;
  datasource: { type: '__expr__'; uid: '__expr__' };
  type: 'reduce' | 'threshold';
  expression: string;
  reducer?: 'sum' | 'max' | 'last' | 'mean';
  settings?: { mode: 'dropNN' | 'replaceNN' | '' };
  conditions?: Array<{ evaluator: { type: 'gt' | 'lt'; params: number[] } }>;
}
export interface RuleQuery {
  refId: string;
  relativeTimeRange: { from: number; to: number };
  datasourceUid: string;
  model: EsQueryModel | ExpressionModel;
}
export interface AlertRule {
  uid: string;
  title: string;
  condition: 'C';
  data: RuleQuery[];
  noDataState: 'OK' | 'NoData' | 'Alerting';
  execErrState: 'Error' | 'Alerting' | 'OK';
  for: string;
  annotations: Record<string, string>;
  labels: Record<string, string>;
  isPaused: boolean;
}
export interface RuleGroup {
  orgId: number;
  name: string;
  folder: string;
  interval: string;
  rules: AlertRule[];
}

const terms = (id: string, field: string, size: number): EsTermsAgg => ({ type: 'terms', id, field, settings: { size: String(size), order: 'desc', orderBy: '_count', min_doc_count: '1' } });

export interface RuleSpec {
  uid: string;
  title: string;
  datasourceUid: string;
  /** Lucene query on the index */
  query: string;
  metric: EsMetric;
  groupBy: Array<{ field: string; size: number }>;
  lookbackSeconds: number;
  reducer: 'max' | 'last';
  threshold: number;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  dashboard: { uid: string; panelId: number };
}

export function rule(spec: RuleSpec): AlertRule {
  const expr = { type: '__expr__', uid: '__expr__' } as const;
  return {
    uid: spec.uid,
    title: spec.title,
    condition: 'C',
    data: [
      {
        refId: 'A',
        relativeTimeRange: { from: spec.lookbackSeconds, to: 0 },
        datasourceUid: spec.datasourceUid,
        model: {
          refId: 'A',
          datasource: { type: 'elasticsearch', uid: spec.datasourceUid },
          query: spec.query,
          alias: '',
          metrics: [spec.metric],
          // terms only, no date histogram: the ES backend answers one table row per group (see the file comment)
          bucketAggs: spec.groupBy.map((g, i) => terms(String(i + 2), g.field, g.size)),
          // Grafana's ES backend filters the range on the datasource's timeField; the model says the same
          timeField: ES_DATASOURCE_TIME_FIELD[spec.datasourceUid]!,
          intervalMs: 1000,
          maxDataPoints: 43200,
        },
      },
      { refId: 'B', relativeTimeRange: { from: 0, to: 0 }, datasourceUid: '__expr__', model: { refId: 'B', datasource: expr, type: 'reduce', expression: 'A', reducer: spec.reducer, settings: { mode: 'dropNN' } } },
      {
        refId: 'C',
        relativeTimeRange: { from: 0, to: 0 },
        datasourceUid: '__expr__',
        model: { refId: 'C', datasource: expr, type: 'threshold', expression: 'B', conditions: [{ evaluator: { type: 'gt', params: [spec.threshold] } }] },
      },
    ],
    noDataState: 'OK',
    execErrState: 'Error',
    for: spec.for,
    annotations: { ...spec.annotations, __dashboardUid__: spec.dashboard.uid, __panelId__: String(spec.dashboard.panelId) },
    labels: { team: 'soc', source: 'aisec', ...spec.labels },
    isPaused: false,
  };
}
