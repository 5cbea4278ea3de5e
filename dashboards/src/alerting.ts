/**
 * Grafana-managed alert rules that page on-call (the rule format: alert-rule-model.ts; the ladder and runbooks:
 * ladder.ts; where the pages go: notifications.ts).
 *
 * Paging semantics (docs/grafana.md, "Paging"): every open alert of the detection engine is one Grafana alert
 * instance labelled by its id, rule_id and severity. A new alert, or a severity raise (new labels), is a new
 * instance and so a new notification; the instance keeps firing while the alert is open or acknowledged and
 * resolves when triage closes it — never by a clock. Runbook text comes from seed 004.
 */
import { rule, type RuleGroup } from './alert-rule-model.js';
import { DATASOURCE, DASHBOARD, FOLDER, INDICES } from './constants.js';
import { LADDER, RUNBOOK, type LadderSeverity } from './ladder.js';
import { panelId } from './panels.js';

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
