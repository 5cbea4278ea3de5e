/**
 * Retro-hunt benchmark: the whole rule catalogue over ~1M events.
 *
 *   node --import tsx bench/retro-hunt.ts [--users 1500] [--days 30] [--attacks 6] [--skip-ueba] [--keep]
 *
 * Generates deterministic traffic (test/support/traffic.ts: benign days plus attack scenarios), bulk-loads it
 * straight into the events data stream, then runs POST /v1/detections/run over the whole range on the service
 * started as a child process, polling the run for progress. Reports wall time, alerts, and the service's RSS
 * (sampled during the run, and the process's peak). Uses ES_URL, or starts the embedded Elasticsearch.
 */
import { parseArgs } from 'node:util';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { ATTACK_KINDS, attacks, benignDay, Random, type TrafficEvent } from '../test/support/traffic.js';
import { ADMIN_KEY, elasticsearch, esVersion, machine, startService, table } from './detection-support.js';
import { deletePrefix } from '../test/support/service.js';
import { DAY_MS as DAY } from '../cli/src/time.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '1500' },
    days: { type: 'string', default: '30' },
    attacks: { type: 'string', default: '6', short: 'a' },
    keep: { type: 'boolean', default: false },
    'skip-ueba': { type: 'boolean', default: false },
  },
});
const USERS = Number(args.users);
const DAYS = Number(args.days);
const ATTACKS_PER_DAY = Number(args.attacks);
const FIRST_DAY = Date.UTC(2026, 0, 5);

function toDoc(event: TrafficEvent, ingested: string) {
  const { timestamp, ...rest } = event;
  return { '@timestamp': timestamp, ...rest, event: { ingested } };
}

