/**
 * What streaming has seen recently, per rule and entity: the event times of matching events. It lets a poll tell,
 * without asking Elasticsearch, that a new event cannot make a rule fire (a benign user's third judge flag of
 * the day cannot reach a threshold of five).
 *
 * The memory only knows events this process streamed (CountMemory and DistinctMemory below also start from what
 * Elasticsearch holds). It is trusted for an event at time t once t − window is after the memory started (every
 * event of that window was ingested since, clock skew aside); older events are always evaluated against
 * Elasticsearch. When it grows past its cap it starts over, trusting nothing again.
 */
import type { EvaluationContext } from './evaluation.js';

const MAX_TIMESTAMPS = 2_000_000;

export class WindowMemory {
  private readonly times = new Map<string, number[]>();
  /** per entity, the time before which its events were forgotten */
  private readonly forgotten = new Map<string, number>();
  private size = 0;
  private startedAt: number;

  constructor(
    protected readonly windowMs: number,
    trustedFrom: number,
  ) {
    this.startedAt = trustedFrom;
  }

  /** Whether every event of the entity that could share a window with an event at `t` is known. */
  trusted(t: number, key: string): boolean {
    return t - this.windowMs >= Math.max(this.startedAt, this.forgotten.get(key) ?? -Infinity);
  }

  add(key: string, t: number, now: number): void {
    if (this.size >= MAX_TIMESTAMPS) this.startOver(now);
    let list = this.times.get(key);
    if (!list) {
      list = [];
      this.times.set(key, list);
    }
    // keep sorted; new events almost always come last
    let i = list.length;
    while (i > 0 && list[i - 1]! > t) i--;
    list.splice(i, 0, t);
    this.size++;
    // forget what no future window can reach
    const horizon = list[list.length - 1]! - 2 * this.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop]! < horizon) drop++;
    if (drop > 0) {
      list.splice(0, drop);
      this.size -= drop;
      this.forgotten.set(key, Math.max(horizon, this.forgotten.get(key) ?? -Infinity));
    }
  }

  /** Events of the entity in (from, to). */
  countBetween(key: string, from: number, to: number): number {
    const list = this.times.get(key);
    if (!list) return 0;
    let n = 0;
    for (const t of list) if (t > from && t < to) n++;
    return n;
  }

  protected startOver(now: number): void {
    this.times.clear();
    this.forgotten.clear();
    this.size = 0;
    this.startedAt = now;
  }

  /** The latest event of the entity in [from, to], if any. */
  latestBetween(key: string, from: number, to: number): number | undefined {
    const list = this.times.get(key);
    if (!list) return undefined;
    for (let i = list.length - 1; i >= 0; i--) if (list[i]! >= from && list[i]! <= to) return list[i];
    return undefined;
  }
}

/** The memory of one rule unit, kept in the engine's long-lived cache. */
export function windowMemory(ctx: EvaluationContext, name: string, windowMs: number): WindowMemory {
  let memory = ctx.memory.get(name) as WindowMemory | undefined;
  if (!memory) {
    memory = new WindowMemory(windowMs, ctx.now());
    ctx.memory.set(name, memory);
  }
  return memory;
}

const MAX_SEEDED = 200_000;

/**
 * A count threshold's memory that starts from what Elasticsearch holds: each entity's matching events of the last
 * two windows, counted per W-aligned bucket (one aggregation when the memory is made), so that it is trusted at once
 * for events up to a window old, instead of a window after it was made. Events ingested after the seed are all
 * streamed through it; a window is bounded by its streamed events plus every seeded bucket it meets. An event both
 * seeded and streamed counts twice, which only raises the bound. (Sequences keep an unseeded WindowMemory: they ask
 * for event times, which buckets do not have.)
 */
export class CountMemory extends WindowMemory {
  private readonly seeded = new Map<string, Array<[start: number, count: number]>>();

  /** `count` stored events of the entity in [start, start + W). */
  seed(key: string, start: number, count: number): void {
    const buckets = this.seeded.get(key);
    if (buckets) buckets.push([start, count]);
    else this.seeded.set(key, [[start, count]]);
  }

  override countBetween(key: string, from: number, to: number): number {
    let n = super.countBetween(key, from, to);
    for (const [start, count] of this.seeded.get(key) ?? []) if (start < to && start + this.windowMs > from) n += count;
    return n;
  }

  protected override startOver(now: number): void {
    super.startOver(now);
    this.seeded.clear();
  }
}

/**
 * The count memory of one threshold signal, kept in the engine's long-lived cache. Made on first use from `seed`
 * (entity, bucket start, events of every W-aligned bucket since the given time); a seed of more than MAX_SEEDED
 * buckets is abandoned, and the memory trusts only what it streams, a window after it was made.
 */
