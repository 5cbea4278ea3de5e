/**
 * ueba_* rules in streaming detection: with baselines in place, a burst ingested now becomes a volume-spike
 * alert within seconds, and more of the same burst is the same episode: no second alert.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type {} from '../../analytics-service/src/http/plugins/detection.js';
import { startTestService, type TestService } from '../support/service.js';
import { BASE_USER, HOUR, WEEK, burst, ingest, userTraffic, type UserRhythm } from '../support/ueba-traffic.js';
import { waitFor } from '../support/wait.js';

const NOW = Date.now();
const HOUR_START = Math.floor(NOW / HOUR) * HOUR;
const HISTORY_START = HOUR_START - 4 * WEEK;

const spiky: UserRhythm = { ...BASE_USER, id: 'stream-spiky' };
let service: TestService;

before(async () => {
  service = await startTestService('ueba-streaming', { AISEC_DETECTION_POLL_MS: '100' });
  await ingest(service, userTraffic(spiky, HISTORY_START, HOUR_START - HOUR, 5));
  const rebuild = await service.request('admin', {
    method: 'POST',
    url: '/v1/baselines/rebuild',
    payload: { from: new Date(HISTORY_START).toISOString(), to: new Date(HOUR_START).toISOString() },
  });
  assert.equal(rebuild.statusCode, 200, rebuild.body);
});
after(async () => service?.close());

/** The burst's events, all inside the current hour and none in the future. */
function burstNow(count: number, tag: string) {
  return burst(spiky, HOUR_START, count, 7, tag).map((e, i) => ({ ...e, timestamp: new Date(Math.max(HOUR_START, NOW - i * 50)).toISOString() }));
}

async function spikeAlerts(): Promise<Array<{ id: string; event_count: number; observed: number }>> {
  const response = await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=ueba_volume_spike&user_id=${spiky.id}` });
  return response.json().alerts;
}

test('a burst ingested now becomes one volume-spike alert; more of the burst adds no second alert', async () => {
  await ingest(service, burstNow(140, 'live'));
  const [first] = await waitFor('the volume-spike alert', async () => {
    const alerts = await spikeAlerts();
    return alerts.length > 0 ? alerts : undefined;
  });
  assert.ok(first!.event_count >= 140);
  assert.equal(first!.observed, 100, 'the anomaly score');

  const stats = service.app.detection.streaming.stats;
  const processed = stats.events_processed;
  await ingest(service, burstNow(60, 'more').map((e) => ({ ...e, event_id: `${e.event_id}-more` })));
  await waitFor('streaming to process the rest of the burst', async () => (stats.events_processed >= processed + 60 ? true : undefined));
  const after = await spikeAlerts();
  assert.equal(after.length, 1, 'the same hour is the same episode');
  assert.equal(after[0]!.id, first!.id);
});

test('a user who stands out only once colleagues\' later events arrive is flagged by streaming', async () => {
  const department = 'peer-streaming';
  const at = (i: number) => new Date(Math.max(HOUR_START, NOW - i * 100)).toISOString();
  const request = (user: string, i: number) => ({ timestamp: at(i), category: 'request', user_id: user, user_department: department, event_id: `peer-${user}-${i}` });
  const stats = service.app.detection.streaming.stats;
  // 13 requests by one user and one by a colleague: two active members, too few peers to compare with
  const first = [...Array.from({ length: 13 }, (_, i) => request('peer-heavy', i)), request('peer-0', 20)];
  let processed = stats.events_processed;
  await ingest(service, first);
  await waitFor('streaming to process the first events', async () => (stats.events_processed >= processed + first.length ? true : undefined));
  const peerAlerts = async () => (await service.request('read', { method: 'GET', url: '/v1/alerts?rule_id=ueba_peer_outlier&user_id=peer-heavy' })).json().alerts as Array<{ observed: number }>;
  assert.equal((await peerAlerts()).length, 0, 'no peers yet');
  // five more colleagues, one request each: now the heavy user is 13× the department's median of the hour. Streaming
  // scores a department-hour as a whole at most every 5 s (in between, only the users with new events); the
  // colleagues' events come sooner, so the department's next event after that rescores everyone
  const later = Array.from({ length: 5 }, (_, i) => request(`peer-${i + 1}`, 30 + i));
  processed = stats.events_processed;
  await ingest(service, later);
  await waitFor('streaming to process the colleagues\' events', async () => (stats.events_processed >= processed + later.length ? true : undefined));
  await new Promise((resolve) => setTimeout(resolve, 5500));
  await ingest(service, [request('peer-6', 40)]);
  const [alert] = await waitFor('the peer-outlier alert', async () => {
    const alerts = await peerAlerts();
    return alerts.length > 0 ? alerts : undefined;
  }, 15_000);
  assert.ok(alert!.observed >= 60, `score ${alert!.observed}`);
});
