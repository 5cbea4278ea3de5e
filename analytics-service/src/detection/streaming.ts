/**
 * Streaming detection: tails the events data stream by `event.ingested` and hands the newly ingested events to the
 * rules, in slices.
 *
 * Every read takes the new events themselves (without prompt/response text) from checkpoint − overlap (their
 * positions from Elasticsearch, the contents of those this process stored a moment ago from memory: recent-events.ts): an event
 * stamped before the checkpoint but not yet searchable (bulk in flight, refresh pending) is still picked up, and
 * events already read inside the overlap are skipped by id. A count first tells whether the overlap holds any such
 * event; when it does not, the read starts at the checkpoint (see readFrom). A read takes at most `batchSize` new
 * events (one slice, oldest event.ingested first). Every rule evaluates every slice in order, each at its own pace
 * (rule-pipeline.ts): a rule done with a slice takes the next one read, so a slow rule holds back its own alerts, not
 * the others'. A slice is done once every rule has evaluated it; the checkpoint (newest event.ingested done) is then
 * stored in the state index, behind the reads (no read waits for that write), so a restart re-reads at most the
 * overlap and the slices not done, and never skips an event; the alert writer makes the re-read harmless. An
 * evaluation the engine puts off (EvaluationScope.defer) runs once it is due, after an evaluation of its rule or at
 * the end of a poll; until then the stored checkpoint stays before the events that led to it.
 *
 * Replicas: only the replica holding the streaming lease (elasticsearch/lease.ts) polls; the others check every
 * fifth of the lease term and take over when it expires, from the stored checkpoint and with fresh memory. The
 * holder renews the lease on a heartbeat while a poll runs, however long it takes, checks it between batches,
 * and stops mid-poll, before writing the checkpoint, when it lost it.
 */
import { recordDetectionLag } from '../observability/metrics.js';
import { logFields, productMessage } from '../elasticsearch/errors.js';
import { IDS_PER_READ, inTimeOrder, type DetectionStore, type TailItem as StoredTailItem } from '../elasticsearch/detection-store.js';
import type { Lease } from '../elasticsearch/lease.js';
import { emptyTally, type DetectionEngine, type Tally } from './engine.js';
import { RulePipeline } from './rule-pipeline.js';
import type { RecentEvents } from './recent-events.js';

/** A new event as the tail reads it. */
type TailItem = Required<Pick<StoredTailItem, 'id' | 'ingested' | 'event'>>;

/** One read's new events (see nextSlice). */
interface Slice {
  fresh: TailItem[];
  newest: number;
  more: boolean;
}

/** What streaming keeps with a slice in the rule pipeline: its events' ids and event.ingested, its newest, when it was read. */
interface InPipeline {
  items: Array<[string, number]>;
  newest: number;
  readAt: number;
}

/** Most slices in the rule pipeline at once, and most events in them before another is read (× batchSize). */
const MAX_SLICES_IN_PIPELINE = 16;
const MAX_BATCHES_IN_PIPELINE = 3;

/**
 * Checkpoint writes behind a poll's reads and evaluations: one at a time, the next read never waits for one. A write
 * asked for while one runs makes one more afterwards (storing the newest checkpoint then); a failed write fails the
 * poll at its next step.
 */
class CheckpointWrites {
  private current: Promise<void> | undefined;
  private again = false;
  private failure: unknown;

  constructor(private readonly store: () => Promise<void>) {}

