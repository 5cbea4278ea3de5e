/** Every conformance check, grouped by the file kind they read. */
import { ALERT_RULE_CHECKS } from './alert-rules.js';
import type { Check } from './check.js';
import { DASHBOARD_CHECKS } from './dashboards.js';
import { DATASOURCE_CHECKS } from './datasources.js';
import { ES_QUERY_CHECKS } from './es-queries.js';
import { NOTIFICATION_CHECKS } from './notifications.js';
import { PAGING_CHECKS } from './paging.js';
import { PLUGIN_CHECKS } from './plugins.js';

export const CHECKS: Record<string, Check[]> = {
  'plugin.json ×3 and plugins provisioning': PLUGIN_CHECKS,
  datasources: DATASOURCE_CHECKS,
  'dashboard providers and dashboards': DASHBOARD_CHECKS,
  'alert rules': ALERT_RULE_CHECKS,
  'alert queries and expressions (evaluation)': ES_QUERY_CHECKS,
  'contact points and notification policies': NOTIFICATION_CHECKS,
  'paging semantics (docs/grafana.md)': PAGING_CHECKS,
};

export const checkById = (id: string): Check => {
  const check = Object.values(CHECKS).flat().find((c) => c.id === id);
  if (!check) throw new Error(`no check ${id}`);
  return check;
};
