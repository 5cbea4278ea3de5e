/**
 * Client mistakes are 4xx in the service's own words, never an outage and never Elasticsearch's text
 * (issue 12, finding 4), and `src_ip` filters by address or CIDR block (finding 8, decided: CIDR is supported).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { postEvents, startTestService, type TestService } from '../support/service.js';
import { ELASTICSEARCH_TEXT } from '../support/leaks.js';

let service: TestService;
before(async () => {
  service = await startTestService('clienterr');
  const events = [
    ['ip-a', '10.1.2.3'],
    ['ip-b', '10.200.0.1'],
    ['ip-c', '192.168.0.1'],
    ['ip-d', '2001:db8::1'],
  ].map(([id, ip]) => ({ timestamp: new Date().toISOString(), category: 'request', event_id: id, src_ip: ip }));
  assert.equal((await postEvents(service, events)).json().accepted, 4);
});
after(async () => service.close());

const b64 = (text: string) => Buffer.from(text).toString('base64url');

async function expect400(role: 'read' | 'admin', url: string, message: RegExp, init: { method?: 'GET' | 'POST'; payload?: unknown; headers?: Record<string, string> } = {}) {
  const response = await service.request(role, {
    method: init.method ?? 'GET',
    url,
    ...(init.payload ? { payload: init.payload as object } : {}),
    ...(init.headers ? { headers: init.headers } : {}),
  });
  assert.equal(response.statusCode, 400, `${url} answered ${response.statusCode}: ${response.body.slice(0, 300)}`);
  assert.match(response.json().message, message, url);
  assert.doesNotMatch(response.body, ELASTICSEARCH_TEXT, `${url} leaks Elasticsearch text`);
}

test('a cursor holding 1e999 (Infinity), null, a string or junk is a 400 on every paged listing, not a 503', async () => {
  const cursors = [b64('[1e999,"x"]'), b64('[null,"x"]'), b64('["abc","x"]'), b64('[1,"x","y"]'), b64('{"a":1}'), 'not base64!', b64('[-1e999,"x"]')];
  for (const cursor of cursors) {
    for (const path of ['/v1/alerts', '/v1/exports', '/v1/baselines/users', '/v1/baselines/models', '/v1/events']) {
      await expect400('read', `${path}?cursor=${encodeURIComponent(cursor)}`, /cursor is not valid/);
    }
  }
});

test('an invalid src_ip, a huge since and an impossible date are 400 in our words', async () => {
  for (const path of ['/v1/events', '/v1/alerts']) {
    await expect400('read', `${path}?src_ip=not-an-ip`, /src_ip must be an IPv4 or IPv6 address, or a CIDR block/);
    await expect400('read', `${path}?src_ip=10.0.0.0/33`, /prefix length after "\/" must be 0 to 32/);
    await expect400('read', `${path}?since=999999w`, /since may reach back at most 100 years/);
    await expect400('read', `${path}?from=2026-06-30T23:59:60Z`, /from is not a valid date-time/);
  }
  await expect400('admin', '/v1/exports', /src_ip must be an IPv4 or IPv6 address/, {
    method: 'POST',
    payload: { since: '1h', description: 'x', filters: { src_ip: 'not-an-ip' } },
  });
  await expect400('read', '/v1/events/stream?src_ip=not-an-ip', /src_ip must be/);
  await expect400('read', '/v1/events/stream?since=999999w', /at most 100 years/);
  await expect400('read', '/v1/events/stream', /Last-Event-ID is not a position/, { headers: { 'last-event-id': b64('[1e300,"x"]') } });
  await expect400('read', '/v1/events/stream', /cursor is not valid/, { headers: { 'last-event-id': b64('[1e999,"x"]') } });
});

test('src_ip takes an address (exact) or a CIDR block (every address in it)', async () => {
  const ids = async (query: string) =>
    ((await service.request('read', { method: 'GET', url: `/v1/events?${query}` })).json().events as Array<{ event_id: string }>).map((e) => e.event_id).sort();
  assert.deepEqual(await ids('src_ip=10.1.2.3'), ['ip-a']);
  assert.deepEqual(await ids(`src_ip=${encodeURIComponent('10.0.0.0/8')}`), ['ip-a', 'ip-b']);
  assert.deepEqual(await ids(`src_ip=${encodeURIComponent('10.1.0.0/16')}`), ['ip-a']);
  assert.deepEqual(await ids(`src_ip=${encodeURIComponent('2001:db8::/32')}`), ['ip-d']);
  assert.deepEqual(await ids(`src_ip=${encodeURIComponent('0.0.0.0/0')}`), ['ip-a', 'ip-b', 'ip-c']);
  assert.deepEqual(await ids('src_ip=10.1.2.4'), []);
});
