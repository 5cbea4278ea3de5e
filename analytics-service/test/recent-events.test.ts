/**
 * detection/recent-events.ts: what streaming takes from memory instead of reading it back — the stored document
 * without text, with Elasticsearch's event.ingested — and its bounds (entries, age, only while streaming here).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentEvents } from '../src/detection/recent-events.js';
import type { StoredEventDocument } from '../src/elasticsearch/event-store.js';

const doc = (id: string): StoredEventDocument =>
  ({ '@timestamp': '2026-12-06T10:00:00.000Z', event_id: id, category: 'request', user_id: 'u', input_text: 'secret prompt', output_text: 'answer', extra: { a: 1 }, event: { ingested: '2026-12-06T10:00:01.000Z' } }) as StoredEventDocument;

test('an event is given back without prompt/response text or extra, stamped with the event.ingested it is read at', () => {
  const recent = new RecentEvents({ maxEntries: 10, maxAgeMs: 1000, active: () => true });
  recent.add([doc('a')]);
  const ingested = Date.parse('2026-12-06T10:00:02.345Z');
  assert.deepEqual(recent.get('a', ingested), { '@timestamp': '2026-12-06T10:00:00.000Z', event_id: 'a', category: 'request', user_id: 'u', event: { ingested: '2026-12-06T10:00:02.345Z' } });
  assert.equal(recent.get('b', ingested), undefined);
});

test('at most maxEntries are kept, the oldest dropped first', () => {
  const recent = new RecentEvents({ maxEntries: 3, maxAgeMs: 60_000, active: () => true });
  recent.add(['a', 'b', 'c', 'd', 'e'].map(doc));
  assert.equal(recent.size, 3);
  assert.deepEqual(['a', 'b', 'c', 'd', 'e'].filter((id) => recent.get(id, 0) !== undefined), ['c', 'd', 'e']);
});

test('events older than maxAgeMs are dropped when more arrive', () => {
  let now = 0;
  const recent = new RecentEvents({ maxEntries: 100, maxAgeMs: 1000, active: () => true, now: () => now });
  recent.add([doc('old')]);
  now = 1500;
  recent.add([doc('new')]);
  assert.equal(recent.get('old', 0), undefined);
  assert.notEqual(recent.get('new', 0), undefined);
});

test('nothing is kept while streaming does not run here, and what was kept is dropped', () => {
  let active = true;
  const recent = new RecentEvents({ maxEntries: 100, maxAgeMs: 60_000, active: () => active });
  recent.add([doc('a')]);
  active = false;
  recent.add([doc('b')]);
  assert.equal(recent.size, 0);
});
