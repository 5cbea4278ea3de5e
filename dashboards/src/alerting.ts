/**
 * Grafana-managed alert rules that page on-call, with contact points and a notification policy routed by the
 * seed-004 severity ladder: critical → pager webhook, high → SOC on-call, medium → SOC channel.
 *
 * Grafana alerts only on backend datasources, so every rule queries Elasticsearch through the built-in
 * datasource: A = ES query (count or max, terms group-by, then a date histogram: one series per group, which
 * makes the rule multi-dimensional), B = reduce, C = threshold. Runbook text comes from seed 004.
 */
import { DATASOURCE, DASHBOARD, FOLDER, INDICES } from './constants.js';

export type LadderSeverity = 'critical' | 'high' | 'medium';

/** The seed-004 ladder as Grafana routes it: the SOC equivalent, its SLA and the contact point that gets it. */
export const LADDER: Record<LadderSeverity, { soc: string; sla: string; contactPoint: string }> = {
  critical: { soc: 'Incident', sla: 'Immediate response', contactPoint: 'aisec-pager' },
  high: { soc: 'Alert', sla: 'Triage within 1 hour', contactPoint: 'aisec-soc-oncall' },
  medium: { soc: 'Warning', sla: 'Triage within 4 hours', contactPoint: 'aisec-soc-channel' },
};

/** Runbooks from seed 004 ("Triage Procedures", "Escalation Triggers") and seed 001's responses. */
export const RUNBOOK = {
  promptAttack: [
    '1. Capture full request and response (do not summarise — exact content matters).',
    '2. Did the attack succeed? Yes (guardrails/judge bypassed) → Incident: disable the endpoint and notify the AI team immediately. No (blocked by guardrails) → log the technique, update threat intel, monitor for variants.',
    '3. Known technique → verify guardrails are current, close. Novel → escalate to the AI security team for analysis and a guardrail update.',
    '4. Do NOT attempt to reproduce the attack in production.',
  ].join('\n'),
  critical: [
    'Incident: immediate response (seed 004 severity mapping — confirmed breach or agent compromise).',
    'Agent boundary violation: halt the agent, alert SOC and the AI team; check whether user input (prompt injection) triggered the action.',
    'Exposed credential: treat it as compromised and rotate it now.',
    'Then follow the prompt-attack procedure: capture the full request and response; if guardrails or the judge were bypassed, disable the endpoint and notify the AI team; do NOT reproduce the attack in production.',
  ].join('\n'),
  guardrailBypass: [
    'A guardrail passed a request that the judge then flagged with a score above 0.9: a confirmed guardrail gap (seed 001 §5).',
    'Escalate to the AI security team. Update the guardrail rules. Review all transactions from this user in the window.',
    'Did the attack succeed? Yes → Incident: disable the endpoint, notify the AI team immediately. Capture the full request and response; do NOT reproduce it in production.',
  ].join('\n'),
  judgeDrift: [
    'Judge flag procedure (seed 004): review the judge evaluation alongside the original request and response.',
    'Model drift: did the provider update the judge model, or is this adversarial? → AI team + vendor liaison.',
    'Investigate whether the model provider updated the judge model; trigger a human calibration review per Judge Assurance (seed 001 §6). False positives feed back to judge tuning.',
  ].join('\n'),
  entityRisk: [
    'Is the user a human or an AI agent? Agent → was its action triggered by user input (prompt injection)? Then investigate that user.',
    'Anomalous volume: is this a batch job or data exfiltration? → SOC L2 for investigation. Check whether outputs contain structured data, PII or credentials.',
    'Off-hours or new geography: cross-reference with HR/IdP for travel; if not explained, treat as potential account compromise (seed 001 §8).',
    'Single event → log and monitor; pattern → escalate and check for coordinated activity across users and endpoints.',
  ].join('\n'),
};

// ---- the file-provisioning format (Grafana: apiVersion 1, groups, rules with data A/B/C) ----

