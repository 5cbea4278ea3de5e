/**
 * Named API keys and a triage trail that cannot be forged (issue 12, finding 5): the actor of a triage change is the
 * authenticated key's name, a body `actor` is kept only as `on_behalf_of`, earlier history entries never change, and
 * concurrent triage leaves exactly one entry per change it reported (never a 5xx). Keys in the older `role:key` form
 * keep working.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, defaultKeyName, parseApiKeys } from '../../analytics-service/src/config.js';
import { startTestService, type TestService } from '../support/service.js';

const ALICE = 'alice-admin-key-000000000001';
const BOB = 'bob-admin-key-00000000000002';
const LEGACY = 'legacy-admin-key-00000000003';
const INGEST = 'named-ingest-key-0000000004';

let service: TestService;
let alertId: string;

const as = (key: string, method: 'GET' | 'PATCH', url: string, payload?: object) =>
  service.app.inject({ method, url, headers: { authorization: `Bearer ${key}` }, ...(payload ? { payload } : {}) });

before(async () => {
  service = await startTestService('triage', {
    AISEC_API_KEYS: `alice=admin:${ALICE},bob.smith@example.com=admin:${BOB},admin:${LEGACY},shipper=ingest:${INGEST}`,
    AISEC_DETECTION_STREAMING: 'false',
  });
  const attack = Array.from({ length: 5 }, (_, i) => ({
    timestamp: `2026-03-02T09:00:0${i}Z`,
    category: 'prompt_attack',
    user_id: 'mallory',
    src_ip: '192.0.2.9',
    event_id: `triage-${i}`,
  }));
  const ingest = await service.app.inject({
    method: 'POST',
    url: '/v1/events?refresh=true',
    headers: { authorization: `Bearer ${INGEST}`, 'content-type': 'application/json' },
    payload: JSON.stringify(attack),
  });
  assert.equal(ingest.json().accepted, 5, 'a named ingest key ingests');
  const run = await service.app.inject({
    method: 'POST',
    url: '/v1/detections/run',
    headers: { authorization: `Bearer ${ALICE}` },
    payload: { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z', rules: ['prompt_injection_repeated'] },
  });
  assert.equal(run.json().created, 1, run.body);
  alertId = (await as(ALICE, 'GET', '/v1/alerts')).json().alerts[0].id;
});
after(async () => service.close());

type Entry = { actor: string; on_behalf_of?: string; action: string; status?: string; note?: string };

test('AISEC_API_KEYS takes name=role:key and still role:key; names are checked and unique', () => {
  const keys = parseApiKeys(`alice=admin:${ALICE}, read:${LEGACY}`);
  assert.deepEqual(keys, [
    { name: 'alice', role: 'admin', key: ALICE },
    { name: defaultKeyName('read', LEGACY), role: 'read', key: LEGACY },
  ]);
  assert.match(defaultKeyName('read', LEGACY), /^read-[0-9a-f]{8}$/);
  assert.throws(() => parseApiKeys(`alice=admin:${ALICE},alice=read:${BOB}`), (e: Error) => e instanceof ConfigError && /names "alice" twice/.test(e.message));
  assert.throws(() => parseApiKeys(`a b=admin:${ALICE}`), /has a name that is not 1 to 64 letters/);
  assert.throws(() => parseApiKeys(`alice=root:${ALICE}`), /must look like name=role:key \(or role:key\)/);
  assert.throws(() => parseApiKeys('alice=admin:short'), /\(alice\) has a key shorter than 16 characters/);
});

test('the actor is the key that authenticated; a body actor is only on_behalf_of; history is append-only', async () => {
  const first = await as(ALICE, 'PATCH', `/v1/alerts/${alertId}`, { status: 'acknowledged', actor: 'detection', note: 'mine' });
  assert.equal(first.statusCode, 200, first.body);
  const afterFirst = first.json().history as Entry[];
  assert.deepEqual(
    { ...afterFirst.at(-1), at: undefined },
    { at: undefined, actor: 'alice', on_behalf_of: 'detection', action: 'triage', status: 'acknowledged', note: 'mine' },
    'a claimed actor "detection" is recorded as on_behalf_of, the actor is alice',
  );
  const second = await as(BOB, 'PATCH', `/v1/alerts/${alertId}`, { note: 'second look' });
  const third = await as(LEGACY, 'PATCH', `/v1/alerts/${alertId}`, { status: 'closed', resolution: 'true_positive' });
  assert.equal(second.statusCode, 200);
  assert.equal(third.statusCode, 200);
  const history = third.json().history as Entry[];
  assert.deepEqual(history.slice(0, afterFirst.length), afterFirst, 'earlier entries are unchanged');
  assert.deepEqual(
    history.slice(afterFirst.length).map((h) => [h.actor, h.on_behalf_of]),
    [
      ['bob.smith@example.com', undefined],
      [defaultKeyName('admin', LEGACY), undefined],
    ],
  );
  const stored = (await as(ALICE, 'GET', `/v1/alerts/${alertId}`)).json().alert.history as Entry[];
  assert.deepEqual(stored, history, 'what the PATCH answered is what is stored');
  // the body cannot write history or other fields
  const forged = await as(ALICE, 'PATCH', `/v1/alerts/${alertId}`, { history: [], status: 'open' });
  assert.equal(forged.statusCode, 400);
});

test('concurrent triage: every 200 has exactly one entry in the history, the rest are 409, never a 5xx', async () => {
  const before = ((await as(ALICE, 'GET', `/v1/alerts/${alertId}`)).json().alert.history as Entry[]).length;
  const responses = await Promise.all(
    Array.from({ length: 12 }, (_, i) => as(i % 2 ? BOB : ALICE, 'PATCH', `/v1/alerts/${alertId}`, { note: `concurrent ${i}` })),
  );
  for (const r of responses) assert.ok([200, 409].includes(r.statusCode), `answered ${r.statusCode}: ${r.body}`);
  const ok = responses.map((r, i) => (r.statusCode === 200 ? `concurrent ${i}` : undefined)).filter((n): n is string => n !== undefined);
  assert.ok(ok.length > 0);
  const history = (await as(ALICE, 'GET', `/v1/alerts/${alertId}`)).json().alert.history as Entry[];
  assert.equal(history.length, before + ok.length, 'one entry per reported change, none lost, none doubled');
  assert.deepEqual(history.slice(before).map((h) => h.note).sort(), ok.sort());
});
