/**
 * Scoring remembers baseline reads (BaselineStore.getMany with maxAgeMs, hasAny): a read Elasticsearch answered
 * before a rebuild's write but that came back after it must not be remembered, or the rebuilt baseline stays hidden
 * from streaming for a minute. The reads here are the real client's; only their answers are held back until the
 * write is done, which is the order a busy machine produced in CI (ueba-streaming.test.ts waited 60 s for an alert).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type {} from '../../analytics-service/src/http/plugins/elasticsearch.js';
import { BaselineStore } from '../../analytics-service/src/elasticsearch/baseline-store.js';
import type { BaselineDocument } from '../../analytics-service/src/ueba/baseline-document.js';
import { startTestService, type TestService } from '../support/service.js';
import { BASE_USER, WEEK, ingest, userTraffic } from '../support/ueba-traffic.js';

const START = Date.parse('2026-06-01T00:00:00Z');
const SCORING = { maxAgeMs: 60_000 };

let service: TestService;
let rebuilt: BaselineDocument;

before(async () => {
  service = await startTestService('baseline-reads', { AISEC_DETECTION_STREAMING: 'false' });
  await ingest(service, userTraffic({ ...BASE_USER, id: 'late' }, START, START + WEEK, 4));
  const rebuild = await service.request('admin', { method: 'POST', url: '/v1/baselines/rebuild', payload: { from: new Date(START).toISOString(), to: new Date(START + WEEK).toISOString() } });
  assert.equal(rebuild.statusCode, 200, rebuild.body);
  // a real baseline document, then none of its kind: the state before a first rebuild
  rebuilt = (await service.es.get<BaselineDocument>({ index: service.app.indices.baselines, id: 'user:late' }))._source!;
  await removeIt();
});
after(async () => service?.close());

const removeIt = () => service.es.delete({ index: service.app.indices.baselines, id: 'user:late', refresh: true });

/** The real client, with each call of `method` made through `around` (which makes the real call with `call`). */
function intercepting(method: 'mget' | 'count', around: (call: () => Promise<unknown>) => Promise<unknown>): Client {
  return new Proxy(service.es, {
    get(target, property, receiver) {
      if (property !== method) return Reflect.get(target, property, receiver);
      return (...args: unknown[]) => around(() => (target[method] as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

/** The real client, whose answers to `method` wait for `release` once Elasticsearch gave them. */
function answersHeldBack(method: 'mget' | 'count', release: Promise<void>): { client: Client; asked: Promise<void> } {
  let asked!: () => void;
  const askedPromise = new Promise<void>((resolve) => (asked = resolve));
  const client = intercepting(method, async (call) => {
    const answer = await call();
    asked();
    await release;
    return answer;
  });
  return { client, asked: askedPromise };
}

test('a baseline read answered before a rebuild wrote it, back after, is not remembered as absent', async () => {
  let release!: () => void;
  const held = answersHeldBack('mget', new Promise<void>((resolve) => (release = resolve)));
  const store = new BaselineStore(held.client, service.app.indices.baselines);
  const before = store.getMany('user', ['late'], undefined, SCORING);
  await held.asked; // Elasticsearch answered: no baseline yet
  await store.putMany([rebuilt]);
  release();
  assert.equal((await before).size, 0, 'the read before the write found none');
  const afterWrite = await store.getMany('user', ['late'], undefined, SCORING);
  assert.equal(afterWrite.get('late')?.entity_id, 'late', 'the rebuilt baseline is read, not the absence remembered');
  await removeIt();
});

test('"no baselines of this kind" answered before a rebuild wrote one, back after, is not remembered', async () => {
  let release!: () => void;
  const held = answersHeldBack('count', new Promise<void>((resolve) => (release = resolve)));
  const store = new BaselineStore(held.client, service.app.indices.baselines);
  const before = store.hasAny('user');
  await held.asked;
  await store.putMany([rebuilt], undefined, true);
  release();
  assert.equal(await before, false, 'the count before the write found none');
  assert.equal(await store.hasAny('user'), true, 'the rebuilt baseline counts, not the absence remembered');
});

test('absences read with nothing written meanwhile are remembered for scoring (one read, not one per batch)', async () => {
  let reads = 0;
  const client = intercepting('mget', (call) => {
    reads++;
    return call();
  });
  const store = new BaselineStore(client, service.app.indices.baselines);
  await store.getMany('user', ['nobody'], undefined, SCORING);
  assert.equal((await store.getMany('user', ['nobody'], undefined, SCORING)).size, 0);
  assert.equal(reads, 1);
});