async function main() {
  const es = await elasticsearch();
  const client = createElasticsearchClient({ url: es.url, requestTimeoutMs: 300_000, maxRetries: 1 });
  const prefix = `bench-retro-${Date.now().toString(36)}`;
  const service = await startService(es.url, { AISEC_INDEX_PREFIX: prefix, AISEC_DETECTION_STREAMING: 'false', ES_REQUEST_TIMEOUT_MS: '300000' });
  try {
    // load
    const loadStarted = Date.now();
    let loaded = 0;
    let attackCount = 0;
    const random = Random.seeded(7);
    const ingested = new Date().toISOString();
    for (let d = 0; d < DAYS; d++) {
      const day = new Date(FIRST_DAY + d * DAY);
      const events = benignDay({ seed: 1000 + d, users: USERS, day });
      for (let a = 0; a < ATTACKS_PER_DAY; a++) {
        const kind = ATTACK_KINDS[(d * ATTACKS_PER_DAY + a) % ATTACK_KINDS.length]!;
        events.push(...attacks[kind](day.getTime() + random.int(1, 22) * 3_600_000, `d${d}a${a}`).events);
        attackCount++;
      }
      const batches: string[] = [];
      for (let i = 0; i < events.length; i += 5000) {
        batches.push(events.slice(i, i + 5000).map((e) => `${JSON.stringify({ create: { _index: `${prefix}-events`, _id: e.event_id } })}\n${JSON.stringify(toDoc(e, ingested))}\n`).join(''));
      }
      await Promise.all(
        [0, 1].map(async (lane) => {
          for (let i = lane; i < batches.length; i += 2) {
            const response = await client.bulk({ body: batches[i]!, filter_path: 'errors,items.*.error.reason' } as never);
            if ((response as { errors: boolean }).errors) throw new Error(`bulk errors: ${JSON.stringify(response).slice(0, 500)}`);
          }
        }),
      );
      loaded += events.length;
      process.stderr.write(`\rloaded day ${d + 1}/${DAYS}: ${loaded} events`);
    }
    await client.indices.refresh({ index: `${prefix}-events` });
    const count = (await client.count({ index: `${prefix}-events` })).count;
    const loadSeconds = (Date.now() - loadStarted) / 1000;
    process.stderr.write(`\n${count} events stored in ${loadSeconds.toFixed(1)} s; hunting...\n`);

    // hunt
    const rssBefore = service.rssMb() ?? NaN;
    let rssPeakDuringRun = rssBefore;
    let rules: string[] | undefined;
    if (args['skip-ueba']) {
      const catalogue = (await (await fetch(`${service.url}/v1/rules`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as { rules: Array<{ id: string; enabled: boolean }> };
      rules = catalogue.rules.filter((r) => r.enabled && !r.id.startsWith('ueba_')).map((r) => r.id);
    }
    const started = Date.now();
    const response = await fetch(`${service.url}/v1/detections/run`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ from: new Date(FIRST_DAY).toISOString(), to: new Date(FIRST_DAY + DAYS * DAY).toISOString(), wait: false, ...(rules ? { rules } : {}) }),
    });
    if (response.status !== 202) throw new Error(`run refused: ${response.status} ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    let state: Record<string, unknown> & { status: string; chunks_done: number; chunks_total: number; created: number; updated: number; unchanged: number };
    for (;;) {
      await new Promise((r) => setTimeout(r, 500));
      rssPeakDuringRun = Math.max(rssPeakDuringRun, service.rssMb() ?? 0);
      state = (await (await fetch(`${service.url}/v1/detections/runs/${id}`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } })).json()) as typeof state;
      process.stderr.write(`\rrun ${state.status}: ${state.chunks_done}/${state.chunks_total} days, ${state.created} alerts`);
      if (state.status !== 'running') break;
    }
    const seconds = (Date.now() - started) / 1000;
    process.stderr.write('\n');
    if (state.status !== 'succeeded') throw new Error(`run failed: ${JSON.stringify(state)}`);
    const tallies = Object.entries(state.by_rule as Record<string, { created: number; duration_ms?: number }>);
    const byRule = tallies.filter(([, t]) => t.created > 0).map(([r, t]) => `${r} ${t.created}`).join(', ');
    const slowest = tallies.sort((a, b) => (b[1].duration_ms ?? 0) - (a[1].duration_ms ?? 0)).slice(0, 8).map(([r, t]) => `${r} ${((t.duration_ms ?? 0) / 1000).toFixed(1)} s`).join(', ');

    const info = machine();
    console.log(`\n### Retro-hunt: ${rules ? 'detection rules (ueba_* skipped)' : 'whole catalogue'} over ${count.toLocaleString('en-US')} events\n`);
    console.log(
      table([
        ['events', count.toLocaleString('en-US')],
        ['range', `${DAYS} days, ${USERS} users, ${attackCount} attack scenarios`],
        ['rules', String((state.rules as string[]).length)],
        ['wall time', `${seconds.toFixed(1)} s`],
        ['throughput', `${Math.round(count / seconds).toLocaleString('en-US')} events/s`],
        ['alerts created', `${state.created} (${byRule})`],
        ['slowest rules', slowest],
        ['service RSS before the run', `${rssBefore.toFixed(0)} MiB`],
        ['service peak RSS during the run (sampled)', `${rssPeakDuringRun.toFixed(0)} MiB`],
        ['service peak RSS (VmHWM, whole process life)', `${(service.peakRssMb() ?? NaN).toFixed(0)} MiB`],
        ['bulk load (not part of the hunt)', `${loadSeconds.toFixed(1)} s`],
        ['machine', `${info.cores} cores (${info.cpu}), ${info.memory}, Node ${info.node}; load average at the end ${info.load} (1/5/15 min)`],
        ['Elasticsearch', `${await esVersion(es.url)}${es.embedded ? ' (embedded)' : ''}, shared by the service, the loader and this process`],
      ]),
    );
  } finally {
    await service.stop();
    if (!args.keep) {
      await deletePrefix(client, prefix);
    }
    await client.close();
    await es.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
