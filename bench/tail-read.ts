/**
 * What streaming's read of new events costs Elasticsearch, by what it fetches: a slice of `--slice` events (20 000, the
 * default AISEC_DETECTION_BATCH), read in pages of 10 000 sorted by event.ingested and event_id, as
 * DetectionStore.ingestedSince reads it.
 *
 * Loads `--events` benign events through the service (streaming off; NDJSON of 2 000), then times, round after round
 * and in turn:
 *   - source without text: every hit's `_source` without input_text, output_text and extra (the read until the
 *     thirteenth session of 2026-12-06);
 *   - whole source: every hit's `_source`;
 *   - positions only: `_source: false` and `stored_fields: _none_`, the sort values alone (the read now, when the
 *     contents are at hand: events this replica stored, detection/recent-events.ts);
 *   - positions, then by id: the same, then the contents of every hit by id without text (the read now when none is
 *     at hand: events another replica or shipper stored);
 *   - source without text, bounded, and positions only, bounded: the same reads with the range ended at twice the
 *     slice's span of event.ingested past the checkpoint, as streaming reads under a backlog since the fifteenth
 *     session (detection/streaming.ts nextSlice): Elasticsearch then sorts the events of that range, not the backlog.
 * Prints every round and the median of each; the first round is the first after the load (cold).
 *
 *   node --import tsx bench/tail-read.ts [--events 200000] [--slice 20000] [--backlog 20000] [--rounds 7]
 *
 * The read starts from a checkpoint `--backlog` events back from the newest (about: events stored in one bulk share
 * their event.ingested), as streaming's read starts at its checkpoint: the range matches the backlog, the read takes a
 * slice of it.
 *
 * Uses ES_URL, or starts the embedded Elasticsearch.
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { estypes } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../analytics-service/src/elasticsearch/client.js';
import { UNREAD_FIELDS } from '../analytics-service/src/elasticsearch/detection-store.js';
import { benignDay } from '../test/support/traffic.js';
import { deletePrefix } from '../test/support/service.js';
import { INGEST_KEY, elasticsearch, esVersion, machine, percentile, startService } from './detection-support.js';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '200000' },
    slice: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    /** new events behind the checkpoint the read starts from (the range matches them all; the read takes `--slice`) */
    backlog: { type: 'string', default: '20000' },
  },
});
const EVENTS = Number(args.events);
const SLICE = Number(args.slice);
const ROUNDS = Number(args.rounds);
const BACKLOG = Number(args.backlog);
const PAGE = 10_000;
/** what streaming reads of an event (detection-store.ts) */
const WITHOUT_TEXT = [...UNREAD_FIELDS];
const load = () => loadavg().map((l) => l.toFixed(1)).join(' / ');

