/**
 * A child process of bench/streaming-lag.ts: the benign load, sent from a process of its own so that its work (a pool
 * of about 20 events per user held in memory, NDJSON built for every batch) cannot stall the process that times the
 * attacks, watches for their alerts and receives their webhooks.
 *
 * It builds the pool (test/support/traffic.ts `benignDay`, seed 7), writes `{"ready":true,"pool":N}`, then takes one
 * command per stdin line, `{ url, seconds, rate?, once? }`: for `seconds` it sends batches to `url`/v1/events, as fast as the
 * service takes them (`concurrency` requests in flight) when `rate` is absent, else `rate` events/s paced in ticks (`once`: one batch of that many). Each
 * event's timestamp is the moment it is sent and its `event_id` is new, so a pooled user's events never repeat an ID.
 * It answers each command with one line `{ sent, accepted, errors, seconds, sentTotal }` and exits when stdin closes.
 *
 *   node --import tsx bench/benign-load.ts '<LoadOptions as JSON>'
 */
import { createInterface } from 'node:readline';
import { benignDay } from '../test/support/traffic.js';

export interface LoadOptions {
  ingestKey: string;
  users: number;
  /** makes the event IDs of one round unique */
  run: string;
  batch: number;
  concurrency: number;
  tickMs: number;
  /** paced: requests in flight beyond which a tick is dropped (counted as an error), not queued without bound */
  maxInFlight: number;
}

export interface LoadCommand {
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
  /** events sent by this process so far, over every command */
  sentTotal: number;
}

const options = JSON.parse(process.argv[2]!) as LoadOptions;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pool = benignDay({ seed: 7, users: options.users, day: new Date(Date.UTC(2026, 0, 5)), withText: false });
let cursor = 0;
let sentTotal = 0;

function benign(n: number): string {
  const now = Date.now();
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const e = pool[cursor++ % pool.length]!;
    lines.push(JSON.stringify({ ...e, timestamp: new Date(now - 1000 + Math.floor((i * 1000) / n)).toISOString(), event_id: `lag-${options.run}-${sentTotal + i}` }));
  }
  sentTotal += n;
  return `${lines.join('\n')}\n`;
}

async function run({ url, seconds, rate, once }: LoadCommand): Promise<LoadResult> {
  let sent = 0;
  let accepted = 0;
  let errors = 0;
  const started = Date.now();
  const send = async (n: number) => {
    try {
      const response = await fetch(`${url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${options.ingestKey}`, 'content-type': 'application/x-ndjson' }, body: benign(n) });
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
  return { sent, accepted, errors, seconds: (Date.now() - started) / 1000, sentTotal };
}

process.stdout.write(`${JSON.stringify({ ready: true, pool: pool.length })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  process.stdout.write(`${JSON.stringify(await run(JSON.parse(line) as LoadCommand))}\n`);
}
