/**
 * Does streaming detection keep up with ingest? Three phases against one service process:
 *
 * 1. **maximum rate**: NDJSON batches through POST /v1/events as fast as the service takes them (`--concurrency`
 *    requests in flight) for `--seconds`;
 * 2. **80 %** (`--fraction`) of the rate phase 1 achieved, paced in 250 ms ticks, for `--seconds`; a tick finding
 *    `--max-in-flight` requests still unanswered is dropped and counted (the service is not keeping up), not queued;
 * 3. **capacity**: with the streaming service stopped, `--capacity-seconds` of events at the maximum rate go in
 *    through a second service process that does not stream; the streaming service then starts again and the time
 *    it takes to work off that backlog, with nothing else running, gives streaming's own rate (phase 1's drain is
 *    often too small to measure it: streaming keeps up there), counted from the restart and from the moment the
 *    service answers (its start-up, a one-off, left out); with each rule's time in that drain and the evaluations
 *    running at once on average (all rules' time over the drain's), which tell whether the rule lanes were the limit.
 *
 * In the first two, attacks (test/support/traffic.ts, six kinds) are interleaved every `--attack-every` seconds and their
 * event→alert latency is measured (attack request sent → its alert readable through GET /v1/alerts, polled every
 * 100 ms), and split in two: the attack's own POST (sent → stored, answered) and the rest (stored → alert). Every
 * second the streaming lag is sampled: the newest `event.ingested` stored (a `max` aggregation on the events data
 * stream) minus the streaming checkpoint of `/v1/detections/status`, and the checkpoint's age (now minus checkpoint);
 * and from the service's `/metrics`, its longest event-loop delay in that second and its garbage collection so far
 * (every answer the service gives waits out such a delay: the attack's POST, the alert's own reads and write).
 * An attack's alert is also timed where it is made (its `created_at`, just before its write) and where it is pushed:
 * the service is given a webhook receiver of this process (AISEC_WEBHOOK_URLS), which notes when each alert's
 * `alert.created` notification arrives.
 * After each of them the ingest stops and the time streaming takes to drain what is left is measured: the events it
 * processed over that time is its throughput with a backlog (its capacity, the CPU no longer shared with ingest).
 * The benign load is sent from a process of its own (bench/benign-load.ts, which holds the pool and builds every
 * batch), so that this process, which sends the attacks and takes every timing, holds little and is not stalled by that
 * work; its own event-loop delay is reported beside every phase all the same.
 * Streaming runs with its default settings (business hours widened to the whole day, as in bench/detection-latency.ts,
 * so that the round-the-clock load is not one off-hours anomaly).
 *
 *   node --import tsx bench/streaming-lag.ts [--seconds 120] [--rounds 5] [--fraction 0.8] [--batch 2000] [--concurrency 2] [--attack-every 2] [--max-in-flight 8]
 *     [--capacity-seconds 30] [--ingest-replica no,yes] [--detection-batch 5000,20000] [--service <main.js>,src] [--service-env K=V,K=W] [--profile-dir <dir>] [--trace-dir <dir>] [--probe]
 *
 * `--ingest-replica yes` sends the events to a second service process with streaming off (as replicas behind a load
 * balancer with streaming on one lease holder): the streaming process then shares the machine but not its event
 * loop with the ingest. `--ingest-replica no,yes` alternates, rounds taking the values in turn.
 *
 * `--rounds N` repeats the whole measurement N times (a fresh service and indices each round, one Elasticsearch, one
 * benign-load process whose every round sends the same events)
 * and ends with every round's figures and their median. `--detection-batch a,b` sets the service's AISEC_DETECTION_BATCH,
 * rounds taking the values in turn (so both see the same machine), with a summary per value. `--service a,b` does
 * the same for builds of the service: each a built `main.js` (e.g. of another commit, from `git archive`), or `src`
 * for this checkout's source; `--service-env` for any other settings (`K=V`, several joined by `+`).
 *
 * A warm-up of 200 events (not measured) first creates the data stream and moves the checkpoint to the present.
 * `--profile-dir` writes a CPU profile of the service (read it with bench/cpuprofile-summary.ts); `--trace-dir` a
 * table of its Elasticsearch requests by calling code, with the time they took (bench/es-request-trace-preload.ts).
 * The benign pool (`--users`, ≈ 20 events per user and day) should not be replayed: a replayed user repeats their
 * judge flags and guardrail blocks until threshold rules fire on them, which is not the benign load meant here.
 * `--probe` times, from a process of its own (bench/answer-probe.ts), a one-event POST and a one-document
 * Elasticsearch `_bulk` every 250 ms during the first two phases: what the service adds to Elasticsearch's own answer.
 * Uses ES_URL, or starts the embedded Elasticsearch.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { ATTACK_KINDS, attacks, type Attack } from '../test/support/traffic.js';
import { deletePrefix } from '../test/support/service.js';
import type { ProbeOptions, ProbeSample } from './answer-probe.js';
import type { LoadCommand, LoadOptions, LoadResult } from './benign-load.js';
import { ADMIN_KEY, INGEST_KEY, elasticsearch, esVersion, machine, percentile, root, startService, table } from './detection-support.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '120' },
    fraction: { type: 'string', default: '0.8' },
    batch: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '2' },
    'attack-every': { type: 'string', default: '2' },
    /** paced phase: requests in flight beyond which a tick's batch is dropped (counted) instead of queued */
    'max-in-flight': { type: 'string', default: '8' },
    'drain-limit': { type: 'string', default: '300' },
    /**
     * whether the ingest goes to a second service process that does not stream (`yes`), the streaming one serving
     * only status and alerts, or to the streaming one (`no`); several (comma-separated) are taken in turn per round
     */
    'ingest-replica': { type: 'string', default: 'no' },
    /** seconds of backlog loaded for the capacity phase (0: no such phase) */
    'capacity-seconds': { type: 'string', default: '30' },
    /** benign users: enough that the pool (≈ 20 events per user) is not replayed, or benign users pile up violations */
    users: { type: 'string', default: '30000' },
    keep: { type: 'boolean', default: false },
    /** repeat the whole measurement (fresh service and indices each round) and print every round and the median */
    rounds: { type: 'string', default: '1' },
    /**
     * AISEC_DETECTION_BATCH of the service, or several (comma-separated) to compare side by side: rounds take them
     * in turn, and the summary gives every value's rounds and median apart
     */
    'detection-batch': { type: 'string' },
    /** service settings to compare side by side, in turn per round: `K=V` (several joined by `+`), comma-separated */
    'service-env': { type: 'string' },
    /** builds of the service to compare side by side, in turn per round: a built main.js, or `src` (this checkout) */
    service: { type: 'string' },
    /** write a V8 CPU profile of the service process (streaming loop included) into this directory */
    'profile-dir': { type: 'string' },
    /** write the service's Elasticsearch requests by calling code, with their time, into this directory */
    'trace-dir': { type: 'string' },
    /**
     * time a one-event POST /v1/events and a one-document Elasticsearch `_bulk` every 250 ms from a process of its
     * own (bench/answer-probe.ts) during the max and 80 % phases: what the service adds to Elasticsearch's own answer time
     */
    probe: { type: 'boolean', default: false },
  },
});
const SECONDS = Number(args.seconds);
const FRACTION = Number(args.fraction);
const BATCH = Number(args.batch);
const CONCURRENCY = Number(args.concurrency);
const ATTACK_EVERY_MS = Number(args['attack-every']) * 1000;
const DRAIN_LIMIT_MS = Number(args['drain-limit']) * 1000;
const CAPACITY_SECONDS = Number(args['capacity-seconds']);
const TICK_MS = 250;
/** lag at which streaming counts as caught up: one poll (250 ms by default) and one refresh (1 s) behind */
const CAUGHT_UP_MS = 1500;
const ROUNDS = Number(args.rounds);
/** the service's AISEC_DETECTION_BATCH per round, in turn (undefined: its default) */
const DETECTION_BATCHES: Array<string | undefined> = args['detection-batch']?.split(',').map((v) => v.trim()) ?? [undefined];
/** the service build per round, in turn (undefined: this checkout's source) */
const SERVICES: Array<string | undefined> = args.service?.split(',').map((v) => (v.trim() === 'src' ? undefined : v.trim())) ?? [undefined];
/** further service settings per round, in turn */
const SERVICE_ENVS: string[] = args['service-env']?.split(',').map((v) => v.trim()) ?? [''];
/** whether the ingest goes to a second, non-streaming process, per round in turn */
const INGEST_REPLICAS: boolean[] = args['ingest-replica'].split(',').map((v) => {
  if (!['yes', 'no'].includes(v.trim())) throw new Error(`--ingest-replica: "${v}" is neither yes nor no`);
  return v.trim() === 'yes';
});
/** rounds take the variants in turn: the n-th round the n-th value of each list, cyclically */
const VARIANTS = Math.max(DETECTION_BATCHES.length, SERVICES.length, SERVICE_ENVS.length, INGEST_REPLICAS.length);
interface Variant {
  env: Record<string, string>;
  service: string | undefined;
  ingestReplica: boolean;
  label: string;
}
function variant(i: number): Variant {
  const batch = DETECTION_BATCHES[i % DETECTION_BATCHES.length];
  const service = SERVICES[i % SERVICES.length];
  const settings = SERVICE_ENVS[i % SERVICE_ENVS.length]!;
  const env: Record<string, string> = batch ? { AISEC_DETECTION_BATCH: batch } : {};
  for (const pair of settings.split('+').filter(Boolean)) {
    const at = pair.indexOf('=');
    if (at < 1) throw new Error(`--service-env: "${pair}" is not K=V`);
    env[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const ingestReplica = INGEST_REPLICAS[i % INGEST_REPLICAS.length]!;
  const parts = [
    ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
    ...(args.service ? [`service ${service ?? 'src'}`] : []),
    ...(INGEST_REPLICAS.length > 1 || ingestReplica ? [ingestReplica ? 'ingest through a non-streaming replica' : 'ingest through the streaming service'] : []),
  ];
  return { env, service, ingestReplica, label: parts.length > 0 ? `, ${parts.join(', ')}` : '' };
}
const RUN0 = Date.now().toString(36);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');
/** Linux's CPU pressure so far (/proc/pressure/cpu, `some` total): µs in which some runnable task waited for a core. */
function cpuPressureUs(): number | undefined {
  try {
    return Number(/^some .*total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'))?.[1]);
  } catch {
    return undefined; // not Linux, or pressure stall information off
  }
}

interface Pending {
  attack: Attack;
  entity: { field: 'user_id' | 'agent_id'; value: string };
  sentAt: number;
  /** when the service answered the attack's POST /v1/events (its events stored) */
  acceptedAt?: number;
  /** the alert's created_at: when streaming made it, just before writing it (the service's clock: this machine's) */
  createdAt?: number;
  detectedAt?: number;
  /** when the alert's notification reached the benchmark's webhook receiver */
  deliveredAt?: number;
  /** the service refused the attack's events (shedding load): never ingested, so never detected */
  refused?: boolean;
}
interface Sample {
  t: number;
  /** newest event.ingested stored minus the checkpoint, ms */
  lagMs: number;
  /** now minus the checkpoint, ms */
  ageMs: number;
  processed: number;
  /** the service's longest event-loop delay since the last sample (prom-client's nodejs_eventloop_lag_max_seconds), ms */
  loopMaxMs?: number;
  /** the service's garbage collection so far (nodejs_gc_duration_seconds_sum): major (mark-compact) and all kinds, s */
  gcMajorS?: number;
  gcAllS?: number;
}
/** How many of a phase's attacks the service refused, when any did. */
function refusedNote(r: { pending: Pending[] }): string {
  const refused = r.pending.filter((p) => p.refused).length;
  return refused > 0 ? ` (${refused} refused by the service)` : '';
}

interface PhaseResult {
  name: string;
  seconds: number;
  sent: number;
  errors: number;
  samples: Sample[];
  pending: Pending[];
  drainMs: number;
  drained: boolean;
  drainEvents: number;
  processedDuring: number;
  /** events whose contents streaming read back from Elasticsearch while events went in (undefined: a build without the count) */
  readBack: number | undefined;
  load: string;
  /** when the phase started (Date.now()) */
  startedAt: number;
  /** the share of the phase's events-going-in time in which some task waited for a core (Linux PSI), when known */
  cpuPressure: number | undefined;
  /** the benchmark's own event-loop delay while events went in (it takes every timing): p99 and max, ms */
  benchLoop: { p99Ms: number; maxMs: number };
  /** the benign load's process's longest event-loop delay, ms (undefined: a load process without the measure) */
  loadLoopMaxMs: number | undefined;
}

/** p50 / p95 / max of timings in ms, sorted ascending (whole milliseconds). */
function spreadOf(sorted: number[]): string {
  return `${percentile(sorted, 50).toFixed(0)} / ${percentile(sorted, 95).toFixed(0)} / ${(sorted.at(-1) ?? NaN).toFixed(0)} ms`;
}

/** A part of the detected attacks' event→alert latency (those whose POST was answered), sorted. */
function partOf(r: PhaseResult, part: (p: Pending) => number): number[] {
  return r.pending.filter((x) => x.detectedAt !== undefined && x.acceptedAt !== undefined).map(part).sort((a, b) => a - b);
}

function percentileOf(r: PhaseResult, part: (p: Pending) => number, p: number): number {
  return percentile(partOf(r, part), p);
}

/**
 * A webhook receiver (AISEC_WEBHOOK_URLS) that notes when each alert's `alert.created` notification arrived: the
 * on-call side of event→alert, pushed by the service as soon as the alert is stored, and no polling load.
 */
async function webhookReceiver(): Promise<{ url: string; deliveredAt: (rule: string, field: string, value: string) => number | undefined; close: () => void }> {
  const arrived = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      try {
        const { type, alert } = JSON.parse(Buffer.concat(chunks).toString()) as { type: string; alert: Record<string, unknown> };
        if (type === 'alert.created') {
          for (const field of ['user_id', 'agent_id']) {
            const key = `${String(alert.rule_id)}|${field}|${String(alert[field])}`;
            if (alert[field] !== undefined && !arrived.has(key)) arrived.set(key, at);
          }
        }
      } catch {
        // not a notification: ignored
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    deliveredAt: (rule, field, value) => arrived.get(`${rule}|${field}|${value}`),
    close: () => void server.close(),
  };
}

/**
 * A helper script of this benchmark in a process of its own, given its options as JSON: it reads commands on stdin
 * (closing stdin ends it), writes JSON lines on stdout, and its errors go to this process's stderr.
 */
function benchChild(script: string, options: unknown) {
  return spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', script), JSON.stringify(options)], { stdio: ['pipe', 'pipe', 'inherit'] });
}

/** One round's view of the benign load: its commands carry the round's run id, `sentTotal` counts the round's events. */
interface BenignLoad {
  pool: number;
  readonly sentTotal: number;
  run: (command: Omit<LoadCommand, 'run'>) => Promise<LoadResult>;
}

/**
 * The benign load's process (bench/benign-load.ts): it holds the pool and builds every batch, so that its work cannot
 * stall this process, which takes every timing. `forRun(id).run` sends one command of that round and resolves with its result.
 */
async function benignLoad(options: LoadOptions): Promise<{ forRun: (run: string) => BenignLoad; close: () => Promise<void> }> {
  const child = benchChild('benign-load.ts', options);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true as const, value: undefined }))]);
    if (line.done) throw new Error('bench/benign-load.ts exited early (its error is above)');
    return JSON.parse(line.value as string) as T;
  };
  const { pool } = await next<{ pool: number }>();
  return {
    forRun: (run) => {
      let sentTotal = 0;
      return {
        pool,
        get sentTotal() {
          return sentTotal;
        },
        run: async (command) => {
          child.stdin!.write(`${JSON.stringify({ ...command, run })}\n`);
          const result = await next<LoadResult>();
          sentTotal = result.sentTotal;
          return result;
        },
      };
    },
    close: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

/** The five slowest detected attacks of a phase: when they were sent, and where their time went. */
function slowest(r: PhaseResult): string {
  const done = r.pending.filter((p) => p.detectedAt !== undefined && p.acceptedAt !== undefined && p.createdAt !== undefined);
  return done
    .sort((a, b) => b.detectedAt! - b.sentAt - (a.detectedAt! - a.sentAt))
    .slice(0, 5)
    .map((p) => `${p.attack.rule} @${((p.sentAt - r.startedAt) / 1000).toFixed(0)} s ${p.acceptedAt! - p.sentAt} / ${p.createdAt! - p.acceptedAt!} / ${p.detectedAt! - p.createdAt!} ms`)
    .join('; ');
}

/** The per-second maxima of the service's event-loop delay while events went in. */
function loopMaxima(r: PhaseResult): number[] {
  return r.samples.filter((s) => s.t <= r.seconds && s.loopMaxMs !== undefined).map((s) => s.loopMaxMs!).sort((a, b) => a - b);
}

function loopSpread(r: PhaseResult): string {
  const ms = loopMaxima(r);
  return ms.length === 0 ? 'not sampled' : `${spreadOf(ms)} (${ms.length} samples)`;
}

/** Garbage collection between the phase's first and last samples. */
function gcDuring(r: PhaseResult): string {
  const sampled = r.samples.filter((s) => s.gcAllS !== undefined);
  if (sampled.length < 2) return 'not sampled';
  const [first, last] = [sampled[0]!, sampled.at(-1)!];
  return `${(last.gcMajorS! - first.gcMajorS!).toFixed(2)} / ${(last.gcAllS! - first.gcAllS!).toFixed(2)} s over ${(last.t - first.t).toFixed(0)} s`;
}

/** Sent → delivered to the webhook receiver, over the attacks whose notification arrived. */
function webhookSpread(r: PhaseResult): string {
  const ms = r.pending.filter((p) => p.deliveredAt !== undefined).map((p) => p.deliveredAt! - p.sentAt).sort((a, b) => a - b);
  const detected = r.pending.filter((p) => p.detectedAt !== undefined).length;
  return `${spreadOf(ms)} (${ms.length} of the ${detected} detected)`;
}

/** The figures of one round that the summary over rounds compares. */
interface RoundFigures {
  maxIngest: number;
  drainRate: number | undefined;
  fractionIngest: number;
  fractionStream: number;
  fractionLagP95: number;
  fractionAlertP50: number;
  fractionAlertP95: number;
  /** the part of fractionAlertP95's latencies after the attack's POST was answered: stored → alert, p95 */
  fractionStoredToAlertP95: number;
  /** the attack's POST alone (sent → stored), p95 */
  fractionPostP95: number;
  /** sent → the alert's created_at, p95 */
  fractionCreatedP95: number;
  /** sent → its notification delivered to the webhook receiver, p95 */
  fractionWebhookP95: number;
  /** the service's event-loop delay during the phase: the p95 and the largest of its per-second maxima, ms */
  fractionLoopP95: number;
  fractionLoopMax: number;
  /** the 80 % phase's CPU pressure (Linux PSI `some`), a share */
  fractionCpuPressure: number | undefined;
  /** the 80 % phase's longest delay of the benchmark's own event loop, ms */
  fractionBenchLoopMax: number;
  fractionLoadLoopMax: number;
  detected: string;
  /** the capacity phase's drain rate (events/s), when it drained: from the restart, and from the service's ready */
  capacity: number | undefined;
  capacityFromReady: number | undefined;
  /** the capacity phase's loading rate: ingest with no streaming in the service */
  ingestAlone: number | undefined;
  slowestPollMs: number;
  peerSeconds: number;
  load: string;
}

async function main() {
  const es = await elasticsearch();
  const client = createElasticsearchClient({ url: es.url, requestTimeoutMs: 60_000, maxRetries: 0 });
  const rounds: RoundFigures[] = [];
  // one load process for every round: it builds the pool once, and each round starts again from the pool's first event
  const generator = await benignLoad({ ingestKey: INGEST_KEY, users: Number(args.users), batch: BATCH, concurrency: CONCURRENCY, tickMs: TICK_MS, maxInFlight: Number(args['max-in-flight']) });
  for (let n = 1; n <= ROUNDS; n++) {
    const v = variant(n - 1);
    console.log(`\n## Round ${n} of ${ROUNDS}${v.label} (load average at the start ${load()})`);
    rounds.push(await round(es, client, generator.forRun(`${RUN0}-${n}`), `${RUN0}-${n}`, v));
  }
  await generator.close();
  if (VARIANTS > 1) {
    for (let i = 0; i < VARIANTS; i++) summary(rounds.filter((_, n) => n % VARIANTS === i), variant(i).label);
  } else if (ROUNDS > 1) summary(rounds);
  await client.close();
  await es.stop();
}

function summary(rounds: RoundFigures[], label = ''): void {
  const med = (values: number[]) => {
    // a round with no attack found has no latency: the median is over the rounds that have the figure
    const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (sorted.length === 0) return NaN;
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  };
  const row = (label: string, values: number[], format: (v: number) => string) => `| ${label} | ${values.map(format).join(' · ')} | ${format(med(values))} |`;
  const drains = rounds.map((r) => (r.drainRate === undefined ? NaN : r.drainRate / r.maxIngest));
  console.log(`\n### Over ${rounds.length} rounds${label} (every round, then the median)\n`);
  console.log(['| measure | rounds | median |', '|---|---|---|',
    row('maximum ingest rate, events/s', rounds.map((r) => r.maxIngest), (v) => v.toFixed(0)),
    row('streaming draining the backlog, events/s', rounds.map((r) => r.drainRate ?? NaN), (v) => v.toFixed(0)),
    row('streaming drain / maximum ingest', drains, (v) => `${v.toFixed(2)}×`),
    row(`capacity: a ${CAPACITY_SECONDS} s backlog drained alone, events/s`, rounds.map((r) => r.capacity ?? NaN), (v) => v.toFixed(0)),
    row('capacity / maximum ingest (streaming running)', rounds.map((r) => (r.capacity === undefined ? NaN : r.capacity / r.maxIngest)), (v) => `${v.toFixed(2)}×`),
    row('capacity from the service\'s ready (start-up left out), events/s', rounds.map((r) => r.capacityFromReady ?? NaN), (v) => v.toFixed(0)),
    row('capacity from ready / maximum ingest (streaming running)', rounds.map((r) => (r.capacityFromReady === undefined ? NaN : r.capacityFromReady / r.maxIngest)), (v) => `${v.toFixed(2)}×`),
    row('ingest with streaming stopped (the backlog\'s loading), events/s', rounds.map((r) => r.ingestAlone ?? NaN), (v) => v.toFixed(0)),
    row('capacity / ingest with streaming stopped', rounds.map((r) => (r.capacity === undefined || r.ingestAlone === undefined ? NaN : r.capacity / r.ingestAlone)), (v) => `${v.toFixed(2)}×`),
    row('capacity from ready / ingest with streaming stopped', rounds.map((r) => (r.capacityFromReady === undefined || r.ingestAlone === undefined ? NaN : r.capacityFromReady / r.ingestAlone)), (v) => `${v.toFixed(2)}×`),
    row(`${Math.round(FRACTION * 100)} %: ingest, events/s`, rounds.map((r) => r.fractionIngest), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: streaming during the phase / ingest`, rounds.map((r) => r.fractionStream / r.fractionIngest), (v) => `${v.toFixed(2)}×`),
    row(`${Math.round(FRACTION * 100)} %: lag p95, s`, rounds.map((r) => r.fractionLagP95 / 1000), (v) => v.toFixed(1)),
    row(`${Math.round(FRACTION * 100)} %: event→alert p50, ms`, rounds.map((r) => r.fractionAlertP50), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: event→alert p95, ms`, rounds.map((r) => r.fractionAlertP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: of which the attack's POST (sent → stored) p95, ms`, rounds.map((r) => r.fractionPostP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: of which stored → alert p95, ms`, rounds.map((r) => r.fractionStoredToAlertP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: sent → alert created (its created_at) p95, ms`, rounds.map((r) => r.fractionCreatedP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: sent → delivered to a webhook p95, ms`, rounds.map((r) => r.fractionWebhookP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: the service's event-loop delay, p95 of the per-second maxima, ms`, rounds.map((r) => r.fractionLoopP95), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: the service's event-loop delay, the longest, ms`, rounds.map((r) => r.fractionLoopMax), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: the benchmark's own event-loop delay, the longest, ms`, rounds.map((r) => r.fractionBenchLoopMax), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: the benign load's process, its longest event-loop delay, ms`, rounds.map((r) => r.fractionLoadLoopMax), (v) => v.toFixed(0)),
    row(`${Math.round(FRACTION * 100)} %: CPU pressure (some task waiting for a core), %`, rounds.map((r) => 100 * (r.fractionCpuPressure ?? NaN)), (v) => v.toFixed(0)),
    row('slowest slice, ms', rounds.map((r) => r.slowestPollMs), (v) => v.toFixed(0)),
    row('ueba_peer_outlier streaming time, s', rounds.map((r) => r.peerSeconds), (v) => v.toFixed(1)),
    `| attacks detected (max / ${Math.round(FRACTION * 100)} %) | ${rounds.map((r) => r.detected).join(' · ')} | |`,
    `| load average after each round (1/5/15 min) | ${rounds.map((r) => r.load).join(' · ')} | |`,
  ].join('\n'));
}

async function round(es: { url: string; embedded: boolean }, client: ReturnType<typeof createElasticsearchClient>, generator: BenignLoad, RUN: string, { env: variantEnv, service: main, ingestReplica: split }: Variant): Promise<RoundFigures> {
  const prefix = `bench-lag-${RUN}`;
  const configDir = mkdtempSync(join(tmpdir(), 'aisec-bench-'));
  const configFile = join(configDir, 'detection.yaml');
  writeFileSync(configFile, 'business_hours: { start: "00:00", end: "24:00" }\n');
  // --cpu-prof is not allowed in NODE_OPTIONS: a preloaded module profiles the service instead
  const preloads = [...(args['profile-dir'] ? ['cpu-profile-preload.ts'] : []), ...(args['trace-dir'] ? ['es-request-trace-preload.ts'] : [])];
  for (const dir of [args['profile-dir'], args['trace-dir']]) if (dir) mkdirSync(resolve(dir), { recursive: true });
  const profile: Record<string, string> = {
    ...(preloads.length > 0 ? { NODE_OPTIONS: ['--import tsx', ...preloads.map((file) => `--import ${join(root, 'bench', file)}`)].join(' ') } : {}),
    ...(args['profile-dir'] ? { AISEC_BENCH_PROFILE_DIR: resolve(args['profile-dir']) } : {}),
    ...(args['trace-dir'] ? { AISEC_BENCH_TRACE_DIR: resolve(args['trace-dir']) } : {}),
  };
  const hooks = await webhookReceiver();
  const webhook = { AISEC_WEBHOOK_URLS: hooks.url, AISEC_WEBHOOK_MIN_SEVERITY: 'info' };
  const serviceEnv = { AISEC_INDEX_PREFIX: prefix, AISEC_DETECTION_CONFIG: configFile, ...webhook, ...variantEnv, ...profile };
  /** the streaming service: status, alerts, and the ingest unless a replica takes it */
  let service = await startService(es.url, serviceEnv, main ? { main } : {});
  const nonStreaming = () => startService(es.url, { ...serviceEnv, AISEC_DETECTION_STREAMING: 'false' }, main ? { main } : {});
  /** the process the events go to when it is not the streaming one (`--ingest-replica yes`, and the capacity phase's loading) */
  let ingest = split ? await nonStreaming() : undefined;
  const admin = { authorization: `Bearer ${ADMIN_KEY}` };

  type Streaming = { checkpoint?: string; events_processed: number; events_read_back?: number; errors: number; last_error?: string; max_poll_ms: number; rule_ms: Record<string, number> };
  /** streaming's status; asked again while the service sheds load (503) or limits the rate (429), for up to a minute */
  const status = async (): Promise<Streaming> => {
    for (const asked = Date.now(); ; ) {
      const response = await fetch(`${service.url}/v1/detections/status`, { headers: admin });
      if (response.ok) return ((await response.json()) as { streaming: Streaming }).streaming;
      const why = `GET /v1/detections/status answered ${response.status}: ${await response.text()}`;
      if (![429, 503].includes(response.status) || Date.now() - asked > 60_000) throw new Error(why);
      console.error(`${why}; asking again`);
      await sleep(250);
    }
  };
  /** the service's event loop and garbage collection, from its Prometheus metrics (prom-client's default ones) */
  const serviceLoop = async (): Promise<Pick<Sample, 'loopMaxMs' | 'gcMajorS' | 'gcAllS'>> => {
    const text = await (await fetch(`${service.url}/metrics`, { headers: admin })).text();
    const value = (line: RegExp) => text.split('\n').filter((l) => line.test(l)).reduce((sum, l) => sum + Number(l.split(' ').at(-1)), 0);
    return { loopMaxMs: value(/^nodejs_eventloop_lag_max_seconds /) * 1000, gcMajorS: value(/^nodejs_gc_duration_seconds_sum\{kind="major"\}/), gcAllS: value(/^nodejs_gc_duration_seconds_sum\{/) };
  };
  const newestIngested = async (): Promise<number | undefined> => {
    const response = await client.search({ index: `${prefix}-events`, size: 0, aggs: { newest: { max: { field: 'event.ingested' } } } });
    return (response.aggregations?.newest as { value: number | null } | undefined)?.value ?? undefined;
  };
  const ndjson = (events: unknown[]) => `${events.map((e) => JSON.stringify(e)).join('\n')}\n`;
  const post = (events: unknown[]) =>
    fetch(`${(ingest ?? service).url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/x-ndjson' }, body: ndjson(events) });

  async function phase(name: string, rate: number | undefined): Promise<PhaseResult> {
    const pending: Pending[] = [];
    const samples: Sample[] = [];
    let errors = 0;
    let running = true;
    let attackIndex = 0;
    let stoppedAt = Number.POSITIVE_INFINITY;
    const atStart = await status();
    const startProcessed = atStart.events_processed;
    const started = Date.now();
    const pressureAtStart = cpuPressureUs();
    // this process's own event loop: every timing below is taken on it, so its stalls are in them
    const ownLoop = monitorEventLoopDelay({ resolution: 10 });
    ownLoop.enable();

    const watcher = (async () => {
      while (running || pending.some((p) => (p.detectedAt === undefined || p.deliveredAt === undefined) && !p.refused)) {
        const tick = Date.now();
        try {
          const { alerts } = (await (await fetch(`${service.url}/v1/alerts?since=15m&limit=1000`, { headers: admin })).json()) as { alerts: Array<Record<string, string>> };
          const now = Date.now();
          for (const p of pending) {
            p.deliveredAt ??= hooks.deliveredAt(p.attack.rule, p.entity.field, p.entity.value);
            if (p.detectedAt !== undefined) continue;
            const alert = alerts.find((a) => a.rule_id === p.attack.rule && a[p.entity.field] === p.entity.value);
            if (alert) {
              p.detectedAt = now;
              p.createdAt = Date.parse(alert.created_at!);
            }
          }
        } catch {
          // the service is busy: try again
        }
        if (!running && Date.now() - started > SECONDS * 1000 + DRAIN_LIMIT_MS) break;
        await sleep(Math.max(0, 100 - (Date.now() - tick)));
      }
    })();
    const sampler = (async () => {
      let drainedAt: number | undefined;
      while (running || drainedAt === undefined) {
        const tick = Date.now();
        try {
          const [s, newest, loop] = await Promise.all([status(), newestIngested(), serviceLoop()]);
          const checkpoint = s.checkpoint ? Date.parse(s.checkpoint) : 0;
          const sample = { t: (Date.now() - started) / 1000, lagMs: newest === undefined ? 0 : Math.max(0, newest - checkpoint), ageMs: Date.now() - checkpoint, processed: s.events_processed - startProcessed, ...loop };
          samples.push(sample);
          if (!running && sample.lagMs <= CAUGHT_UP_MS) drainedAt = Date.now();
        } catch {
          // sampled again next second
        }
        if (!running && Date.now() - stoppedAt > DRAIN_LIMIT_MS) break;
        await sleep(Math.max(0, 1000 - (Date.now() - tick)));
      }
    })();

    const attackAt = (now: number) => {
      const kind = ATTACK_KINDS[attackIndex % ATTACK_KINDS.length]!;
      const attack = attacks[kind](0, `${RUN}-${name}-${attackIndex++}`);
      const last = Math.max(...attack.events.map((e) => Date.parse(e.timestamp)));
      const events = attack.events.map((e) => ({ ...e, timestamp: new Date(now - last + Date.parse(e.timestamp)).toISOString() }));
      const first = attack.events[0]!;
      const entity = typeof first.user_id === 'string' ? { field: 'user_id' as const, value: first.user_id } : { field: 'agent_id' as const, value: String(first.agent_id) };
      const entry: Pending = { attack, entity, sentAt: Date.now() };
      pending.push(entry);
      return post(events)
        .then(async (r) => {
          await r.arrayBuffer(); // read either way: an unread body holds its connection
          if (!r.ok) throw new Error(`refused: ${r.status}`);
          entry.acceptedAt = Date.now();
        })
        .catch((error: unknown) => {
          entry.refused = true; // never ingested: no alert to find
          throw error;
        });
    };
    let nextAttack = started + 1000;
    const attacker = (async () => {
      const inFlight: Array<Promise<void>> = [];
      while (Date.now() - started < SECONDS * 1000) {
        await sleep(Math.max(0, nextAttack - Date.now()));
        nextAttack += ATTACK_EVERY_MS;
        inFlight.push(attackAt(Date.now()).catch(() => void errors++));
      }
      await Promise.all(inFlight);
    })();

    // the benign load, from its own process
    const benignSent = await generator.run({ url: (ingest ?? service).url, seconds: SECONDS, ...(rate === undefined ? {} : { rate }) });
    await attacker;
    const seconds = (Date.now() - started) / 1000;
    const pressureAtStop = cpuPressureUs();
    ownLoop.disable();
    const benchLoop = { p99Ms: ownLoop.percentile(99) / 1e6, maxMs: ownLoop.max / 1e6 };
    const pressureDuring = pressureAtStart === undefined || pressureAtStop === undefined ? undefined : (pressureAtStop - pressureAtStart) / (seconds * 1e6);
    const atStop = await status();
    const processedAtStop = atStop.events_processed - startProcessed;
    const readBack = atStop.events_read_back === undefined ? undefined : atStop.events_read_back - (atStart.events_read_back ?? 0);
    stoppedAt = Date.now();
    running = false;
    await sampler;
    await watcher;
    const last = samples.at(-1);
    const drained = last !== undefined && last.lagMs <= CAUGHT_UP_MS;
    const drainMs = (last ? started + last.t * 1000 : Date.now()) - stoppedAt;
    const drainEvents = (last?.processed ?? processedAtStop) - processedAtStop;
    return { name, seconds, sent: benignSent.sent, errors: errors + benignSent.errors, samples, pending, drainMs, drained, drainEvents, processedDuring: processedAtStop, readBack, load: load(), startedAt: started, cpuPressure: pressureDuring, benchLoop, loadLoopMaxMs: benignSent.loopMaxMs };
  }

  // warm-up (not measured): the first events create the data stream and move the checkpoint off its start position
  await generator.run({ url: (ingest ?? service).url, seconds: 0, once: 200 });
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(500)) {
    const [s, newest] = await Promise.all([status(), newestIngested()]);
    if (newest !== undefined && s.checkpoint !== undefined && newest - Date.parse(s.checkpoint) <= CAUGHT_UP_MS) break;
  }

  const probes: ProbeSample[] = [];
  const probeOptions: ProbeOptions = { serviceUrl: (ingest ?? service).url, ingestKey: INGEST_KEY, esUrl: es.url, index: `${prefix}-probe`, everyMs: 250 };
  const probe = args.probe ? benchChild('answer-probe.ts', probeOptions) : undefined;
  if (probe) createInterface({ input: probe.stdout! }).on('line', (line) => probes.push(JSON.parse(line) as ProbeSample));
  const results: PhaseResult[] = [];
  results.push(await phase('max', undefined));
  const maxRate = results[0]!.sent / results[0]!.seconds;
  results.push(await phase(`${Math.round(FRACTION * 100)}%`, FRACTION * maxRate));
  if (probe) {
    const ended = new Promise((done) => probe.once('exit', done));
    probe.stdin!.end();
    await ended;
  }
  /** the probe's timings of one kind while a phase's events went in: p50 / p95 / max */
  const probed = (r: PhaseResult, kind: ProbeSample['kind']) => {
    const ms = probes.filter((p) => p.kind === kind && p.at >= r.startedAt && p.at <= r.startedAt + r.seconds * 1000).map((p) => p.ms).sort((a, b) => a - b);
    return ms.length === 0 ? 'none answered' : `${spreadOf(ms)} (${ms.length})`;
  };
  const final = await status();
  const peakRss = service.peakRssMb();

  /**
   * Streaming's capacity, with nothing else running: the streaming service is stopped; `--capacity-seconds` of benign
   * events at the maximum rate go in through a second process that does not stream (AISEC_DETECTION_STREAMING=false);
   * then the streaming service starts again from its stored checkpoint, and the time from its start (the process's
   * own start-up included) until it has processed the backlog and its lag is under CAUGHT_UP_MS gives its rate.
   */
  async function capacity(): Promise<{ loaded: number; loadSeconds: number; readyMs: number; processed: number; drainedMs?: number; ruleMs: Record<string, number> } | undefined> {
    if (CAPACITY_SECONDS <= 0) return undefined;
    await service.stop();
    const replica = ingest;
    ingest ??= await nonStreaming();
    const { accepted: loaded, seconds: loadSeconds } = await generator.run({ url: ingest.url, seconds: CAPACITY_SECONDS });
    if (!replica) {
      await ingest.stop();
      ingest = undefined;
    }
    const restarted = Date.now();
    service = await startService(es.url, serviceEnv, main ? { main } : {});
    const readyMs = Date.now() - restarted;
    for (;;) {
      const [s, newest] = await Promise.all([status(), newestIngested()]);
      const caughtUp = newest !== undefined && s.checkpoint !== undefined && newest - Date.parse(s.checkpoint) <= CAUGHT_UP_MS;
      // the restarted process's time per rule is the drain's alone
      if (caughtUp && s.events_processed >= loaded) return { loaded, loadSeconds, readyMs, processed: s.events_processed, drainedMs: Date.now() - restarted, ruleMs: s.rule_ms };
      if (Date.now() - restarted > readyMs + DRAIN_LIMIT_MS) return { loaded, loadSeconds, readyMs, processed: s.events_processed, ruleMs: s.rule_ms };
      await sleep(250);
    }
  }
  const recent = (await (await fetch(`${service.url}/v1/alerts?since=1h&limit=1000`, { headers: admin })).json()) as { alerts: Array<Record<string, string>> };
  const benignAlerts = recent.alerts.filter((a) => typeof a.user_id === 'string' && a.user_id.startsWith('user')).length;

  /** which rules hold the latency back: every rule's median and slowest event→alert, slowest rules first */
  const byRule = (r: PhaseResult) => {
    const rules = new Map<string, number[]>();
    for (const p of r.pending) if (p.detectedAt !== undefined) (rules.get(p.attack.rule) ?? rules.set(p.attack.rule, []).get(p.attack.rule)!).push(p.detectedAt - p.sentAt);
    const sorted = [...rules].map(([rule, ms]) => [rule, ms.sort((a, b) => a - b)] as const).sort((a, b) => b[1].at(-1)! - a[1].at(-1)!);
    return sorted.map(([rule, ms]) => `${rule} ${percentile(ms, 50)} / ${ms.at(-1)} ms`).join(', ');
  };
  const spread = (r: PhaseResult, part: (p: Pending) => number) => spreadOf(partOf(r, part));
  const info = machine();
  console.log(`\n### Streaming detection under sustained ingest (${SECONDS} s per phase, NDJSON batches of ${BATCH})\n`);
  for (const r of results) {
    const latencies = r.pending.filter((p) => p.detectedAt !== undefined).map((p) => p.detectedAt! - p.sentAt).sort((a, b) => a - b);
    const lags = r.samples.filter((s) => s.t <= r.seconds).map((s) => s.lagMs);
    const ingestRate = r.sent / r.seconds;
    const streamRate = r.processedDuring / r.seconds;
    const drainRate = r.drainMs > 0 && r.drainEvents > 0 ? r.drainEvents / (r.drainMs / 1000) : undefined;
    console.log(`\n#### Phase ${r.name}${r.name === 'max' ? ' (as fast as the service takes it)' : ` of the maximum (${Math.round(FRACTION * maxRate)} events/s asked)`}\n`);
    console.log(
      table([
        ['ingest rate (accepted by the service)', `${Math.round(ingestRate)} events/s (${r.sent} events in ${r.seconds.toFixed(1)} s; ${r.errors} failed or dropped requests)`],
        ['streaming rate during the phase', `${Math.round(streamRate)} events/s (${(streamRate / ingestRate).toFixed(2)}× the ingest rate)`],
        ['of those, contents read back from Elasticsearch (not at hand in memory)', r.readBack === undefined ? 'all (a build before the hand-off)' : `${r.readBack} of ${r.processedDuring}`],
        ['streaming rate draining the backlog afterwards', drainRate ? `${Math.round(drainRate)} events/s (${r.drainEvents} events in ${(r.drainMs / 1000).toFixed(1)} s; ${(drainRate / ingestRate).toFixed(2)}× the ingest rate)` : 'no backlog left to drain'],
        ['lag at the end of the phase / caught up', `${((lags.at(-1) ?? 0) / 1000).toFixed(1)} s / ${r.drained ? `yes, ${(r.drainMs / 1000).toFixed(1)} s after ingest stopped` : `no, not within ${DRAIN_LIMIT_MS / 1000} s`}`],
        ['lag p50 / p95 / max during the phase', `${(percentile([...lags].sort((a, b) => a - b), 50) / 1000).toFixed(1)} / ${(percentile([...lags].sort((a, b) => a - b), 95) / 1000).toFixed(1)} / ${(Math.max(0, ...lags) / 1000).toFixed(1)} s`],
        ['attacks detected', `${latencies.length} of ${r.pending.length}${refusedNote(r)}`],
        ['event→alert p50 / p95 / max', spreadOf(latencies)],
        ['event→alert by rule: median / max', byRule(r)],
        ['of which: sent → stored (the attack\'s POST) p50 / p95 / max', spread(r, (p) => p.acceptedAt! - p.sentAt)],
        ['of which: stored → alert p50 / p95 / max', spread(r, (p) => p.detectedAt! - p.acceptedAt!)],
        ['  of that: stored → alert created (its created_at) p50 / p95 / max', spread(r, (p) => p.createdAt! - p.acceptedAt!)],
        ['  of that: created → seen (its write, then GET /v1/alerts every 100 ms) p50 / p95 / max', spread(r, (p) => p.detectedAt! - p.createdAt!)],
        ['event→alert delivered to a webhook p50 / p95 / max', webhookSpread(r)],
        ['slowest attacks: rule, sent at (s into the phase), POST / streaming / seen', slowest(r)],
        ['the service\'s event-loop delay, the most in each second: p50 / p95 / max', loopSpread(r)],
        ...(probe
          ? ([
              ['probe (a process of its own, every 250 ms): a one-event POST /v1/events p50 / p95 / max', probed(r, 'post')],
              ['probe: a one-document Elasticsearch _bulk p50 / p95 / max', probed(r, 'bulk')],
            ] as Array<[string, string]>)
          : []),
        ['the service\'s garbage collection during the phase: major (mark-compact) / all kinds', gcDuring(r)],
        ['load average after the phase', `${r.load} (1/5/15 min)`],
        ['the benchmark\'s own event-loop delay while events went in (its timings include it): p99 / max', `${r.benchLoop.p99Ms.toFixed(0)} / ${r.benchLoop.maxMs.toFixed(0)} ms`],
        ['the benign load\'s process: its longest event-loop delay (no batch goes out meanwhile)', r.loadLoopMaxMs === undefined ? 'not measured' : `${r.loadLoopMaxMs.toFixed(0)} ms`],
        ['CPU pressure while events went in (share of the time some task waited for a core, Linux PSI)', r.cpuPressure === undefined ? 'not available' : `${(100 * r.cpuPressure).toFixed(0)} %`],
      ]),
    );
    console.log(`\nLag over time (newest event.ingested − checkpoint, every ~10 s; t in s from the phase start):\n`);
    console.log(r.samples.filter((_, i) => i % 10 === 0 || i === r.samples.length - 1).map((s) => `t=${s.t.toFixed(0)} ${(s.lagMs / 1000).toFixed(1)}s`).join(' · '));
  }
  console.log(
    `\n` +
      table([
        ['benign pool / events sent', `${generator.pool} events of ${args.users} users / ${generator.sentTotal}${generator.sentTotal > generator.pool ? ` (replayed ×${(generator.sentTotal / generator.pool).toFixed(1)})` : ''}`],
        ['alerts on benign users', String(benignAlerts)],
        ['streaming poll errors', `${final.errors}${final.last_error ? ` (last: ${final.last_error.slice(0, 120)})` : ''}; slowest slice ${final.max_poll_ms} ms`],
        ['streaming time per rule (top 8)', topRules(final.rule_ms)],
        ['service peak RSS (the two phases)', `${(peakRss ?? NaN).toFixed(0)} MiB`],
        ['machine', `${info.cores} cores (${info.cpu}), ${info.memory}, Node ${info.node}; load average at the end ${info.load} (1/5/15 min)`],
        ['Elasticsearch', `${await esVersion(es.url)}${es.embedded ? ' (embedded)' : ''}, on the same machine as the service and the load generator`],
      ]),
  );
  const cap = await capacity();
  if (cap) {
    console.log(`\n#### Phase capacity (a backlog of ${CAPACITY_SECONDS} s at the maximum rate, loaded while streaming was stopped)\n`);
    console.log(
      table([
        ['backlog loaded (through a service with AISEC_DETECTION_STREAMING=false)', `${cap.loaded} events in ${cap.loadSeconds.toFixed(1)} s (${Math.round(cap.loaded / cap.loadSeconds)} events/s)`],
        ['streaming service restarted: ready after', `${(cap.readyMs / 1000).toFixed(1)} s`],
        ['backlog drained', cap.drainedMs === undefined ? `no, not within ${DRAIN_LIMIT_MS / 1000} s after ready (${cap.processed} events processed)` : `${cap.processed} events in ${(cap.drainedMs / 1000).toFixed(1)} s from the restart`],
        ['streaming capacity (events / time from the restart)', cap.drainedMs === undefined ? 'not drained' : `${Math.round(cap.processed / (cap.drainedMs / 1000))} events/s (${(cap.processed / (cap.drainedMs / 1000) / maxRate).toFixed(2)}× phase 1's maximum ingest, streaming running; ${(cap.processed / (cap.drainedMs / 1000) / (cap.loaded / cap.loadSeconds)).toFixed(2)}× the ingest rate of the loading, streaming stopped)`],
        ['streaming capacity from ready (the start-up left out)', cap.drainedMs === undefined ? 'not drained' : `${Math.round(fromReady(cap)!)} events/s (${(fromReady(cap)! / maxRate).toFixed(2)}× phase 1's maximum ingest; ${(fromReady(cap)! / (cap.loaded / cap.loadSeconds)).toFixed(2)}× the loading)`],
        ['streaming time per rule in the drain (top 8)', topRules(cap.ruleMs)],
        [
          'rule evaluations running at once, on average over the drain (all rules\' time / the drain\'s)',
          cap.drainedMs === undefined ? 'not drained' : `${(Object.values(cap.ruleMs).reduce((a, b) => a + b, 0) / (cap.drainedMs - cap.readyMs)).toFixed(1)} (${Object.keys(cap.ruleMs).length} rules)`,
        ],
        ['load average after the phase', `${load()} (1/5/15 min)`],
      ]),
    );
  }
  await service.stop();
  await ingest?.stop();
  hooks.close();
  rmSync(configDir, { recursive: true, force: true });
  if (!args.keep) await deletePrefix(client, prefix);
  const [max, fraction] = results as [PhaseResult, PhaseResult];
  const latencies = fraction.pending.filter((p) => p.detectedAt !== undefined).map((p) => p.detectedAt! - p.sentAt).sort((a, b) => a - b);
  const fractionLags = fraction.samples.filter((s) => s.t <= fraction.seconds).map((s) => s.lagMs).sort((a, b) => a - b);
  const found = (r: PhaseResult) => `${r.pending.filter((p) => p.detectedAt !== undefined).length}/${r.pending.length}${refusedNote(r)}`;
  return {
    maxIngest: max.sent / max.seconds,
    drainRate: max.drainMs > 0 && max.drainEvents > 0 ? max.drainEvents / (max.drainMs / 1000) : undefined,
    fractionIngest: fraction.sent / fraction.seconds,
    fractionStream: fraction.processedDuring / fraction.seconds,
    fractionLagP95: percentile(fractionLags, 95),
    fractionAlertP50: percentile(latencies, 50),
    fractionAlertP95: percentile(latencies, 95),
    fractionStoredToAlertP95: percentileOf(fraction, (p) => p.detectedAt! - p.acceptedAt!, 95),
    fractionPostP95: percentileOf(fraction, (p) => p.acceptedAt! - p.sentAt, 95),
    fractionLoopP95: percentile(loopMaxima(fraction), 95),
    fractionLoopMax: loopMaxima(fraction).at(-1) ?? NaN,
    fractionCpuPressure: fraction.cpuPressure,
    fractionBenchLoopMax: fraction.benchLoop.maxMs,
    fractionLoadLoopMax: fraction.loadLoopMaxMs ?? NaN,
    fractionCreatedP95: percentileOf(fraction, (p) => p.createdAt! - p.sentAt, 95),
    fractionWebhookP95: percentile(fraction.pending.filter((p) => p.deliveredAt !== undefined).map((p) => p.deliveredAt! - p.sentAt).sort((a, b) => a - b), 95),
    detected: `${found(max)} / ${found(fraction)}`,
    capacity: cap?.drainedMs === undefined ? undefined : cap.processed / (cap.drainedMs / 1000),
    capacityFromReady: cap ? fromReady(cap) : undefined,
    ingestAlone: cap ? cap.loaded / cap.loadSeconds : undefined,
    slowestPollMs: final.max_poll_ms,
    peerSeconds: (final.rule_ms.ueba_peer_outlier ?? 0) / 1000,
    load: load(),
  };
}

/** The slowest rules by the time their evaluations took, slowest first. */
function topRules(ruleMs: Record<string, number>, count = 8): string {
  return Object.entries(ruleMs).sort((a, b) => b[1] - a[1]).slice(0, count).map(([rule, ms]) => `${rule} ${(ms / 1000).toFixed(1)} s`).join(', ');
}

/** The capacity phase's rate from the moment the restarted service answered (its start-up is a one-off, not streaming's rate). */
function fromReady(cap: { processed: number; readyMs: number; drainedMs?: number }): number | undefined {
  return cap.drainedMs === undefined ? undefined : cap.processed / ((cap.drainedMs - cap.readyMs) / 1000);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
