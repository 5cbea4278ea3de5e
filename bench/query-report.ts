/** The query benchmark's report: per-kind latencies, the SOC overview dashboard, the data sets and the machine. */
import type { BulkDataset } from '../cli/src/demo/index.js';
import { machine } from './detection-support.js';
import { fmt, type LoadReport } from './query-load.js';
import type { Measurements } from './query-measure.js';
import { socOverviewPanels, targets } from './query-targets.js';

export interface SizeResult {
  size: number;
  data: BulkDataset;
  load: LoadReport;
  index: string;
  measured: Measurements;
}

export interface ReportOptions {
  runs: number;
  warmup: number;
  skipTook: boolean;
  batch: number;
  concurrency: number;
}

export const label = (n: number) => (n >= 1_000_000 && n % 1_000_000 === 0 ? `${n / 1_000_000}m` : n % 1000 === 0 ? `${n / 1000}k` : String(n));

/** The benchmark's Markdown tables and machine line, on stdout. */
export function report(results: SizeResult[], esInfo: string, options: ReportOptions) {
  const { runs: RUNS, warmup: WARMUP, batch: BATCH, concurrency: CONCURRENCY } = options;
  const info = machine();
  const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));
  const withTook = !options.skipTook;
  const L = (r: { size: number }) => label(r.size).toUpperCase();
  const head = results.map((r) => `${L(r)} p50 | ${L(r)} p95${withTook ? ` | ${L(r)} ES took p50` : ''}`).join(' | ');
  const cols = withTook ? 3 : 2;
  const list = targets(results[0]!.data);
  console.log(`\n### Dashboard queries: POST /v1/query over 30 days (milliseconds, ${RUNS} runs after ${WARMUP} warm-up, client-side round trip)\n`);
  console.log(`| kind | parameters | ${head} |`);
  console.log(`|---|---|${results.map(() => Array(cols).fill('---:').join('|')).join('|')}|`);
  for (const [i, t] of list.entries()) {
    const cells = (r: (typeof results)[number]) => {
      const k = r.measured.kinds[i]!;
      return [ms(k.p50), ms(k.p95), ...(withTook ? [ms(k.tookP50 ?? NaN)] : [])].join(' | ');
    };
    console.log(`| \`${t.name}\` | ${t.params} | ${results.map(cells).join(' | ')} |`);
  }
  const panelCount = socOverviewPanels().length;
  const batchTargets = socOverviewPanels().flat().length;
  const blank = withTook ? ' | ' : '';
  console.log(`| **SOC overview, one batch** | ${batchTargets} targets in one request | ${results.map((r) => `**${ms(r.measured.batch.p50)}** | **${ms(r.measured.batch.p95)}**${blank}`).join(' | ')} |`);
  console.log(`| **SOC overview, per panel** | ${panelCount} concurrent requests, until the last answer | ${results.map((r) => `**${ms(r.measured.panels.p50)}** | **${ms(r.measured.panels.p95)}**${blank}`).join(' | ')} |`);
  const worst = results.map((r) => Math.max(...r.measured.kinds.map((k) => k.p95)));
  console.log(`\nSlowest kind p95: ${results.map((r, i) => `${label(r.size).toUpperCase()} ${ms(worst[i]!)} ms`).join(', ')} (goal ≤ 300 ms).\n`);
  console.log('| data set | events | users | alerts | baselines | events index | load |');
  console.log('|---|---:|---:|---:|---:|---|---|');
  for (const r of results) {
    console.log(
      `| ${label(r.size).toUpperCase()} | ${fmt(r.load.events)} | ${fmt(r.data.users.length)} | ${fmt(r.load.alerts)} | ${fmt(r.load.baselines)} | ${r.index} | ${r.load.reused ? 'reused (--reuse)' : `${r.load.seconds.toFixed(0)} s (${fmt(Math.round(r.load.events / r.load.seconds))} events/s, _bulk ${BATCH} × ${CONCURRENCY})`} |`,
    );
  }
  console.log(`\nMachine: ${info.cores} cores (${info.cpu}), ${info.memory} RAM, Node ${info.node}; ${esInfo}; service from analytics-service/dist, ` +
    'streaming detection and UEBA refresh off. Elasticsearch, the service and this client share the machine. ' +
    `1-minute load average at the start and end of the measurements: ${results.map((r) => `${L(r)} ${r.measured.load[0].toFixed(1)} → ${r.measured.load[1].toFixed(1)}`).join(', ')}.`);
}