export interface EsTermsAgg {
  type: 'terms';
  id: string;
  field: string;
  settings: { size: string; order: 'desc' | 'asc'; orderBy: string; min_doc_count: string };
}
export interface EsDateHistogramAgg {
  type: 'date_histogram';
  id: string;
  field: string;
  settings: { interval: string; min_doc_count: string; trimEdges: string };
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
  bucketAggs: Array<EsTermsAgg | EsDateHistogramAgg>;
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

const terms = (id: string, field: string, size = 50): EsTermsAgg => ({ type: 'terms', id, field, settings: { size: String(size), order: 'desc', orderBy: '_count', min_doc_count: '1' } });
const histogram = (id: string, interval: string): EsDateHistogramAgg => ({ type: 'date_histogram', id, field: '@timestamp', settings: { interval, min_doc_count: '0', trimEdges: '0' } });

interface RuleSpec {
  uid: string;
  title: string;
  severity: LadderSeverity;
  datasourceUid: string;
  /** Lucene query on the index */
  query: string;
  metric: EsMetric;
  groupBy: string[];
  bucket: string;
  lookbackSeconds: number;
  reducer: 'sum' | 'max' | 'last';
  threshold: number;
  for: string;
  summary: string;
  description: string;
  runbook: string;
  dashboardUid: string;
}

function rule(spec: RuleSpec): AlertRule {
  const aggs = [...spec.groupBy.map((field, i) => terms(String(i + 2), field)), histogram(String(spec.groupBy.length + 2), spec.bucket)];
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
          bucketAggs: aggs,
          timeField: '@timestamp',
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
    annotations: {
      summary: spec.summary,
      description: spec.description,
      runbook: spec.runbook,
      sla: `${LADDER[spec.severity].soc}: ${LADDER[spec.severity].sla} (seed 004 severity mapping)`,
      __dashboardUid__: spec.dashboardUid,
    },
    labels: { severity: spec.severity, team: 'soc', source: 'aisec' },
    isPaused: false,
  };
}

const OPEN = 'NOT status:(closed OR resolved)';

export function ruleGroups(): RuleGroup[] {
  return [
    {
      orgId: 1,
      name: 'aisec-detections',
      folder: FOLDER.title,
      interval: '1m',
      rules: [
        rule({
          uid: 'aisec-critical-alerts',
          title: 'Critical AI-security alert',
          severity: 'critical',
          datasourceUid: DATASOURCE.alerts.uid,
          query: `severity:critical AND ${OPEN} AND NOT rule_id:guardrail_bypass`,
          metric: { type: 'count', id: '1' },
          groupBy: ['rule_id', 'user_id'],
          bucket: '1m',
          lookbackSeconds: 600,
          reducer: 'sum',
          threshold: 0,
          for: '0s',
          summary: 'Critical alert {{ $labels.rule_id }} for user {{ $labels.user_id }} ({{ $values.B }} in 10 min)',
          description: `The detection engine raised a critical alert in ${INDICES.alerts}. Open the SOC overview, then the user's UEBA drill-down.`,
          runbook: RUNBOOK.critical,
          dashboardUid: DASHBOARD.soc.uid,
        }),
        rule({
          uid: 'aisec-high-alerts',
          title: 'High AI-security alert',
          severity: 'high',
          datasourceUid: DATASOURCE.alerts.uid,
          query: `severity:high AND ${OPEN}`,
          metric: { type: 'count', id: '1' },
          groupBy: ['rule_id', 'user_id'],
          bucket: '1m',
          lookbackSeconds: 600,
          reducer: 'sum',
          threshold: 0,
          for: '0s',
          summary: 'High alert {{ $labels.rule_id }} for user {{ $labels.user_id }} ({{ $values.B }} in 10 min)',
          description: 'Attack pattern or data-exfiltration signal (seed 004: High → Alert). Triage within the hour.',
          runbook: RUNBOOK.promptAttack,
          dashboardUid: DASHBOARD.soc.uid,
        }),
        rule({
          uid: 'aisec-guardrail-bypass',
          title: 'Guardrail bypass',
          severity: 'critical',
          datasourceUid: DATASOURCE.alerts.uid,
          query: `rule_id:guardrail_bypass AND ${OPEN}`,
          metric: { type: 'count', id: '1' },
          groupBy: ['user_id', 'endpoint'],
          bucket: '1m',
          lookbackSeconds: 900,
          reducer: 'sum',
          threshold: 0,
          for: '0s',
          summary: 'Guardrail bypassed for {{ $labels.user_id }} on {{ $labels.endpoint }}',
          description: 'The judge flagged (score > 0.9) a transaction the guardrail had passed.',
          runbook: RUNBOOK.guardrailBypass,
          dashboardUid: DASHBOARD.guardrails.uid,
        }),
      ],
    },
    {
      orgId: 1,
      name: 'aisec-assurance',
      folder: FOLDER.title,
      interval: '5m',
      rules: [
        rule({
          uid: 'aisec-judge-drift',
          title: 'Judge drift',
          severity: 'medium',
          datasourceUid: DATASOURCE.metrics.uid,
          query: 'metric:judge_daily AND flagged:true',
          metric: { type: 'count', id: '1' },
          groupBy: ['judge_model'],
          bucket: '1d',
          lookbackSeconds: 2 * 86_400,
          reducer: 'sum',
          threshold: 0,
          for: '0s',
          summary: 'Judge {{ $labels.judge_model }} drifted from its trailing mean',
          description: 'Daily mean judge score moved more than the threshold (default 0.15) from its trailing 7-day mean (seed 001 §6).',
          runbook: RUNBOOK.judgeDrift,
          dashboardUid: DASHBOARD.judge.uid,
        }),
        rule({
          uid: 'aisec-entity-risk',
          title: 'User risk over threshold',
          severity: 'high',
          datasourceUid: DATASOURCE.baselines.uid,
          query: 'entity_kind:user',
          metric: { type: 'max', id: '1', field: 'risk_score' },
          groupBy: ['entity_id'],
          bucket: '1h',
          lookbackSeconds: 6 * 3600,
          reducer: 'max',
          threshold: 80,
          for: '15m',
          summary: 'UEBA risk of {{ $labels.entity_id }} is {{ $values.B }} (threshold 80)',
          description: 'The UEBA risk score of a user stayed above 80 for 15 minutes.',
          runbook: RUNBOOK.entityRisk,
          dashboardUid: DASHBOARD.ueba.uid,
        }),
      ],
    },
  ];
}