  write(): void {
    if (this.current) {
      this.again = true;
      return;
    }
    this.current = (async () => {
      do {
        this.again = false;
        await this.store();
      } while (this.again);
    })()
      .catch((error: unknown) => void (this.failure ??= error))
      .finally(() => (this.current = undefined));
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  throwIfFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** Once no write runs; throws the first failure. */
  async settled(): Promise<void> {
    await this.current;
    this.throwIfFailed();
  }
}

/** Settles when `signal` does, or after `ms` (when given). */
async function untilEither(signal: Promise<void>, ms: number | undefined): Promise<void> {
  if (ms === undefined) return signal;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([signal, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

export interface StreamingOptions {
  pollMs: number;
  overlapMs: number;
  /** where a service with no stored checkpoint starts, back from now */
  initialLookbackMs: number;
  /** most events per read (one slice; the checkpoint advances per slice), and per evaluation of a rule */
  batchSize: number;
  /** rule evaluations at the same time (each mostly waits on Elasticsearch) */
  rulesInParallel: number;
  /** refresh the events before a read (not under a backlog): see poll */
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
  /** the events this process stored a moment ago (recent-events.ts): their contents need no read */
  recent?: RecentEvents;
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
  /** reads of new events */
  polls: number;
  /** events every rule has evaluated */
  events_processed: number;
  /** events read whose contents came from Elasticsearch: not stored by this process a moment before (recent-events.ts) */
  events_read_back: number;
  last_poll_at?: string;
  last_error?: string;
  errors: number;
  alerts: Tally;
  /** slowest slice so far (from its read to the last rule's evaluation of it), and time spent per rule (ms, cumulative) */
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
  /** how far event.ingested went in the last slice, when it left events for the next (ms) */
  private backlogSpan: number | undefined;
  /** when the last read of new events started (ms) */
  private lastReadAt = 0;
  /** evaluations per rule so far (with stats.rule_ms: which rules are quick, rule-pipeline.ts) */
  private readonly ruleRuns: Record<string, number> = {};
  readonly stats: StreamingStats;

  constructor(
    private readonly engine: DetectionEngine,
    private readonly store: DetectionStore,
    private readonly options: StreamingOptions,
  ) {
    this.stats = { running: false, leader: false, replica: options.lease.owner, takeovers: 0, lease_checks: 0, deferred: 0, polls: 0, events_processed: 0, events_read_back: 0, errors: 0, alerts: emptyTally(), max_poll_ms: 0, rule_ms: {} };
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
        if (await this.lead()) {
          await this.withHeartbeat(() => this.poll());
          // the next read is due one interval after the last one, not after this poll's end (its last evaluations)
          delay = Math.max(0, this.lastReadAt + this.options.pollMs - Date.now());
        } else delay = Math.max(this.options.pollMs, this.options.lease.termMs / 5);
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

  /**
   * One poll: reads new events in slices of at most `batchSize` (the oldest event.ingested first) and hands each to
   * the rule pipeline (rule-pipeline.ts), where every rule evaluates the slices at its own pace. While some rule
   * waits for events, the next slice is read: at once under a backlog, else `pollMs` after the last read (of this
   * poll or the one before). A slice is done once every rule has evaluated it; the checkpoint then advances to its
   * newest event.ingested, and is stored while the poll goes on (CheckpointWrites).
   * The poll ends when every rule has evaluated everything read and the last read found no more; then the put-off
   * evaluations due run, for all rules. Events sharing a slice's last event.ingested but left for the next slice are
   * not skipped: every read starts `overlapMs` before where the last one ended and passes over the ids already read.
   *
   * It also ends when streaming stops, the lease is lost or this replica is no longer wanted, and on the first
   * failure (thrown): slices not done are then read again by the next poll, from the checkpoint.
   */
  private async poll(): Promise<void> {
    if (this.checkpoint === undefined) {
      const stored = await this.store.readCheckpoint(this.options.checkpointId);
      const other = await this.options.resumeFrom?.();
      // another partitioning streamed after this one stopped (the count was changed and changed back): resume there
      const own = stored && (!other || Date.parse(stored.updated_at) >= other.updatedAt) ? stored : undefined;
      this.stored = own ? Date.parse(own.ingested) : undefined;
      this.checkpoint = this.stored ?? other?.ingested ?? Date.now() - this.options.initialLookbackMs;
    }
    const pipeline = new RulePipeline<InPipeline>(this.engine, {
      lanes: this.options.rulesInParallel,
      maxEvents: this.options.batchSize,
      tally: this.stats.alerts,
      ruleMs: this.stats.rule_ms,
      runs: this.ruleRuns,
      mayRun: () => this.options.lease.holding,
    });
    /** the events of the slices in the pipeline (read, not yet evaluated by every rule) */
    const reading = new Map<string, number>();
    let readTo = this.checkpoint;
    let reads = 0;
    /** whether the last read left events for the next */
    let backlog = false;
    const checkpoints = new CheckpointWrites(() => this.storeCheckpoint());
    try {
      for (;;) {
        if (pipeline.failure !== undefined) throw pipeline.failure;
        checkpoints.throwIfFailed();
        const done = pipeline.takeDone();
        if (done.length > 0) {
          for (const slice of done) this.complete(slice.meta, reading);
          this.forgetBehindOverlap();
          checkpoints.write();
        }
        if (this.stopped || !this.options.lease.holding || this.options.wanted?.() === false) return;
        if (pipeline.stalled) return; // no evaluation may start (the lease lapsed meanwhile)
        // the poll goes on (reading every pollMs) while a checkpoint write runs: no read waits for one
        if (reads > 0 && !backlog && pipeline.pending === 0 && !checkpoints.busy) {
          await this.engine.evaluateDue(this.stats.alerts, this.stats.rule_ms);
          await this.storeCheckpoint();
          return;
        }
        const room = pipeline.pendingEvents < MAX_BATCHES_IN_PIPELINE * this.options.batchSize && pipeline.pending < MAX_SLICES_IN_PIPELINE;
        const wanted = room && (reads === 0 || backlog || pipeline.pending === 0 || pipeline.waiting);
        const readIn = backlog ? 0 : this.lastReadAt + this.options.pollMs - Date.now();
        if (wanted && readIn <= 0) {
          this.lastReadAt = Date.now();
          // fresh reads: an event is evaluated by the first poll after its bulk completed, not after the next scheduled
          // refresh as well (half a second on average at the default interval of one second). Not under a backlog:
          // the events read next are searchable already
          if (this.options.freshReads && !backlog) await this.store.refreshEvents();
          const { fresh, newest, more } = await this.nextSlice(readTo, reading);
          reads++;
          this.stats.polls++;
          this.stats.last_poll_at = new Date().toISOString();
          backlog = more;
          readTo = Math.max(readTo, newest);
          if (fresh.length === 0) continue;
          for (const f of fresh) reading.set(f.id, f.ingested);
          const events = inTimeOrder(fresh.map((f) => f.event));
          pipeline.add({ events, since: Math.min(...fresh.map((f) => f.ingested)), meta: { items: fresh.map((f) => [f.id, f.ingested]), newest, readAt: this.lastReadAt } });
          continue;
        }
        await untilEither(pipeline.changed(), wanted ? readIn : undefined);
      }
    } finally {
      await pipeline.stop();
      await checkpoints.settled().catch(() => undefined); // a poll cut short is read again from the stored checkpoint
    }
  }

  /** A slice every rule has evaluated: its events are processed, the checkpoint moves past them (stored by the caller). */
  private complete(slice: InPipeline, reading: Map<string, number>): void {
    for (const [id, ingested] of slice.items) {
      reading.delete(id);
      this.seen.set(id, ingested);
    }
    recordDetectionLag(slice.items.map(([, ingested]) => ingested));
    this.stats.events_processed += slice.items.length;
    this.stats.max_poll_ms = Math.max(this.stats.max_poll_ms, Date.now() - slice.readAt);
    this.checkpoint = Math.max(this.checkpoint!, slice.newest);
  }

  /** Ids behind the overlap are never read again. Called between reads, not while a read passes over the ids it met. */
  private forgetBehindOverlap(): void {
    const horizon = this.checkpoint! - this.options.overlapMs;
    for (const [id, ingested] of this.seen) if (ingested < horizon) this.seen.delete(id);
  }

  /**
   * Stores the checkpoint when it moved: the newest event.ingested processed, but before the earliest event behind an
   * evaluation still put off (a restart must read that event again).
   */
  private async storeCheckpoint(): Promise<void> {
    this.stats.deferred = this.engine.deferredCount;
    if (!this.options.lease.holding) return; // the term ran out: no checkpoint write
    const waiting = this.engine.deferredSince();
    const durable = waiting === undefined ? this.checkpoint! : Math.min(this.checkpoint!, waiting - 1);
    if (this.stored === undefined || durable > this.stored) {
      await this.store.writeCheckpoint(this.options.checkpointId, { ingested: new Date(durable).toISOString(), updated_at: new Date().toISOString() });
      this.stored = durable;
    }
    this.stats.checkpoint = new Date(this.stored).toISOString();
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
    let searchAfter;
    const alreadyRead = (id: string) => this.seen.has(id) || processing.has(id);
    // under a backlog, the range asked ends twice the last slice's span past the checkpoint: Elasticsearch sorts the
    // events of that range, not the whole backlog (bench/tail-read.ts --backlog). Once it holds no more, the rest is read unbounded
    let until = this.backlogSpan === undefined ? undefined : checkpoint + 2 * this.backlogSpan;
    for (;;) {
      // one more than the slice needs tells whether events are left
      const size = this.options.batchSize - fresh.length + 1;
      const page = await this.store.ingestedSince(since, size, { searchAfter, known: this.options.recent, skip: alreadyRead, ...(until === undefined ? {} : { until }) });
      for (const item of page.items) {
        if (alreadyRead(item.id)) {
          newest = Math.max(newest, item.ingested);
          continue;
        }
        if (fresh.length >= this.options.batchSize) {
          this.backlogSpan = Math.max(1, newest - fresh[0]!.ingested);
          return { fresh, newest, more: true };
        }
        fresh.push({ id: item.id, ingested: item.ingested, event: item.event! });
        if (item.readBack) this.stats.events_read_back++;
        newest = Math.max(newest, item.ingested);
      }
      searchAfter = page.last ?? searchAfter;
      if (page.items.length < Math.min(size, IDS_PER_READ) || !page.last) {
        if (until === undefined) {
          this.backlogSpan = undefined;
          return { fresh, newest, more: false };
        }
        until = undefined;
      }
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
    events_read_back: sum((s) => s.events_read_back),
    ...(lastPoll !== undefined ? { last_poll_at: lastPoll } : {}),
    ...(lastError !== undefined ? { last_error: lastError } : {}),
    errors: sum((s) => s.errors),
    alerts,
    max_poll_ms: Math.max(...all.map((s) => s.max_poll_ms)),
    rule_ms: ruleMs,
  };
}
