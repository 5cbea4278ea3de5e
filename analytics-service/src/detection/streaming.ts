/**
 * Streaming detection: tails the events data stream by `event.ingested` and hands each batch of newly
 * ingested events to the engine.
 *
 * Every poll reads the new events themselves (without prompt/response text) from checkpoint − overlap: an event
 * stamped before the checkpoint but not yet searchable (bulk in flight, refresh pending) is still picked up, and
 * events already processed inside the overlap are skipped by id. A count first tells whether the overlap holds any
 * such event; when it does not, the read starts at the checkpoint (see readFrom). A poll takes at most `batchSize`
 * new events (one slice, oldest event.ingested first), so a backlog is worked off slice by slice, each slice's alerts
 * written seconds after it was read, the next slice read while the current one is evaluated (see readAhead). The checkpoint
 * (newest event.ingested processed) is stored in the state index after each slice's alerts are written, so a
 * restart re-reads at most the overlap and never skips an event; the alert writer makes the re-read harmless. An evaluation the engine puts off (EvaluationScope.defer) runs in the first
 * poll after it is due; until then the stored checkpoint stays before the events that led to it.
 *
 * Replicas: only the replica holding the streaming lease (elasticsearch/lease.ts) polls; the others check every
 * fifth of the lease term and take over when it expires, from the stored checkpoint and with fresh memory. The
 * holder renews the lease on a heartbeat while a poll runs, however long it takes, checks it between batches,
 * and stops mid-poll, before writing the checkpoint, when it lost it.
 */
import { recordDetectionLag } from '../observability/metrics.js';
import { logFields, productMessage } from '../elasticsearch/errors.js';
import { IDS_PER_READ, inTimeOrder, type DetectionStore } from '../elasticsearch/detection-store.js';
import type { EventDoc } from './predicate.js';
import type { Lease } from '../elasticsearch/lease.js';
import { emptyTally, type DetectionEngine, type Tally } from './engine.js';

/** A new event as the tail reads it. */
interface TailItem {
  id: string;
  ingested: number;
  event: EventDoc;
}

/** One poll's new events (see nextSlice). */
interface Slice {
  fresh: TailItem[];
  newest: number;
  more: boolean;
}

/** The slice after the one being evaluated, read meanwhile, for the poll that starts at `checkpoint`. */
interface ReadAhead {
  checkpoint: number;
  slice: Promise<Slice>;
}

export interface StreamingOptions {
  pollMs: number;
  overlapMs: number;
  /** where a service with no stored checkpoint starts, back from now */
  initialLookbackMs: number;
  /** most events per poll (one slice, evaluated together; the checkpoint advances per slice) */
  batchSize: number;
  /** rules evaluated at the same time on a slice (each mostly waits on Elasticsearch) */
  rulesInParallel: number;
  /** refresh the events before a poll reads them (not before a slice read ahead): see pollOnce */
  freshReads: boolean;
  checkpointId: string;
  isReady: () => boolean;
  /** several replicas may run: only the holder of this lease streams */
  lease: Lease;
  /**
   * Another partitioning's resume point (partitions.ts resumePoint): where to start when it was updated after this
   * partition's own stored checkpoint, or none is stored (the partition count changed). Without either, streaming
   * starts `initialLookbackMs` back from now.
   */
  resumeFrom?: () => Promise<{ ingested: number; updatedAt: number } | undefined>;
  /** whether this replica should stream now (partitions: its share); when it turns false the lease is given up */
  wanted?: () => boolean;
  log: { warn(obj: unknown, msg?: string): void; info(obj: unknown, msg?: string): void };
}

export interface StreamingStats {
  running: boolean;
  /** whether this replica holds the lease and does the streaming */
  leader: boolean;
  /** this replica's name in the lease */
  replica: string;
  /** times this replica took the lease over */
  takeovers: number;
  /** times this replica asked for (or renewed) the lease: a standby's count shows it looked and was refused */
  lease_checks: number;
  /** newest event.ingested processed, as stored (behind while put-off evaluations wait) */
  checkpoint?: string;
  /** evaluations put off until due (a peer group to score again as a whole) */
  deferred: number;
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
  /** the checkpoint as stored: behind `checkpoint` while put-off evaluations wait */
  private stored: number | undefined;
  /** event id → event.ingested, for events already processed inside the overlap */
  private readonly seen = new Map<string, number>();
  /** the next slice, read while the current one is evaluated (readAhead) */
  private ahead: ReadAhead | undefined;
  readonly stats: StreamingStats;

