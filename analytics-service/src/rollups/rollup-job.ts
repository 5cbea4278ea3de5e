/**
 * Keeps the hourly rollup exact by recomputing, never incrementing (see hourly-rollup.ts for the argument).
 *
 * A run picks a new watermark W = now − settle margin (events stamped before it are searchable by now), finds every
 * hour with an event ingested since the committed watermark (late events included: they are found by their
 * event.ingested, whatever their @timestamp), recomputes those hours' rows from all of their events ingested before
 * W, overwrites them (same ids), drops rows of those hours that no longer occur, makes them searchable and only
 * then commits W. A crash anywhere before the commit leaves the old watermark, so the next run redoes the work;
 * runs on several replicas at once are safe because rows and watermark carry W as their external version.
 */
import type { RollupStore } from '../elasticsearch/rollup-store.js';
import { MINUTE_MS } from '../time/units.js';

/** Events stamped this long ago are searchable (a slow bulk, a refresh); as the UEBA checkpoint's margin. */
export const ROLLUP_SETTLE_MS = 5 * MINUTE_MS;
/** Hours recomputed per round of requests: bounds the composite aggregation and the bulk bodies. */
const HOURS_PER_ROUND = 24;

export interface RollupRunReport {
  /** the watermark committed by this run (epoch ms), or the previous one when nothing was due */
  watermark: number | undefined;
  hours: number;
  rows: number;
  superseded: number;
  stale: number;
  committed: boolean;
  wall_ms: number;
  es_took_ms: number;
}

export class RollupJob {
  constructor(
    private readonly store: RollupStore,
    private readonly settleMs = ROLLUP_SETTLE_MS,
  ) {}

  async runOnce(now = new Date()): Promise<RollupRunReport> {
    const started = Date.now();
    const tookBefore = this.store.timing.tookMs;
    const since = await this.store.watermark();
    const before = now.getTime() - this.settleMs;
    const report: RollupRunReport = { watermark: since, hours: 0, rows: 0, superseded: 0, stale: 0, committed: false, wall_ms: 0, es_took_ms: 0 };
    if (since === undefined || before > since) {
      const hours = await this.store.touchedHours(since, before);
      for (let i = 0; i < hours.length; i += HOURS_PER_ROUND) {
        const round = hours.slice(i, i + HOURS_PER_ROUND);
        const rows = await this.store.hourRows(round, before);
        const written = await this.store.writeRows(rows, before);
        report.stale += await this.store.deleteStale(round, before);
        report.rows += written.written;
        report.superseded += written.superseded;
      }
      report.hours = hours.length;
      await this.store.refresh();
      report.committed = await this.store.commit(before, now);
      if (report.committed) report.watermark = before;
    }
    report.wall_ms = Date.now() - started;
    report.es_took_ms = this.store.timing.tookMs - tookBefore;
    return report;
  }
}

export interface RollupLog {
  debug(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

/** Runs the job every interval, one run at a time; a failed run is logged and retried at the next interval. */
export class RollupScheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    readonly job: RollupJob,
    private readonly intervalMs: number,
    private readonly log: RollupLog,
  ) {}

  start(firstDelayMs = 0): void {
    if (this.intervalMs <= 0 || this.stopped) return;
    this.timer = setTimeout(() => this.tick(), firstDelayMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private tick(): void {
    this.running = this.job
      .runOnce()
      .then((report) => {
        if (report.hours > 0) this.log.debug({ rollup: report }, 'hourly rollup recomputed');
      })
      .catch((error: unknown) => this.log.warn({ err: error }, 'hourly rollup run failed; retrying at the next interval'))
      .finally(() => {
        this.running = undefined;
        this.start(this.intervalMs);
      });
  }
}
