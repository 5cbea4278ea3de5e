/**
 * Dashboard query latency: POST /v1/query, every kind, over 30 days of data, at several sizes.
 *
 *   npm run build -w analytics-service && node --import tsx bench/query.ts [--sizes 500000,5000000] [--runs 30] [--warmup 3] [--reuse] [--shards 1] [--rollup compare|on|off]
 *
 * For each size, a deterministic generator (seeded, streamed in hour slots: never more than two bulk bodies in memory)
 * writes events in stored form (`toDocument`) straight into `<prefix>-events` with `_bulk` (2 concurrent requests of
 * 5 000 documents), plus what the detection engine and the UEBA job would have written for such traffic: alerts
 * (one per ~250 events, real rule ids, shaped by `alertMapping`) and one baseline per user, model and endpoint
 * (`baselineMapping`). Index templates come from `bootstrapIndices`, as the service installs them. The metrics index
 * is not loaded: no query kind reads it.
 *
 * The data comes from the project's traffic generator (`BulkDataset`, cli/src/demo/bulk-dataset.ts); loading is in
 * query-load.ts, the targets (the SOC overview dashboard's read from dashboards/json/soc-overview.json) in
 * query-targets.ts, measuring in query-measure.ts, the tables in query-report.ts.
 *
 * The service runs as a separate process from `analytics-service/dist/main.js` (streaming detection and the UEBA
 * refresh off, so the only load is the queries). Each target is measured with dashboard parameters (a 30-day range,
 * maxDataPoints 1000, intervalMs from them as Grafana derives it): `--warmup` runs, then `--runs` measured runs,
 * round-robin over the targets. Each run shifts the 30-day window by a minute, as a refreshing "last 30 days"
 * dashboard does, so Elasticsearch's shard request cache never answers a repeated request. Then the whole SOC
 * overview dashboard: once as one batch request with every target, once as one request per panel sent concurrently
 * (as Grafana does), timed until the last answer.
 *
 * Side by side with each measured request, the same target is computed in this process by the service's own query
 * code (`runQuery`) against the same Elasticsearch, with a window shifted the other way, and Elasticsearch's `took`
 * of its searches is recorded (summed when a kind sends several): the part of the latency spent inside Elasticsearch.
 * `--skip-took` leaves that out (half the queries).
 *
 * The hourly rollup (rollups/hourly-rollup.ts): with `--rollup compare` (default) every size is measured twice on the
 * same data, one run right after the other: first with the rollup's watermark removed (the queries read raw events
 * only, as before the rollup existed), then after the bench has run the rollup job over all of the data — timed,
 * with its size reported (query-rollup.ts). `on` measures only the latter, `off` only the former.
 *
 * Elasticsearch: ES_URL (ES_API_KEY / ES_USERNAME + ES_PASSWORD / ES_CA_FILE are honoured), or an embedded node
 * started here (heap `--heap`, default 2g). `--keep` keeps the data; `--reuse` keeps it and skips loading a size
 * whose data is already complete (an interrupted load resumes: documents have deterministic ids). The embedded node
 * keeps its data in `--es-data` (default $TMPDIR/aisec-bench-query-es) when `--keep`/`--reuse` is given, else in a
 * temp dir removed at the end. Elastic's minimal distribution cannot delete data streams, so against ES_URL the
 * events stay unless the cluster can delete them.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { indexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import { BulkDataset } from '../cli/src/demo/index.js';
import { elasticsearch as startCluster, startService } from './detection-support.js';
import { fmt, load } from './query-load.js';
import { measure } from './query-measure.js';
import { label, report, type SizeResult } from './query-report.js';
import type { Measurements } from './query-measure.js';
import { buildRollup, type RollupBuild } from './query-rollup.js';
import { RollupStore } from '../analytics-service/src/elasticsearch/rollup-store.js';
import { DAILY_USER_COUNTS, HOURLY_USER_COUNTS } from '../analytics-service/src/rollups/hourly-rollup.js';

const { values: args } = parseArgs({
  options: {
    sizes: { type: 'string', default: '500000,5000000' },
    runs: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '3' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '2' },
    heap: { type: 'string', default: '2g' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
    'es-data': { type: 'string' },
    'skip-took': { type: 'boolean', default: false },
    shards: { type: 'string', default: '1' },
    rollup: { type: 'string', default: 'compare' },
  },
});
/** primary shards of the events data stream (AISEC_EVENTS_SHARDS); data sets with more than one get their own prefix */
const SHARDS = Number(args.shards);
if (!Number.isInteger(SHARDS) || SHARDS < 1 || SHARDS > 64) throw new Error('--shards must be a whole number from 1 to 64');
const SIZES = args.sizes.split(',').map((s) => Number(s.trim()));
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const KEEP = args.keep || args.reuse;
/**
 * compare: measure raw events only, then build the rollups (timed) and measure again; on: the latter only; off: the
 * former only; users: build the hourly rollup and measure, then build the per-user rollups (daily, hourly; timed) and
 * measure again (what the per-user rollups change, side by side)
 */
