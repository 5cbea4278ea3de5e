/**
 * Ingest throughput: POST /v1/events through the service vs the same documents sent straight to Elasticsearch
 * `_bulk`, side by side in one run, on the same machine and the same index template.
 *
 *   npm run build -w analytics-service && node --import tsx bench/ingest.ts [--events 50000] [--batch 5000] \
 *     [--concurrency 2] [--rounds 5] [--warmup 1] [--bulk-chunk <batch>] [--detection] [--profile-dir <dir>]
 *
 * Uses ES_URL, or starts the embedded Elasticsearch. Like with like:
 * - the same documents: raw `_bulk` gets each event as the service stores it (validated, `toDocument`, same
 *   `event.ingested` form) in an index made by the same bootstrap;
 * - the same requests: the service runs with AISEC_BULK_CHUNK = the batch size (unless `--bulk-chunk`), so each
 *   POST becomes one `_bulk` of the same events, and both sides keep `--concurrency` requests in flight; both ask
 *   Elasticsearch for the per-item statuses (the same `filter_path`) and check every item was created;
 * - the same refresh: none asked for on either side, and nothing searches either index during the run — streaming
 *   detection and UEBA maintenance are off in the service (their cost is what bench/streaming-lag.ts measures;
 *   `--detection` turns streaming on to see its effect here);
 * - warm: `--warmup` rounds (default 1) run first and are excluded from the table and the median;
 * - rounds alternate which side goes first; the table shows every round with the load average after it.
 * The service's CPU time per event (utime + stime from /proc while its side runs) is shown per round: unlike the
 * rates it hardly depends on what else the machine runs. `--service <main.js>` measures another build (e.g. an
 * older commit exported with `git archive` and built) for a before/after.
 * `--profile-dir` writes a CPU profile of the service process (node --cpu-prof); read it with
 * bench/cpuprofile-summary.ts.
 * `--pin yes` gives the embedded Elasticsearch the last core and the service and this process the others (Linux
 * `taskset`, every thread), as when Elasticsearch runs on nodes of its own: both sides then index on the same core, and
 * the ratio shows what the service costs Elasticsearch when it does not take Elasticsearch's CPU. `--pin no,yes`
 * alternates per round (each setting's rounds still alternate which side goes first) and gives each setting's median.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { bootstrapIndices } from '../analytics-service/src/elasticsearch/bootstrap.js';
import { indexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import { toDocument } from '../analytics-service/src/elasticsearch/event-store.js';
import { validateEvent } from '../analytics-service/src/contract/validate.js';
import type { AiSecurityEvent } from '../analytics-service/src/contract/event-schema.js';
import { ensureDistribution, freePort, startEmbeddedElasticsearch } from '../test/elasticsearch/embedded.js';
import { benchEvents } from './ingest-events.js';
import { serviceNodeOptions } from './detection-support.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    batch: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    'bulk-chunk': { type: 'string' },
    detection: { type: 'boolean', default: false },
    /** write a V8 CPU profile of the service process into this directory (node --cpu-prof) */
    'profile-dir': { type: 'string' },
    /** another build of the service to measure (e.g. an older commit's analytics-service/dist/main.js) */
    service: { type: 'string' },
    /**
     * `yes`: Elasticsearch on the last core, the service and the load generator on the others (needs the embedded
     * node); `no`: every process on every core; `no,yes`: in turn per round
     */
    pin: { type: 'string', default: 'no' },
  },
});
const EVENTS = Number(args.events);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Number(args.rounds);
const WARMUP = Number(args.warmup);
const BULK_CHUNK = Number(args['bulk-chunk'] ?? args.batch);
/** what both sides ask Elasticsearch to answer per item: what the service's bulk write asks (event-store.ts) */
const BULK_FILTER_PATH = 'errors,items.*.status,items.*.error.type,items.*.error.reason';
const PINS: boolean[] = args.pin.split(',').map((v) => {
  if (!['yes', 'no'].includes(v.trim())) throw new Error(`--pin: "${v}" is neither yes nor no`);
  return v.trim() === 'yes';
});
const CORES = cpus().length;
/** pinned: Elasticsearch's core (the last) and everyone else's (the others) */
const ES_CORE = String(CORES - 1);
const OTHER_CORES = `0-${CORES - 2}`;
const ALL_CORES = `0-${CORES - 1}`;
const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

