/**
 * Event-to-alert latency of streaming detection under sustained ingest.
 *
 *   node --import tsx bench/detection-latency.ts [--rate 2000] [--seconds 60] [--attack-every 2] [--skip-ueba]
 *
 * Sends benign traffic (test/support/traffic.ts) through POST /v1/events at `rate` events/s in 250 ms batches,
 * and every `attack-every` seconds one attack scenario (six kinds: threshold, sequence, content and single-event
 * rules). Latency is measured from the moment the attack's ingest request is sent to the moment its alert is
 * readable through GET /v1/alerts (polled every 100 ms). The service runs as a child process with default
 * streaming settings (business hours widened to the whole day, see below). Uses ES_URL, or starts the embedded
 * Elasticsearch.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { ATTACK_KINDS, attacks, benignDay, type Attack } from '../test/support/traffic.js';
import { ADMIN_KEY, INGEST_KEY, elasticsearch, esVersion, machine, percentile, root, startService, table } from './detection-support.js';
import { deletePrefix } from '../test/support/service.js';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '60' },
    'attack-every': { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    'skip-ueba': { type: 'boolean', default: false },
  },
});
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const ATTACK_EVERY_MS = Number(args['attack-every']) * 1000;
const BATCH_MS = 250;
const RUN = Date.now().toString(36);

interface Pending {
  attack: Attack;
  entity: { field: 'user_id' | 'agent_id'; value: string };
  sentAt: number;
  detectedAt?: number;
}

async function main() {
  const es = await elasticsearch();
  const prefix = `bench-lat-${RUN}`;
  // the load runs round the clock: business hours are widened to the whole day so that the load generator's own
  // night-time traffic does not make every synthetic user an off-hours anomaly
  const configDir = mkdtempSync(join(tmpdir(), 'aisec-bench-'));
  const configFile = join(configDir, 'detection.yaml');
  const disabled = args['skip-ueba']
    ? readdirSync(join(root, 'analytics-service', 'rules')).filter((f) => f.startsWith('ueba_')).map((f) => `  ${f.replace(/\.ya?ml$/, '')}: { enabled: false }\n`)
    : [];
  writeFileSync(configFile, `business_hours: { start: "00:00", end: "24:00" }\n${disabled.length ? `rules:\n${disabled.join('')}` : ''}`);
  const service = await startService(es.url, { AISEC_INDEX_PREFIX: prefix, AISEC_DETECTION_CONFIG: configFile });
  const post = (events: unknown[]) =>
    fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(events) });
  // a whole benign day compressed into the run: enough users that no one's day is replayed (a replayed day would
  // repeat each user's few judge flags and guardrail blocks until they looked like an attack)
  const pool = benignDay({ seed: 99, users: Math.ceil((RATE * SECONDS) / 20) + 100, day: new Date(Date.UTC(2026, 0, 5)) });
  let cursor = 0;
  let sent = 0;
  let ingestErrors = 0;
  const inFlight = new Set<Promise<void>>();
  const pending: Pending[] = [];
  let watching = true;

  // alert watcher
  const watcher = (async () => {
    while (watching) {
      const started = Date.now();
      try {
        const response = await fetch(`${service.url}/v1/alerts?since=15m&limit=1000`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
        const { alerts } = (await response.json()) as { alerts: Array<Record<string, string>> };
        const now = Date.now();
        for (const p of pending) {
          if (p.detectedAt === undefined && alerts.some((a) => a.rule_id === p.attack.rule && a[p.entity.field] === p.entity.value)) p.detectedAt = now;
        }
      } catch {
        // the service is busy: try again
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  })();

  const track = (promise: Promise<Response>) => {
    const p = promise.then(
      async (r) => {
        if (!r.ok) ingestErrors++;
        await r.arrayBuffer();
      },
      () => {
        ingestErrors++;
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  };

  const perBatch = Math.round((RATE * BATCH_MS) / 1000);
  const started = Date.now();
  let nextAttack = started + 1000;
  let attackIndex = 0;
  for (let tick = 0; Date.now() - started < SECONDS * 1000; tick++) {
    const due = started + tick * BATCH_MS;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const now = Date.now();
    const batch = [];
    for (let i = 0; i < perBatch; i++) {
      const e = pool[cursor++ % pool.length]!;
      batch.push({ ...e, timestamp: new Date(now - BATCH_MS + (i * BATCH_MS) / perBatch).toISOString(), event_id: `lat-${RUN}-${sent + i}` });
    }
    sent += batch.length;
    if (inFlight.size < 8) track(post(batch));
    else ingestErrors += batch.length; // the service cannot keep up: counted, not queued without bound
    if (now >= nextAttack) {
      nextAttack += ATTACK_EVERY_MS;
      const kind = ATTACK_KINDS[attackIndex % ATTACK_KINDS.length]!;
      const tag = `${RUN}-${attackIndex++}`;
      const attack = attacks[kind](0, tag);
      const last = Math.max(...attack.events.map((e) => Date.parse(e.timestamp)));
      const events = attack.events.map((e) => ({ ...e, timestamp: new Date(now - last + Date.parse(e.timestamp)).toISOString() }));
      const first = attack.events[0]!;
      const entity = typeof first.user_id === 'string' ? { field: 'user_id' as const, value: first.user_id } : { field: 'agent_id' as const, value: String(first.agent_id) };
      const p: Pending = { attack, entity, sentAt: Date.now() };
      pending.push(p);
      track(post(events));
    }
  }
  const elapsed = (Date.now() - started) / 1000;
  await Promise.all(inFlight);
  const drainUntil = Date.now() + 30_000;
  while (pending.some((p) => p.detectedAt === undefined) && Date.now() < drainUntil) await new Promise((r) => setTimeout(r, 200));
  watching = false;
  await watcher;

  const recent = (await (await fetch(`${service.url}/v1/alerts?since=15m&limit=1000`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { alerts: Array<Record<string, string>> };
  const benignAlerts = recent.alerts.filter((a) => typeof a.user_id === 'string' && a.user_id.startsWith('user')).length;
  const status = (await (await fetch(`${service.url}/v1/detections/status`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { streaming: Record<string, unknown> };
  const latencies = pending.filter((p) => p.detectedAt !== undefined).map((p) => p.detectedAt! - p.sentAt).sort((a, b) => a - b);
  const byRule = new Map<string, number[]>();
  for (const p of pending) if (p.detectedAt !== undefined) byRule.set(p.attack.rule, [...(byRule.get(p.attack.rule) ?? []), p.detectedAt - p.sentAt]);
  const info = machine();
  console.log(`\n### Streaming detection: event-to-alert latency at ${RATE} events/s for ${SECONDS} s${args['skip-ueba'] ? ' (ueba_* rules disabled)' : ''}\n`);
  console.log(
    table([
      ['events sent', `${sent.toLocaleString('en-US')} (${Math.round(sent / elapsed).toLocaleString('en-US')} events/s; benign pool ${pool.length.toLocaleString('en-US')} events${sent > pool.length ? ', replayed' : ''})`],
      ['alerts on benign users', String(benignAlerts)],
      ['ingest errors / dropped', String(ingestErrors)],
      ['attacks detected', `${latencies.length} of ${pending.length}`],
      ['latency p50', `${percentile(latencies, 50)} ms`],
      ['latency p95', `${percentile(latencies, 95)} ms`],
      ['latency max', `${latencies.at(-1)} ms`],
      ...[...byRule].map(([rule, l]): [string, string] => [`p50 / max ${rule}`, `${percentile(l.sort((a, b) => a - b), 50)} / ${l.at(-1)} ms`]),
      ['streaming', `poll 250 ms, ${status.streaming.events_processed} events processed, ${status.streaming.errors} poll errors${status.streaming.last_error ? ` (last: ${String(status.streaming.last_error).slice(0, 120)})` : ''}, slowest slice ${status.streaming.max_poll_ms} ms`],
      ['streaming time per rule (top 6)', Object.entries(status.streaming.rule_ms as Record<string, number>).sort((a, b) => b[1] - a[1]).slice(0, 6).map(([r, t]) => `${r} ${(t / 1000).toFixed(1)} s`).join(', ')],
      ['service peak RSS', `${(service.peakRssMb() ?? NaN).toFixed(0)} MiB`],
      ['machine', `${info.cores} cores (${info.cpu}), ${info.memory}, Node ${info.node}; load average at the end ${info.load} (1/5/15 min)`],
      ['Elasticsearch', `${await esVersion(es.url)}${es.embedded ? ' (embedded)' : ''}, on the same machine as the service and the load generator`],
    ]),
  );
  await service.stop();
  rmSync(configDir, { recursive: true, force: true });
  if (!args.keep) {
    const client = createElasticsearchClient({ url: es.url, requestTimeoutMs: 60_000, maxRetries: 0 });
    await deletePrefix(client, prefix);
    await client.close();
  }
  await es.stop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
