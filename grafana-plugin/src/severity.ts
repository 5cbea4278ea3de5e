/**
 * The SOC severity ladder of seed 004 ("Severity Mapping"): each AI severity, its SOC equivalent and response SLA,
 * and the Grafana palette colour the panel and dashboards use for it.
 */
import type { Severity } from './datasource/types';

export interface SeverityStep {
  severity: Severity;
  soc: string;
  sla: string;
  /** a named colour of Grafana's visualization palette */
  color: string;
}

export const SEVERITY_LADDER: readonly SeverityStep[] = [
  { severity: 'info', soc: 'Informational', sla: 'Log, aggregate, review weekly', color: 'blue' },
  { severity: 'low', soc: 'Informational', sla: 'Log, aggregate, review weekly', color: 'green' },
  { severity: 'medium', soc: 'Warning', sla: 'Triage within 4 hours', color: 'yellow' },
  { severity: 'high', soc: 'Alert', sla: 'Triage within 1 hour', color: 'orange' },
  { severity: 'critical', soc: 'Incident', sla: 'Immediate response', color: 'red' },
];

export function severityStep(severity: string | null | undefined): SeverityStep | undefined {
  return SEVERITY_LADDER.find((s) => s.severity === severity);
}

export function severityRank(severity: string | null | undefined): number {
  return SEVERITY_LADDER.findIndex((s) => s.severity === severity);
}
