/**
 * Streaming's rules over the slices of new events, each rule at its own pace.
 *
 * Streaming reads new events in slices (streaming.ts) and every rule evaluates every slice, in order. A rule does not
 * wait for the others: once it has evaluated a slice it takes the next one read, so a slow rule (or a slow put-off
 * evaluation) delays its own alerts, not every rule's. A rule that fell behind evaluates all the slices waiting for
 * it at once (up to `maxEvents`), so that it catches up instead of paying its fixed cost once per slice. A slice is
 * done once every rule has evaluated it; streaming's checkpoint only ever moves past done slices.
 *
 * At most `lanes` evaluations run at once (each mostly waits on Elasticsearch); the rule quickest to evaluate so far
 * goes first (see schedule). After each evaluation a rule runs its own put-off evaluations that are due
 * (engine.evaluateDue), never two evaluations of one rule at once.
 *
 * The first evaluation to fail stops the pipeline: no evaluation starts after it, `failure` holds it. Stopping with
 * slices that some rules evaluated and others did not drops the memories that count each event once
 * (engine.forgetCountedOnce): streaming reads those slices again, for every rule.
 */
import { inTimeOrder } from '../elasticsearch/detection-store.js';
import { letIoIn } from './cooperative.js';
import type { DetectionEngine, Tally } from './engine.js';
import type { EventDoc } from './predicate.js';
import type { Rule } from './rule-schema.js';

/** A slice of new events, as the pipeline holds it until every rule has evaluated it. */
export interface PipelineSlice<T> {
  events: EventDoc[];
  /** earliest event.ingested of the slice */
  since: number;
  /** what the caller keeps with the slice (streaming: its ids, its newest event.ingested) */
  meta: T;
}

export interface PipelineOptions {
  /** evaluations at the same time */
  lanes: number;
  /** most events one evaluation of a rule takes (the slices waiting for it, merged) */
  maxEvents: number;
  tally: Tally;
  /** time spent per rule and evaluations per rule (cumulative, the caller's: they outlive the pipeline) */
  ruleMs: Record<string, number>;
  runs: Record<string, number>;
  /** whether evaluations may still start (streaming: this replica holds the lease) */
  mayRun: () => boolean;
}

export class RulePipeline<T> {
  /** slices not done yet, oldest first; `base` is the number of slices done before them */
  private readonly slices: Array<PipelineSlice<T> & { left: number }> = [];
  private base = 0;
  /** each rule's next slice (counted from the first slice added) */
  private readonly next = new Map<string, number>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly rules: Rule[];
  private stopped = false;
  /** the first evaluation that failed */
  failure: unknown;
  private wake!: () => void;
  private woken!: Promise<void>;

  constructor(
    private readonly engine: DetectionEngine,
    private readonly options: PipelineOptions,
  ) {
    this.rules = engine.streamingRules();
    for (const rule of this.rules) this.next.set(rule.id, 0);
    this.rearm();
  }

  /** Slices not yet evaluated by every rule. */
  get pending(): number {
    return this.slices.length;
  }

  /** Events in those slices. */
  get pendingEvents(): number {
    return this.slices.reduce((n, s) => n + s.events.length, 0);
  }

  /** Whether slices wait for a rule while no evaluation runs: none may start (stopped, failed, or mayRun said no). */
  get stalled(): boolean {
    return this.running.size === 0 && this.slices.some((s) => s.left > 0);
  }

  /** Whether some rule has evaluated every slice added and waits for more. */
  get waiting(): boolean {
    const end = this.base + this.slices.length;
    return this.rules.some((r) => !this.running.has(r.id) && this.next.get(r.id) === end);
  }

  /** Settles when an evaluation ends (done or failed): the caller's cue to look again. */
  changed(): Promise<void> {
    return this.woken;
  }

  add(slice: PipelineSlice<T>): void {
    if (this.rules.length === 0) {
      // nothing evaluates it: done at once
      this.slices.push({ ...slice, left: 0 });
      return;
    }
    this.slices.push({ ...slice, left: this.rules.length });
    this.schedule();
  }

  /** The slices every rule has evaluated since the last call, oldest first. */
  takeDone(): Array<PipelineSlice<T>> {
    const done: Array<PipelineSlice<T>> = [];
    while (this.slices.length > 0 && this.slices[0]!.left === 0) {
      done.push(this.slices.shift()!);
      this.base++;
    }
    return done;
  }

  /**
   * Starts no more evaluations and waits for the running ones; when slices remain that some rules evaluated, drops
   * the memories that count each event once (they will be evaluated again).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    while (this.running.size > 0) await Promise.allSettled([...this.running.values()]);
    if (this.slices.some((s) => s.left < this.rules.length)) this.engine.forgetCountedOnce();
  }

  private rearm(): void {
    this.woken = new Promise((resolve) => (this.wake = resolve));
  }

  private signal(): void {
    const wake = this.wake;
    this.rearm();
    wake();
  }

  /**
   * Fills the free lanes, the rule quickest to evaluate so far first: the quick rules are done with a new slice (and
   * its alerts written) before a slow one takes their lane; a slow rule gets a lane whenever no quick one waits, and
   * catches up by evaluating every slice waiting for it at once.
   */
  private schedule(): void {
    const end = this.base + this.slices.length;
    const ready = this.rules.filter((r) => !this.running.has(r.id) && this.next.get(r.id)! < end);
    const cost = (rule: Rule) => (this.options.ruleMs[rule.id] ?? 0) / Math.max(1, this.options.runs[rule.id] ?? 0);
    ready.sort((a, b) => cost(a) - cost(b));
    for (const rule of ready) {
      if (this.running.size >= Math.max(1, this.options.lanes) || this.stopped || this.failure !== undefined || !this.options.mayRun()) return;
      const task = this.evaluate(rule).then(
        () => undefined,
        (error: unknown) => {
          this.failure ??= error;
        },
      );
      this.running.set(
        rule.id,
        task.finally(() => {
          this.running.delete(rule.id);
          this.schedule();
          this.signal();
        }),
      );
    }
  }

  /** One rule over every slice waiting for it (up to maxEvents, at least one slice), then its put-off evaluations due. */
  private async evaluate(rule: Rule): Promise<void> {
    await letIoIn();
    const from = this.next.get(rule.id)!;
    const first = from - this.base;
    let last = first + 1;
    let events = this.slices[first]!.events.length;
    while (last < this.slices.length && events + this.slices[last]!.events.length <= this.options.maxEvents) events += this.slices[last++]!.events.length;
    const taken = this.slices.slice(first, last);
    const merged = taken.length === 1 ? taken[0]!.events : inTimeOrder(taken.flatMap((s) => s.events));
    const since = Math.min(...taken.map((s) => s.since));
    await this.engine.evaluateNewEvents(rule, merged, this.options.tally, this.options.ruleMs, since);
    await letIoIn();
    await this.engine.evaluateDue(this.options.tally, this.options.ruleMs, Date.now(), rule.id);
    this.options.runs[rule.id] = (this.options.runs[rule.id] ?? 0) + 1;
    for (const slice of taken) slice.left--;
    this.next.set(rule.id, from + taken.length);
  }
}