const ROLLUP = args.rollup;
if (!['compare', 'on', 'off', 'users'].includes(ROLLUP)) throw new Error('--rollup must be compare, on, off or users');
if (SIZES.some((n) => !Number.isInteger(n) || n < 10_000) || !(RUNS > 0) || !(WARMUP >= 0) || !(BATCH > 0) || !(CONCURRENCY > 0)) {
  throw new Error('--sizes must be whole numbers ≥ 10000; --runs, --batch, --concurrency positive; --warmup ≥ 0');
}

/** Bumped whenever the generator changes, so `--reuse` never measures stale data. */
const GENERATOR_VERSION = 1;
const READ_KEY = 'bench-query-read-key-000000001';

/** The service as measured: only the queries load it (streaming detection and the UEBA refresh off). */
const QUERY_SERVICE_ENV = (prefix: string): Record<string, string> => ({
  AISEC_API_KEYS: `read:${READ_KEY}`,
  AISEC_INDEX_PREFIX: prefix,
  AISEC_EVENTS_SHARDS: String(SHARDS),
  AISEC_DETECTION_STREAMING: 'false',
  AISEC_UEBA_REFRESH_INTERVAL: 'off',
  // the bench builds the rollup itself, timed, after loading (and forgets it to measure raw events)
  AISEC_ROLLUP_INTERVAL: 'off',
  AISEC_RATE_LIMIT_PER_MIN: '0',
  ES_REQUEST_TIMEOUT_MS: '60000',
  LOG_LEVEL: 'warn',
});

/** ES_URL or an embedded node (detection-support's start-up), with a client for loading and the in-process queries. */
async function elasticsearch(): Promise<{ url: string; es: Client; stop: () => Promise<void>; embedded: boolean }> {
  const env = process.env;
  const dataDir = !env.ES_URL && KEEP ? (args['es-data'] ?? join(tmpdir(), 'aisec-bench-query-es')) : undefined;
  if (!env.ES_URL) process.stderr.write(`starting an embedded Elasticsearch (heap ${args.heap}${dataDir ? `, data in ${dataDir}` : ''})\n`);
  const cluster = await startCluster(args.heap, { clusterName: 'aisec-bench-query', startTimeoutMs: 300_000, ...(dataDir ? { dataDir } : {}) });
  const es = createElasticsearchClient({
    url: cluster.url,
    requestTimeoutMs: 300_000,
    maxRetries: 1,
    ...(env.ES_API_KEY ? { apiKey: env.ES_API_KEY } : {}),
    ...(env.ES_USERNAME ? { username: env.ES_USERNAME } : {}),
    ...(env.ES_PASSWORD ? { password: env.ES_PASSWORD } : {}),
    ...(env.ES_CA_FILE ? { caFile: env.ES_CA_FILE } : {}),
  });
  return {
    url: cluster.url,
    es,
    embedded: cluster.embedded,
    async stop() {
      await es.close();
      await cluster.stop();
    },
  };
}

async function describeIndex(es: Client, index: string): Promise<string> {
  const stats = await es.indices.stats({ index, metric: ['store', 'segments', 'docs'], level: 'shards' });
  const all = stats._all.primaries!;
  const shards = Object.values(stats.indices ?? {}).reduce((n, i) => n + Object.keys(i.shards ?? {}).length, 0);
  return `${((all.store?.size_in_bytes ?? 0) / 2 ** 20).toFixed(0)} MiB, ${shards} shard${shards === 1 ? '' : 's'}, ${all.segments?.count ?? '?'} segments`;
}

