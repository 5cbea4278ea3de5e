/**
 * Entity risk score, in the manner of Elastic's entity risk scoring: the entity's alerts, each worth its
 * risk (0–100) decayed by age, sorted from largest to smallest and summed with weights 1/i^1.5 (a Riemann
 * zeta series, so many small alerts cannot outweigh a few critical ones), normalized to 0–100:
 *
 *   contribution_i = risk_i · 0.5^(age_i / half_life)
 *   score = Σ_i contribution_(i) / i^1.5  /  ζ(1.5)          (contributions sorted descending)
 *
 * ζ(1.5) ≈ 2.612 is the sum of the weights, so an entity with endless fresh alerts of risk 100 scores 100.
 * One fresh critical alert (risk 99) scores 37.9; the half-life makes a quiet entity's risk fade.
 */
import type { Severity } from '../contract/event-schema.js';
import { DAY_MS } from '../time/units.js';

export const ZETA_1_5 = 2.612375348685488;

/** Alert risk when an alert carries none: Elastic's default risk scores per severity. */
export const SEVERITY_RISK: Record<Severity, number> = { info: 0, low: 21, medium: 47, high: 73, critical: 99 };

export const RISK_LEVELS = [
  { level: 'Critical', from: 90 },
  { level: 'High', from: 70 },
  { level: 'Moderate', from: 40 },
  { level: 'Low', from: 20 },
  { level: 'Unknown', from: 0 },
] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number]['level'];

export interface RiskInput {
  id: string;
  rule_id?: string;
  timestamp: string;
  risk: number;
}

export interface RiskContribution extends RiskInput {
  decayed: number;
  weight: number;
  contribution: number;
}

export interface RiskResult {
  score: number;
  level: RiskLevel;
  alert_count: number;
  contributions: RiskContribution[];
}

export interface RiskParameters {
  halfLifeDays: number;
}

export function riskLevel(score: number): RiskLevel {
  return RISK_LEVELS.find((l) => score >= l.from)?.level ?? 'Unknown';
}

export function riskScore(alerts: RiskInput[], now: Date, params: RiskParameters): RiskResult {
  const decayed = alerts
    .map((alert) => {
      const ageDays = Math.max(0, (now.getTime() - Date.parse(alert.timestamp)) / DAY_MS);
      const risk = Math.min(100, Math.max(0, alert.risk));
      return { ...alert, decayed: risk * Math.pow(0.5, ageDays / params.halfLifeDays) };
    })
    .sort((a, b) => b.decayed - a.decayed);
  let sum = 0;
  const contributions = decayed.map((alert, i) => {
    const weight = 1 / Math.pow(i + 1, 1.5);
    const contribution = alert.decayed * weight;
    sum += contribution;
    return { ...alert, weight, contribution };
  });
  const score = Math.round((Math.min(100, sum / ZETA_1_5) * 100)) / 100;
  return { score, level: riskLevel(score), alert_count: alerts.length, contributions };
}
