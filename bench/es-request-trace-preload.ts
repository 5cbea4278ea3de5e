/**
 * Preloaded into the service by a benchmark (`--trace-dir`, like `--profile-dir`): counts every Elasticsearch request
 * the process makes by method, path and calling code (the first three frames of analytics-service/src outside the
 * Elasticsearch access layer), with the wall time the service waited and the `took` Elasticsearch reported for
 * searches. At exit it writes `es-requests-<pid>.tsv` into AISEC_BENCH_TRACE_DIR, the largest `took` first:
 * `requests  wait_ms  took_ms  what`. It is how the streaming loop's reads were found to cost more than its rules.
 */
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Totals {
  requests: number;
  waitMs: number;
  tookMs: number;
}

const dir = process.env.AISEC_BENCH_TRACE_DIR;
if (dir) {
  const require = createRequire(import.meta.url);
  // the transport class @elastic/elasticsearch re-exports: every client's requests go through its prototype
  const { Transport } = require('@elastic/elasticsearch') as { Transport: { prototype: { request: (params: { method: string; path: string }, options?: unknown) => Promise<unknown> } } };
  const request = Transport.prototype.request;
  const totals = new Map<string, Totals>();
  const caller = () =>
    (new Error().stack ?? '')
      .split('\n')
      .filter((line) => line.includes('analytics-service/src') && !line.includes('/elasticsearch/'))
      .slice(0, 3)
      .map((line) => line.trim().replace(/^at /, '').replace(/\(.*analytics-service\/src\//, '(').replace(/:\d+\)$/, ')'))
      .join(' < ');
  Transport.prototype.request = async function traced(this: unknown, params, options) {
    // index names carry a run's prefix: one row per kind of index, not per run
    const key = `${params.method} ${params.path.replace(/\/[^/]*-events[^/]*/, '/<events>').replace(/\/[a-z0-9-]+-(alerts|state|baselines)\b/, '/<$1>')} | ${caller()}`;
    const started = process.hrtime.bigint();
    const response = (await request.call(this, params, options)) as { took?: unknown; body?: { took?: unknown } } | undefined;
    const took = response?.body?.took ?? response?.took;
    const row = totals.get(key) ?? { requests: 0, waitMs: 0, tookMs: 0 };
    row.requests++;
    row.waitMs += Number(process.hrtime.bigint() - started) / 1e6;
    row.tookMs += typeof took === 'number' ? took : 0;
    totals.set(key, row);
    return response;
  };
  process.once('exit', () => {
    const rows = [...totals].sort((a, b) => b[1].tookMs - a[1].tookMs).map(([key, t]) => `${t.requests}\t${t.waitMs.toFixed(0)}\t${t.tookMs}\t${key}`);
    writeFileSync(join(dir, `es-requests-${process.pid}.tsv`), ['requests\twait_ms\ttook_ms\twhat', ...rows].join('\n') + '\n');
  });
}