async function main() {
  const cluster = await elasticsearch();
  const { es } = cluster;
  const results: SizeResult[] = [];
  let esInfo = '';
  try {
    // the minimal distribution has no `GET /`
    const nodes = await es.nodes.info({ node_id: '_local', metric: 'jvm', filter_path: 'nodes.*.version,nodes.*.jvm.mem.heap_max_in_bytes' });
    const node = Object.values(nodes.nodes ?? {})[0];
    const heapBytes = node?.jvm?.mem?.heap_max_in_bytes ?? 0;
    esInfo = `Elasticsearch ${node?.version ?? '?'}${cluster.embedded ? ' (embedded, minimal distribution)' : ''}, heap ${(heapBytes / 2 ** 30).toFixed(1)} GiB, single node`;
    for (const size of SIZES) {
      const prefix = `bench-query-${label(size)}${SHARDS > 1 ? `-${SHARDS}shards` : ''}`;
      const names = indexNames(prefix);
      const data = new BulkDataset(size);
      process.stderr.write(`\n== ${fmt(size)} events (${fmt(data.users.length)} users) ==\n`);
      const loaded = await load(es, names, data, { batch: BATCH, concurrency: CONCURRENCY, shards: SHARDS, reuse: args.reuse, generatorVersion: GENERATOR_VERSION });
      const index = await describeIndex(es, names.events);
      const service = await startService(cluster.url, QUERY_SERVICE_ENV(prefix), { fromDist: true });
      try {
        const options = { runs: RUNS, warmup: WARMUP, skipTook: args['skip-took'] };
        const rollups = new RollupStore(es, names.events, names.eventsHourly);
        const userRollups = new RollupStore(es, names.events, names.eventsDailyUsers, DAILY_USER_COUNTS);
        const hourlyUserRollups = new RollupStore(es, names.events, names.eventsHourlyUsers, HOURLY_USER_COUNTS);
        let raw: Measurements | undefined;
        let rollup: RollupBuild | undefined;
        let userRollup: RollupBuild | undefined;
        let hourlyUserRollup: RollupBuild | undefined;
        let rolled: Measurements | undefined;
        const built = (b: RollupBuild) =>
          process.stderr.write(`rollup ${b.index}: ${fmt(b.run.hours)} buckets, ${fmt(b.run.rows)} rows in ${(b.run.wall_ms / 1000).toFixed(1)} s\n`);
        if (ROLLUP === 'users') {
          await userRollups.resetWatermark();
          await hourlyUserRollups.resetWatermark();
          rollup = await buildRollup(es, names, rollups, true);
          built(rollup);
          process.stderr.write('measuring with the hourly rollup only (no per-user watermark)\n');
          raw = await measure({ url: service.url, key: READ_KEY }, data, es, names, options);
          userRollup = await buildRollup(es, names, userRollups, true);
          built(userRollup);
          hourlyUserRollup = await buildRollup(es, names, hourlyUserRollups, true);
          built(hourlyUserRollup);
          rolled = await measure({ url: service.url, key: READ_KEY }, data, es, names, options);
        } else {
          if (ROLLUP !== 'on') {
            await rollups.resetWatermark();
            await userRollups.resetWatermark();
            await hourlyUserRollups.resetWatermark();
            process.stderr.write('measuring raw events only (no rollup watermark)\n');
            raw = await measure({ url: service.url, key: READ_KEY }, data, es, names, options);
          }
          if (ROLLUP !== 'off') {
            rollup = await buildRollup(es, names, rollups, ROLLUP === 'compare');
            built(rollup);
            userRollup = await buildRollup(es, names, userRollups, ROLLUP === 'compare');
            built(userRollup);
            hourlyUserRollup = await buildRollup(es, names, hourlyUserRollups, ROLLUP === 'compare');
            built(hourlyUserRollup);
            rolled = await measure({ url: service.url, key: READ_KEY }, data, es, names, options);
          }
        }
        results.push({ size, data, load: loaded, index, measured: (rolled ?? raw)!, ...(raw && rolled ? { raw } : {}), ...(rollup ? { rollup } : {}), ...(userRollup ? { userRollup } : {}), ...(hourlyUserRollup ? { hourlyUserRollup } : {}), ...(ROLLUP === 'users' ? { baseline: 'hourly rollup only', compared: 'with per-user rollups' } : {}) });
      } finally {
        await service.stop();
      }
    }
  } finally {
    if (!KEEP && !cluster.embedded) process.stderr.write('note: data left in the cluster (run with a fresh node, or delete the bench-query-* indices)\n');
    await cluster.stop();
  }
  report(results, esInfo, { runs: RUNS, warmup: WARMUP, skipTook: args['skip-took'], batch: BATCH, concurrency: CONCURRENCY });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
