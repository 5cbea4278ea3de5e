/**
 * Retro-hunts: rules evaluated over an event-time range, one UTC day at a time (each chunk reads the window
 * before it, so episodes straddling midnight are found whole). A run is a job with an id; its progress can be
 * read while it runs. Jobs live in this process's memory (the last 100 are kept).
 */
import { randomUUID } from 'node:crypto';
import { emptyTally, type DetectionEngine, type Tally } from './engine.js';

export type RunStatus = 'running' | 'succeeded' | 'failed';

export interface RunState extends Tally {
  id: string;
  status: RunStatus;
  from: string;
  to: string;
  rules: string[];
  chunks_total: number;
  chunks_done: number;
  /** start of the chunk being evaluated */
  current_chunk?: string;
  started_at: string;
  finished_at?: string;
  duration_ms?: number;
  error?: string;
}

const DAY_MS = 86_400_000;
const KEPT_RUNS = 100;

export function dayChunks(from: number, to: number): Array<[number, number]> {
  const chunks: Array<[number, number]> = [];
  for (let start = from; start < to; ) {
    const end = Math.min(to, Math.floor(start / DAY_MS) * DAY_MS + DAY_MS);
    chunks.push([start, end]);
    start = end;
  }
  return chunks;
}

export class RetroHunts {
  private readonly runs = new Map<string, RunState>();

  constructor(private readonly engine: DetectionEngine) {}

  /** Starts a run; `done` settles when it finishes (never rejects: failures are in the state). */
  start(from: Date, to: Date, ruleIds?: string[]): { state: RunState; done: Promise<RunState> } {
    const rules = this.engine.enabledRules(ruleIds);
    const chunks = dayChunks(from.getTime(), to.getTime());
    const state: RunState = {
      id: randomUUID(),
      status: 'running',
      from: from.toISOString(),
      to: to.toISOString(),
      rules: rules.map((r) => r.id),
      chunks_total: chunks.length,
      chunks_done: 0,
      started_at: new Date().toISOString(),
      ...emptyTally(),
    };
    for (const rule of rules) state.by_rule[rule.id] = { created: 0, updated: 0, unchanged: 0 };
    this.runs.set(state.id, state);
    while (this.runs.size > KEPT_RUNS) this.runs.delete(this.runs.keys().next().value!);
    const done = (async () => {
      const started = Date.now();
      try {
        for (const [start, end] of chunks) {
          state.current_chunk = new Date(start).toISOString();
          for (const rule of rules) {
            const ruleStarted = Date.now();
            await this.engine.evaluateSpan(rule, start, end, state);
            const tally = state.by_rule[rule.id]!;
            tally.duration_ms = (tally.duration_ms ?? 0) + (Date.now() - ruleStarted);
          }
          state.chunks_done++;
        }
        state.status = 'succeeded';
      } catch (error) {
        state.status = 'failed';
        state.error = (error as Error).message;
      } finally {
        delete state.current_chunk;
        state.finished_at = new Date().toISOString();
        state.duration_ms = Date.now() - started;
      }
      return state;
    })();
    return { state, done };
  }

  get(id: string): RunState | undefined {
    return this.runs.get(id);
  }
}
