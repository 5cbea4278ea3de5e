/**
 * Backfill, then hunt — no other step (issue 13): five weeks of history with four behavioural anomalies in the last
 * week, loaded with the real CLI (`aisec backfill`), then `aisec detections run` over the whole range on a fresh
 * service with no baselines. The run rebuilds the baselines it needs, says so, and finds the volume spike, the token
 * shift, the cost spike and the night-time activity; a second run finds the baselines in place and rebuilds nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KEYS, startTestService, type TestService } from '../support/service.js';
import { BASE_USER, burst, DAY, HOUR, userTraffic, WEEK, type TrafficEvent, type UserRhythm } from '../support/ueba-traffic.js';
import { aisec } from './cli-runner.js';

const START = Date.parse('2026-03-02T00:00:00Z'); // a Monday
const END = START + 5 * WEEK;
const WEEK5 = START + 4 * WEEK;
const spiky: UserRhythm = { ...BASE_USER, id: 'hunt-spiky' };
const shifter: UserRhythm = { ...BASE_USER, id: 'hunt-shifter' };
const nightowl: UserRhythm = { ...BASE_USER, id: 'hunt-nightowl' };
const SPIKE_HOUR = WEEK5 + DAY + 11 * HOUR; // Tuesday 11:00
const SHIFT_HOURS = [10, 11, 12].map((h) => WEEK5 + 2 * DAY + h * HOUR); // Wednesday 10:00–13:00
const NIGHT_HOUR = WEEK5 + 3 * DAY + 3 * HOUR; // Thursday 03:00

let service: TestService;
let base: string;
let work: string;
before(async () => {
  work = await mkdtemp(join(tmpdir(), 'aisec-hunt-'));
  service = await startTestService('ueba-backfill-hunt', { AISEC_DETECTION_STREAMING: 'false' });
  base = await service.app.listen({ port: 0, host: '127.0.0.1' });
});
after(async () => {
  await service?.close();
  await rm(work, { recursive: true, force: true });
});

const run = (args: string[], key: keyof typeof KEYS) => aisec(args, { AISEC_URL: base, AISEC_API_KEY: KEYS[key] }, undefined, 600_000);

test('backfill then detections run finds the history-based anomalies, rebuilding the baselines it needs once', async () => {
  let events: TrafficEvent[] = [spiky, shifter, nightowl].flatMap((u, i) => userTraffic(u, START, END, 300 + i));
  // a 20× hour of requests (and so of spend)
  events.push(...burst(spiky, SPIKE_HOUR, 20 * spiky.rate.weekday, 1, 'spike'));
  // three hours in which every answer is 2.5× longer
  events = events.filter((e) => !(e.user_id === shifter.id && SHIFT_HOURS.some((h) => Date.parse(e.timestamp) >= h && Date.parse(e.timestamp) < h + HOUR)));
  SHIFT_HOURS.forEach((h, i) => events.push(...burst(shifter, h, 8, 10 + i, 'shift', { tokensOutFactor: 2.5 })));
  // work at 03:00, an hour this user never works
  events.push(...burst(nightowl, NIGHT_HOUR, 12, 4, 'night'));
  const file = join(work, 'history.ndjson');
  await writeFile(file, events.map((e) => JSON.stringify(e)).join('\n') + '\n');

  const backfill = await run(['backfill', file, '--json'], 'ingest');
  assert.equal(backfill.code, 0, backfill.stderr);
  await service.es.indices.refresh({ index: `${service.prefix}-events` });

  const range = ['--from', new Date(START).toISOString(), '--to', new Date(END).toISOString()];
  const rules = ['--rules', 'ueba_volume_spike,ueba_token_shift,ueba_cost_spike,ueba_off_profile_hours'];
  const hunt = await run(['detections', 'run', ...range, ...rules, '--json'], 'admin');
  assert.equal(hunt.code, 0, hunt.stderr);
  const result = JSON.parse(hunt.stdout) as { status: string; by_rule: Record<string, { created: number }>; baselines?: { rebuilt: boolean; window?: { from: string; to: string }; entities?: Record<string, number> } };
  assert.equal(result.status, 'succeeded');
  assert.equal(result.baselines?.rebuilt, true, JSON.stringify(result.baselines));
  assert.equal(result.baselines?.window?.to, new Date(END).toISOString());
  assert.equal(result.baselines?.entities?.user, 3, 'the three users');

  const alerts = async (rule: string, user: string) => {
    const listed = await run(['alerts', 'list', '--since', '400d', '--rule', rule, '--json'], 'read');
    return (JSON.parse(listed.stdout).alerts as Array<{ user_id?: string; window_start: string }>).filter((a) => a.user_id === user);
  };
  const at = (alerts: Array<{ window_start: string }>) => alerts.map((a) => Date.parse(a.window_start));
  assert.deepEqual(at(await alerts('ueba_volume_spike', spiky.id)), [SPIKE_HOUR], 'the spike, in its hour');
  assert.deepEqual(at(await alerts('ueba_cost_spike', spiky.id)), [SPIKE_HOUR], 'its spend, in the same hour');
  assert.deepEqual(at(await alerts('ueba_token_shift', shifter.id)), [SHIFT_HOURS[0]], 'the token shift, one episode from its first hour');
  assert.deepEqual(at(await alerts('ueba_off_profile_hours', nightowl.id)), [NIGHT_HOUR], 'the night-time work');

  const again = await run(['detections', 'run', ...range, ...rules, '--json'], 'admin');
  const second = JSON.parse(again.stdout) as { created: number; baselines?: { rebuilt: boolean } };
  assert.equal(second.baselines?.rebuilt, false, 'the baselines are in place now');
  assert.equal(second.created, 0, 'nothing new');
});
