/**
 * Fault test: Elasticsearch restarted during sustained ingest. A client that follows the documented retry
 * contract (on 503, wait Retry-After and send the same batch again) loses nothing; every event the API
 * acknowledged is stored exactly once. Runs its own Elasticsearch node, because it restarts it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, ndjson } from '../support/service.js';
import { startServiceOnPrivateNode, type PrivateNodeService } from '../support/private-node.js';
import { waitFor } from '../support/wait.js';

let service: PrivateNodeService;
before(async () => {
  service = await startServiceOnPrivateNode('restart');
});
after(async () => service?.close());

test('every acknowledged event is stored exactly once across an Elasticsearch restart', async () => {
  const acknowledged = new Set<string>();
  let refusals = 0;
  let stop = false;

  /** The documented client contract: resend the same batch after Retry-After until it is answered 200. */
  async function client(worker: number) {
    for (let batchNo = 0; !stop; batchNo++) {
      const events = Array.from({ length: 200 }, (_, i) => ({
        timestamp: new Date(Date.UTC(2026, 5, 1) + batchNo * 1000 + i).toISOString(),
        category: 'request',
        event_id: `w${worker}-b${batchNo}-${i}`,
        user_id: `user-${i % 17}`,
      }));
      for (;;) {
        const response = await service.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: { authorization: `Bearer ${KEYS.admin}`, 'content-type': 'application/x-ndjson' },
          payload: ndjson(events),
        });
        if (response.statusCode === 200) {
          const result = response.json();
          assert.equal(result.rejected, 0);
          assert.equal(result.accepted + result.duplicates, events.length, 'a 200 accounts for every event');
          for (const e of events) acknowledged.add(e.event_id);
          break;
        }
        assert.equal(response.statusCode, 503, `unexpected ${response.statusCode}: ${response.body}`);
        const retryAfter = Number(response.headers['retry-after']);
        assert.ok(retryAfter > 0, '503 carries Retry-After');
        refusals++;
        await new Promise((r) => setTimeout(r, Math.min(retryAfter, 1) * 1000));
      }
    }
  }

  const workers = [client(1), client(2)];
  // each phase lasts until the clients have seen it: traffic acknowledged, the outage refused, traffic acknowledged again
  const acknowledgedAtLeast = (n: number) => async () => (acknowledged.size >= n ? true : undefined);
  await waitFor('ingest acknowledged before the restart', acknowledgedAtLeast(2000), 60_000);
  await service.stopNode();
  const refusalsAtStop = refusals;
  await waitFor('the clients refused while Elasticsearch is down', async () => (refusals > refusalsAtStop ? true : undefined), 60_000);
  const acknowledgedWhileDown = acknowledged.size;
  await service.startNode();
  await waitFor('ingest acknowledged again after the restart', acknowledgedAtLeast(acknowledgedWhileDown + 2000), 120_000);
  stop = true;
  await Promise.all(workers);

  assert.ok(refusals > 0, 'the outage was noticed by the clients');
  // the node may still be recovering the shard: wait until a refresh reaches every shard before counting
  const { es } = service;
  await es.cluster.health({ index: 'restart-events', wait_for_status: 'yellow', timeout: '60s' });
  await waitFor('a refresh that reaches every shard', async () => {
    const refresh = await es.indices.refresh({ index: 'restart-events' });
    return refresh._shards?.failed === 0 && refresh._shards.successful === refresh._shards.total ? true : undefined;
  }, 30_000);
  const stored = await es.count({ index: 'restart-events' });
  // exact duplicate check: page through every event_id with a composite aggregation (cardinality is approximate)
  let duplicates = 0;
  let distinctIds = 0;
  let afterKey: Record<string, string | number | null> | undefined;
  for (;;) {
    const page = await es.search({
      index: 'restart-events',
      size: 0,
      aggs: { ids: { composite: { size: 10_000, sources: [{ id: { terms: { field: 'event_id' } } }], ...(afterKey ? { after: afterKey } : {}) } } },
    });
    const agg = page.aggregations!.ids as { buckets: Array<{ doc_count: number }>; after_key?: Record<string, string | number | null> };
    distinctIds += agg.buckets.length;
    duplicates += agg.buckets.filter((b) => b.doc_count > 1).length;
    if (!agg.after_key || agg.buckets.length === 0) break;
    afterKey = agg.after_key;
  }
  assert.equal(stored.count, acknowledged.size, `acknowledged ${acknowledged.size}, stored ${stored.count}`);
  assert.equal(duplicates, 0, 'no event is stored twice');
  assert.equal(distinctIds, acknowledged.size);
  process.stdout.write(`# es-restart: acknowledged ${acknowledged.size}, stored ${stored.count}, distinct ${distinctIds}, 503 refusals ${refusals}\n`);
});
