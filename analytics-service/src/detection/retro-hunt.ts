/**
 * Retro-hunts: rules evaluated over an event-time range, one UTC day at a time (each chunk reads the window
 * before it, so episodes straddling midnight are found whole). A run is a job with an id; its progress can be
 * read while it runs. Jobs live in this process's memory (the last 100 are kept). Scoring reads only Elasticsearch,
 * never what streaming remembers; when history-based UEBA rules run, baselines covering the hunted range are
 * ensured first (PrepareBaselines) and the run says whether they were rebuilt.
 */
import { randomUUID } from 'node:crypto';
import type { EntityKind } from '../contract/entities.js';
import { DAY_MS } from '../time/units.js';
import { emptyTally, type DetectionEngine, type Tally } from './engine.js';
import type { Rule } from './rule-schema.js';

/** What a retro-hunt did about baselines before scoring (the `baselines` field of a run). */
export interface HuntBaselines {
  /** true when the run rebuilt baselines before scoring */
  rebuilt: boolean;
  /** why (not) */
  reason: string;
  /** the window they were rebuilt over */
  window?: { from: string; to: string };
  /** entities per kind whose baselines were rebuilt */
  entities?: Partial<Record<EntityKind, number>>;
}

/** Makes sure the baselines a hunt's rules score against exist for the hunted range (ueba/hunt-baselines.ts). */
export type PrepareBaselines = (from: number, to: number, rules: Rule[]) => Promise<HuntBaselines | undefined>;

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
  /** what the run did about UEBA baselines before scoring (only when history-based UEBA rules run) */
  baselines?: HuntBaselines;
}

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

  private prepareBaselines: PrepareBaselines | undefined;

  constructor(private readonly engine: DetectionEngine) {}

  /** Set by the UEBA plugin: hunts with history-based UEBA rules first make sure baselines cover the range. */
  useBaselines(prepare: PrepareBaselines): void {
    this.prepareBaselines = prepare;
  }

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
        const baselines = await this.prepareBaselines?.(from.getTime(), to.getTime(), rules);
        if (baselines) state.baselines = baselines;
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
