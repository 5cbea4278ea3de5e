/**
 * The service's own CPU per ingested event, apart from HTTP and Elasticsearch: the steps POST /v1/events runs on an
 * NDJSON body (parse-body.ts → validateEvent → toDocument → the bulk body's JSON), on bench/ingest.ts's events, in
 * this process. Measured as process CPU time (user + system), not wall time, so the figure holds on a busy machine;
 * each stage includes the ones before it.
 *
 *   node --import tsx bench/ingest-cpu.ts [--batch 5000] [--rounds 7]
 *   NODE_OPTIONS=--max-semi-space-size=32 node --import tsx bench/ingest-cpu.ts   # as the container runs it
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseNdjsonBody } from '../analytics-service/src/ingest/parse-body.js';
import { validateEvent } from '../analytics-service/src/contract/validate.js';
import { toDocument } from '../analytics-service/src/elasticsearch/event-store.js';
import { benchEvents } from './ingest-events.js';

const { values: args } = parseArgs({ options: { batch: { type: 'string', default: '5000' }, rounds: { type: 'string', default: '7' } } });
const BATCH = Number(args.batch);
const ROUNDS = Number(args.rounds);
/** bodies per round: enough that one round takes about a second */
const REPEATS = 20;

const body = benchEvents(0, BATCH).map((e) => JSON.stringify(e)).join('\n') + '\n';
const cpuNs = () => {
  const used = process.cpuUsage();
  return (used.user + used.system) * 1000;
};

type Stage = 'parse' | 'validate' | 'document';

/** CPU ns for one body up to `stage`. */
function once(stage: Stage): number {
  const start = cpuNs();
  const items = parseNdjsonBody(body);
  if (stage !== 'parse') {
    const ingested = new Date().toISOString();
    let bulk = '';
    for (const item of items) {
      if ('error' in item) throw new Error(item.error);
      const validation = validateEvent(item.value);
      if (!validation.ok) throw new Error(JSON.stringify(validation.errors));
      if (stage === 'document') bulk += `${JSON.stringify({ create: { _index: 'bench', _id: validation.event.event_id } })}\n${JSON.stringify(toDocument(validation.event, ingested))}\n`;
    }
    if (stage === 'document' && bulk.length === 0) throw new Error('empty bulk body');
  }
  return cpuNs() - start;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`### Service CPU per ingested event (µs), ${BATCH} events per body, ${ROUNDS} rounds of ${REPEATS} bodies; NODE_OPTIONS=${process.env.NODE_OPTIONS ?? ''}; load ${loadavg().map((l) => l.toFixed(1)).join(' / ')}\n`);
console.log('| stage (cumulative) | median | rounds |');
console.log('|---|---|---|');
for (const stage of ['parse', 'validate', 'document'] as const) {
  for (let i = 0; i < REPEATS; i++) once(stage); // warm-up: JIT and the heap
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let ns = 0;
    for (let i = 0; i < REPEATS; i++) ns += once(stage);
    rounds.push(ns / REPEATS / BATCH / 1000);
  }
  const label = { parse: 'parse the NDJSON body', validate: '+ aliases and validation', document: '+ stored document and bulk body JSON' }[stage];
  console.log(`| ${label} | **${median(rounds).toFixed(2)}** | ${rounds.map((r) => r.toFixed(2)).join(' ')} |`);
}