const RUN = Date.now().toString(36);

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Sends bodies with `concurrency` parallel requests; returns events per second. */
async function timed(bodies: string[], send: (body: string) => Promise<void>): Promise<number> {
  const started = process.hrtime.bigint();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) await send(bodies[next++]!);
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return EVENTS / seconds;
}

async function main() {
  let esUrl = process.env.ES_URL;
  let stopEs = async () => {};
  let esGroup: number | undefined;
  if (PINS.includes(true) && esUrl) throw new Error('--pin yes pins the embedded Elasticsearch: unset ES_URL');
  if (PINS.includes(true) && CORES < 2) throw new Error('--pin yes needs at least 2 cores');
  if (!esUrl) {
    const node = await startEmbeddedElasticsearch({ distHome: await ensureDistribution(), heap: '2g' });
    esUrl = node.url;
    stopEs = () => node.stop();
    esGroup = node.pid;
  }
  const es = createElasticsearchClient({ url: esUrl, requestTimeoutMs: 120_000, maxRetries: 0 });
  const rawNames = indexNames('bench-raw');
  await bootstrapIndices(es, rawNames, { eventsShards: 1 });

  const port = await freePort();
  const key = 'bench-ingest-key-000000000001';
  const profile = args['profile-dir'] ? ['--cpu-prof', '--cpu-prof-dir', resolve(args['profile-dir'])] : [];
  const service = spawn(process.execPath, [...profile, resolve(args.service ?? join(root, 'analytics-service', 'dist', 'main.js'))], {
    env: {
      ...process.env,
      NODE_OPTIONS: serviceNodeOptions(process.env.NODE_OPTIONS),
      ES_URL: esUrl,
      PORT: String(port),
      AISEC_API_KEYS: `ingest:${key}`,
      AISEC_INDEX_PREFIX: 'bench-svc',
      LOG_LEVEL: 'warn',
      AISEC_BULK_CHUNK: String(BULK_CHUNK),
      AISEC_DETECTION_STREAMING: String(args.detection),
      AISEC_UEBA_REFRESH_INTERVAL: 'off',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  /** puts Elasticsearch on its own core (pinned) or every process on every core */
  const place = (pinned: boolean) => {
    if (esGroup === undefined) return; // ES_URL: not ours to move (and `--pin yes` refused above)
    pinProcessGroup(esGroup, pinned ? ES_CORE : ALL_CORES);
    for (const pid of [process.pid, service.pid!]) pin(pid, pinned ? OTHER_CORES : ALL_CORES);
  };
  const serviceUrl = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (await fetch(`${serviceUrl}/ready`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 250));
  }

  const stopService = async () => {
    if (service.exitCode !== null) return;
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
  };
  try {
    await runRounds(esUrl, rawNames.events, serviceUrl, key, service.pid!, place);
  } finally {
    await stopService();
    await es.close();
    await stopEs();
  }
}

/** Pins every thread of a process to a list of cores (`taskset -a -p -c`; threads it starts later inherit it). */
function pin(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/** Pins every process of a process group (the embedded Elasticsearch is its launcher's group: launcher and JVM). */
function pinProcessGroup(pgid: number, cores: string): void {
  const members = execFileSync('ps', ['-eo', 'pgid=,pid='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([group]) => group === String(pgid));
  for (const [, pid] of members) pin(Number(pid), cores);
}

/** CPU time (user + system) the process has used so far, in µs (Linux /proc; the bench is for this machine). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 per second on Linux)
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

async function runRounds(esUrl: string, rawIndex: string, serviceUrl: string, key: string, servicePid: number, place: (pinned: boolean) => void) {
  const rows: Array<{ round: number; pinned: boolean; raw: number; service: number; cpu: number; load: string }> = [];
  const timedService = async (bodies: string[], send: (body: string) => Promise<void>) => {
    const before = cpuMicros(servicePid);
    const rate = await timed(bodies, send);
    return { rate, cpu: (cpuMicros(servicePid) - before) / EVENTS };
  };
  for (let round = 1 - WARMUP; round <= ROUNDS; round++) {
    const pinned = PINS[(((round - 1) % PINS.length) + PINS.length) % PINS.length]!;
    place(pinned);
    const events = benchEvents(round + WARMUP, EVENTS, RUN);
    const serviceBodies = chunks(events, BATCH).map((c) => c.map((e) => JSON.stringify(e)).join('\n') + '\n');
    const ingestedAt = new Date().toISOString();
    const rawBodies = chunks(events, BATCH).map((c) =>
      c
        .map((e) => {
          const v = validateEvent(e);
          if (!v.ok) throw new Error('generator produced an invalid event');
          const event = v.event as AiSecurityEvent;
          return `${JSON.stringify({ create: { _index: rawIndex, _id: event.event_id } })}\n${JSON.stringify(toDocument(event, ingestedAt))}`;
        })
        .join('\n') + '\n',
    );

    const sendRaw = async (body: string) => {
      const response = await fetch(`${esUrl}/_bulk?filter_path=${BULK_FILTER_PATH}`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
      const result = (await response.json()) as { errors: boolean; items?: Array<{ create?: { status: number } }> };
      const created = (result.items ?? []).filter((item) => item.create?.status === 201).length;
      if (!response.ok || result.errors || created !== (body.split('\n').length - 1) / 2) throw new Error(`raw _bulk failed: ${response.status}`);
    };
    const sendService = async (body: string) => {
      const response = await fetch(`${serviceUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', authorization: `Bearer ${key}` },
        body,
      });
      const result = (await response.json()) as { accepted: number };
      if (response.status !== 200 || result.accepted !== body.split('\n').length - 1) throw new Error(`service ingest failed: ${response.status}`);
    };
    let raw: number;
    let svc: { rate: number; cpu: number };
    // each pin setting's rounds alternate which side goes first
    if (Math.floor((round - 1) / PINS.length) % 2 === 0) {
      raw = await timed(rawBodies, sendRaw);
      svc = await timedService(serviceBodies, sendService);
    } else {
      svc = await timedService(serviceBodies, sendService);
      raw = await timed(rawBodies, sendRaw);
    }
    const label = `${round <= 0 ? `warm-up ${round + WARMUP}` : `round ${round}`}${PINS.length > 1 || pinned ? (pinned ? ' (pinned)' : ' (not pinned)') : ''}`;
    process.stderr.write(`${label}: raw ${raw.toFixed(0)}/s, service ${svc.rate.toFixed(0)}/s (${svc.cpu.toFixed(1)} µs CPU/event), load ${load()}\n`);
    if (round > 0) rows.push({ round, pinned, raw, service: svc.rate, cpu: svc.cpu, load: load() });
  }

  const median = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const pinning = (pinned: boolean) => (pinned ? `Elasticsearch pinned to core ${ES_CORE}, the service and the load generator to cores ${OTHER_CORES}` : 'every process on every core');
  console.log(
    `\n### Ingest throughput (${EVENTS} events/round, batches of ${BATCH}, ${CONCURRENCY} concurrent requests, ` +
      `service AISEC_BULK_CHUNK=${BULK_CHUNK}, streaming detection ${args.detection ? 'on' : 'off'}, ${WARMUP} warm-up round(s) excluded; ` +
      `${PINS.length > 1 ? 'rounds alternate: ' : ''}${[...new Set(PINS)].map(pinning).join(' / ')})\n`,
  );
  console.log(`Machine: ${CORES} cores (${cpus()[0]?.model.trim()}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, Elasticsearch at ${esUrl}\n`);
  console.log('| round | cores | raw ES `_bulk` (events/s) | `POST /v1/events` (events/s) | service / raw | service CPU per event (µs) | load average (1/5/15 min) |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.round} | ${r.pinned ? 'pinned' : 'shared'} | ${r.raw.toFixed(0)} | ${r.service.toFixed(0)} | ${(r.service / r.raw).toFixed(2)} | ${r.cpu.toFixed(1)} | ${r.load} |`);
  for (const pinned of new Set(PINS)) {
    const mine = rows.filter((r) => r.pinned === pinned);
    console.log(
      `\nMedian service/raw ratio, ${pinning(pinned)}: **${median(mine.map((r) => r.service / r.raw)).toFixed(2)}** ` +
        `(medians: raw ${median(mine.map((r) => r.raw)).toFixed(0)}/s, service ${median(mine.map((r) => r.service)).toFixed(0)}/s, ` +
        `service CPU ${median(mine.map((r) => r.cpu)).toFixed(1)} µs/event; ${mine.length} rounds)`,
    );
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
