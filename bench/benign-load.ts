/**
 * A child process of bench/streaming-lag.ts: the benign load, sent from a process of its own so that its work (a pool
 * of about 20 events per user held in memory, NDJSON built for every batch) cannot stall the process that times the
 * attacks, watches for their alerts and receives their webhooks.
 *
 * It builds the pool (test/support/traffic.ts `benignDay`, seed 7), writes `{"ready":true,"pool":N}`, then takes one
 * command per stdin line, `{ run, url, seconds, rate?, once? }`: for `seconds` it sends batches to `url`/v1/events, as fast as the
 * service takes them (`concurrency` requests in flight) when `rate` is absent, else `rate` events/s paced in ticks (`once`: one batch of that many). Each
 * event's timestamp is the moment it is sent and its `event_id` is new, so a pooled user's events never repeat an ID.
 * A command of a new `run` starts again from the pool's first event: every round of the benchmark sends the same
 * events, from one process that builds the pool once (about 170 s at 1–2 cores for 110 000 users).
 * It answers each command with one line `{ sent, accepted, errors, seconds, sentTotal }` and exits when stdin closes.
 *
 *   node --import tsx bench/benign-load.ts '<LoadOptions as JSON>'
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { benignDay } from '../test/support/traffic.js';

export interface LoadOptions {
  ingestKey: string;
  users: number;
  batch: number;
  concurrency: number;
  tickMs: number;
  /** paced: requests in flight beyond which a tick is dropped (counted as an error), not queued without bound */
  maxInFlight: number;
}

export interface LoadCommand {
  /** the benchmark's round: makes its event IDs unique; a new one starts again from the pool's first event */
  run: string;
  url: string;
  seconds: number;
  /** events/s, paced; absent: as fast as the service takes them */
  rate?: number;
  /** send one batch of this many events instead, and answer when it is answered (a warm-up) */
  once?: number;
}

export interface LoadResult {
  /** events sent, answered or not */
  sent: number;
  /** events the service answered as accepted */
  accepted: number;
  /** requests that failed, were refused or only partly accepted, and ticks dropped because the service fell behind */
  errors: number;
  seconds: number;
  /** events sent in this run so far, over every command */
  sentTotal: number;
  /** this process's longest event-loop delay over the command, ms: while it stalls, no batch goes out (then all of them do) */
  loopMaxMs: number;
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The pool as NDJSON bytes outside the JavaScript heap: each event's JSON without its timestamp and event_id (from
 * its first other field on: `,"user_id":…}`), in chunks of about 32 MB. Held as 2.7 million objects instead, the pool made this process
 * stop for seconds at a time in garbage collection, at 1.3–1.8 cores, and then send the ticks it had missed at once:
 * the service met those stalls as stalls of its ingest, and the bursts after them (docs/scaling.md).
 */
class NdjsonPool {
  private readonly chunks: Buffer[] = [];
  private readonly chunkOf: Uint16Array;
  private readonly start: Uint32Array;
  private readonly length: Uint32Array;
  readonly size: number;

  constructor(events: Array<Record<string, unknown>>) {
    this.size = events.length;
    this.chunkOf = new Uint16Array(events.length);
    this.start = new Uint32Array(events.length);
    this.length = new Uint32Array(events.length);
    let parts: string[] = [];
    let bytes = 0;
    const flush = () => {
      this.chunks.push(Buffer.from(parts.join(''), 'utf8'));
      parts = [];
      bytes = 0;
    };
    events.forEach(({ timestamp: _t, event_id: _id, ...rest }, i) => {
      const json = Object.keys(rest).length > 0 ? `,${JSON.stringify(rest).slice(1)}` : '}';
      const size = Buffer.byteLength(json);
      if (bytes + size > 32 << 20) flush();
      this.chunkOf[i] = this.chunks.length;
      this.start[i] = bytes;
      this.length[i] = size;
      parts.push(json);
      bytes += size;
    });
    flush();
  }

  /** Event i's line, its timestamp and event_id given: written into `out` at `at`; returns the end. */
  write(i: number, timestamp: string, eventId: string, out: Buffer, at: number): number {
    let end = at + out.write(`{"timestamp":"${timestamp}","event_id":"${eventId}"`, at, 'latin1');
    const from = this.start[i]!;
    end += this.chunks[this.chunkOf[i]!]!.copy(out, end, from, from + this.length[i]!);
    out[end] = 0x0a;
    return end + 1;
  }

  /** Room for n lines of events from i on (ids and timestamps are ASCII, under 200 bytes). */
  bytesFor(i: number, n: number): number {
    let total = 0;
    for (let k = 0; k < n; k++) total += this.length[(i + k) % this.size]! + 200;
    return total;
  }
}

const pool = new NdjsonPool(benignDay({ seed: 7, users: options.users, day: new Date(Date.UTC(2026, 0, 5)), withText: false }));
let run = '';
let cursor = 0;
let sentTotal = 0;

/** The bytes as fetch takes them, not copied. */
const asBody = (b: Buffer) => new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);

function benign(n: number): Buffer {
  const now = Date.now();
  const out = Buffer.allocUnsafe(pool.bytesFor(cursor % pool.size, n));
  let end = 0;
  for (let i = 0; i < n; i++) {
    end = pool.write(cursor++ % pool.size, new Date(now - 1000 + Math.floor((i * 1000) / n)).toISOString(), `lag-${run}-${sentTotal + i}`, out, end);
  }
  sentTotal += n;
  return out.subarray(0, end);
}

async function perform(command: LoadCommand): Promise<LoadResult> {
  const { url, seconds, rate, once } = command;
  if (command.run !== run) {
    run = command.run;
    cursor = 0;
    sentTotal = 0;
  }
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const started = Date.now();
  const send = async (n: number) => {
    try {
      const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${options.ingestKey}`, 'content-type': 'application/x-ndjson' }, body: asBody(benign(n)) });
      const body = (await response.json()) as { accepted?: number };
      accepted += response.ok ? (body.accepted ?? 0) : 0;
      if (!response.ok || body.accepted !== n) errors++;
    } catch {
      errors++;
    }
    sent += n;
  };
  if (once !== undefined) await send(once);
  else if (rate === undefined) {
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (Date.now() - started < seconds * 1000) await send(options.batch);
      }),
    );
  } else {
    const perTick = Math.max(1, Math.round((rate * options.tickMs) / 1000));
    const inFlight = new Set<Promise<void>>();
    for (let tick = 0; Date.now() - started < seconds * 1000; tick++) {
      await sleep(Math.max(0, started + tick * options.tickMs - Date.now()));
      if (inFlight.size >= options.maxInFlight) {
        errors++; // the service cannot keep up at this rate: counted, not queued without bound
        continue;
      }
      const p = send(perTick);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await Promise.all(inFlight);
  }
  loop.disable();
  return { sent, accepted, errors, seconds: (Date.now() - started) / 1000, sentTotal, loopMaxMs: loop.max / 1e6 };
}

process.stdout.write(`${JSON.stringify({ ready: true, pool: pool.size })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify(await perform(JSON.parse(line) as LoadCommand))}\n`);
}
