/**
 * Every ingest answer tells the truth about what was stored (issue 12, findings 1–3): a batch with one event that
 * Elasticsearch would refuse as a whole request is resolved into per-event outcomes, and `accepted + rejected +
 * duplicates` equals the batch and agrees with Elasticsearch's own count and with the Prometheus counter; numbers that
 * are not finite and values the mapping refuses are refused by the validator, the field named, in our words.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ingestEvents } from '../../analytics-service/src/ingest/ingest-events.js';
import { metrics } from '../../analytics-service/src/observability/metrics.js';
import { ELASTICSEARCH_TEXT } from '../support/leaks.js';
import { countStored, postEvents, startTestService, type TestService } from '../support/service.js';

let service: TestService;
before(async () => {
  service = await startTestService('truth', { AISEC_BULK_CHUNK: '500' });
});
after(async () => service.close());


const eventCount = async (outcome: string) => (await metrics.events.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

const batch = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: '2026-03-01T10:00:00Z', category: 'request', event_id: `${tag}-${i}`, user_id: `u${i % 7}` }));

test('one event_id of 200 "€" (600 bytes, over the 512-byte _id limit) in 2 500 events: 2 499 stored, that one rejected with the field named', async () => {
  const before = { accepted: await eventCount('accepted'), rejected: await eventCount('rejected') };
  const events: Array<Record<string, unknown>> = batch(2500, 'euro');
  events[2200]!.event_id = '€'.repeat(200);
  const stored0 = await countStored(service);
  const response = await postEvents(service, events);
  assert.equal(response.statusCode, 200, response.body.slice(0, 300));
  const result = response.json();
  assert.equal(result.accepted, 2499);
  assert.equal(result.rejected, 1);
  assert.equal(result.duplicates, 0);
  assert.deepEqual(
    result.errors.map((e: { index: number; field?: string }) => [e.index, e.field]),
    [[2200, 'event_id']],
  );
  assert.match(result.errors[0].message, /600 bytes of UTF-8; at most 512/);
  assert.doesNotMatch(response.body, ELASTICSEARCH_TEXT);
  assert.equal((await countStored(service)) - stored0, 2499, 'Elasticsearch holds exactly the accepted events');
  assert.equal((await eventCount('accepted')) - before.accepted, 2499, 'the Prometheus counter agrees');
  assert.equal((await eventCount('rejected')) - before.rejected, 1);
  // a retry of the same batch: the stored ones are duplicates, the bad one is still rejected; nothing is stored twice
  const retry = (await postEvents(service, events)).json();
  assert.deepEqual([retry.accepted, retry.rejected, retry.duplicates], [0, 1, 2499]);
  assert.equal((await countStored(service)) - stored0, 2499);
});

test('when Elasticsearch refuses a bulk request as a whole, the offender is isolated by splitting and the rest are stored', async () => {
  // the validator catches long ids now; to reach Elasticsearch's request-level refusal, events are altered after
  // validation (the transform hook runs there), as a gap between validator and mapping would let them through
  const poisoned = new Set([3, 777, 778, 1999]);
  const items = batch(2000, 'split').map((value, index) => ({ index, value }));
  const stored0 = await countStored(service);
  const result = await ingestEvents(service.app.events, items, {
    chunkSize: 1000,
    refresh: true,
    transform: (event) => (poisoned.has(Number(event.event_id!.split('-')[1])) ? { ...event, event_id: `${'€'.repeat(200)}${event.event_id}` } : event),
  });
  assert.equal(result.accepted, 1996);
  assert.equal(result.rejected, 4);
  assert.equal(result.accepted + result.rejected + result.duplicates, 2000);
  assert.deepEqual(
    result.errors.map((e) => e.index),
    [...poisoned].sort((a, b) => a - b),
  );
  for (const error of result.errors) {
    assert.match(error.message, /could not be stored/);
    assert.doesNotMatch(error.message, ELASTICSEARCH_TEXT);
  }
  assert.equal((await countStored(service)) - stored0, 1996);
});

test('an event Elasticsearch refuses item by item is rejected in our words with the field Elasticsearch named', async () => {
  const items = [0, 1].map((index) => ({ index, value: { timestamp: '2026-03-01T10:00:00Z', category: 'request', event_id: `mapping-gap-${index}` } }));
  const refused: string[] = [];
  const result = await ingestEvents(service.app.events, items, {
    chunkSize: 10,
    refresh: true,
    // a value the mapping refuses, slipped past the validator the same way
    transform: (event) => (event.event_id === 'mapping-gap-1' ? { ...event, tokens_in: 1.2e29 } : event),
    onRefused: ({ reason }) => refused.push(reason),
  });
  assert.deepEqual([result.accepted, result.rejected], [1, 1]);
  assert.equal(result.errors[0]!.field, 'tokens_in');
  assert.doesNotMatch(result.errors[0]!.message, ELASTICSEARCH_TEXT);
  assert.match(refused[0]!, /tokens_in/, 'Elasticsearch\'s reason goes to the log hook');
});

test('non-finite numbers (1e400 → Infinity) are refused with the field named, in every numeric field and inside tool_params', async () => {
  const fields = ['cost_usd', 'tokens_in', 'tokens_out', 'latency_ms', 'session_cost_usd', 'conversation_turn', 'tool_calls_in_session', 'judge_score', 'risk_tier'];
  const lines = fields.map((field) => `{"timestamp":"2026-03-01T10:00:00Z","category":"request","event_id":"inf-${field}","${field}":1e400}`);
  lines.push('{"timestamp":"2026-03-01T10:00:00Z","category":"request","event_id":"inf-neg","cost_usd":-1e400}');
  lines.push('{"timestamp":"2026-03-01T10:00:00Z","category":"tool_invocation","event_id":"inf-tp","tool_params":{"limit":[1,1e400]}}');
  lines.push('{"timestamp":"2026-03-01T10:00:00Z","category":"request","event_id":"inf-extra","vendor_score":1e999}');
  lines.push('{"timestamp":"2026-03-01T10:00:00Z","category":"request","event_id":"finite-ok","cost_usd":1.7976931348623157e308}');
  const stored0 = await countStored(service);
  const response = await postEvents(service, lines.join('\n'), 'application/x-ndjson');
  const result = response.json();
  assert.equal(result.accepted, 1, response.body.slice(0, 500));
  assert.equal(result.rejected, lines.length - 1);
  const byIndex = new Map<number, { field: string; message: string }>(result.errors.map((e: { index: number; field: string; message: string }) => [e.index, e]));
  fields.forEach((field, i) => {
    assert.equal(byIndex.get(i)?.field, field, `${field} is named`);
    assert.match(byIndex.get(i)!.message, /must be finite/);
  });
  assert.equal(byIndex.get(fields.length)?.field, 'cost_usd');
  assert.equal(byIndex.get(fields.length + 1)?.field, 'tool_params.limit[1]');
  assert.equal(byIndex.get(fields.length + 2)?.field, 'extra.vendor_score');
  assert.equal((await countStored(service)) - stored0, 1);
  const stored = await service.es.search<{ cost_usd: number }>({ index: `${service.prefix}-events`, query: { term: { event_id: 'finite-ok' } } });
  assert.equal(stored.hits.hits[0]!._source!.cost_usd, 1.7976931348623157e308, 'the largest double is stored as sent, not zeroed');
});

test('the validator is as strict as the mapping: depth of tool_params, longs, date forms — each refused with the field, the boundary stored', async () => {
  const nest = (n: number) => {
    let o: unknown = 'leaf';
    for (let i = 0; i < n; i++) o = { a: o };
    return o;
  };
  const ok = { timestamp: '2026-03-01T10:00:00Z', category: 'tool_invocation' };
  const cases: Array<{ event: Record<string, unknown>; field?: string; message?: RegExp }> = [
    { event: { ...ok, event_id: 'depth-20', tool_params: nest(20) } },
    { event: { ...ok, event_id: 'depth-21', tool_params: nest(21) }, field: 'tool_params', message: /deeper than 20 levels/ },
    { event: { ...ok, event_id: 'long-max', tokens_in: 2 ** 63 - 1024 } },
    { event: { ...ok, event_id: 'long-big', tokens_in: 1.2e29 }, field: 'tokens_in', message: /largest whole number/ },
    { event: { ...ok, event_id: 'long-2^63', tokens_out: 2 ** 63 }, field: 'tokens_out', message: /largest whole number/ },
    { event: { ...ok, event_id: 'date-space', timestamp: '2026-12-04 17:00:00Z' }, field: 'timestamp', message: /upper-case T/ },
    { event: { ...ok, event_id: 'date-lower', timestamp: '2026-12-04t17:00:00z' }, field: 'timestamp' },
    { event: { ...ok, event_id: 'date-leap-second', timestamp: '2026-06-30T23:59:60Z' }, field: 'timestamp' },
    { event: { ...ok, event_id: 'date-10-digits', timestamp: '2026-03-01T10:00:00.1234567891Z' }, field: 'timestamp' },
    { event: { ...ok, event_id: 'date-offset-19', timestamp: '2026-03-01T10:00:00+19:00' }, field: 'timestamp' },
    { event: { ...ok, event_id: 'date-9-digits', timestamp: '2026-03-01T10:00:00.123456789+18:00' } },
    { event: { ...ok, event_id: 'term-max', tool_params: { a: 'x'.repeat(32_764) } } },
    { event: { ...ok, event_id: 'term-over', tool_params: { a: 'x'.repeat(32_765) } }, field: 'tool_params.a', message: /32766 bytes/ },
    { event: { ...ok, event_id: 'term-over-utf8', tool_params: { a: '€'.repeat(10_922) } }, field: 'tool_params.a', message: /32766 bytes/ },
  ];
  const response = await postEvents(service, cases.map((c) => c.event));
  assert.equal(response.statusCode, 200);
  const result = response.json();
  assert.doesNotMatch(response.body, ELASTICSEARCH_TEXT);
  const errors = new Map<number, { field?: string; message: string }>(result.errors.map((e: { index: number }) => [e.index, e]));
  for (const [i, c] of cases.entries()) {
    const error = errors.get(i);
    if (c.field === undefined) {
      assert.equal(error, undefined, `${c.event.event_id} is stored: ${error?.message}`);
      const stored = await service.es.search({ index: `${service.prefix}-events`, query: { term: { event_id: c.event.event_id as string } } });
      assert.equal(stored.hits.hits.length, 1, `${c.event.event_id} is in Elasticsearch`);
    } else {
      assert.equal(error?.field, c.field, `${c.event.event_id}: ${JSON.stringify(error)}`);
      if (c.message) assert.match(error!.message, c.message);
    }
  }
  assert.equal(result.accepted + result.rejected, cases.length);
});
