/**
 * UEBA anomaly scoring against real Elasticsearch and generated traffic: four weeks of baseline, then a fifth
 * week in which a steady user (busy Mondays, quiet weekends) must raise nothing while a 20× volume spike, a token
 * shift below the endpoint-level exfiltration rule, a new country, a new model and night-time activity are each
 * caught with an explanation. New users do not trip history-based rules.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { paramsFor, UEBA_ANOMALIES, UEBA_RULE_IDS, type AnomalyCandidate } from '../../analytics-service/src/ueba/anomaly.js';
import { evaluateUebaRules, eventsWithUnseenValues } from '../../analytics-service/src/ueba/window-evaluation.js';
import { SETTLE_MS } from '../../analytics-service/src/ueba/peer-evaluation.js';
// the app's decorations (app.ueba, app.indices), for the type checker
import type {} from '../../analytics-service/src/http/plugins/elasticsearch.js';
import type {} from '../../analytics-service/src/http/plugins/ueba.js';
import { startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { BASE_USER, burst, DAY, HOUR, ingest, userTraffic, WEEK, type TrafficEvent, type UserRhythm } from '../support/ueba-traffic.js';

const START = Date.parse('2026-06-01T00:00:00Z'); // a Monday
const BASELINE_END = START + 4 * WEEK;
const WEEK5_END = START + 5 * WEEK;

const user = (id: string, overrides: Partial<UserRhythm> = {}): UserRhythm => ({ ...BASE_USER, id, ...overrides });
const steady = user('steady');
const spiky = user('spiky');
const shifter = user('shifter');
const traveller = user('traveller');
const explorer = user('explorer');
const prober = user('prober');
const nightowl = user('nightowl');
const newbie = user('newbie');

const SPIKE_HOUR = BASELINE_END + 1 * DAY + 11 * HOUR; // Tuesday 11:00 of week 5
const SHIFT_HOURS = [10, 11, 12].map((h) => BASELINE_END + 2 * DAY + h * HOUR); // Wednesday 10:00–13:00
const TRAVEL_HOUR = BASELINE_END + 3 * DAY + 14 * HOUR; // Thursday 14:00
const NEW_MODEL_HOUR = BASELINE_END + 4 * DAY + 15 * HOUR; // Friday 15:00
const PROBED_MODELS = ['llama-3-70b', 'qwen-2', 'mixtral-8x7b'];
const NIGHT_HOUR = BASELINE_END + 2 * DAY + 3 * HOUR; // Wednesday 03:00
const NEWBIE_START = BASELINE_END + 1 * DAY; // first seen on Tuesday of week 5

let service: TestService;
let events: TrafficEvent[];
let found: AnomalyCandidate[];

before(async () => {
  service = await startTestService('ueba-anomalies', { AISEC_DETECTION_STREAMING: 'false' });
  events = [];
  [steady, spiky, shifter, traveller, explorer, nightowl, prober].forEach((u, i) => events.push(...userTraffic(u, START, WEEK5_END, 100 + i)));
  // the anomalies
  events.push(...burst(spiky, SPIKE_HOUR, 20 * spiky.rate.weekday, 1, 'spike'));
  // during the shift, the shifter's ordinary requests answer 2.5× longer: replace them
  events = events.filter((e) => !(e.user_id === 'shifter' && SHIFT_HOURS.some((h) => Date.parse(e.timestamp) >= h && Date.parse(e.timestamp) < h + HOUR)));
  SHIFT_HOURS.forEach((h, i) => events.push(...burst(shifter, h, 8, 10 + i, 'shift', { tokensOutFactor: 2.5 })));
  events.push(...burst(traveller, TRAVEL_HOUR, 5, 2, 'travel', { country: 'BR' }));
  events.push(...burst(explorer, NEW_MODEL_HOUR, 4, 3, 'model', { model: 'mistral-large' }));
  // one act of probing: three models the prober never used, minutes apart (one alert listing them, issue 13)
  PROBED_MODELS.forEach((model, i) => events.push(...burst(prober, NEW_MODEL_HOUR + i * 4 * 60_000, 1, 20 + i, `probe-${model}`, { model })));
  events.push(...burst(nightowl, NIGHT_HOUR, 12, 4, 'night'));
  // a new user: three days of ordinary traffic, then the same burst as the spike
  events.push(...userTraffic(newbie, NEWBIE_START, WEEK5_END, 200));
  events.push(...burst(newbie, NEWBIE_START + 2 * DAY + 11 * HOUR, 140, 5, 'newbie'));
  await ingest(service, events);

  const rebuild = await service.request('admin', {
    method: 'POST',
    url: '/v1/baselines/rebuild',
    payload: { from: new Date(START).toISOString(), to: new Date(BASELINE_END).toISOString() },
  });
  assert.equal(rebuild.statusCode, 200, rebuild.body);

  found = [];
  const rules = UEBA_ANOMALIES.map((anomaly) => ({ rule_id: `ueba_${anomaly}`, anomaly, params: paramsFor(anomaly) }));
  const ctx = { es: service.es, eventsIndex: service.app.indices.events, baselines: service.app.ueba.baselines, timeZone: 'UTC' };
  for await (const candidate of evaluateUebaRules(ctx, { from: BASELINE_END, to: WEEK5_END }, rules)) found.push(candidate);
});
after(async () => service?.close());

const of = (entity: string, rule?: string) => found.filter((c) => c.entity_id === entity && (!rule || c.rule_id === rule));

function assertExplained(candidate: AnomalyCandidate): void {
  assert.ok(candidate.feature.length > 0, 'names the feature');
  assert.ok(Number.isFinite(candidate.observed) && Number.isFinite(candidate.expected) && Number.isFinite(candidate.spread));
  assert.ok(candidate.score > 0 && candidate.score <= 100, `score in (0, 100]: ${candidate.score}`);
  assert.ok(candidate.baseline_window.start && candidate.baseline_window.end, 'names its baseline window');
  assert.ok(candidate.explanation.length > 40, candidate.explanation);
}

describe('UEBA anomalies over a fifth week', () => {
  test('a user with a stable weekly rhythm (busy Mondays, quiet weekends) raises nothing', () => {
    assert.deepEqual(of('steady'), []);
    assert.deepEqual(of('traveller').filter((c) => c.rule_id !== 'ueba_new_country'), [], 'nor does the traveller apart from the country');
  });

  test('a 20× volume spike is caught against the seasonal expectation, with an explanation', () => {
    const spikes = of('spiky', 'ueba_volume_spike');
    assert.equal(spikes.length, 1, JSON.stringify(of('spiky'), null, 1));
    const spike = spikes[0]!;
    assert.equal(spike.window_start, new Date(SPIKE_HOUR).toISOString());
    assert.equal(spike.feature, 'requests_per_hour');
    assert.ok(spike.observed >= 140);
    assert.ok(spike.expected >= 4 && spike.expected <= 12, `expected ${spike.expected}`);
    assert.ok(spike.score >= 90);
    assert.equal(spike.baseline_window.start, new Date(START).toISOString());
    assert.equal(spike.baseline_window.end, new Date(BASELINE_END).toISOString());
    assert.match(spike.explanation, /Tue 11:00/);
    assertExplained(spike);
    assert.equal(of('spiky', 'ueba_cost_spike').length, 1, 'the spike also costs 20× an ordinary hour');
  });

  test('a token shift that stays under the endpoint-level exfiltration rule is caught', () => {
    // seed 001 §3: tokens_out > 5× the endpoint mean, or tokens_out/tokens_in > 20
    const endpointMean = events.filter((e) => Date.parse(e.timestamp) < BASELINE_END).reduce((s, e) => s + (e.tokens_out as number), 0) /
      events.filter((e) => Date.parse(e.timestamp) < BASELINE_END).length;
    const shifted = events.filter((e) => String(e.event_id).startsWith('shifter-shift'));
    for (const e of shifted) {
      assert.ok((e.tokens_out as number) < 5 * endpointMean && (e.tokens_out as number) / (e.tokens_in as number) < 20, 'under the exfil rule');
    }
    const shifts = of('shifter', 'ueba_token_shift');
    assert.ok(shifts.length >= 2, JSON.stringify(of('shifter'), null, 1));
    for (const shift of shifts) {
      assert.equal(shift.feature, 'tokens_out_median');
      assert.ok(shift.observed > 2 * shift.expected);
      assertExplained(shift);
    }
    assert.deepEqual(of('shifter').filter((c) => c.rule_id !== 'ueba_token_shift'), []);
  });

  test('a new country and a new model are first-seen anomalies naming the value and what was known', () => {
    const [country, ...more] = of('traveller', 'ueba_new_country');
    assert.ok(country && more.length === 0);
    assert.equal(country.observed_value, 'BR');
    assert.deepEqual(country.expected_values, ['GB']);
    assert.equal(country.observed, 5);
    assert.equal(country.fields.src_country, 'BR');
    assertExplained(country);

    const [model, ...others] = of('explorer', 'ueba_new_model_for_user');
    assert.ok(model && others.length === 0);
    assert.equal(model.observed_value, 'mistral-large');
    assert.deepEqual([...model.expected_values!].sort(), ['claude-sonnet-4-5', 'gpt-4o']);
    assertExplained(model);
  });

  test('streaming leaves a new value unscored, without reading histories, while no history can be long enough yet', async () => {
    // the stored traffic begins on START (a busy Monday): before START + 14 days no user has the 14 days of history
    // ueba_new_model_for_user asks for, so a model nobody's baseline lists is not worth a history read; after, it is
    const ctx = { es: service.es, eventsIndex: service.app.indices.events, baselines: service.app.ueba.baselines, timeZone: 'UTC' };
    const params = paramsFor('new_model_for_user');
    assert.equal(params.min_history_days, 14);
    const at = (t: number, event_id: string) => ({ event_id, user_id: 'explorer', model: 'mistral-large', '@timestamp': new Date(t).toISOString() });
    const young = at(START + 14 * DAY - HOUR, 'young');
    const old = at(START + 15 * DAY + 11 * HOUR, 'old');
    const open = await eventsWithUnseenValues(ctx, 'user', 'model', params, [young, old]);
    assert.deepEqual(open.map((e) => e.event_id), ['old']);
  });

  test('activity at an hour the user never works is off-profile', () => {
    const [night] = of('nightowl', 'ueba_off_profile_hours');
    assert.ok(night, JSON.stringify(of('nightowl')));
    assert.equal(night.window_start, new Date(NIGHT_HOUR).toISOString());
    assert.ok(night.expected < 0.01);
  });

  test('a new user does not trip history-based rules; its peers still see an outlier', () => {
    assert.deepEqual(of('newbie').map((c) => c.rule_id).filter((r) => r !== 'ueba_peer_outlier'), []);
    const peers = of('newbie', 'ueba_peer_outlier');
    assert.equal(peers.length, 1);
    assert.equal(peers[0]!.fields.user_department, 'finance');
    assertExplained(peers[0]!);
  });

  test('evaluating the same range again finds the same anomalies with the same dedup keys', async () => {
    const again: string[] = [];
    const rules = UEBA_ANOMALIES.map((anomaly) => ({ rule_id: `ueba_${anomaly}`, anomaly, params: paramsFor(anomaly) }));
    const ctx = { es: service.es, eventsIndex: service.app.indices.events, baselines: service.app.ueba.baselines, timeZone: 'UTC' };
    // a streaming-sized window inside the spike hour still scores the whole hour
    for await (const c of evaluateUebaRules(ctx, { from: SPIKE_HOUR + 20 * 60_000, to: SPIKE_HOUR + 25 * 60_000 }, rules)) again.push(c.dedup_key);
    const original = found.filter((c) => c.window_start === new Date(SPIKE_HOUR).toISOString() && c.rule_id !== 'ueba_new_country' && c.rule_id !== 'ueba_new_model_for_user');
    assert.deepEqual(again.sort(), original.map((c) => c.dedup_key).sort());
  });
});

describe('ueba_* rules in the detection engine', () => {
  const hunt = () =>
    service.request('admin', {
      method: 'POST',
      url: '/v1/detections/run',
      payload: { from: new Date(BASELINE_END).toISOString(), to: new Date(WEEK5_END).toISOString(), rules: UEBA_RULE_IDS },
    });
  type Alert = { id: string; rule_id: string; rule_type: string; observed: number; threshold: number; window_start: string; window_end: string; event_ids: string[]; event_count: number; explanation: Record<string, unknown> } & Record<string, unknown>;

  test('a retro-hunt writes each anomaly as an alert that explains itself; re-running changes nothing', async () => {
    const run = await hunt();
    assert.equal(run.statusCode, 200, run.body);
    assert.equal(run.json().status, 'succeeded', run.body);
    const listed = await service.request('read', { method: 'GET', url: `/v1/alerts?limit=1000&from=${new Date(BASELINE_END).toISOString()}&to=${new Date(WEEK5_END).toISOString()}` });
    const alerts = (listed.json().alerts as Alert[]).filter((a) => a.rule_id.startsWith('ueba_'));
    assert.equal(run.json().created, alerts.length);

    // the same (rule, entity) pairs as the scoring found; the shifter's three consecutive hours are one episode
    const pairs = (list: Array<{ rule_id: string; entity: string }>) => [...new Set(list.map((x) => `${x.rule_id} ${x.entity}`))].sort();
    const entityOf = (a: Alert) => String(a.user_id ?? a.agent_id ?? a.model ?? a.endpoint);
    assert.deepEqual(pairs(alerts.map((a) => ({ rule_id: a.rule_id, entity: entityOf(a) }))), pairs(found.map((c) => ({ rule_id: c.rule_id, entity: c.entity_id }))));
    const shift = alerts.filter((a) => a.rule_id === 'ueba_token_shift');
    assert.equal(shift.length, 1);
    assert.equal(shift[0]!.window_start, new Date(SHIFT_HOURS[0]!).toISOString());
    assert.equal(shift[0]!.window_end, new Date(SHIFT_HOURS[2]! + HOUR - 1).toISOString());

    const spike = alerts.find((a) => a.rule_id === 'ueba_volume_spike' && a.user_id === 'spiky')!;
    assert.equal(spike.rule_type, 'ueba');
    assert.equal(spike.observed, of('spiky', 'ueba_volume_spike')[0]!.score, 'observed is the anomaly score');
    assert.ok(spike.observed >= 90);
    assert.equal(spike.threshold, 60, 'threshold is the minimum score');
    assert.equal(spike.explanation.feature, 'requests_per_hour');
    assert.ok((spike.explanation.expected as number) > 0 && (spike.explanation.spread as number) > 0);
    assert.deepEqual(spike.explanation.baseline_window, { start: new Date(START).toISOString(), end: new Date(BASELINE_END).toISOString() });
    assert.match(String(spike.explanation.text), /Tue 11:00/);
    assert.ok(spike.event_count >= 140 && spike.event_ids.length === 50, 'evidence: the events of the hour');

    const country = alerts.find((a) => a.rule_id === 'ueba_new_country')!;
    assert.equal(country.user_id, 'traveller');
    assert.equal(country.explanation.observed_value, 'BR');
    assert.equal(country.event_ids.length, 1, 'evidence: the first event from the new country');
    const model = alerts.find((a) => a.rule_id === 'ueba_new_model_for_user' && a.user_id === 'explorer')!;
    assert.equal(model.model, 'mistral-large');
    // three new models within minutes are one alert naming all three, in the order they were first used
    const probing = alerts.filter((a) => a.rule_id === 'ueba_new_model_for_user' && a.user_id === 'prober');
    assert.equal(probing.length, 1, JSON.stringify(probing.map((a) => a.explanation.new_values)));
    const firstUse = PROBED_MODELS.map((m) => ({ m, t: Math.min(...events.filter((e) => e.user_id === 'prober' && e.model === m).map((e) => Date.parse(e.timestamp))) }));
    assert.deepEqual(probing[0]!.explanation.new_values, firstUse.sort((x, y) => x.t - y.t).map((x) => x.m));

    assert.equal(alerts.filter((a) => a.user_id === 'steady').length, 0);

    const again = await hunt();
    assert.equal(again.json().created, 0);
    assert.equal(again.json().updated, 0);
  });

  test("the entity's anomalies show in its baseline profile, and its alerts raise its stored risk", async () => {
    const profile = (await service.request('read', { method: 'GET', url: '/v1/baselines/users/spiky' })).json();
    assert.ok(profile.recent_anomalies.some((a: { rule_id: string }) => a.rule_id === 'ueba_volume_spike'));
    // the generated weeks lie in the past: score risk as of the end of week 5 (live risk, as of today, has decayed away)
    const report = await service.app.ueba.refreshRisk(new Date(WEEK5_END));
    assert.ok(report.entities.user! >= 5, JSON.stringify(report));
    const ranked = (await service.request('read', { method: 'GET', url: '/v1/baselines/users?sort=risk&limit=3' })).json().baselines;
    assert.equal(ranked[0].entity_id, 'spiky', 'volume, cost and peer alerts: the riskiest user');
    // three medium alerts (47 each) five and a half days old: 47·0.5^(5.5/7) ≈ 27.3 → (1 + 2^-1.5 + 3^-1.5)·27.3 / ζ(1.5) ≈ 16
    assert.ok(ranked[0].risk_score > 10 && ranked[0].risk_level === 'Unknown', JSON.stringify(ranked[0]));
  });

  // last: it adds an event to the scenario
  test('streaming scores a settled department-hour again only once it holds new events', async () => {
    const hour = NEWBIE_START + 2 * DAY + 11 * HOUR; // the newbie's burst, among the finance colleagues
    const ctx = { es: service.es, eventsIndex: service.app.indices.events, baselines: service.app.ueba.baselines, timeZone: 'UTC' };
    const rules = [{ rule_id: 'ueba_peer_outlier', anomaly: 'peer_outlier' as const, params: paramsFor('peer_outlier') }];
    const memory = new Map<string, unknown>();
    const streamed = async () => {
      const keys: string[] = [];
      for await (const c of evaluateUebaRules(ctx, { from: hour, to: hour + HOUR, entities: ['newbie'], memory }, rules)) keys.push(c.dedup_key);
      return keys.sort();
    };
    const settled = async () => {
      await service.es.indices.refresh({ index: service.app.indices.events });
      const newest = await service.es.search({ index: service.app.indices.events, size: 0, aggs: { newest: { max: { field: 'event.ingested' } } } });
      const at = (newest.aggregations!.newest as { value: number }).value;
      await waitFor('the department-hour to settle', async () => (Date.now() > at + SETTLE_MS ? true : undefined));
    };
    const expected = found.filter((c) => c.rule_id === 'ueba_peer_outlier' && Date.parse(c.window_start) === hour).map((c) => c.dedup_key).sort();
    assert.ok(expected.includes(of('newbie', 'ueba_peer_outlier')[0]!.dedup_key));

    await settled();
    assert.deepEqual(await streamed(), expected);
    assert.deepEqual(await streamed(), [], 'the same events again: not scored again');
    await ingest(service, burst(newbie, hour, 1, 300, 'one-more'));
    await settled();
    assert.deepEqual(await streamed(), expected, 'one more event: scored again, the same outlier');
  });
});
