/**
 * Baseline rebuild benchmark: UEBA baselines for ≥ 10k users over ≥ 1M events, at growing data sizes.
 *
 *   node --import tsx bench/baselines.ts [--users 10000] [--sizes 1000000,2000000] [--weeks 4] [--heap-cap-mb 96] [--keep]
 *
 * Generates deterministic traffic (test/support/ueba-traffic.ts: users with a weekly rhythm, tokens, cost,
 * sessions, countries, models) and bulk-loads it straight into the events data stream. For each size it adds
 * events for the same users over the same weeks (so only events per entity grow), starts the service as a fresh
 * child process, runs POST /v1/baselines/rebuild over the window and reports wall time, the time Elasticsearch
 * reported (sum of `took` over its requests), and the service's resident memory (sampled, and the process's
 * peak VmHWM). The service streams composite-aggregation pages: its memory must not grow with events. Each size
 * is rebuilt twice: with Node's default heap, and with the V8 heap capped (--max-old-space-size) to show that
 * the rebuild needs only that much live memory whatever the number of events.
 * Uses ES_URL, or starts the embedded Elasticsearch (2 GB heap).
 */
import { request as httpRequest } from 'node:http';
import { parseArgs } from 'node:util';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { BASE_USER, HOUR, WEEK, poisson, rateAt, requestEvent, seededRandom, type TrafficEvent, type UserRhythm } from '../test/support/ueba-traffic.js';
import { ADMIN_KEY, elasticsearch, esVersion, machine, startService } from './detection-support.js';
import { deletePrefix } from '../test/support/service.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '10000' },
    sizes: { type: 'string', default: '1000000,2000000' },
    weeks: { type: 'string', default: '4' },
    'heap-cap-mb': { type: 'string', default: '96' },
    keep: { type: 'boolean', default: false },
  },
});
const USERS = Number(args.users);
const SIZES = args.sizes!.split(',').map(Number).sort((a, b) => a - b);
const WEEKS = Number(args.weeks);
const HEAP_CAP_MB = Number(args['heap-cap-mb']);
const START = Date.UTC(2026, 0, 5); // a Monday
const END = START + WEEKS * WEEK;
const DEPARTMENTS = ['finance', 'engineering', 'support', 'legal', 'sales', 'research', 'operations', 'marketing'];
const COUNTRIES = ['GB', 'DE', 'FR', 'US', 'IN', 'BR', 'JP', 'NL'];
const MODELS: Array<[string, number]> = [
  ['gpt-4o', 4],
  ['claude-sonnet-4-5-20250929', 3],
  ['gpt-4o-mini', 2],
  ['llama-3.1-70b', 1],
];

function userOf(i: number): UserRhythm {
  return {
    ...BASE_USER,
    id: `user${String(i).padStart(5, '0')}`,
    department: DEPARTMENTS[i % DEPARTMENTS.length]!,
    country: COUNTRIES[i % COUNTRIES.length]!,
    models: MODELS,
    endpoint: `/api/v1/${['chat', 'rag', 'agent', 'summarize'][i % 4]}`,
    ...(i % 10 === 0 ? { agent: `agent-${i % 200}` } : {}),
  };
}

/** Expected requests of BASE_USER's rhythm over the window, to scale rates to a target event count. */
function rhythmVolume(): number {
  let total = 0;
  for (let h = START; h < END; h += HOUR) total += rateAt({ ...BASE_USER, id: 'x' }, h);
  return total;
}

function toDoc(event: TrafficEvent, ingested: string) {
  const { timestamp, ...rest } = event;
  return { '@timestamp': timestamp, ...rest, event: { ingested } };
}

/** Loads `target` events (generation `round`: distinct ids, same users, same weeks) with _bulk, two requests in flight. */
async function load(client: ReturnType<typeof createElasticsearchClient>, index: string, target: number, round: number): Promise<number> {
  const scale = target / (USERS * rhythmVolume());
  const ingested = new Date().toISOString();
  let loaded = 0;
  let batch: string[] = [];
  const inFlight = new Set<Promise<void>>();
  const flush = async () => {
    if (batch.length === 0) return;
    const body = batch.join('');
    batch = [];
    const p = client.transport
      .request<{ errors: boolean; items: Array<{ create: { status: number; error?: { reason: string } } }> }>({ method: 'POST', path: '/_bulk', body, querystring: { filter_path: 'errors,items.*.status,items.*.error.reason' } }, { headers: { 'content-type': 'application/x-ndjson' } })
      .then((response) => {
        const failed = response.items?.find((i) => i.create.status !== 201 && i.create.status !== 409);
        if (failed) throw new Error(`bulk load failed: ${failed.create.error?.reason}`);
      });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 2) await Promise.race(inFlight);
  };
  for (let u = 0; u < USERS; u++) {
    const user = userOf(u);
    const random = seededRandom(round * 1_000_003 + u);
    for (let h = START; h < END; h += HOUR) {
      const n = poisson(random, rateAt(user, h) * scale);
      for (let k = 0; k < n; k++) {
        const event = requestEvent(user, h + Math.floor(random() * HOUR), random, `r${round}-${user.id}-${h}-${k}`);
        batch.push(`${JSON.stringify({ create: { _index: index, _id: event.event_id } })}\n${JSON.stringify(toDoc(event, ingested))}\n`);
        loaded++;
        if (batch.length >= 5000) await flush();
      }
    }
  }
  await flush();
  await Promise.all(inFlight);
  return loaded;
}

