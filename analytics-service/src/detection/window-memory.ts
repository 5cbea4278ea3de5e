/**
 * What streaming has seen recently, per rule and entity: the event times of matching events. It lets a poll tell,
 * without asking Elasticsearch, that a new event cannot make a rule fire (a benign user's third judge flag of
 * the day cannot reach a threshold of five).
 *
 * The memory only knows events this process streamed. It is trusted for an event at time t once t − window is
 * after the memory started (every event of that window was ingested since, clock skew aside); older events are
 * always evaluated against Elasticsearch. When it grows past its cap it starts over, trusting nothing again.
 */
import type { EvaluationContext } from './evaluation.js';

const MAX_TIMESTAMPS = 2_000_000;

export class WindowMemory {
  private readonly times = new Map<string, number[]>();
  private size = 0;
  private startedAt: number;

  constructor(
    private readonly windowMs: number,
    now: number,
  ) {
    this.startedAt = now;
  }

  /** Whether every event that could share a window with an event at `t` has been seen. */
  trusted(t: number): boolean {
    return t - this.windowMs >= this.startedAt;
  }

  add(key: string, t: number, now: number): void {
    if (this.size >= MAX_TIMESTAMPS) {
      this.times.clear();
      this.size = 0;
      this.startedAt = now;
    }
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
