/**
 * A day of realistic normal traffic for a few hundred users raises no alert; the same day with attacks mixed
 * in raises alerts for the attackers only.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ATTACK_KINDS, attacks, benignDay } from '../support/traffic.js';
import { startTestService, type TestService } from '../support/service.js';

const DAY = new Date('2026-05-04T00:00:00Z');
let service: TestService;
let events: ReturnType<typeof benignDay>;

before(async () => {
  service = await startTestService('detbenign', { AISEC_DETECTION_STREAMING: 'false' });
  events = benignDay({ seed: 42, users: 300, day: DAY });
  for (let i = 0; i < events.length; i += 5000) {
    const last = i + 5000 >= events.length;
    const response = await service.request('ingest', {
      method: 'POST',
      url: `/v1/events${last ? '?refresh=true' : ''}`,
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(events.slice(i, i + 5000)),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().rejected, 0, response.body.slice(0, 500));
  }
});
after(async () => service.close());

const hunt = () =>
  service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: DAY.toISOString(), to: new Date(DAY.getTime() + 86_400_000).toISOString() } });

test('the generator is deterministic and realistic', () => {
  const again = benignDay({ seed: 42, users: 300, day: DAY });
  assert.deepEqual(again.slice(0, 50), events.slice(0, 50));
  assert.ok(events.length > 5_000, `${events.length} events`);
  assert.equal(new Set(events.map((e) => e.user_id)).size, 300);
  const categories = new Set(events.map((e) => e.category));
  for (const c of ['request', 'judge_flag', 'tool_invocation', 'guardrail_block']) assert.ok(categories.has(c), c);
});

test('a benign day raises no alert from any rule', async () => {
  const run = await hunt();
  assert.equal(run.statusCode, 200, run.body);
  const fired = Object.entries(run.json().by_rule as Record<string, { created: number }>).filter(([, t]) => t.created > 0);
  assert.deepEqual(fired, [], 'alerts on benign traffic');
  assert.equal((await service.request('read', { method: 'GET', url: '/v1/alerts' })).json().total, 0);
});

test('attacks hidden in the same day are found, and only the attackers are alerted on', async () => {
  const base = DAY.getTime() + 14 * 3_600_000;
  const injected = ATTACK_KINDS.map((kind, i) => attacks[kind](base + i * 600_000, `needle${i}`));
  const response = await service.request('ingest', { method: 'POST', url: '/v1/events?refresh=true', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(injected.flatMap((a) => a.events)) });
  assert.equal(response.json().rejected, 0, response.body);
  const run = await hunt();
  assert.equal(run.statusCode, 200);
  const alerts = (await service.request('read', { method: 'GET', url: '/v1/alerts?limit=1000' })).json().alerts as Array<Record<string, string>>;
  for (const attack of injected) assert.ok(alerts.some((a) => a.rule_id === attack.rule), `${attack.rule} missed`);
  const benignUsers = alerts.filter((a) => typeof a.user_id === 'string' && a.user_id.startsWith('user'));
  assert.deepEqual(benignUsers, [], 'no benign user is alerted on');
});