const es = await elasticsearch('1g');
const client = createElasticsearchClient({ url: es.url, requestTimeoutMs: 120_000, maxRetries: 0 });
const prefix = `bench-tail-${Date.now().toString(36)}`;
const index = `${prefix}-events`;
try {
  const service = await startService(es.url, { AISEC_INDEX_PREFIX: prefix, AISEC_DETECTION_STREAMING: 'false' });
  const loadedFrom = Date.now() - 1000;
  try {
    const pool = benignDay({ seed: 7, users: 20_000, day: new Date(Date.UTC(2026, 0, 5)), withText: false });
    for (let n = 0; n < EVENTS; ) {
      const lines: string[] = [];
      for (let i = 0; i < 2000 && n < EVENTS; i++, n++) lines.push(JSON.stringify({ ...pool[n % pool.length], timestamp: new Date().toISOString(), event_id: `tail-${n}` }));
      const response = await fetch(`${service.url}/v1/events`, { method: 'POST', headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/x-ndjson' }, body: `${lines.join('\n')}\n` });
      if (!response.ok) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    }
  } finally {
    await service.stop();
  }
  await client.indices.refresh({ index });

  // as streaming reads: from a checkpoint, here `--backlog` events back from the newest (the range matches them all)
  const mark = await client.search<{ event: { ingested: string } }>({ index, size: 1, query: { term: { event_id: `tail-${EVENTS - BACKLOG - 1}` } } });
  const checkpoint = BACKLOG >= EVENTS ? new Date(loadedFrom).toISOString() : mark.hits.hits[0]!._source!.event.ingested;
  const range: estypes.QueryDslQueryContainer = { range: { 'event.ingested': { gt: checkpoint, format: 'strict_date_optional_time' } } };
  // the span of event.ingested a slice covers (to its last event), as streaming learns it from the slice before
  const sliceEnd = await client.search<{ event: { ingested: string } }>({ index, size: 1, query: { term: { event_id: `tail-${Math.max(0, EVENTS - BACKLOG) + SLICE - 1}` } } });
  const span = Date.parse(sliceEnd.hits.hits[0]!._source!.event.ingested) - Date.parse(checkpoint);
  const bounded: estypes.QueryDslQueryContainer = { range: { 'event.ingested': { gt: checkpoint, lte: new Date(Date.parse(checkpoint) + 2 * Math.max(1, span)).toISOString(), format: 'strict_date_optional_time' } } };
  const sort: estypes.SortCombinations[] = [{ 'event.ingested': { order: 'asc' } }, { event_id: { order: 'asc' } }];
  /** one slice, page by page; `fetch` is what each page asks for; `byId` reads the page's contents by id afterwards */
  async function slice(fetch: Partial<estypes.SearchRequest>, byId = false, query = range): Promise<number> {
    let after: estypes.SortResults | undefined;
    let read = 0;
    while (read < SLICE) {
      const page = await client.search({ index, size: Math.min(PAGE, SLICE - read), track_total_hits: false, query, sort, ...fetch, ...(after ? { search_after: after } : {}) });
      const hits = page.hits.hits;
      if (hits.length === 0) break;
      read += hits.length;
      after = hits.at(-1)!.sort;
      if (byId) {
        const ids = hits.map((h) => String(h.sort![1]));
        const contents = await client.search({ index, size: ids.length, track_total_hits: false, query: { terms: { event_id: ids } }, _source: { excludes: WITHOUT_TEXT } });
        if (contents.hits.hits.length !== ids.length) throw new Error(`read ${contents.hits.hits.length} of ${ids.length} events by id`);
      }
    }
    if (read < SLICE) throw new Error(`only ${read} events to read: load more (--events)`);
    return read;
  }
  const variants: Array<[string, () => Promise<number>]> = [
    ['source without text (before)', () => slice({ _source: { excludes: WITHOUT_TEXT } })],
    ['whole source', () => slice({})],
    ['positions only (contents at hand)', () => slice({ _source: false, stored_fields: '_none_' })],
    ['positions, then by id (none at hand)', () => slice({ _source: false, stored_fields: '_none_' }, true)],
    ['source without text, bounded (a replica that stores nothing, under a backlog)', () => slice({ _source: { excludes: WITHOUT_TEXT } }, false, bounded)],
    ['positions only, bounded (contents at hand, under a backlog)', () => slice({ _source: false, stored_fields: '_none_' }, false, bounded)],
  ];
  const times = new Map<string, number[]>(variants.map(([name]) => [name, []]));
  const loadAtStart = load();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, read] of variants) {
      const started = performance.now();
      await read();
      times.get(name)!.push(performance.now() - started);
    }
  }
  const before = percentile([...times.get(variants[0]![0])!].sort((a, b) => a - b), 50);
  console.log(`## Streaming's read of ${SLICE} new events of a backlog of about ${BACKLOG} (${EVENTS} stored; ${ROUNDS} rounds, the variants in turn)\n`);
  console.log('| read | ms per slice, every round | median | of the read before |\n|---|---|---|---|');
  for (const [name, t] of times) {
    const median = percentile([...t].sort((a, b) => a - b), 50);
    console.log(`| ${name} | ${t.map((v) => v.toFixed(0)).join(' · ')} | ${median.toFixed(0)} | ${(median / before).toFixed(2)}× |`);
  }
  const m = machine();
  console.log(`\nmachine: ${m.cores} cores (${m.cpu}), ${m.memory}, Node ${m.node}; load average ${loadAtStart} at the start, ${load()} at the end (1/5/15 min); Elasticsearch ${await esVersion(es.url)} (${es.embedded ? 'embedded' : es.url})`);
} finally {
  await deletePrefix(client, prefix).catch(() => undefined);
  await client.close();
  await es.stop();
}
