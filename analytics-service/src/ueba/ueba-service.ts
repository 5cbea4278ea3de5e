/**
 * The UEBA and assurance operations the HTTP routes and the scheduler call: rebuild and refresh baselines,
 * refresh risk, write daily metrics, read an entity's profile. Knows nothing of HTTP.
 */
import { DEFAULT_JUDGE_DRIFT, type JudgeDriftSettings } from '../assurance/judge-drift.js';
import { writeDailyMetrics, type DailyMetricsReport } from '../assurance/daily-metrics.js';
import type { BaselineStore } from '../elasticsearch/baseline-store.js';
import type { EntityAlertReader } from '../elasticsearch/entity-alert-reader.js';
import type { SearchReader } from '../elasticsearch/search-reader.js';
import type { IndexNames } from '../elasticsearch/index-names.js';
import type { MetricStore } from '../elasticsearch/metric-store.js';
import type { TimeWindow } from './baseline-aggregations.js';
import type { BaselineDocument } from './baseline-document.js';
import { refreshBaselines, type BaselineRefreshReport, type EntitySelection } from './baseline-refresh.js';
import type { UebaConfig } from './config.js';
import { ENTITY_FIELD, ENTITY_KINDS, RISK_KINDS, type EntityKind } from './entities.js';
import { entityRisk, refreshRiskScores, type RiskRefreshReport } from './risk-refresh.js';
import type { RiskResult } from './risk-score.js';
import { DAY_MS } from '../time/units.js';

export interface RecentAnomaly {
  id: string;
  rule_id: string;
  timestamp: string;
  severity?: string;
  title?: string;
  status?: string;
  risk_score?: number;
  observed?: number;
  explanation?: unknown;
}

export interface EntityProfile {
  kind: EntityKind;
  id: string;
  baseline: BaselineDocument;
  risk: RiskResult | null;
  recent_anomalies: RecentAnomaly[];
}

export interface RebuildReport {
  baselines: BaselineRefreshReport;
  risk: RiskRefreshReport;
}

export class UebaService {
  readonly baselines: BaselineStore;
  readonly metrics: MetricStore;
  private rebuilding = false;

  private readonly reader: SearchReader;
  private readonly alerts: EntityAlertReader;

  constructor(
    access: { reader: SearchReader; alerts: EntityAlertReader; baselines: BaselineStore; metrics: MetricStore },
    readonly indices: IndexNames,
    readonly config: UebaConfig,
    /** the judge_drift rule's parameters (rule-evaluators.ts judgeDriftSettings), for the daily metrics and the API */
    readonly judgeDrift: JudgeDriftSettings = DEFAULT_JUDGE_DRIFT,
  ) {
    this.reader = access.reader;
    this.alerts = access.alerts;
    this.baselines = access.baselines;
    this.metrics = access.metrics;
  }

  private baselineContext() {
    const { timeZone, entityPageSize, compositePageSize } = this.config;
    return { reader: this.reader, eventsIndex: this.indices.events, store: this.baselines, settings: { timeZone, entityPageSize, compositePageSize } };
  }

  private riskContext() {
    return {
      alerts: this.alerts,
      store: this.baselines,
      settings: { halfLifeDays: this.config.riskHalfLifeDays, lookbackDays: this.config.riskLookbackDays, maxAlertsPerEntity: 100 },
    };
  }

  /** The sliding window of scheduled refreshes, ending now. */
  slidingWindow(now = new Date()): TimeWindow {
    return { from: new Date(now.getTime() - this.config.windowDays * DAY_MS), to: now };
  }

  get isRebuilding(): boolean {
    return this.rebuilding;
  }

  /** Recomputes the baselines of every entity with events in the window, then every risk score. One at a time per process. */
  async rebuild(window: TimeWindow, kinds: readonly EntityKind[] = ENTITY_KINDS): Promise<RebuildReport> {
    if (this.rebuilding) throw new RebuildInProgressError();
    this.rebuilding = true;
    try {
      const baselines = await refreshBaselines(this.baselineContext(), window, { type: 'window' }, { kinds, refresh: true });
      const risk = await refreshRiskScores(this.riskContext());
      await this.baselines.refresh();
      return { baselines, risk };
    } finally {
      this.rebuilding = false;
    }
  }

  /** Recomputes, over the sliding window, the entities with events ingested since `since`. */
  async refreshChanged(since: Date, now = new Date()): Promise<BaselineRefreshReport> {
    const selection: EntitySelection = { type: 'changed-since', since };
    return refreshBaselines(this.baselineContext(), this.slidingWindow(now), selection, { refresh: true });
  }

  async refreshRisk(now = new Date()): Promise<RiskRefreshReport> {
    return refreshRiskScores(this.riskContext(), now);
  }

  async writeMetrics(range: { from: Date; to: Date }, refresh = false): Promise<DailyMetricsReport> {
    return writeDailyMetrics({ reader: this.reader, eventsIndex: this.indices.events, metrics: this.metrics, judgeDrift: this.judgeDrift }, range, { refresh });
  }

  /** An entity's baseline with its live risk and latest anomalies; undefined when the entity has no baseline. */
  async profile(kind: EntityKind, id: string, anomalyLimit = 20): Promise<EntityProfile | undefined> {
    const baseline = await this.baselines.get(kind, id);
    if (!baseline) return undefined;
    const [risk, recent] = await Promise.all([
      RISK_KINDS.includes(kind) ? entityRisk(this.riskContext(), kind, id) : Promise.resolve(null),
      this.recentAnomalies(kind, id, anomalyLimit),
    ]);
    return { kind, id, baseline, risk, recent_anomalies: recent };
  }

  /** The entity's latest `ueba_*` alerts; empty while the alerts index does not exist. */
  async recentAnomalies(kind: EntityKind, id: string, limit: number): Promise<RecentAnomaly[]> {
    const hits = await this.alerts.latestAnomalies(ENTITY_FIELD[kind], id, limit);
    return hits.map(({ hitId, source: s }) => {
      const anomaly: RecentAnomaly = { id: String(s.id ?? hitId), rule_id: String(s.rule_id ?? ''), timestamp: String(s['@timestamp'] ?? '') };
      if (typeof s.severity === 'string') anomaly.severity = s.severity;
      if (typeof s.title === 'string') anomaly.title = s.title;
      if (typeof s.status === 'string') anomaly.status = s.status;
      if (typeof s.risk_score === 'number') anomaly.risk_score = s.risk_score;
      if (typeof s.observed === 'number') anomaly.observed = s.observed;
      if (s.explanation !== undefined) anomaly.explanation = s.explanation;
      return anomaly;
    });
  }
}

export class RebuildInProgressError extends Error {
  readonly statusCode = 409;
  constructor() {
    super('a baseline rebuild is already running in this service; wait for it to finish and retry');
    this.name = 'Conflict';
  }
}
