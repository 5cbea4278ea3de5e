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
  private readonly stores: readonly RollupStore[];

  /**
   * One store, or several rollups (definitions) kept by the same runs: each has its own rows and watermark.
   * `runIntervals` false brings every rollup up to date at every run, ignoring definitions' minRunIntervalMs.
   */
  constructor(
    stores: RollupStore | readonly RollupStore[],
    private readonly settleMs = ROLLUP_SETTLE_MS,
    private readonly runIntervals = true,
  ) {
    this.stores = Array.isArray(stores) ? stores : [stores as RollupStore];
  }

  /**
   * Brings every rollup up to the same new watermark, one after the other. The report adds them up: `hours` counts
   * distinct bucket starts recomputed (hours; a day counts as its first hour), `watermark` is the oldest committed one, `committed` whether a new watermark was committed for
   * every rollup that had one due.
   */
  async runOnce(now = new Date()): Promise<RollupRunReport> {
    const started = Date.now();
    const reports: RollupRunReport[] = [];
    const hours = new Set<number>();
    const due: boolean[] = [];
    for (const store of this.stores) {
      const report = await this.runStore(store, now, hours);
      reports.push(report);
      const next = (report.watermark ?? -Infinity) + this.minRunIntervalMs(store);
      due.push(report.committed || report.watermark === undefined || (report.watermark < now.getTime() - this.settleMs && next <= now.getTime() - this.settleMs));
    }
    const watermarks = reports.map((r) => r.watermark);
    return {
      watermark: watermarks.includes(undefined) ? undefined : Math.min(...(watermarks as number[])),
      hours: hours.size,
      rows: reports.reduce((n, r) => n + r.rows, 0),
      superseded: reports.reduce((n, r) => n + r.superseded, 0),
      stale: reports.reduce((n, r) => n + r.stale, 0),
      committed: due.some(Boolean) && reports.every((r, i) => r.committed || !due[i]),
      wall_ms: Date.now() - started,
      es_took_ms: reports.reduce((n, r) => n + r.es_took_ms, 0),
    };
  }

  private minRunIntervalMs(store: RollupStore): number {
    return this.runIntervals ? (store.definition.minRunIntervalMs ?? 0) : 0;
  }

  private async runStore(store: RollupStore, now: Date, allHours: Set<number>): Promise<RollupRunReport> {
    const started = Date.now();
    const tookBefore = store.timing.tookMs;
    const since = await store.watermark();
    const before = now.getTime() - this.settleMs;
    const report: RollupRunReport = { watermark: since, hours: 0, rows: 0, superseded: 0, stale: 0, committed: false, wall_ms: 0, es_took_ms: 0 };
    const waited = since === undefined || before - since >= this.minRunIntervalMs(store);
    if (waited && (since === undefined || before > since)) {
      const hours = await store.touchedHours(since, before);
      const perRound = store.definition.bucketsPerRound;
      for (let i = 0; i < hours.length; i += perRound) {
        const round = hours.slice(i, i + perRound);
        // each page of rows is written before the next is read: memory stays one page, however many rows a bucket has
        for await (const rows of store.hourRowPages(round, before)) {
          const written = await store.writeRows(rows, before);
          report.rows += written.written;
          report.superseded += written.superseded;
        }
        report.stale += await store.deleteStale(round, before);
      }
      report.hours = hours.length;
      for (const hour of hours) allHours.add(hour);
      await store.refresh();
      report.committed = await store.commit(before, now);
      if (report.committed) report.watermark = before;
    }
    report.wall_ms = Date.now() - started;
    report.es_took_ms = store.timing.tookMs - tookBefore;
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
