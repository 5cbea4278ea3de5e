/** Measures the query benchmark's targets against the running service (client-side round trip, Elasticsearch `took`). */
import { loadavg } from 'node:os';
import type { Client } from '@elastic/elasticsearch';
import type { IndexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import type { QueryRequest, QueryResponse } from '../analytics-service/src/query/kinds.js';
import { runQuery } from '../analytics-service/src/query/run-query.js';
import type { BulkDataset } from '../cli/src/demo/index.js';
import { percentile } from './detection-support.js';
import { INTERVAL_MS, MAX_DATA_POINTS, range, socOverviewPanels, targets } from './query-targets.js';

export interface QueryService {
  url: string;
  /** a read API key */
  key: string;
}

async function post(service: QueryService, body: unknown): Promise<{ ms: number; response: QueryResponse }> {
  const started = process.hrtime.bigint();
  const res = await fetch(`${service.url}/v1/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (res.status !== 200) throw new Error(`POST /v1/query answered ${res.status}: ${text.slice(0, 300)}`);
  return { ms, response: JSON.parse(text) as QueryResponse };
}

function check(response: QueryResponse, what: string): { frames: number } {
  let frames = 0;
  for (const [refId, result] of Object.entries(response.results)) {
    if (result.status !== 200) throw new Error(`${what} ${refId}: status ${result.status}: ${result.error}`);
    frames += result.frames.length;
  }
  return { frames };
}

export interface Measured {
  p50: number;
  p95: number;
  max: number;
  frames: number;
  /** Elasticsearch `took`, p50 and p95 (ms), when recorded */
  tookP50?: number;
  tookP95?: number;
}

function summarize(samples: number[], frames: number, took: number[] = []): Measured {
  const sorted = [...samples].sort((a, b) => a - b);
  const out: Measured = { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1]!, frames };
  if (took.length > 0) {
    const t = [...took].sort((a, b) => a - b);
    Object.assign(out, { tookP50: percentile(t, 50), tookP95: percentile(t, 95) });
  }
  return out;
}

/** The client with every `search` response's `took` added up, for the service's query code run in this process. */
function tookRecorder(es: Client): { es: Client; take(): number } {
  let took = 0;
  const proxy = new Proxy(es, {
    get(target, property, receiver) {
      if (property === 'search') {
        return async (...params: Parameters<Client['search']>) => {
          const response = await (target.search as (...p: unknown[]) => Promise<{ took?: number }>)(...params);
          took += response.took ?? 0;
          return response;
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return {
    es: proxy,
    take() {
      const value = took;
      took = 0;
      return value;
    },
  };
}

export interface Measurements {
  kinds: Measured[];
  batch: Measured;
  panels: Measured;
  load: [number, number];
}

export interface MeasureOptions {
  runs: number;
  warmup: number;
  /** leave out the in-process `took` measurement */
  skipTook: boolean;
}

/**
 * `warmup` then `runs` measured runs of every target (round-robin), each beside the same target computed in this
 * process with its searches' `took` recorded; then the SOC overview dashboard, as one batch and as one request per
 * panel sent concurrently.
 */
export async function measure(service: QueryService, data: BulkDataset, es: Client, names: IndexNames, options: MeasureOptions): Promise<Measurements> {
  const { runs: RUNS, warmup: WARMUP } = options;
  const loadBefore = loadavg()[0]!;
  const list = targets(data);
  const samples = list.map(() => [] as number[]);
  const took = list.map(() => [] as number[]);
  const frames = list.map(() => 0);
  const base = { maxDataPoints: MAX_DATA_POINTS, intervalMs: INTERVAL_MS };
  const recorder = tookRecorder(es);
  for (let run = -WARMUP; run < RUNS; run++) {
    for (const [i, t] of list.entries()) {
      const { ms, response } = await post(service, { ...base, range: range(run + WARMUP + 1), targets: [{ refId: 'A', ...t.target }] });
      const { frames: n } = check(response, `${t.name} (${t.params})`);
      if (run >= 0) {
        samples[i]!.push(ms);
        frames[i] = n;
      }
      if (!options.skipTook) {
        recorder.take();
        const request = { ...base, range: range(-(run + WARMUP + 1)), targets: [{ refId: 'A', ...t.target }] } as QueryRequest;
        check(await runQuery({ es: recorder.es, indices: names }, request), `${t.name} (${t.params}), in process`);
        if (run >= 0) took[i]!.push(recorder.take());
      }
    }
    process.stderr.write(`\rper-kind runs: ${run + WARMUP + 1}/${RUNS + WARMUP}   `);
  }
  process.stderr.write('\n');

  const panels = socOverviewPanels();
  const batchTargets = panels.flat().map((t, i) => ({ refId: `P${i}`, ...t }));
  const batchSamples: number[] = [];
  const panelSamples: number[] = [];
  let batchFrames = 0;
  for (let run = -WARMUP; run < RUNS; run++) {
    // shifted past the per-kind runs' windows
    const window = range(RUNS + WARMUP + 1 + 2 * (run + WARMUP));
    const { ms, response } = await post(service, { ...base, range: window, targets: batchTargets });
    batchFrames = check(response, 'dashboard batch').frames;
    const started = process.hrtime.bigint();
    const panelWindow = range(RUNS + WARMUP + 2 + 2 * (run + WARMUP));
    await Promise.all(panels.map(async (panel, p) => check((await post(service, { ...base, range: panelWindow, targets: panel.map((t, i) => ({ refId: `P${p}-${i}`, ...t })) })).response, `panel ${p}`)));
    const panelMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (run >= 0) {
      batchSamples.push(ms);
      panelSamples.push(panelMs);
    }
    process.stderr.write(`\rdashboard runs: ${run + WARMUP + 1}/${RUNS + WARMUP}   `);
  }
  process.stderr.write('\n');
  return {
    kinds: list.map((_, i) => summarize(samples[i]!, frames[i]!, took[i]!)),
    batch: summarize(batchSamples, batchFrames),
    panels: summarize(panelSamples, panels.length),
    load: [loadBefore, loadavg()[0]!],
  };
}
