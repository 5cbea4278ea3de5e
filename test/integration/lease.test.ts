/**
 * The lease that makes singleton work run once across replicas, against real Elasticsearch: one holder at a
 * time, exactly one winner when many race for a free lease, takeover after expiry, a holder that learns it
 * lost the lease, and release handing it over at once.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { Lease } from '../../analytics-service/src/elasticsearch/lease.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { uniquePrefix } from '../support/service.js';

let es: Client;
const index = `${uniquePrefix('lease')}-state`;

before(async () => {
  es = createElasticsearchClient({ url: testElasticsearchUrl(), requestTimeoutMs: 10_000, maxRetries: 0 });
  await es.indices.create({ index, mappings: { dynamic: false, properties: { owner: { type: 'keyword' }, expires_at: { type: 'date' } } } });
});
after(async () => {
  await es.indices.delete({ index }, { ignore: [404] });
  await es.close();
});

/** two replicas' leases on one id, with a clock the test moves by hand */
function replicas(id: string) {
  let t = Date.parse('2026-11-22T10:00:00Z');
  const time = { now: () => t, advance: (ms: number) => (t += ms) };
  const lease = (owner: string) => new Lease(es, index, { id, owner, termMs: 10_000, now: time.now });
  return { time, a: lease('replica-a'), b: lease('replica-b') };
}

test('one holder at a time; the other takes over once the term has run out', async () => {
  const id = 'expiry';
  const { time, a, b } = replicas(id);
  assert.equal(await a.acquire(), true);
  assert.equal(await b.acquire(), false, 'b must not take a lease a holds');
  assert.equal(await a.acquire(), true, 'a keeps it');
  time.advance(10_001); // a died: nobody renewed
  assert.equal(await b.acquire(), true, 'b takes the expired lease');
  assert.equal(b.holding, true);
  const stored = await es.get<{ owner: string }>({ index, id });
  assert.equal(stored._source?.owner, 'replica-b');
});

test('the holder renews after a third of its term, and learns at once when another replica took the lease', async () => {
  const id = 'renew';
  const { time, a, b } = replicas(id);
  assert.equal(await a.acquire(), true);
  const first = await es.get({ index, id });
  time.advance(2_000);
  assert.equal(await a.acquire(), true);
  assert.equal((await es.get({ index, id }))._seq_no, first._seq_no, 'no write before a third of the term');
  time.advance(4_000);
  assert.equal(await a.acquire(), true);
  const renewed = await es.get<{ expires_at: string }>({ index, id });
  assert.ok(renewed._seq_no! > first._seq_no!, 'renewed with a write');
  assert.equal(renewed._source?.expires_at, new Date(time.now() + 10_000).toISOString());
  // overlapping renewals (a heartbeat and the holder's own check) share one write instead of racing each other
  time.advance(4_000);
  assert.deepEqual(await Promise.all([a.acquire(), a.acquire(), a.acquire()]), [true, true, true]);
  assert.equal((await es.get({ index, id }))._seq_no, renewed._seq_no! + 1, 'one write for the three calls');
  // a stalls past its term (a long GC pause, a slow poll); b takes over; a must find out on its next renewal
  time.advance(10_001);
  assert.equal(a.holding, false);
  assert.equal(await b.acquire(), true);
  assert.equal(await a.acquire(), false, 'a must not win the lease back from b');
  // b's renewal is a conditional write: if the document changed behind its back (a replica with a skewed clock
  // took it), the write conflicts and b stops holding at once
  time.advance(6_000);
  await es.index({ index, id, document: { kind: 'lease', owner: 'replica-c', updated_at: new Date(time.now()).toISOString(), expires_at: new Date(time.now() + 10_000).toISOString() } });
  assert.equal(await b.acquire(), false, 'b learns from the conflict that it lost the lease');
  assert.equal(b.holding, false);
});

test('of many replicas racing for a free lease, exactly one wins', async () => {
  for (const round of [1, 2, 3]) {
    const id = `race-${round}`;
    const leases = Array.from({ length: 8 }, (_, i) => new Lease(es, index, { id, owner: `replica-${i}`, termMs: 30_000 }));
    const won = await Promise.all(leases.map((l) => l.acquire()));
    assert.equal(won.filter(Boolean).length, 1, `round ${round}: ${JSON.stringify(won)}`);
    // and once it is expired, racing again still gives one winner
    const stored = await es.get({ index, id });
    await es.index({
      index,
      id,
      document: { kind: 'lease', owner: 'a-dead-replica', updated_at: '2026-01-01T00:00:00Z', expires_at: '2026-01-01T00:00:10Z' },
      if_seq_no: stored._seq_no!,
      if_primary_term: stored._primary_term!,
    });
    const fresh = Array.from({ length: 8 }, (_, i) => new Lease(es, index, { id, owner: `replica-${i + 10}`, termMs: 30_000 }));
    const wonExpired = await Promise.all(fresh.map((l) => l.acquire()));
    assert.equal(wonExpired.filter(Boolean).length, 1, `round ${round}, expired lease: ${JSON.stringify(wonExpired)}`);
  }
});

test('release hands the lease over at once, and never deletes a lease someone else holds', async () => {
  const id = 'release';
  const a = new Lease(es, index, { id, owner: 'replica-a', termMs: 60_000 });
  const b = new Lease(es, index, { id, owner: 'replica-b', termMs: 60_000 });
  assert.equal(await a.acquire(), true);
  await a.release();
  assert.equal(a.holding, false);
  assert.equal(await b.acquire(), true, 'b takes the released lease without waiting for the term');
  await a.release(); // a no longer holds it: a no-op
  assert.equal((await es.get<{ owner: string }>({ index, id }))._source?.owner, 'replica-b');
});

test('a yielding holder (webhook delivery where streaming is off) gives the lease to a replica that does not yield, and only to one', async () => {
  const id = 'yields';
  let t = Date.parse('2026-11-22T10:00:00Z');
  const lease = (owner: string, yields: boolean) => new Lease(es, index, { id, owner, termMs: 10_000, now: () => t, ...(yields ? { yields } : {}) });
  const deliverer = lease('ingest-only', true);
  const otherDeliverer = lease('ingest-only-2', true);
  const streamer = lease('streaming', false);
  assert.equal(await deliverer.acquire(), true, 'free: the yielding replica takes it');
  assert.equal(await otherDeliverer.acquire(), false, 'a yielding replica does not take it from another');
  assert.equal(await streamer.acquire(), true, 'the streaming replica takes it at once, well within the term');
  assert.equal((await es.get<{ owner: string; yields?: boolean }>({ index, id }))._source?.owner, 'streaming');
  t += 4_000; // past a third of the term: the yielding replica's renewal conflicts
  assert.equal(await deliverer.acquire(), false, 'the yielding replica learns at its renewal that it lost the lease');
  assert.equal(deliverer.holding, false);
  assert.equal(await deliverer.acquire(), false, 'and cannot take it back from a holder that does not yield');
  assert.equal(await lease('streaming-2', false).acquire(), false, 'nor can another streaming replica');
});
