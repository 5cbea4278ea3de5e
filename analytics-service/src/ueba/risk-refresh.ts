/**
 * Reads entities' alerts from the alerts index and keeps `risk_score` / `risk_level` on their baselines current.
 * Alerts resolved as false positives do not count.
 */
import type { BaselineStore, RiskUpdate } from '../elasticsearch/baseline-store.js';
import { EsTiming } from '../elasticsearch/composite-pager.js';
import type { AlertHit, EntityAlertReader, RiskAlertSource } from '../elasticsearch/entity-alert-reader.js';
import { SEVERITIES, type Severity } from '../contract/event-schema.js';
import { DAY_MS } from '../time/units.js';
import { ENTITY_FIELD, RISK_KINDS, type EntityKind } from './entities.js';
import { riskScore, SEVERITY_RISK, type RiskInput, type RiskResult } from './risk-score.js';

export interface RiskSettings {
  halfLifeDays: number;
  lookbackDays: number;
  /** alerts per entity that enter the sum (top by risk); beyond 100 each adds < 0.4 points */
  maxAlertsPerEntity: number;
}

export interface RiskContext {
  alerts: EntityAlertReader;
  store: BaselineStore;
  settings: RiskSettings;
}

function toRiskInput({ hitId, source }: AlertHit<RiskAlertSource>): RiskInput | undefined {
  const timestamp = source['@timestamp'];
  if (!timestamp) return undefined;
  const severity = SEVERITIES.includes(source.severity as Severity) ? (source.severity as Severity) : 'medium';
  const risk = typeof source.risk_score === 'number' ? source.risk_score : SEVERITY_RISK[severity];
  return { id: source.id ?? hitId, timestamp, risk, ...(source.rule_id ? { rule_id: source.rule_id } : {}) };
}

const riskInputs = (hits: Array<AlertHit<RiskAlertSource>>) => hits.map(toRiskInput).filter((x): x is RiskInput => x !== undefined);

/** The risk of one entity, computed now from its alerts (the baseline API's live view). */
export async function entityRisk(ctx: RiskContext, kind: EntityKind, id: string, now = new Date()): Promise<RiskResult> {
  const since = new Date(now.getTime() - ctx.settings.lookbackDays * DAY_MS);
  const hits = await ctx.alerts.riskAlerts(ENTITY_FIELD[kind], id, since, ctx.settings.maxAlertsPerEntity);
  return riskScore(riskInputs(hits), now, { halfLifeDays: ctx.settings.halfLifeDays });
}

export interface RiskRefreshReport {
  entities: Record<string, number>;
  missing_baseline: number;
  cleared: number;
  es_took_ms: number;
}

/** Recomputes the stored risk of every user and agent with alerts in the look-back, and zeroes the rest. */
export async function refreshRiskScores(ctx: RiskContext, now = new Date()): Promise<RiskRefreshReport> {
  const timing = new EsTiming();
  const runStartedAt = new Date();
  const since = new Date(now.getTime() - ctx.settings.lookbackDays * DAY_MS);
  const report: RiskRefreshReport = { entities: {}, missing_baseline: 0, cleared: 0, es_took_ms: 0 };
  for (const kind of RISK_KINDS) {
    report.entities[kind] = 0;
    const field = ENTITY_FIELD[kind];
    for await (const ids of ctx.alerts.entitiesWithAlerts(field, since, 100, timing)) {
      const byEntity = await ctx.alerts.riskAlertsByEntity(field, ids, since, ctx.settings.maxAlertsPerEntity, timing);
      const updates: RiskUpdate[] = [...byEntity].map(([id, hits]) => {
        const risk = riskScore(riskInputs(hits), now, { halfLifeDays: ctx.settings.halfLifeDays });
        return {
          kind,
          id,
          risk_score: risk.score,
          risk_level: risk.level,
          risk_alert_count: risk.alert_count,
          risk_updated_at: runStartedAt.toISOString(),
        };
      });
      const written = await ctx.store.updateRisk(updates, timing);
      report.entities[kind]! += written.updated;
      report.missing_baseline += written.missing;
    }
  }
  // entities whose alerts all aged out (or were resolved as false positives) go back to zero
  await ctx.store.refresh();
  for (const kind of RISK_KINDS) {
    for (let round = 0; round < 100; round++) {
      const stale = await ctx.store.staleRisk(kind, runStartedAt);
      if (stale.length === 0) break;
      await ctx.store.updateRisk(
        stale.map((id) => ({ kind, id, risk_score: 0, risk_level: 'Unknown', risk_alert_count: 0, risk_updated_at: runStartedAt.toISOString() })),
        timing,
      );
      report.cleared += stale.length;
      await ctx.store.refresh();
    }
  }
  report.es_took_ms = timing.tookMs;
  return report;
}
