/**
 * Elasticsearch stopped mid-run: the service answers 503 with Retry-After and claims nothing;
 * once Elasticsearch is back, retrying the refused batch stores it, and replaying stores nothing twice.
 * Runs its own Elasticsearch node, because it stops it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYS, ndjson } from '../support/service.js';
import { startServiceOnPrivateNode, type PrivateNodeService } from '../support/private-node.js';

let service: PrivateNodeService;
before(async () => {
  service = await startServiceOnPrivateNode('outage', { ES_REQUEST_TIMEOUT_MS: '3000' });
});
after(async () => service?.close());

const auth = { authorization: `Bearer ${KEYS.admin}` };
const batch = (name: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: '2026-03-01T10:00:00Z', category: 'request', event_id: `${name}-${i}`, user_id: name }));
const post = (events: unknown[]) =>
  service.app.inject({ method: 'POST', url: '/v1/events?refresh=true', headers: { ...auth, 'content-type': 'application/x-ndjson' }, payload: ndjson(events) });

test('Elasticsearch down: 503 + Retry-After, nothing claimed; back up: the retried batch is stored exactly once', async () => {
  const first = batch('before', 50);
  assert.deepEqual((await post(first)).json(), { accepted: 50, rejected: 0, duplicates: 0, errors: [] });

  await service.stopNode();

  const during = batch('during', 40);
  const refused = await post(during);
  assert.equal(refused.statusCode, 503);
  assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After tells the client when to retry');
  assert.equal(refused.json().accepted, 0, 'nothing is claimed as accepted');
  assert.match(refused.json().message, /Elasticsearch/);

  const read = await service.app.inject({ method: 'GET', url: '/v1/events', headers: auth });
  assert.equal(read.statusCode, 503);
  assert.equal((await service.app.inject({ method: 'GET', url: '/ready' })).statusCode, 503);

  await service.startNode();

  const retried = await post(during);
  assert.equal(retried.statusCode, 200);
  assert.deepEqual(retried.json(), { accepted: 40, rejected: 0, duplicates: 0, errors: [] });
  const replayed = await post([...first, ...during]);
  assert.deepEqual(replayed.json(), { accepted: 0, rejected: 0, duplicates: 90, errors: [] });

  const total = await service.app.inject({ method: 'GET', url: '/v1/events?limit=1', headers: auth });
  assert.equal(total.json().total, 90, 'every acknowledged event stored exactly once across the restart');
});
