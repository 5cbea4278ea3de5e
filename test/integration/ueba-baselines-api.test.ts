/**
 * Baselines computed inside Elasticsearch, read through the baseline API, must equal what this test computes
 * on its own from the raw events it generated; plus listing, paging, 404s, roles, entity risk from alerts,
 * and the scheduled incremental refresh.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mean, median, medianAbsoluteDeviation, quantileSorted, standardDeviation } from 'simple-statistics';
// the app's decorations (app.ueba, app.indices), for the type checker
import type {} from '../../analytics-service/src/http/plugins/elasticsearch.js';
import type {} from '../../analytics-service/src/http/plugins/ueba.js';
import { startTestService, type TestService } from '../support/service.js';
import { BASE_USER, DAY, HOUR, ingest, requestEvent, seededRandom, userTraffic, WEEK, type TrafficEvent, type UserRhythm } from '../support/ueba-traffic.js';

const START = Date.parse('2026-06-01T00:00:00Z');
const END = START + 4 * WEEK;

const alice: UserRhythm = { ...BASE_USER, id: 'alice' };
const bob: UserRhythm = { ...BASE_USER, id: 'bob', department: 'engineering', country: 'DE', rate: { monday: 5, weekday: 9, weekend: 0 }, tokensOut: 900, models: [['gpt-4o', 1]] };
const carol: UserRhythm = { ...BASE_USER, id: 'carol', department: 'support', agent: 'agent-7', endpoint: '/api/v1/agent' };

let service: TestService;
let events: TrafficEvent[];

/** Events of the baseline window, as the contract stores them. */
const inWindow = (e: TrafficEvent) => Date.parse(e.timestamp) >= START && Date.parse(e.timestamp) < END;

before(async () => {
  service = await startTestService('ueba-baselines', { AISEC_DETECTION_STREAMING: 'false' });
  events = [
    ...userTraffic(alice, START - 3 * DAY, END + DAY, 1), // some before and after the window
    ...userTraffic(bob, START, END, 2),
    ...userTraffic(carol, START, END, 3),
  ];
  const random = seededRandom(9);
  // non-request events: judge flags for alice, tool calls and a trip abroad for carol
  for (let i = 0; i < 30; i++) {
    events.push({ event_id: `alice-flag-${i}`, timestamp: new Date(START + i * 17 * HOUR).toISOString(), category: 'judge_flag', user_id: 'alice', judge_model: 'gpt-4o', judge_score: 0.9, src_country: 'GB', user_department: 'finance' });
  }
  for (let i = 0; i < 40; i++) {
    events.push({ event_id: `carol-tool-${i}`, timestamp: new Date(START + i * 13 * HOUR).toISOString(), category: 'tool_invocation', user_id: 'carol', agent_id: 'agent-7', tool_name: i % 4 === 0 ? 'send_email' : 'search_kb', tool_allowed: true });
  }
  for (let i = 0; i < 6; i++) events.push(requestEvent(carol, START + 10 * DAY + 14 * HOUR + i * 60_000, random, `carol-abroad-${i}`, { country: 'FR' }));
  await ingest(service, events);
  const rebuild = await service.request('admin', {
    method: 'POST',
    url: '/v1/baselines/rebuild',
    payload: { from: new Date(START).toISOString(), to: new Date(END).toISOString() },
  });
  assert.equal(rebuild.statusCode, 200, rebuild.body);
  assert.deepEqual(rebuild.json().baselines.entities, { user: 3, model: 2, endpoint: 2, agent: 1 });
});
after(async () => service?.close());

const get = async (url: string, role: 'read' | 'admin' | 'ingest' = 'read') => service.request(role, { method: 'GET', url });

