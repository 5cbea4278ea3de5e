/**
 * Grafana-managed alert rules that page on-call, with contact points and a notification policy routed by the
 * seed-004 severity ladder: critical → pager webhook, high → SOC on-call, medium → SOC channel.
 *
 * Paging semantics (docs/grafana.md, "Paging"): every open alert of the detection engine is one Grafana alert
 * instance labelled by its id, rule_id and severity. A new alert, or a severity raise (new labels), is a new
 * instance and so a new notification; the instance keeps firing while the alert is open or acknowledged and
 * resolves when triage closes it — never by a clock.
 *
 * Grafana alerts only on backend datasources, so the rules query Elasticsearch through the built-in datasource:
 * A = ES query with terms bucket aggregations only (Grafana's ES backend answers a table; server-side
 * expressions turn a table with one numeric column into one number per row, labelled by its string columns),
 * B = reduce, C = threshold. Runbook text comes from seed 004.
 */
import { DATASOURCE, DASHBOARD, ES_DATASOURCE_TIME_FIELD, FOLDER, INDICES } from './constants.js';
import { panelId } from './panels.js';

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

/** How the alert-paging rule reads the alerts index (docs/grafana.md, "Paging"). */
export const PAGING = {
  /** evaluation interval of the paging rule; a new alert pages at its first evaluation */
  interval: '1m',
  /** an alert pages while its created_at is inside this window: an alert left open longer stops paging */
  windowSeconds: 7 * 86_400,
  /** terms size on the alert id: the most open alerts one evaluation can page (3 buckets each, under ES's 65,536) */
  maxOpenAlerts: 5000,
  /** alert statuses (analytics-service/src/detection/alert.ts): everything but closed pages */
  query: 'NOT status:closed',
} as const;

/** The UEBA risk rule: a user's stored risk score over this threshold for `for` pages SOC on-call. */
export const USER_RISK = { threshold: 80, for: '15m', interval: '5m', windowSeconds: 6 * 3600, maxUsers: 5000 } as const;

const terms = (id: string, field: string, size: number): EsTermsAgg => ({ type: 'terms', id, field, settings: { size: String(size), order: 'desc', orderBy: '_count', min_doc_count: '1' } });

interface RuleSpec {
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

function rule(spec: RuleSpec): AlertRule {
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

/** A Go template choosing text by the instance's severity label (critical, high, anything else). */
const bySeverity = (texts: Record<LadderSeverity, string>) =>
  `{{ if eq $labels.severity "critical" }}${texts.critical}{{ else if eq $labels.severity "high" }}${texts.high}{{ else }}${texts.medium}{{ end }}`;
const slaText = (severity: LadderSeverity) => `${LADDER[severity].soc}: ${LADDER[severity].sla} (seed 004 severity mapping)`;

export function ruleGroups(): RuleGroup[] {
  return [
    {
      orgId: 1,
      name: 'aisec-detections',
      folder: FOLDER.title,
      interval: PAGING.interval,
      rules: [
        rule({
          uid: 'aisec-alert-open',
          title: 'AI-security alert open',
          datasourceUid: DATASOURCE.alerts.uid,
          query: PAGING.query,
          metric: { type: 'count', id: '1' },
          // the alert id makes each open alert its own instance; rule_id and severity label it for routing
          groupBy: [
            { field: 'id', size: PAGING.maxOpenAlerts },
            { field: 'rule_id', size: 1 },
            { field: 'severity', size: 1 },
          ],
          lookbackSeconds: PAGING.windowSeconds,
          reducer: 'last',
          threshold: 0,
          for: '0s',
          // no static severity: a rule label would override the instance's severity (Grafana keeps rule labels)
          labels: {},
          annotations: {
            summary: '{{ $labels.severity }} AI-security alert {{ $labels.rule_id }} is open (alert {{ $labels.id }})',
            description: `The detection engine raised an alert in ${INDICES.alerts} that is not closed. Open it in the SOC overview (Open alerts) or with \`aisec alerts show {{ $labels.id }}\`; close it in triage (PATCH /v1/alerts/{{ $labels.id }}) to resolve this page.`,
            runbook: bySeverity({ critical: RUNBOOK.critical, high: RUNBOOK.promptAttack, medium: RUNBOOK.entityRisk }),
            sla: bySeverity({ critical: slaText('critical'), high: slaText('high'), medium: slaText('medium') }),
          },
          dashboard: { uid: DASHBOARD.soc.uid, panelId: panelId('soc-overview.json', 'Open alerts') },
        }),
      ],
    },
    {
      orgId: 1,
      name: 'aisec-ueba-risk',
      folder: FOLDER.title,
      interval: USER_RISK.interval,
      rules: [
        rule({
          uid: 'aisec-entity-risk',
          title: 'User risk over threshold',
          datasourceUid: DATASOURCE.baselines.uid,
          query: 'entity_kind:user',
          metric: { type: 'max', id: '1', field: 'risk_score' },
          groupBy: [{ field: 'entity_id', size: USER_RISK.maxUsers }],
          lookbackSeconds: USER_RISK.windowSeconds,
          reducer: 'max',
          threshold: USER_RISK.threshold,
          for: USER_RISK.for,
          labels: { severity: 'high' },
          annotations: {
            summary: 'UEBA risk of {{ $labels.entity_id }} is {{ $values.B }} (threshold 80)',
            description: 'The UEBA risk score of a user (refreshed from its alerts, risk_updated_at) stayed above 80 for 15 minutes.',
            runbook: RUNBOOK.entityRisk,
            sla: slaText('high'),
          },
          dashboard: { uid: DASHBOARD.ueba.uid, panelId: panelId('ueba-entity.json', 'Risk score') },
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

/**
 * Notification timing. `group_by: ['...']` makes every alert instance its own notification group, so each new
 * instance (a new alert, or a severity raise) is one notification after group_wait and its resolution one more
 * after group_interval. repeat_interval is the paging window: no reminders while an alert stays open (Grafana's
 * notification log forgets after 5 days, so an alert open that long may remind once).
 */
export const NOTIFY = {
  groupBy: ['...'],
  groupWait: { critical: '0s', high: '10s', medium: '30s' } satisfies Record<LadderSeverity, string>,
  groupInterval: '1m',
  repeatInterval: `${PAGING.windowSeconds / 3600}h`,
} as const;

export function notificationPoliciesFile() {
  const route = (severity: LadderSeverity) => ({
    receiver: LADDER[severity].contactPoint,
    object_matchers: [['severity', '=', severity]],
    group_by: [...NOTIFY.groupBy],
    group_wait: NOTIFY.groupWait[severity],
    group_interval: NOTIFY.groupInterval,
    repeat_interval: NOTIFY.repeatInterval,
    continue: false,
  });
  return {
    apiVersion: 1,
    policies: [
      {
        orgId: 1,
        // low/info (no catalogue rule emits them) and Grafana's own DatasourceError alerts go to the SOC channel
        receiver: LADDER.medium.contactPoint,
        group_by: [...NOTIFY.groupBy],
        group_wait: NOTIFY.groupWait.medium,
        group_interval: NOTIFY.groupInterval,
        repeat_interval: NOTIFY.repeatInterval,
        routes: (['critical', 'high', 'medium'] as const).map(route),
      },
    ],
  };
}