export async function countMemory(ctx: EvaluationContext, name: string, windowMs: number, seed: (since: number) => AsyncIterable<[key: string, start: number, count: number]>): Promise<WindowMemory> {
  const existing = ctx.memory.get(name) as WindowMemory | undefined;
  if (existing) return existing;
  const now = ctx.now();
  const since = now - 2 * windowMs;
  let memory: WindowMemory = new CountMemory(windowMs, since);
  let buckets = 0;
  for await (const [key, start, count] of seed(since)) {
    (memory as CountMemory).seed(key, start, count);
    if (++buckets > MAX_SEEDED) {
      memory = new WindowMemory(windowMs, now);
      break;
    }
  }
  ctx.memory.set(name, memory);
  return memory;
}

const MAX_DISTINCT_PAIRS = 200_000;

type LatestValues = Map<string, Map<string, number>>;

/**
 * What streaming knows of a distinct-count signal: per entity, each value and the latest time it was seen. It
 * tells a poll, without asking Elasticsearch, that an event cannot make a distinct count pass its threshold: every
 * window holding an event at t lies within (t − W, t + W), so the entity's values last seen after t − W bound the
 * distinct count of all of them from above (a model_enumeration threshold of 5 models cannot be passed by a user
 * of two).
 *
 * Trust as for WindowMemory, with one difference: the memory starts from what Elasticsearch holds (`seeded`: every
 * (entity, value) stored with a time in the last two windows, read when the memory is made), so it is trusted at once
 * for events up to a window old, instead of only a window after it was made. Events ingested after the seed are all
 * streamed through it, events already stored are all in the seed; an event both read and streamed only raises the
 * bound, never lowers it. `see` answers from the streamed events alone: the seed may hold events not streamed yet.
 */
export class DistinctMemory {
  private readonly streamed: LatestValues = new Map();
  private readonly seeded: LatestValues = new Map();
  private size = 0;

  constructor(
    private readonly windowMs: number,
    private trustedFrom: number,
  ) {}

  /** Whether every event that could share a window with an event at `t` is known. */
  trusted(t: number): boolean {
    return t - this.windowMs >= this.trustedFrom;
  }

  /** A streamed event; answers the latest time streaming saw the entity with the value before it, if it did. */
  see(entity: string, value: string, t: number, now: number): number | undefined {
    // one lookup of the entity for both the answer and the update: these maps hold ~100 000 entities each
    let values = this.streamed.get(entity);
    const before = values?.get(value);
    if (this.size >= MAX_DISTINCT_PAIRS) {
      this.streamed.clear();
      this.seeded.clear();
      this.size = 0;
      this.trustedFrom = now;
      values = undefined;
    }
    if (!values) this.streamed.set(entity, (values = new Map()));
    this.record(values, value, t);
    return before;
  }

  /** A stored (entity, value) read from Elasticsearch, with its latest time. */
  seed(entity: string, value: string, t: number): void {
    this.put(this.seeded, entity, value, t);
  }

  /** An upper bound on the entity's distinct values in any window (t' − W, t'] that holds `t`. */
  distinctAround(entity: string, t: number): number {
    const recent = new Set<string>();
    for (const known of [this.streamed, this.seeded]) {
      for (const [value, last] of known.get(entity) ?? []) if (last > t - this.windowMs) recent.add(value);
    }
    return recent.size;
  }

  get full(): boolean {
    return this.size >= MAX_DISTINCT_PAIRS;
  }

  private put(known: LatestValues, entity: string, value: string, t: number): void {
    let values = known.get(entity);
    if (!values) known.set(entity, (values = new Map()));
    this.record(values, value, t);
  }

  /** The value's time in one entity's map: a new pair counts against the cap, a later time replaces an earlier. */
  private record(values: Map<string, number>, value: string, t: number): void {
    const last = values.get(value);
    if (last === undefined) this.size++;
    if (last === undefined || t > last) values.set(value, t);
  }
}

/**
 * The distinct memory of one rule unit, kept in the engine's long-lived cache. Made on first use from `seed`
 * (entity, value, latest time of every stored pair since the given time); a seed larger than the memory's cap
 * is abandoned and the memory trusts only what it streams, a window after it was made.
 */
export async function distinctMemory(
  ctx: EvaluationContext,
  name: string,
  windowMs: number,
  seed: (since: number) => AsyncIterable<[entity: string, value: string, latest: number]>,
): Promise<DistinctMemory> {
  const existing = ctx.memory.get(name) as DistinctMemory | undefined;
  if (existing) return existing;
  const now = ctx.now();
  const since = now - 2 * windowMs;
  let memory = new DistinctMemory(windowMs, since);
  for await (const [entity, value, latest] of seed(since)) {
    memory.seed(entity, value, latest);
    if (memory.full) {
      memory = new DistinctMemory(windowMs, now);
      break;
    }
  }
  ctx.memory.set(name, memory);
  return memory;
}