  constructor(
    private readonly engine: DetectionEngine,
    private readonly store: DetectionStore,
    private readonly options: StreamingOptions,
  ) {
    this.stats = { running: false, leader: false, replica: options.lease.owner, takeovers: 0, lease_checks: 0, deferred: 0, polls: 0, events_processed: 0, errors: 0, alerts: emptyTally(), max_poll_ms: 0, rule_ms: {} };
  }

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
    this.stats.leader = false;
    await this.options.lease.release().catch(() => undefined);
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.tick();
    }, delay);
  }

  private async tick(): Promise<void> {
    let delay = this.options.pollMs;
    try {
      if (this.options.isReady() && this.options.wanted?.() === false) {
        await this.standDown();
        delay = Math.max(this.options.pollMs, this.options.lease.termMs / 5);
      } else if (this.options.isReady()) {
        if (await this.lead()) delay = (await this.withHeartbeat(() => this.poll())) ? 0 : this.options.pollMs;
        else delay = Math.max(this.options.pollMs, this.options.lease.termMs / 5);
      }
    } catch (error) {
      this.stats.errors++;
      this.stats.last_error = `${new Date().toISOString()} ${productMessage(error, 'streaming detection poll')}`;
      this.options.log.warn(logFields(error), 'streaming detection poll failed; retrying');
    }
    this.schedule(delay);
  }

  /** Keeps the lease renewed while `work` runs (a slow poll must not let it lapse). */
  private async withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
    const lease = this.options.lease;
    const heartbeat = setInterval(() => void lease.acquire().catch(() => undefined), lease.termMs / 6);
    try {
      return await work();
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Gives the lease up between polls (its checkpoint is stored), for another replica to take over at once. */
  private async standDown(): Promise<void> {
    if (!this.stats.leader) return;
    this.stats.leader = false;
    await this.options.lease.release();
    this.options.log.info({ replica: this.stats.replica, checkpoint: this.stats.checkpoint }, 'streaming detection: this replica gave its lease up to rebalance partitions');
  }

  /** Takes or renews the lease; on taking it over, forgets what this replica knew from before. */
  private async lead(): Promise<boolean> {
    const leader = await this.options.lease.acquire();
    this.stats.lease_checks++;
    if (leader && !this.stats.leader) {
      // another replica may have streamed in between: resume from the stored checkpoint, trusting no memory
      this.checkpoint = undefined;
      this.ahead = undefined;
      this.seen.clear();
      this.engine.forgetStreamingMemory();
      this.stats.takeovers++;
      this.options.log.info({ replica: this.stats.replica }, 'streaming detection: this replica holds the lease and streams');
    } else if (!leader && this.stats.leader) {
      const written = this.options.lease.lastWrittenAt;
      this.options.log.warn(
        { replica: this.stats.replica, last_renewed_ms_ago: written === undefined ? undefined : Date.now() - written, term_ms: this.options.lease.termMs },
        'streaming detection: lease lost to another replica (not renewed within its term); standing by',
      );
    }
    this.stats.leader = leader;
    return leader;
  }

  /** One poll; true when a backlog remains. */
  private async poll(): Promise<boolean> {
    const started = Date.now();
    try {
      return await this.pollOnce();
    } finally {
      this.stats.max_poll_ms = Math.max(this.stats.max_poll_ms, Date.now() - started);
    }
  }

  /**
   * One bounded slice: at most `batchSize` new events, the oldest first by event.ingested, evaluated together; the
   * checkpoint then advances to the newest event.ingested of the slice (and is stored). Under a backlog the next
   * slice follows at once, so the first events' alerts are written seconds after the poll started, not after the
   * whole backlog. Events sharing the slice's last event.ingested but left for the next slice are not skipped:
   * every read starts `overlapMs` before the checkpoint and passes over the ids already processed.
   */
  private async pollOnce(): Promise<boolean> {
    this.stats.polls++;
    this.stats.last_poll_at = new Date().toISOString();
    if (this.checkpoint === undefined) {
      const stored = await this.store.readCheckpoint(this.options.checkpointId);
      const other = await this.options.resumeFrom?.();
      // another partitioning streamed after this one stopped (the count was changed and changed back): resume there
      const own = stored && (!other || Date.parse(stored.updated_at) >= other.updatedAt) ? stored : undefined;
      this.stored = own ? Date.parse(own.ingested) : undefined;
      this.checkpoint = this.stored ?? other?.ingested ?? Date.now() - this.options.initialLookbackMs;
    }
    const ahead = this.ahead;
    this.ahead = undefined;
    const read = ahead?.checkpoint === this.checkpoint ? await ahead.slice.catch(() => undefined) : undefined;
    // fresh reads: an event is evaluated by the first poll after its bulk completed, not after the next scheduled
    // refresh as well (half a second on average at the default interval of one second)
    if (!read && this.options.freshReads) await this.store.refreshEvents();
    const { fresh, newest, more } = read ?? (await this.nextSlice(this.checkpoint));
    // kept for the next poll only when this one completes (an early return or a failure drops it)
    let next: ReadAhead | undefined;
    if (fresh.length > 0) {
      if (!this.options.lease.holding) return false; // lost the lease: leave the slice, and the checkpoint, to its holder
      if (more) next = this.readAhead(newest, fresh);
      const events = inTimeOrder(fresh.map((f) => f.event));
      await this.engine.evaluateNewEvents(events, this.stats.alerts, this.stats.rule_ms, Math.min(...fresh.map((f) => f.ingested)), this.options.rulesInParallel);
      recordDetectionLag(fresh.map((f) => f.ingested));
      for (const f of fresh) this.seen.set(f.id, f.ingested);
      // what the slice put off is visible no later than the slice itself (a reader of events_processed sees both)
      this.stats.deferred = this.engine.deferredCount;
      this.stats.events_processed += fresh.length;
    }
    if (!this.options.lease.holding) return false;
    await this.engine.evaluateDue(this.stats.alerts, this.stats.rule_ms);
    if (!this.options.lease.holding) return false; // the term ran out meanwhile: no checkpoint write
    this.checkpoint = Math.max(this.checkpoint, newest);
    const waiting = this.engine.deferredSince();
    const durable = waiting === undefined ? this.checkpoint : Math.min(this.checkpoint, waiting - 1);
    if (this.stored === undefined || durable > this.stored) {
      await this.store.writeCheckpoint(this.options.checkpointId, { ingested: new Date(durable).toISOString(), updated_at: new Date().toISOString() });
      this.stored = durable;
    }
    this.stats.checkpoint = new Date(this.stored).toISOString();
    this.stats.deferred = this.engine.deferredCount;
    const horizon = this.checkpoint - this.options.overlapMs;
    for (const [id, ingested] of this.seen) if (ingested < horizon) this.seen.delete(id);
    this.ahead = next;
    return more;
  }

  /**
   * Under a backlog, starts reading the slice after this one while this one is evaluated (the read is a good part of
   * a slice's time, and Elasticsearch is not busy with it meanwhile). It is the slice the next poll would read: from
   * `newest`, the checkpoint this slice leaves, passing over this slice's events as if processed. The next poll
   * takes it only when this one completed and left that checkpoint (not after a failed evaluation, a lost lease or
   * a takeover); an event that becomes searchable inside the overlap meanwhile is found by the poll after it, as
   * always. A failed read ahead is read again by the poll that needs it.
   */
  private readAhead(newest: number, current: TailItem[]): ReadAhead {
    const slice = this.nextSlice(newest, new Map(current.map((f) => [f.id, f.ingested])));
    slice.catch(() => undefined);
    return { checkpoint: newest, slice };
  }

  /**
   * The next events not yet processed (nor in `processing`), oldest event.ingested first, at most `batchSize`;
   * `newest` is the newest event.ingested read up to the last event taken (never past an event left for the next
   * slice), `more` whether events were left.
   */
  private async nextSlice(checkpoint: number, processing = new Map<string, number>()): Promise<Slice> {
    const since = await this.readFrom(checkpoint, processing);
    const fresh: TailItem[] = [];
    let newest = checkpoint;
    let cursor;
    for (;;) {
      // one more than the slice needs tells whether events are left
      const size = this.options.batchSize - fresh.length + 1;
      const page = await this.store.ingestedSince(since, size, cursor);
      for (const item of page.items) {
        if (this.seen.has(item.id) || processing.has(item.id)) {
          newest = Math.max(newest, item.ingested);
          continue;
        }
        if (fresh.length >= this.options.batchSize) return { fresh, newest, more: true };
        fresh.push(item);
        newest = Math.max(newest, item.ingested);
      }
      if (page.items.length < Math.min(size, IDS_PER_READ) || !page.last) return { fresh, newest, more: false };
      cursor = page.last;
    }
  }

  /**
   * Where a poll reads from: `overlapMs` before the checkpoint when that overlap may hold an event not processed
   * yet (one that became searchable late), else the checkpoint's own millisecond (events sharing it may have been
   * left for this slice). One count tells: every event this replica processed inside the overlap is stored, so
   * when Elasticsearch counts no more events there than it processed, none is new. Without that count every poll
   * would read the whole overlap again, some seconds of events at a high ingest rate, only to pass over them.
   */
  private async readFrom(checkpoint: number, processing: Map<string, number>): Promise<number> {
    const since = checkpoint - this.options.overlapMs;
    let processed = 0;
    for (const known of [this.seen, processing]) for (const ingested of known.values()) if (ingested > since && ingested < checkpoint) processed++;
    const stored = await this.store.countIngestedBetween(since, checkpoint);
    return stored > processed ? since : checkpoint - 1;
  }
}

