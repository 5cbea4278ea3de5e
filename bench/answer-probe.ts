/**
 * A child process of bench/streaming-lag.ts `--probe`: every 250 ms it times, in its own process (so the load
 * generator's work cannot delay it), two small writes side by side:
 *
 * - `post`: a one-event POST /v1/events to the service (a request of a probe user, never an attack);
 * - `bulk`: a one-document `_bulk` straight to Elasticsearch, into a scratch index of the round's prefix.
 *
 * The second is Elasticsearch's own answer time on the shared machine; the first minus the second is what the service
 * adds. Each timing is written to stdout as a JSON line `{ kind, at, ms }` (`at`: Date.now() when sent) until the
 * parent closes stdin.
 *
 *   node --import tsx bench/answer-probe.ts '<ProbeOptions as JSON>'
 */

export interface ProbeOptions {
  serviceUrl: string;
  ingestKey: string;
  esUrl: string;
  /** the scratch index of the `_bulk` writes */
  index: string;
  everyMs: number;
}

export interface ProbeSample {
  kind: 'post' | 'bulk';
  at: number;
  ms: number;
}

const options = JSON.parse(process.argv[2]!) as ProbeOptions;
let running = true;
process.stdin.on('end', () => (running = false)).resume();

async function timed(kind: ProbeSample['kind'], send: () => Promise<Response>): Promise<void> {
  const at = Date.now();
  const started = performance.now();
  try {
    const response = await send();
    await response.arrayBuffer();
    if (response.ok) process.stdout.write(`${JSON.stringify({ kind, at, ms: performance.now() - started } satisfies ProbeSample)}\n`);
  } catch {
    // refused or unreachable: no timing
  }
}

for (let n = 0; running; n++) {
  const tick = Date.now();
  const event = { timestamp: new Date(tick).toISOString(), category: 'request', user_id: `probe-${n % 50}`, event_id: `probe-${tick}-${n}`, model: 'gpt-4o' };
  await Promise.all([
    timed('post', () => fetch(`${options.serviceUrl}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${options.ingestKey}`, 'content-type': 'application/json' }, body: JSON.stringify([event]) })),
    timed('bulk', () => fetch(`${options.esUrl}/${options.index}/_bulk`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: `{"index":{}}\n${JSON.stringify(event)}\n` })),
  ]);
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.everyMs - (Date.now() - tick))));
}
