/**
 * Where the alert rules' pages go: one webhook contact point per rung of the seed-004 ladder (critical → pager,
 * high → SOC on-call, medium → SOC channel) and the notification policy that routes by the severity label.
 */
import { PAGING } from './alerting.js';
import { LADDER, type LadderSeverity } from './ladder.js';

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
