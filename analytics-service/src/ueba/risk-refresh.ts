/**
 * Reads entities' alerts from the alerts index and keeps `risk_score` / `risk_level` on their baselines current.
 * Alerts resolved as false positives do not count.
 */
import type { BaselineStore, RiskUpdate } from '../elasticsearch/baseline-store.js';
import { EsTiming } from '../elasticsearch/composite-pager.js';
import type { estypes } from '../elasticsearch/dsl.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import { SEVERITIES, type Severity } from '../contract/event-schema.js';
import { ENTITY_FIELD, RISK_KINDS, type EntityKind } from './entities.js';
import { riskScore, SEVERITY_RISK, type RiskInput, type RiskResult } from './risk-score.js';
import { DAY_MS } from '../time/units.js';

export interface RiskSettings {
  halfLifeDays: number;
  lookbackDays: number;
  /** alerts per entity that enter the sum (top by risk); beyond 100 each adds < 0.4 points */
  maxAlertsPerEntity: number;
}

export interface RiskContext {
  reader: SearchReader;
  alertsIndex: string;
  store: BaselineStore;
  settings: RiskSettings;
}

interface AlertSource {
  id?: string;
  rule_id?: string;
  '@timestamp'?: string;
  risk_score?: number;
  severity?: string;
}

function alertQuery(kind: EntityKind, since: Date, ids?: string[]): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [
    { range: { '@timestamp': { gte: since.toISOString() } } },
    { exists: { field: ENTITY_FIELD[kind] } },
  ];
  if (ids) filter.push({ terms: { [ENTITY_FIELD[kind]]: ids } });
  return { bool: { filter, must_not: [{ term: { resolution: 'false_positive' } }] } };
}

const alertSort: estypes.Sort = [
  { risk_score: { order: 'desc', missing: '_last', unmapped_type: 'double' } },
  { '@timestamp': { order: 'desc', unmapped_type: 'date' } },
];

function toRiskInput(hitId: string, source: AlertSource): RiskInput | undefined {
  const timestamp = source['@timestamp'];
  if (!timestamp) return undefined;
  const severity = SEVERITIES.includes(source.severity as Severity) ? (source.severity as Severity) : 'medium';
  const risk = typeof source.risk_score === 'number' ? source.risk_score : SEVERITY_RISK[severity];
  return { id: source.id ?? hitId, timestamp, risk, ...(source.rule_id ? { rule_id: source.rule_id } : {}) };
}

/** The risk of one entity, computed now from its alerts (the baseline API's live view). */
export async function entityRisk(ctx: RiskContext, kind: EntityKind, id: string, now = new Date()): Promise<RiskResult> {
  const since = new Date(now.getTime() - ctx.settings.lookbackDays * DAY_MS);
  const response = await ctx.reader.search<AlertSource>(
    {
      index: ctx.alertsIndex,
      ignore_unavailable: true,
      allow_no_indices: true,
      size: ctx.settings.maxAlertsPerEntity,
      _source: ['id', 'rule_id', '@timestamp', 'risk_score', 'severity'],
      query: alertQuery(kind, since, [id]),
      sort: alertSort,
    },
    { availability: 'alert read' },
  );
  const inputs = response.hits.hits.map((h) => toRiskInput(h._id!, h._source ?? {})).filter((x): x is RiskInput => x !== undefined);
  return riskScore(inputs, now, { halfLifeDays: ctx.settings.halfLifeDays });
}

interface EntityAlertsBucket {
  key: string;
  alerts: { hits: { hits: Array<{ _id: string; _source?: AlertSource }> } };
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
    const pages = ctx.reader.compositePages<{ key: { entity: string } }>(
      { index: ctx.alertsIndex, query: alertQuery(kind, since), sources: [{ entity: { terms: { field } } }], pageSize: 100 },
      timing,
      'risk entities',
    );
    for await (const page of pages) {
      const ids = page.map((b) => b.key.entity);
      const response = await ctx.reader.search(
        {
          index: ctx.alertsIndex,
          size: 0,
          ignore_unavailable: true,
          query: alertQuery(kind, since, ids),
          aggs: {
            entities: {
              terms: { field, size: ids.length },
              aggs: {
                alerts: {
                  top_hits: {
                    size: Math.min(100, ctx.settings.maxAlertsPerEntity),
                    _source: ['id', 'rule_id', '@timestamp', 'risk_score', 'severity'],
                    sort: alertSort,
                  },
                },
              },
            },
          },
        },
        { availability: 'alert read', timing },
      );
      const buckets = (response.aggregations?.entities as unknown as { buckets: EntityAlertsBucket[] } | undefined)?.buckets ?? [];
      const updates: RiskUpdate[] = buckets.map((bucket) => {
        const inputs = bucket.alerts.hits.hits.map((h) => toRiskInput(h._id, h._source ?? {})).filter((x): x is RiskInput => x !== undefined);
        const risk = riskScore(inputs, now, { halfLifeDays: ctx.settings.halfLifeDays });
        return {
          kind,
          id: String(bucket.key),
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
