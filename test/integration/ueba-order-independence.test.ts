/**
 * The same events give the same UEBA alerts in every order of arrival (issue 13): one scenario loaded into three
 * fresh services — in time order a day at a time with streaming on ("live order"), all at once in a shuffled order
 * while streaming runs ("backfill"), and with streaming off — each followed by one retro-hunt of the range with no
 * other step (the hunt rebuilds the baselines it needs and says so). The three alert sets are compared exactly
 * (rule, entity, window, severity), and each must hold the scenario's campaigns and nothing about other users.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type {} from '../../analytics-service/src/http/plugins/detection.js';
import { UEBA_RULE_IDS } from '../../analytics-service/src/ueba/anomaly.js';
import { startTestService, type TestService } from '../support/service.js';
import { DAY, ingest, type TrafficEvent } from '../support/ueba-traffic.js';
import { orderScenario, shuffled } from '../support/ueba-order-scenario.js';
import { waitFor } from '../support/wait.js';

const scenario = orderScenario();
const services: TestService[] = [];
after(async () => {
  for (const service of services) await service.close();
});

interface AlertKey {
  rule_id: string;
  user_id?: string;
  window_start: string;
  window_end: string;
  severity: string;
}

async function start(name: string, streaming: boolean): Promise<TestService> {
  const service = await startTestService(name, { AISEC_DETECTION_STREAMING: String(streaming), AISEC_DETECTION_POLL_MS: '100' });
  services.push(service);
  return service;
}

/** Waits until streaming has processed `count` events and put off nothing more. */
async function streamingSettled(service: TestService, count: number): Promise<void> {
  const stats = service.app.detection.streaming.stats;
  await waitFor(`streaming to process ${count} events and its put-off peer groups`, async () => (stats.events_processed >= count && stats.deferred === 0 ? true : undefined), 300_000, async () => `processed ${stats.events_processed}, deferred ${stats.deferred}`);
}

/** The retro-hunt of the scenario's range with the UEBA rules, then every UEBA alert of the service. */
async function huntAndCollect(service: TestService): Promise<{ alerts: AlertKey[]; rebuilt: boolean }> {
  const run = await service.request('admin', {
    method: 'POST',
    url: '/v1/detections/run',
    payload: { from: new Date(scenario.from).toISOString(), to: new Date(scenario.to).toISOString(), rules: UEBA_RULE_IDS },
  });
  assert.equal(run.statusCode, 200, run.body);
  const body = run.json() as { baselines?: { rebuilt: boolean } };
  await service.es.indices.refresh({ index: `${service.prefix}-alerts`, ignore_unavailable: true });
  const found = await service.es.search<AlertKey>({
    index: `${service.prefix}-alerts`,
    size: 1000,
    query: { prefix: { rule_id: 'ueba_' } },
    _source: ['rule_id', 'user_id', 'window_start', 'window_end', 'severity'],
  });
  const alerts = found.hits.hits.map((h) => h._source!).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { alerts, rebuilt: body.baselines?.rebuilt ?? false };
}

const byDay = (events: TrafficEvent[]) => {
  const days = new Map<number, TrafficEvent[]>();
  for (const e of [...events].sort((a, b) => a.timestamp.localeCompare(b.timestamp))) {
    const day = Math.floor(Date.parse(e.timestamp) / DAY);
    days.set(day, [...(days.get(day) ?? []), e]);
  }
  return [...days.values()];
};

test('one scenario, three orders of arrival, one alert set: the campaigns and nothing else', async () => {
  // streaming off: load, then one retro-hunt
  const off = await start('ueba-order-off', false);
  await ingest(off, scenario.events);
  const reference = await huntAndCollect(off);
  assert.ok(reference.rebuilt, 'the hunt rebuilt the baselines it needed');

  // what the scenario holds, by construction
  const users = new Set(reference.alerts.map((a) => a.user_id));
  assert.deepEqual([...users].sort(), [scenario.burstUser, scenario.tokenUser, scenario.travelUser].sort(), `alerted users: ${JSON.stringify(reference.alerts)}`);
  const has = (rule: string, user: string, windowStart?: number) =>
    reference.alerts.some((a) => a.rule_id === rule && a.user_id === user && (windowStart === undefined || Date.parse(a.window_start) === windowStart));
  assert.ok(has('ueba_volume_spike', scenario.burstUser, scenario.burstHour), 'the 20× burst is a volume spike in its hour');
  assert.ok(has('ueba_peer_outlier', scenario.burstUser, scenario.burstHour), 'and stands out among its department');
  const tokenAlerts = reference.alerts.filter((a) => a.rule_id === 'ueba_token_shift' && a.user_id === scenario.tokenUser);
  const campaignEnd = scenario.tokenHours[scenario.tokenHours.length - 1]! + 3_600_000;
  assert.ok(tokenAlerts.length > 0 && tokenAlerts.every((a) => Date.parse(a.window_start) >= scenario.tokenHours[0]! && Date.parse(a.window_end) < campaignEnd), `the token shift, inside its hours: ${JSON.stringify(tokenAlerts)}`);
  assert.ok(has('ueba_new_country', scenario.travelUser, scenario.travelAt), 'the new country at its request');

  // backfill: everything at once in a shuffled order while streaming runs, then the same hunt
  const backfill = await start('ueba-order-backfill', true);
  await ingest(backfill, shuffled(scenario.events, 42), 2000);
  await streamingSettled(backfill, scenario.events.length);
  const backfilled = await huntAndCollect(backfill);

  // live order: a day at a time in time order, streaming keeping up, then the same hunt
  const live = await start('ueba-order-live', true);
  let sent = 0;
  for (const day of byDay(scenario.events)) {
    await ingest(live, day);
    sent += day.length;
    await streamingSettled(live, sent);
  }
  const lived = await huntAndCollect(live);

  assert.deepEqual(backfilled.alerts, reference.alerts, 'backfill while streaming = streaming off');
  assert.deepEqual(lived.alerts, reference.alerts, 'live order = streaming off');
  console.log(`# ${reference.alerts.length} UEBA alerts in each of the three loads: ${[...new Set(reference.alerts.map((a) => a.rule_id))].join(', ')}`);
});
