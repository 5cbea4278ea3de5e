/**
 * Scheduled UEBA maintenance: every interval, recompute the baselines of entities with new events, refresh
 * risk scores and rewrite the recent days of daily metrics. Several service replicas may run: a lease document
 * in the state index lets one of them work per interval, and a checkpoint there says where the last run stopped.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Lease } from '../elasticsearch/lease.js';
import type { StateDocument, StateStore } from '../elasticsearch/state-store.js';
import type { UebaService } from './ueba-service.js';
import { DAY_MS } from '../time/units.js';

const LEASE_ID = 'ueba:maintenance-lease';
const CHECKPOINT_ID = 'ueba:baseline-checkpoint';
/** events written while a run was starting may not have been searchable yet; the next run looks back this far */
const CHECKPOINT_MARGIN_MS = 5 * 60_000;

export interface MaintenanceReport {
  skipped?: 'lease held by another replica';
  since?: string;
  baselines?: number;
  risk_entities?: number;
  metric_days?: number;
  wall_ms: number;
}

export class UebaScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly service: UebaService,
    private readonly state: StateStore,
    /** one replica works per interval (see maintenanceLease) */
    private readonly lease: Lease,
    private readonly log: FastifyBaseLogger,
  ) {}

  get intervalMs(): number {
    return this.service.config.refreshIntervalMs;
  }

  /** Schedules the first run soon when the last one is older than an interval, else one interval after it. */
  async start(): Promise<void> {
    if (this.intervalMs <= 0) return;
    const checkpoint = await this.readState(CHECKPOINT_ID).catch(() => undefined);
    const last = checkpoint?.updated_at ? Date.parse(checkpoint.updated_at) : 0;
    const due = Math.max(60_000, last + this.intervalMs - Date.now());
    this.schedule(due);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((report) => this.log.info({ ueba: report }, 'UEBA maintenance finished'))
        .catch((error: unknown) => this.log.warn({ err: error }, 'UEBA maintenance failed; retrying next interval'))
        .finally(() => this.schedule(this.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  async runOnce(now = new Date()): Promise<MaintenanceReport> {
    const started = Date.now();
    if (!(await this.lease.acquire())) return { skipped: 'lease held by another replica', wall_ms: Date.now() - started };
    try {
      const checkpoint = await this.readState(CHECKPOINT_ID);
      const since = checkpoint?.value?.since ? new Date(checkpoint.value.since) : this.service.slidingWindow(now).from;
      const baselines = await this.service.refreshChanged(since, now);
      await this.writeState(CHECKPOINT_ID, { kind: 'ueba_checkpoint', updated_at: now.toISOString(), value: { since: new Date(now.getTime() - CHECKPOINT_MARGIN_MS).toISOString() } });
      const risk = await this.service.refreshRisk(now);
      const metrics = await this.service.writeMetrics({ from: new Date(now.getTime() - (this.service.config.metricsDays - 1) * DAY_MS), to: now });
      return {
        since: since.toISOString(),
        baselines: Object.values(baselines.entities).reduce((s, n) => s + n, 0),
        risk_entities: Object.values(risk.entities).reduce((s, n) => s + n, 0),
        metric_days: metrics.judge_days + metrics.guardrail_days,
        wall_ms: Date.now() - started,
      };
    } finally {
      await this.lease.release().catch(() => undefined);
    }
  }

  private readState(id: string): Promise<StateDocument | undefined> {
    return this.state.get(id);
  }

  private writeState(id: string, doc: StateDocument): Promise<void> {
    return this.state.put(id, doc);
  }
}

/** The lease of scheduled maintenance: a run must finish within the term; it is released as soon as the run ends. */
export function maintenanceLeaseOptions(refreshIntervalMs: number, owner: string): { id: string; owner: string; termMs: number } {
  return { id: LEASE_ID, owner, termMs: Math.max(refreshIntervalMs, 10 * 60_000) };
}