/** R-7 (linear interpolation) percentile, what Elasticsearch's t-digest returns exactly for small samples. */
function percentileR7(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

function close(actual: number | undefined, expected: number, relative: number, what: string): void {
  assert.ok(actual !== undefined, `${what} is present`);
  assert.ok(Math.abs(actual - expected) <= Math.max(relative * Math.abs(expected), 1e-9), `${what}: ${actual} vs ${expected}`);
}

function countsOf(values: Array<string | undefined>): Array<{ value: string; count: number }> {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
}

describe('GET /v1/baselines/users/{id}', () => {
  test("the profile's numbers equal those computed independently from the raw events", async () => {
    const response = await get('/v1/baselines/users/alice');
    assert.equal(response.statusCode, 200, response.body);
    const { baseline: b, kind, id } = response.json();
    assert.equal(kind, 'user');
    assert.equal(id, 'alice');

    const all = events.filter((e) => e.user_id === 'alice' && inWindow(e));
    const requests = all.filter((e) => e.category === 'request');
    const times = all.map((e) => Date.parse(e.timestamp));
    assert.equal(b.event_count, all.length);
    assert.equal(b.request_count, requests.length);
    assert.equal(b.last_seen, new Date(Math.max(...times)).toISOString());
    // first_seen is the window's first event (the earlier events are outside this rebuild's window)
    assert.equal(b.first_seen, new Date(Math.min(...times)).toISOString());
    assert.equal(b.window_start, new Date(START).toISOString());
    assert.equal(b.window_end, new Date(END).toISOString());
    assert.equal(b.department, 'finance');
    assert.deepEqual(b.countries, ['GB']);

    // per request: exact for count, mean, sd, min, max; t-digest percentiles and MAD within 1%
    for (const field of ['tokens_in', 'tokens_out', 'cost_usd'] as const) {
      const values = requests.map((e) => e[field] as number);
      const d = b[field];
      assert.equal(d.count, values.length, `${field}.count`);
      close(d.mean, mean(values), 1e-9, `${field}.mean`);
      close(d.sd, standardDeviation(values), 1e-9, `${field}.sd`);
      assert.equal(d.min, Math.min(...values));
      assert.equal(d.max, Math.max(...values));
      close(d.median, percentileR7(values, 0.5), 0.01, `${field}.median`);
      close(d.p95, percentileR7(values, 0.95), 0.01, `${field}.p95`);
      close(d.p99, percentileR7(values, 0.99), 0.02, `${field}.p99`);
      close(d.mad, medianAbsoluteDeviation(values), 0.03, `${field}.mad`);
    }

    // per active hour
    const byHour = new Map<number, TrafficEvent[]>();
    for (const e of requests) {
      const h = Math.floor(Date.parse(e.timestamp) / HOUR) * HOUR;
      byHour.set(h, [...(byHour.get(h) ?? []), e]);
    }
    const hourly = [...byHour.values()].map((list) => list.length);
    assert.equal(b.active_hours, byHour.size);
    assert.equal(b.active_days, new Set([...byHour.keys()].map((h) => Math.floor(h / DAY))).size);
    const sortedHourly = [...hourly].sort((x, y) => x - y);
    assert.deepEqual(b.requests_per_active_hour, {
      count: hourly.length,
      mean: mean(hourly),
      sd: standardDeviation(hourly),
      min: sortedHourly[0],
      max: sortedHourly.at(-1),
      median: median(hourly),
      mad: medianAbsoluteDeviation(hourly),
      p95: quantileSorted(sortedHourly, 0.95),
      p99: quantileSorted(sortedHourly, 0.99),
    });
    const hourlyCost = [...byHour.values()].map((list) => list.reduce((s, e) => s + (e.cost_usd as number), 0));
    close(b.hourly_cost_usd.mean, mean(hourlyCost), 1e-9, 'hourly cost mean');
    close(b.hourly_cost_usd.median, median(hourlyCost), 1e-9, 'hourly cost median');

    // hour-of-week: totals, occurrences since the first hour, median per occurrence with zeros
    const slotOf = (t: number) => ((new Date(t).getUTCDay() + 6) % 7) * 24 + new Date(t).getUTCHours();
    const total = new Array(168).fill(0);
    for (const [h, list] of byHour) total[slotOf(h)] += list.length;
    assert.deepEqual(b.profile.hour_of_week.total, total);
    const since = Math.floor(Math.min(...times) / HOUR) * HOUR;
    const occurrences = new Array(168).fill(0);
    for (let h = since; h < END; h += HOUR) occurrences[slotOf(h)]++;
    assert.deepEqual(b.profile.hour_of_week.occurrences, occurrences);
    const monday10 = 10;
    const mondayCounts: number[] = [];
    for (let h = since; h < END; h += HOUR) if (slotOf(h) === monday10) mondayCounts.push(byHour.get(h)?.length ?? 0);
    assert.equal(b.profile.hour_of_week.median[monday10], median(mondayCounts));
    assert.ok(b.profile.hour_of_week.median[monday10] > 1.3 * b.profile.hour_of_week.median[24 + 10], 'Mondays are busier than Tuesdays');
    assert.equal(b.profile.hour_of_week.median[5 * 24 + 15], 0, 'Saturday afternoons are quiet');

    // sessions: a session's cost is the sum of its calls' costs
    const sessions = new Map<string, number>();
    for (const e of all) if (e.session_id) sessions.set(e.session_id as string, (sessions.get(e.session_id as string) ?? 0) + ((e.cost_usd as number) ?? 0));
    assert.equal(b.session_count, sessions.size);
    close(b.session_cost_usd.mean, mean([...sessions.values()]), 1e-9, 'session cost mean');
    close(b.session_cost_usd.median, median([...sessions.values()]), 1e-9, 'session cost median');

    // seen lists with counts
    assert.deepEqual(b.profile.models, countsOf(all.map((e) => e.model as string | undefined)));
    assert.deepEqual(b.profile.categories, countsOf(all.map((e) => e.category)));
    assert.deepEqual(b.profile.countries, countsOf(all.map((e) => e.src_country as string | undefined)));
  });

  test('an agent profile lists its tools with counts; a user lists the countries seen', async () => {
    const agent = (await get('/v1/baselines/agents/agent-7')).json().baseline;
    const agentEvents = events.filter((e) => e.agent_id === 'agent-7' && inWindow(e));
    assert.equal(agent.event_count, agentEvents.length);
    assert.deepEqual(agent.profile.tools, countsOf(agentEvents.map((e) => e.tool_name as string | undefined)));
    assert.deepEqual(agent.tools, ['search_kb', 'send_email']);
    const carolBaseline = (await get('/v1/baselines/users/carol')).json().baseline;
    assert.deepEqual(carolBaseline.profile.countries, [{ value: 'GB', count: events.filter((e) => e.user_id === 'carol' && e.src_country === 'GB' && inWindow(e)).length }, { value: 'FR', count: 6 }]);
  });

  test('an endpoint id with slashes is addressed URL-encoded', async () => {
    const response = await get(`/v1/baselines/endpoints/${encodeURIComponent('/api/v1/chat')}`);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().baseline.event_count, events.filter((e) => e.endpoint === '/api/v1/chat' && inWindow(e)).length);
    assert.equal(response.json().risk, null, 'endpoints carry no risk');
    assert.deepEqual(response.json().baseline.profile.users.map((u: { value: string }) => u.value).sort(), ['alice', 'bob']);
  });

  test('an unknown entity is a 404 that says why; a bad kind is a 400; roles are checked', async () => {
    const missing = await get('/v1/baselines/users/nobody');
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().message, /no baseline for user "nobody"/);
    assert.equal((await get('/v1/baselines/users/gpt-4o')).statusCode, 404, 'a model is not a user');
    assert.equal((await get('/v1/baselines/hosts/alice')).statusCode, 400);
    assert.equal((await service.request(null, { method: 'GET', url: '/v1/baselines/users/alice' })).statusCode, 401);
    assert.equal((await get('/v1/baselines/users/alice', 'ingest')).statusCode, 403);
    const rebuildAsReader = await service.request('read', { method: 'POST', url: '/v1/baselines/rebuild', payload: {} });
    assert.equal(rebuildAsReader.statusCode, 403);
    const backwards = await service.request('admin', { method: 'POST', url: '/v1/baselines/rebuild', payload: { from: '2026-06-02T00:00:00Z', to: '2026-06-01T00:00:00Z' } });
    assert.equal(backwards.statusCode, 400);
  });
});

