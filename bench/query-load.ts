/**
 * Loads the query benchmark's data set (`BulkDataset`) into Elasticsearch: events in stored form with `_bulk`
 * (deterministic ids, so an interrupted load resumes), then the alerts and baselines, and a marker document that
 * lets `--reuse` skip a complete load of the same generator version and size.
 */
import type { Client } from '@elastic/elasticsearch';
import type { AiSecurityEvent } from '../analytics-service/src/contract/event-schema.js';
import { validateEvent } from '../analytics-service/src/contract/validate.js';
import { bootstrapIndices } from '../analytics-service/src/elasticsearch/bootstrap.js';
import { toDocument } from '../analytics-service/src/elasticsearch/event-store.js';
import type { IndexNames } from '../analytics-service/src/elasticsearch/index-names.js';
import { BULK_END, BULK_ENDPOINTS, BULK_MODELS, type BulkDataset } from '../cli/src/demo/index.js';
import { DAY_MS } from '../cli/src/time.js';

export interface LoadOptions {
  /** documents per `_bulk` request */
  batch: number;
  /** concurrent `_bulk` requests */
  concurrency: number;
  /** primary shards of the events data stream */
  shards: number;
  /** skip the load when the marker says the same data is complete */
  reuse: boolean;
  generatorVersion: number;
}

export const fmt = (n: number) => n.toLocaleString('en-US');

async function bulkAll(es: Client, bodies: Iterator<string>, concurrency: number): Promise<{ created: number; existing: number }> {
  let created = 0;
  let existing = 0;
  const lane = async () => {
    for (let next = bodies.next(); !next.done; next = bodies.next()) {
      const response = (await es.bulk({ body: next.value, filter_path: 'errors,items.*.status,items.*.error.reason' } as never)) as unknown as {
        errors: boolean;
        items?: Array<Record<string, { status: number; error?: { reason?: string } }>>;
      };
      for (const item of response.items ?? []) {
        const result = Object.values(item)[0]!;
        if (result.status === 201 || result.status === 200) created++;
        else if (result.status === 409) existing++;
        else throw new Error(`bulk item failed (${result.status}): ${result.error?.reason ?? 'unknown'}`);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { created, existing };
}

/** NDJSON bodies of `size` documents each, produced on demand. */
function* batches<T>(items: Iterable<T>, size: number, line: (item: T) => string): Generator<string> {
  let lines: string[] = [];
  for (const item of items) {
    lines.push(line(item));
    if (lines.length === size) {
      yield lines.join('');
      lines = [];
    }
  }
  if (lines.length > 0) yield lines.join('');
}

export interface LoadReport {
  reused: boolean;
  seconds: number;
  events: number;
  alerts: number;
  baselines: number;
}

async function count(es: Client, index: string): Promise<number> {
  const exists = await es.indices.exists({ index });
  if (!exists) return 0;
  await es.indices.refresh({ index });
  return (await es.count({ index })).count;
}

export async function load(es: Client, names: IndexNames, data: BulkDataset, options: LoadOptions): Promise<LoadReport> {
  const { batch, concurrency } = options;
  const alertCount = Math.round(data.events / 250);
  const baselineCount = data.users.length + BULK_MODELS.length + BULK_ENDPOINTS.length;
  const marker = await es.get<{ value?: { version?: number; events?: number } }>({ index: names.state, id: 'bench-query-dataset' }, { ignore: [404] }).catch(() => undefined);
  const markerOk = marker?.found === true && marker._source?.value?.version === options.generatorVersion && marker._source.value.events === data.events;
  if (options.reuse && markerOk) {
    const [events, alerts, baselines] = await Promise.all([count(es, names.events), count(es, names.alerts), count(es, names.baselines)]);
    if (events === data.events && alerts === alertCount && baselines === baselineCount) {
      process.stderr.write(`${names.events}: reusing ${fmt(events)} events, ${fmt(alerts)} alerts, ${fmt(baselines)} baselines\n`);
      return { reused: true, seconds: 0, events, alerts, baselines };
    }
  }
  if (marker?.found && !markerOk) throw new Error(`${names.events} holds data of another generator version or size; use another prefix or a fresh node`);

  await bootstrapIndices(es, names, { eventsShards: options.shards });
  const started = Date.now();
  let sent = 0;
  let checked = 0;
  const docs = (function* () {
    for (const event of data.generate()) {
      // the generator's output is checked against the contract (a sample, to keep the load fast)
      if (checked < 2000 || sent % 997 === 0) {
        const result = validateEvent(event as unknown as AiSecurityEvent, BULK_END + DAY_MS);
        if (!result.ok) throw new Error(`generator produced an invalid event: ${JSON.stringify(result.errors)} ${JSON.stringify(event)}`);
        checked++;
      }
      sent++;
      if (sent % 100_000 === 0) {
        const rate = sent / ((Date.now() - started) / 1000);
        process.stderr.write(`\r${names.events}: ${fmt(sent)}/${fmt(data.events)} events (${fmt(Math.round(rate))}/s)   `);
      }
      yield event;
    }
  })();
  const action = (index: string, id: string) => JSON.stringify({ create: { _index: index, _id: id } });
  const eventsResult = await bulkAll(
    es,
    batches(docs, batch, (e) => `${action(names.events, e.event_id!)}\n${JSON.stringify(toDocument(e as unknown as AiSecurityEvent, new Date(Date.parse(e.timestamp) + 1500).toISOString()))}\n`),
    concurrency,
  );
  process.stderr.write(`\n`);
  const index = (i: string, id: string) => JSON.stringify({ index: { _index: i, _id: id } });
  await bulkAll(es, batches(data.alerts(), batch, (a) => `${index(names.alerts, a.id as string)}\n${JSON.stringify(a)}\n`), concurrency);
  await bulkAll(es, batches(data.baselines(), batch, (b) => `${index(names.baselines, b.id)}\n${JSON.stringify(b.doc)}\n`), concurrency);
  await es.indices.refresh({ index: [names.events, names.alerts, names.baselines] });
  const seconds = (Date.now() - started) / 1000;
  const [events, alerts, baselines] = await Promise.all([count(es, names.events), count(es, names.alerts), count(es, names.baselines)]);
  if (events !== data.events || alerts !== alertCount || baselines !== baselineCount) {
    throw new Error(`loaded ${events} events, ${alerts} alerts, ${baselines} baselines; expected ${data.events}, ${alertCount}, ${baselineCount}`);
  }
  await es.index({ index: names.state, id: 'bench-query-dataset', document: { kind: 'bench', updated_at: new Date().toISOString(), value: { version: options.generatorVersion, events: data.events } }, refresh: true });
  process.stderr.write(`${names.events}: ${fmt(eventsResult.created)} events written (${fmt(eventsResult.existing)} already there) in ${seconds.toFixed(0)} s\n`);
  return { reused: false, seconds, events, alerts, baselines };
}
