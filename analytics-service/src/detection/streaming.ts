/**
 * Streaming detection: tails the events data stream by `event.ingested` and hands each batch of newly
 * ingested events to the engine.
 *
 * Every poll reads (checkpoint − overlap, now]: an event stamped before the checkpoint but not yet searchable
 * (bulk in flight, refresh pending) is still picked up, and events already processed inside the overlap are
 * skipped by id. The checkpoint (newest event.ingested processed) is stored in the state index only after the
 * batch's alerts are written, so a restart re-reads at most the overlap and never skips an event; the alert
 * writer makes the re-read harmless.
 */
import { recordDetectionLag } from '../observability/metrics.js';
import type { DetectionStore } from '../elasticsearch/detection-store.js';
import { emptyTally, type DetectionEngine, type Tally } from './engine.js';

export interface StreamingOptions {
  pollMs: number;
  overlapMs: number;
  /** where a service with no stored checkpoint starts, back from now */
  initialLookbackMs: number;
  /** events handled per engine call */
  batchSize: number;
  checkpointId: string;
  isReady: () => boolean;
  log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export interface StreamingStats {
  running: boolean;
  checkpoint?: string;
  polls: number;
  events_processed: number;
  last_poll_at?: string;
  last_error?: string;
  errors: number;
  alerts: Tally;
  /** slowest poll so far, and time spent per rule (ms, cumulative) */
  max_poll_ms: number;
  rule_ms: Record<string, number>;
}

export class StreamingDetector {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private inFlight: Promise<void> | undefined;
  private checkpoint: number | undefined;
  /** event id → event.ingested, for events already processed inside the overlap */
  private readonly seen = new Map<string, number>();
  readonly stats: StreamingStats = { running: false, polls: 0, events_processed: 0, errors: 0, alerts: emptyTally(), max_poll_ms: 0, rule_ms: {} };

  constructor(
    private readonly engine: DetectionEngine,
    private readonly store: DetectionStore,
    private readonly options: StreamingOptions,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.stats.running = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stats.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight?.catch(() => undefined);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, delay);
  }

  private async tick(): Promise<void> {
    let more = false;
    try {
      if (this.options.isReady()) more = await this.poll();
    } catch (error) {
      this.stats.errors++;
      this.stats.last_error = `${new Date().toISOString()} ${(error as Error).message}`;
      this.options.log.warn({ err: error }, 'streaming detection poll failed; retrying');
    }
    this.schedule(more ? 0 : this.options.pollMs);
  }

  /** One poll; true when a backlog remains. Public for tests and benchmarks. */
  async poll(): Promise<boolean> {
    const started = Date.now();
    try {
      return await this.pollOnce();
    } finally {
      this.stats.max_poll_ms = Math.max(this.stats.max_poll_ms, Date.now() - started);
    }
  }

  private async pollOnce(): Promise<boolean> {
    this.stats.polls++;
    this.stats.last_poll_at = new Date().toISOString();
    if (this.checkpoint === undefined) {
      const stored = await this.store.readCheckpoint(this.options.checkpointId);
      this.checkpoint = stored ? Date.parse(stored.ingested) : Date.now() - this.options.initialLookbackMs;
    }
    const since = this.checkpoint - this.options.overlapMs;
    const fresh: Array<{ id: string; ingested: number }> = [];
    let newest = this.checkpoint;
    let cursor;
    let backlog = false;
    for (;;) {
      const page = await this.store.ingestedSince(since, 5000, cursor);
      for (const item of page.items) {
        if (!this.seen.has(item.id)) fresh.push(item);
        newest = Math.max(newest, item.ingested);
      }
      if (page.items.length < 5000 || !page.last) break;
      cursor = page.last;
      if (fresh.length >= this.options.batchSize * 4) {
        backlog = true;
        break;
      }
    }
    if (fresh.length > 0) {
      for (let i = 0; i < fresh.length; i += this.options.batchSize) {
        const slice = fresh.slice(i, i + this.options.batchSize);
        const events = await this.store.eventsByIds(slice.map((f) => f.id));
        await this.engine.evaluateNewEvents(events, this.stats.alerts, this.stats.rule_ms);
        recordDetectionLag(slice.map((f) => f.ingested));
        for (const f of slice) this.seen.set(f.id, f.ingested);
        this.stats.events_processed += slice.length;
      }
    }
    if (newest > this.checkpoint) {
      this.checkpoint = newest;
      await this.store.writeCheckpoint(this.options.checkpointId, { ingested: new Date(newest).toISOString(), updated_at: new Date().toISOString() });
    }
    this.stats.checkpoint = new Date(this.checkpoint).toISOString();
    const horizon = this.checkpoint - this.options.overlapMs;
    for (const [id, ingested] of this.seen) if (ingested < horizon) this.seen.delete(id);
    return backlog;
  }
}