test('the routes are in the OpenAPI document, with examples', async () => {
  const openapi = (await service.request(null, { method: 'GET', url: '/docs/json' })).json();
  for (const path of ['/v1/baselines/rebuild', '/v1/baselines/{kind}', '/v1/baselines/{kind}/{id}', '/v1/metrics/judge-drift', '/v1/metrics/guardrail-effectiveness', '/v1/metrics/rebuild']) {
    assert.ok(openapi.paths[path], `${path} in the OpenAPI document`);
  }
  const profile = openapi.paths['/v1/baselines/{kind}/{id}'].get.responses['200'].content['application/json'];
  assert.equal(JSON.stringify(profile).includes('jgill@example.com'), true, 'the profile response has an example');
});

describe('GET /v1/baselines/{kind}', () => {
  test('lists by volume, highest first, page by page', async () => {
    const volume = (id: string) => events.filter((e) => e.user_id === id && inWindow(e)).length;
    const expected = ['alice', 'bob', 'carol'].sort((x, y) => volume(y) - volume(x));
    const first = await get('/v1/baselines/users?sort=volume&limit=2');
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().total, 3);
    assert.deepEqual(first.json().baselines.map((b: { entity_id: string }) => b.entity_id), expected.slice(0, 2));
    assert.equal(first.json().baselines[0].event_count, volume(expected[0]!));
    const second = await get(`/v1/baselines/users?sort=volume&limit=2&cursor=${first.json().next}`);
    assert.deepEqual(second.json().baselines.map((b: { entity_id: string }) => b.entity_id), expected.slice(2));
    assert.equal(second.json().next, undefined);
    assert.equal((await get('/v1/baselines/users?cursor=garbage')).statusCode, 400);
  });
});

