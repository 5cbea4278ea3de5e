/** The seed-004 severity ladder as Grafana routes it, and the runbooks on-call reads with each page. */
import { severityStep } from '../../grafana-plugin/src/severity.js';

export type LadderSeverity = 'critical' | 'high' | 'medium';

const CONTACT_POINT: Record<LadderSeverity, string> = { critical: 'aisec-pager', high: 'aisec-soc-oncall', medium: 'aisec-soc-channel' };

function rung(severity: LadderSeverity): { soc: string; sla: string; contactPoint: string } {
  const step = severityStep(severity)!;
  return { soc: step.soc, sla: step.sla, contactPoint: CONTACT_POINT[severity] };
}

/** The seed-004 ladder as Grafana routes it: the SOC equivalent and SLA (the plugin's ladder) and the contact point that gets it. */
export const LADDER: Record<LadderSeverity, { soc: string; sla: string; contactPoint: string }> = { critical: rung('critical'), high: rung('high'), medium: rung('medium') };

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