/**
 * One replica's streaming over all its partitions: leader when it streams any; counts summed (each partition reads
 * every event, so `events_processed` counts an event once per partition); the checkpoint is the oldest of the
 * partitions it streams (every rule streamed here has evaluated everything before it).
 */
export function combinedStats(all: StreamingStats[]): StreamingStats {
  if (all.length === 1) return all[0]!;
  const led = all.filter((s) => s.leader);
  const sum = (pick: (s: StreamingStats) => number) => all.reduce((total, s) => total + pick(s), 0);
  const latest = (pick: (s: StreamingStats) => string | undefined) => all.map(pick).filter((v): v is string => v !== undefined).sort().at(-1);
  const checkpoints = led.map((s) => s.checkpoint).filter((v): v is string => v !== undefined).map(Date.parse);
  const alerts = emptyTally();
  const ruleMs: Record<string, number> = {};
  for (const s of all) {
    alerts.created += s.alerts.created;
    alerts.updated += s.alerts.updated;
    alerts.unchanged += s.alerts.unchanged;
    Object.assign(alerts.by_rule, s.alerts.by_rule);
    Object.assign(ruleMs, s.rule_ms);
  }
  const lastError = all.map((s) => s.last_error).filter((v): v is string => v !== undefined).sort().at(-1);
  const lastPoll = latest((s) => s.last_poll_at);
  return {
    running: all.some((s) => s.running),
    leader: led.length > 0,
    replica: all[0]!.replica,
    takeovers: sum((s) => s.takeovers),
    lease_checks: sum((s) => s.lease_checks),
    ...(checkpoints.length > 0 && checkpoints.length === led.length ? { checkpoint: new Date(Math.min(...checkpoints)).toISOString() } : {}),
    deferred: sum((s) => s.deferred),
    polls: sum((s) => s.polls),
    events_processed: sum((s) => s.events_processed),
    ...(lastPoll !== undefined ? { last_poll_at: lastPoll } : {}),
    ...(lastError !== undefined ? { last_error: lastError } : {}),
    errors: sum((s) => s.errors),
    alerts,
    max_poll_ms: Math.max(...all.map((s) => s.max_poll_ms)),
    rule_ms: ruleMs,
  };
}