export function alertRulesFile() {
  return { apiVersion: 1, groups: ruleGroups() };
}

/** Webhook URLs come from the Grafana container's environment. */
export const CONTACT_POINT_URL_VARIABLES: Record<string, string> = {
  'aisec-pager': 'AISEC_PAGER_WEBHOOK_URL',
  'aisec-soc-oncall': 'AISEC_SOC_ONCALL_WEBHOOK_URL',
  'aisec-soc-channel': 'AISEC_SOC_CHANNEL_WEBHOOK_URL',
};

export function contactPointsFile() {
  return {
    apiVersion: 1,
    contactPoints: Object.entries(CONTACT_POINT_URL_VARIABLES).map(([name, variable]) => ({
      orgId: 1,
      name,
      receivers: [{ uid: `${name}-webhook`, type: 'webhook', disableResolveMessage: false, settings: { url: `\${${variable}}`, httpMethod: 'POST' } }],
    })),
  };
}

export function notificationPoliciesFile() {
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        receiver: LADDER.medium.contactPoint,
        group_by: ['grafana_folder', 'alertname'],
        group_wait: '30s',
        group_interval: '5m',
        repeat_interval: '4h',
        routes: [
          { receiver: LADDER.critical.contactPoint, object_matchers: [['severity', '=', 'critical']], group_by: ['alertname', 'rule_id', 'user_id'], group_wait: '0s', group_interval: '1m', repeat_interval: '30m', continue: false },
          { receiver: LADDER.high.contactPoint, object_matchers: [['severity', '=', 'high']], group_by: ['alertname', 'rule_id', 'user_id'], group_wait: '30s', group_interval: '5m', repeat_interval: '1h', continue: false },
          { receiver: LADDER.medium.contactPoint, object_matchers: [['severity', '=', 'medium']], group_wait: '1m', group_interval: '10m', repeat_interval: '4h', continue: false },
        ],
      },
    ],
  };
}