interface Result {
  events: number;
  heapCapMb?: number;
  rebuildWallS: number;
  esTookS: number;
  esRequests: number;
  entities: Record<string, number>;
  idleRssMb: number;
  sampledPeakRssMb: number;
  peakRssMb: number;
}

/** A POST that waits as long as the answer takes: a rebuild of many events answers after minutes, and fetch gives up after 300 s. */
function postJson(url: string, token: string, body: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function rebuildOnce(esUrl: string, prefix: string, events: number, heapCapMb?: number): Promise<Result> {
  const service = await startService(esUrl, {
    AISEC_INDEX_PREFIX: prefix,
    AISEC_DETECTION_STREAMING: 'false',
    ES_REQUEST_TIMEOUT_MS: '300000',
    ...(heapCapMb ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --max-old-space-size=${heapCapMb}`.trim() } : {}),
  });
  try {
    const idle = service.rssMb() ?? NaN;
    let sampledPeak = idle;
    const sampler = setInterval(() => (sampledPeak = Math.max(sampledPeak, service.rssMb() ?? 0)), 100);
    const started = Date.now();
    const response = await postJson(`${service.url}/v1/baselines/rebuild`, ADMIN_KEY, { from: new Date(START).toISOString(), to: new Date(END).toISOString() });
    const wall = (Date.now() - started) / 1000;
    clearInterval(sampler);
    if (response.status !== 200) throw new Error(`rebuild failed: ${response.status} ${response.text}`);
    const report = JSON.parse(response.text) as { baselines: { es_took_ms: number; es_requests: number; entities: Record<string, number> } };
    return {
      events,
      ...(heapCapMb ? { heapCapMb } : {}),
      rebuildWallS: wall,
      esTookS: report.baselines.es_took_ms / 1000,
      esRequests: report.baselines.es_requests,
      entities: report.baselines.entities,
      idleRssMb: idle,
      sampledPeakRssMb: sampledPeak,
      peakRssMb: service.peakRssMb() ?? NaN,
    };
  } finally {
    await service.stop();
  }
}

async function main() {
  const es = await elasticsearch('2g');
  const client = createElasticsearchClient({ url: es.url, requestTimeoutMs: 300_000, maxRetries: 1 });
  const prefix = `bench-ueba-${Date.now().toString(36)}`;
  const index = `${prefix}-events`;
  // one start of the service creates the templates and the data stream's template before loading
  await (await startService(es.url, { AISEC_INDEX_PREFIX: prefix, AISEC_DETECTION_STREAMING: 'false' })).stop();
  const results: Result[] = [];
  const loads: string[] = [];
  try {
    let total = 0;
    for (const [round, size] of SIZES.entries()) {
      const loadStarted = Date.now();
      total += await load(client, index, size - total, round);
      await client.indices.refresh({ index });
      loads.push(`${total.toLocaleString('en')} events loaded in ${((Date.now() - loadStarted) / 1000).toFixed(0)} s`);
      const stored = (await client.count({ index })).count;
      for (const cap of [undefined, HEAP_CAP_MB]) {
        results.push(await rebuildOnce(es.url, prefix, stored, cap));
        process.stderr.write(`size ${stored}: ${JSON.stringify(results.at(-1))}\n`);
      }
    }
  } finally {
    if (!args.keep) {
      await deletePrefix(client, prefix);
    }
    await client.close();
    const version = await esVersion(es.url);
    await es.stop();
    const m = machine();
    const fmt = (n: number, digits = 1) => n.toFixed(digits);
    console.log(`\n### Baseline rebuild (${USERS.toLocaleString('en')} users, ${WEEKS}-week window)\n`);
    console.log(`Machine: ${m.cpu}, ${m.cores} cores, ${m.memory}; Node ${m.node}; Elasticsearch ${version}${es.embedded ? ' (embedded, 2 GB heap)' : ` at ${es.url}`}.`);
    console.log(`Load (_bulk straight into the data stream): ${loads.join('; ')}.\n`);
    console.log('| events | V8 heap | entities written (user/model/endpoint/agent) | rebuild wall | ES time (sum of took) | ES requests | service RSS idle | service RSS peak (sampled) | service peak VmHWM |');
    console.log('|---:|---|---|---:|---:|---:|---:|---:|---:|');
    for (const r of results) {
      const e = r.entities;
      console.log(
        `| ${r.events.toLocaleString('en')} | ${r.heapCapMb ? `capped at ${r.heapCapMb} MB` : 'default'} | ${e.user}/${e.model}/${e.endpoint}/${e.agent} | ${fmt(r.rebuildWallS)} s | ${fmt(r.esTookS)} s | ${r.esRequests} | ${fmt(r.idleRssMb, 0)} MiB | ${fmt(r.sampledPeakRssMb, 0)} MiB | ${fmt(r.peakRssMb, 0)} MiB |`,
      );
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