describe('entity risk', () => {
  const now = Date.now();
  const alerts = [
    { id: 'a1', rule_id: 'ueba_volume_spike', severity: 'high', risk_score: 73, age: 1 },
    { id: 'a2', rule_id: 'prompt_injection_repeated', severity: 'critical', risk_score: 99, age: 3 },
    { id: 'a3', rule_id: 'ueba_new_country', severity: 'medium', age: 0.5 }, // no risk_score: severity's default (47)
    { id: 'a4', rule_id: 'judge_flag_burst', severity: 'critical', risk_score: 99, age: 2, resolution: 'false_positive' },
    { id: 'a5', rule_id: 'judge_flag_burst', severity: 'critical', risk_score: 99, age: 45 }, // outside the 30-day look-back
    { id: 'c1', rule_id: 'ueba_off_profile_hours', severity: 'medium', risk_score: 40, age: 10, user: 'carol' },
  ];

  before(async () => {
    const operations = alerts.flatMap((a) => [
      { index: { _index: `${service.prefix}-alerts`, _id: a.id } },
      {
        id: a.id,
        rule_id: a.rule_id,
        rule_type: a.rule_id.startsWith('ueba_') ? 'ueba' : 'threshold',
        severity: a.severity,
        ...(a.risk_score !== undefined ? { risk_score: a.risk_score } : {}),
        '@timestamp': new Date(now - a.age * DAY).toISOString(),
        user_id: a.user ?? 'alice',
        status: 'open',
        ...(a.resolution ? { resolution: a.resolution } : {}),
        explanation: { feature: 'requests_per_hour', observed: 140, expected: 7 },
      },
    ]);
    await service.es.bulk({ operations, refresh: true });
    const rebuild = await service.request('admin', { method: 'POST', url: '/v1/baselines/rebuild', payload: { from: new Date(START).toISOString(), to: new Date(END).toISOString(), kinds: ['users'] } });
    assert.equal(rebuild.statusCode, 200, rebuild.body);
    assert.deepEqual(rebuild.json().risk.entities, { user: 2, agent: 0 });
  });

  /**
   * Worked by hand from the alerts above (Elastic-style: risk halved every 7 days, sorted descending, weighted
   * 1/i^1.5, divided by ζ(1.5) = 2.612375):
   *   alice: a2 99 · 0.5^(3/7) = 73.5567, a1 73 · 0.5^(1/7) = 66.1178, a3 47 · 0.5^(0.5/7) = 44.7297 (severity default);
   *          73.5567 + 66.1178 / 2.828427 + 44.7297 / 5.196152 = 105.5411; / 2.612375 = 40.4004
   *   carol: c1 40 · 0.5^(10/7) = 14.8599; / 2.612375 = 5.6883
   */
  const ALICE_RISK = 40.4004;
  const CAROL_RISK = 5.6883;

  test('risk is the decayed, zeta-weighted sum of alert risk, in the baseline document and the API', async () => {
    const aliceRisk = ALICE_RISK;
    const stored = (await service.es.get<{ risk_score: number; risk_level: string; risk_alert_count: number }>({ index: `${service.prefix}-baselines`, id: 'user:alice' }))._source!;
    close(stored.risk_score, aliceRisk, 0.001, 'stored risk');
    assert.equal(stored.risk_level, 'Moderate', '40.4 is in the Moderate band (40–70)');
    assert.equal(stored.risk_alert_count, 3, 'false positives and alerts older than the look-back do not count');

    const profile = (await get('/v1/baselines/users/alice')).json();
    close(profile.risk.score, aliceRisk, 0.001, 'live risk');
    assert.deepEqual(profile.risk.contributions.map((c: { id: string }) => c.id), ['a2', 'a1', 'a3']);
    assert.deepEqual(
      profile.recent_anomalies.map((a: { id: string }) => a.id),
      ['a3', 'a1'],
      'recent anomalies are the ueba_* alerts, newest first',
    );
    assert.equal(profile.recent_anomalies[0].explanation.feature, 'requests_per_hour');

    const byRisk = (await get('/v1/baselines/users?sort=risk')).json().baselines.map((b: { entity_id: string; risk_score?: number }) => [b.entity_id, b.risk_score]);
    assert.equal(byRisk[0][0], 'alice');
    assert.equal(byRisk[1][0], 'carol');
    close(byRisk[1][1], CAROL_RISK, 0.001, 'carol');
  });

  test('risk goes back to zero when the alerts are resolved as false positives', async () => {
    await service.es.update({ index: `${service.prefix}-alerts`, id: 'c1', doc: { resolution: 'false_positive' }, refresh: true });
    const report = await service.app.ueba.refreshRisk();
    assert.equal(report.cleared, 1);
    const carolRisk = (await get('/v1/baselines/users/carol')).json();
    assert.equal(carolRisk.risk.score, 0);
    const stored = (await service.es.get<{ risk_score: number }>({ index: `${service.prefix}-baselines`, id: 'user:carol' }))._source!;
    assert.equal(stored.risk_score, 0);
  });
});

