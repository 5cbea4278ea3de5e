/**
 * Related alerts (issue 13, "one act, one alert"): the alerts one actor raised at about the same time point at each
 * other through GET /v1/alerts/{id}; another actor's alerts, and the same actor's alerts hours apart, do not.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { postEvents, startTestService, type TestService } from '../support/service.js';

let service: TestService;
const day = '2026-03-09';
/** n prompt attacks a minute apart: > 5 is a high prompt_injection_repeated alert; ≥ 5 is repeated_policy_violations */
const attack = (user: string, hhmm: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    timestamp: `${day}T${hhmm.slice(0, 2)}:${String(Number(hhmm.slice(3)) + i).padStart(2, '0')}:00Z`,
    category: 'prompt_attack',
    user_id: user,
    src_ip: user === 'mallory' ? '192.0.2.66' : '192.0.2.77',
    event_id: `${user}-${hhmm}-${i}`,
  }));

interface Related {
  id: string;
  rule_id: string;
  shared: string[];
}
interface Alert {
  id: string;
  rule_id: string;
  user_id: string;
  window_start: string;
}

before(async () => {
  service = await startTestService('related', { AISEC_DETECTION_STREAMING: 'false' });
  // mallory at 09:00 (two rules fire), and once more at 15:00, hours later; trent at 09:00 too
  assert.equal((await postEvents(service, [...attack('mallory', '09:00', 6), ...attack('trent', '09:00', 6), ...attack('mallory', '15:00', 4)])).statusCode, 200);
  const run = await service.request('admin', {
    method: 'POST',
    url: '/v1/detections/run',
    payload: { from: `${day}T00:00:00Z`, to: `${day}T23:59:59Z`, rules: ['prompt_injection_repeated', 'repeated_policy_violations'] },
  });
  assert.equal(run.statusCode, 200, run.body);
});
after(async () => service.close());

const alerts = async (): Promise<Alert[]> => (await service.request('read', { method: 'GET', url: '/v1/alerts?limit=100' })).json().alerts;
const relatedOf = async (id: string): Promise<Related[]> => {
  const response = await service.request('read', { method: 'GET', url: `/v1/alerts/${id}` });
  assert.equal(response.statusCode, 200, response.body);
  return response.json().related;
};

test("one actor's alerts of the same time point at each other, naming what they share", async () => {
  const all = await alerts();
  const morning = (user: string, rule: string) => all.find((a) => a.user_id === user && a.rule_id === rule && a.window_start.startsWith(`${day}T09`))!;
  const injection = morning('mallory', 'prompt_injection_repeated');
  const violations = all.find((a) => a.user_id === 'mallory' && a.rule_id === 'repeated_policy_violations')!;
  assert.ok(injection && violations, JSON.stringify(all));

  const fromInjection = await relatedOf(injection.id);
  assert.deepEqual(fromInjection.map((r) => r.id), [violations.id], 'the other rule, not trent, not the 15:00 episode');
  assert.deepEqual(fromInjection[0]!.shared, ['user_id']);
  const fromViolations = await relatedOf(violations.id);
  assert.ok(fromViolations.some((r) => r.id === injection.id), 'and back');
  assert.ok(!fromViolations.some((r) => all.find((a) => a.id === r.id)?.user_id === 'trent'));

  // the 15:00 episode: six hours after the morning's — not related to it (repeated_policy_violations counts a day, so it spans both)
  const afternoon = all.find((a) => a.user_id === 'mallory' && a.rule_id === 'prompt_injection_repeated' && a.window_start.startsWith(`${day}T15`))!;
  assert.ok(afternoon);
  assert.ok(!(await relatedOf(afternoon.id)).some((r) => r.id === injection.id));
});
