/** The query benchmark's report: per-kind latencies, the SOC overview dashboard, the data sets and the machine. */
import type { BulkDataset } from '../cli/src/demo/index.js';
import { machine } from './detection-support.js';
import { fmt, type LoadReport } from './query-load.js';
import type { Measurements } from './query-measure.js';
import { socOverviewPanels, targets } from './query-targets.js';
import type { RollupBuild } from './query-rollup.js';

export interface SizeResult {
  size: number;
  data: BulkDataset;
  load: LoadReport;
  index: string;
  /** with the rollup, when it was built (else raw events only) */
  measured: Measurements;
  /** raw events only, measured on the same data right before the rollup was built (--rollup compare) */
  raw?: Measurements;
  rollup?: RollupBuild;
  /** the per-user rollups' builds (daily, hourly) */
  userRollup?: RollupBuild;
  hourlyUserRollup?: RollupBuild;
  /** names of the two measurements (default: raw events only, with the rollup) */
  baseline?: string;
  compared?: string;
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
  compare(results, ms);
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

/** Raw events only against the hourly rollup, per size, measured one right after the other on the same data. */
function compare(results: SizeResult[], ms: (n: number) => string) {
  const both = results.filter((r) => r.raw);
  if (both.length === 0) return;
  const L = (r: { size: number }) => label(r.size).toUpperCase();
  const [A, B] = [both[0]!.baseline ?? 'raw', both[0]!.compared ?? 'rollup'];
  console.log(`### ${A}, then ${B} (same data, measured one after the other; milliseconds)\n`);
  console.log(`| kind | parameters | ${both.map((r) => `${L(r)} ${A} p50 | ${L(r)} ${A} p95 | ${L(r)} ${B} p50 | ${L(r)} ${B} p95`).join(' | ')} |`);
  console.log(`|---|---|${both.map(() => '---:|---:|---:|---:').join('|')}|`);
  const list = targets(both[0]!.data);
  const row = (a: { p50: number; p95: number }, b: { p50: number; p95: number }) => `${ms(a.p50)} | ${ms(a.p95)} | ${ms(b.p50)} | ${ms(b.p95)}`;
  for (const [i, t] of list.entries()) console.log(`| \`${t.name}\` | ${t.params} | ${both.map((r) => row(r.raw!.kinds[i]!, r.measured.kinds[i]!)).join(' | ')} |`);
  console.log(`| **SOC overview, one batch** | | ${both.map((r) => row(r.raw!.batch, r.measured.batch)).join(' | ')} |`);
  console.log(`| **SOC overview, per panel** | | ${both.map((r) => row(r.raw!.panels, r.measured.panels)).join(' | ')} |`);
  console.log(`\n1-minute load average, ${A} → ${B} measurements: ${both.map((r) => `${L(r)} ${r.raw!.load[0].toFixed(1)}–${r.raw!.load[1].toFixed(1)} → ${r.measured.load[0].toFixed(1)}–${r.measured.load[1].toFixed(1)}`).join(', ')}.\n`);
  for (const r of results) {
    for (const build of [r.rollup, r.userRollup, r.hourlyUserRollup]) {
      if (!build) continue;
      const run = build.run;
      console.log(
        `Rollup build, ${L(r)}, ${build.index ?? 'rollup'}: ${run.hours} buckets recomputed from ${r.load.events.toLocaleString('en-US')} events in ${(run.wall_ms / 1000).toFixed(1)} s ` +
          `(${(run.wall_ms / Math.max(1, run.hours)).toFixed(1)} ms per bucket; Elasticsearch took ${(run.es_took_ms / 1000).toFixed(1)} s), ` +
          `${build.rows.toLocaleString('en-US')} rows (${build.mib.toFixed(1)} MiB), ${(r.load.events / Math.max(1, build.rows)).toFixed(1)} events per row.`,
      );
    }
  }
  console.log('');
}