describe('scheduled maintenance', () => {
  test('recomputes, over the sliding window, only entities with new events, and writes daily metrics', async () => {
    const now = Date.now();
    const dora: UserRhythm = { ...BASE_USER, id: 'dora' };
    await ingest(service, userTraffic(dora, now - 10 * DAY, now - HOUR, 7));
    const aliceBefore = (await get('/v1/baselines/users/alice')).json().baseline['@timestamp'];

    const first = await service.app.uebaScheduler.runOnce(new Date(now));
    assert.equal(first.skipped, undefined);
    const doraBaseline = (await get('/v1/baselines/users/dora')).json().baseline;
    assert.ok(doraBaseline.request_count > 0);
    assert.equal(doraBaseline.window_end, new Date(now).toISOString());
    assert.equal((await get('/v1/baselines/users/alice')).json().baseline['@timestamp'], aliceBefore, 'alice has no events in the sliding window: untouched');

    // one more event: the next run picks up dora only, from the checkpoint
    await ingest(service, [requestEvent(dora, now - 30 * 60_000, seededRandom(1), 'dora-late')]);
    const second = await service.app.uebaScheduler.runOnce(new Date(now + 60_000));
    assert.ok((second.baselines ?? 0) > 0);
    const updated = (await get('/v1/baselines/users/dora')).json().baseline;
    assert.equal(updated.request_count, doraBaseline.request_count + 1);
    assert.equal((await get('/v1/baselines/users/alice')).json().baseline['@timestamp'], aliceBefore);

    // the lease was released after each run, and the checkpoint moved on
    const lease = await service.es.get({ index: `${service.prefix}-state`, id: 'ueba:maintenance-lease' }, { ignore: [404] });
    assert.equal(lease.found, false);
    const checkpoint = await service.es.get<{ value: { since: string } }>({ index: `${service.prefix}-state`, id: 'ueba:baseline-checkpoint' });
    assert.equal(checkpoint._source!.value.since, new Date(now + 60_000 - 5 * 60_000).toISOString());
  });

  test('a replica that finds the lease held by another skips the run', async () => {
    await service.es.index({
      index: `${service.prefix}-state`,
      id: 'ueba:maintenance-lease',
      document: { kind: 'ueba_lease', owner: 'another-replica', updated_at: new Date().toISOString(), expires_at: new Date(Date.now() + HOUR).toISOString() },
      refresh: true,
    });
    const report = await service.app.uebaScheduler.runOnce();
    assert.equal(report.skipped, 'lease held by another replica');
    await service.es.delete({ index: `${service.prefix}-state`, id: 'ueba:maintenance-lease', refresh: true });
  });
});
