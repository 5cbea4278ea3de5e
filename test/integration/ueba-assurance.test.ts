/**
 * Judge assurance and guardrail effectiveness against real Elasticsearch: a judge whose scores shift, and one
 * whose scores spread, are flagged on their day and a stable one is not; the API, the Grafana query kind and the
 * judge_drift rule flag the same days; the API's PSI equals PSI computed here from the raw scores; guardrail
 * counts and percentages equal seed 001 panel 3 computed from the raw events; the daily documents written back
 * to the metrics index are what a Grafana alert rule would query.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestService, type TestService } from '../support/service.js';
import { DAY, HOUR, ingest, judgeTraffic, seededRandom, type TrafficEvent } from '../support/ueba-traffic.js';

const START = Date.parse('2026-05-01T00:00:00Z');
const DAYS = 21;
const SHIFT_DAY = 14;
const SPREAD_DAY = 17;
const END = START + DAYS * DAY;

let service: TestService;
let events: TrafficEvent[];

before(async () => {
  service = await startTestService('ueba-assurance', { AISEC_DETECTION_STREAMING: 'false' });
  events = [
    ...judgeTraffic({ model: 'judge-stable', start: START, days: DAYS, perDay: 300, mean: 0.82, seed: 1, reviewed: (_d, i) => (i % 10 === 0 ? (i % 50 === 0 ? 'false_positive' : 'true_positive') : undefined) }),
    ...judgeTraffic({
      model: 'judge-shifted',
      start: START,
      days: DAYS,
      perDay: 300,
      mean: 0.82,
      shift: -0.25,
      shiftFrom: SHIFT_DAY,
      seed: 2,
      reviewed: (d, i) => (i % 10 === 0 ? (d >= SHIFT_DAY && i % 20 === 0 ? 'false_positive' : 'confirmed') : undefined),
    }),
    // the same mean throughout, but from SPREAD_DAY on the scores spread three times as wide
    ...judgeTraffic({ model: 'judge-spread', start: START, days: DAYS, perDay: 120, mean: 0.7, spread: 0.18, spreadFrom: SPREAD_DAY, seed: 4 }),
  ];
  // guardrail catches (and noise that must not count)
  const random = seededRandom(3);
  const policies = ['pii', 'pii', 'pii', 'prompt_injection', 'credential_exposure'];
  for (let i = 0; i < 400; i++) {
    events.push({
      event_id: `gb-${i}`,
      timestamp: new Date(START + Math.floor(random() * DAYS * DAY)).toISOString(),
      category: 'guardrail_block',
      user_id: `u${i % 7}`,
      policy_violated: policies[i % policies.length],
      guardrail_result: 'block',
    });
  }
  for (let i = 0; i < 30; i++) {
    events.push({ event_id: `jf-blocked-${i}`, timestamp: new Date(START + i * HOUR).toISOString(), category: 'judge_flag', judge_model: 'other-judge', judge_score: 0.5, guardrail_result: 'block' });
    events.push({ event_id: `req-${i}`, timestamp: new Date(START + i * HOUR).toISOString(), category: 'request', user_id: 'u1' });
  }
  await ingest(service, events);
});
after(async () => service?.close());

const iso = (t: number) => new Date(t).toISOString();
const day = (d: number) => iso(START + d * DAY).slice(0, 10);

/** PSI the textbook way, from raw scores: shares per 0.1 bin (1.0 in the last), empty shares → 0.0001. */
function psiFromScores(actualScores: number[], expectedScores: number[]): number {
  const shares = (scores: number[]) => {
    const counts = new Array(10).fill(0);
    for (const s of scores) counts[Math.min(9, Math.floor(s * 10 + 1e-9))]++;
    return counts.map((c) => c / scores.length);
  };
  const a = shares(actualScores);
  const e = shares(expectedScores);
  return a.reduce((sum, ai, i) => {
    const x = ai || 1e-4;
    const y = e[i] || 1e-4;
    return sum + (x - y) * Math.log(x / y);
  }, 0);
}

describe('GET /v1/metrics/judge-drift', () => {
  test('flags the shifted judge from the day it shifts, the spreading one on its day, and never the stable one', async () => {
    const response = await service.request('read', { method: 'GET', url: `/v1/metrics/judge-drift?from=${iso(START)}&to=${iso(END)}` });
    assert.equal(response.statusCode, 200, response.body);
    const { series, settings } = response.json();
    // the judge_drift rule's parameters, as config/detection.yaml sets them
    assert.deepEqual(settings, { time_zone: 'UTC', trailing_days: 7, min_trailing_days: 3, min_events_per_day: 10, max_abs_diff: 0.15, alpha: 0.001, min_psi: 0.1 });
    const of = (model: string) => series.filter((d: { judge_model: string }) => d.judge_model === model);
    const stable = of('judge-stable');
    const shifted = of('judge-shifted');
    assert.equal(stable.length, DAYS);
    assert.equal(shifted.length, DAYS);
    assert.deepEqual(stable.filter((d: { flagged: boolean }) => d.flagged), [], 'the stable judge is never flagged');

    const shiftDay = shifted.find((d: { date: string }) => d.date === day(SHIFT_DAY));
    assert.deepEqual(shiftDay.flags, ['mean_shift', 'distribution_shift', 'low_agreement']);
    assert.ok(shiftDay.abs_diff > 0.15 && shiftDay.mean_shift_p < 0.001 && shiftDay.distribution_p < 0.001);
    assert.equal(shiftDay.trailing_days, 7);
    assert.deepEqual(shifted.filter((d: { flagged: boolean; date: string }) => d.flagged && d.date < day(SHIFT_DAY)), [], 'nothing before the shift');

    const spread = of('judge-spread');
    const spreadDay = spread.find((d: { date: string }) => d.date === day(SPREAD_DAY));
    assert.deepEqual(spreadDay.flags, ['distribution_shift'], 'the mean stays, the shape changes');
    assert.ok(spreadDay.abs_diff < 0.15);
    assert.deepEqual(spread.filter((d: { flagged: boolean; date: string }) => d.flagged && d.date < day(SPREAD_DAY)), [], 'nothing before the spread');
  });

  test('the API, the Grafana query kind and the judge_drift rule flag the same judge-days', async () => {
    const api = (await service.request('read', { method: 'GET', url: `/v1/metrics/judge-drift?from=${iso(START)}&to=${iso(END)}` })).json();
    const fromApi = new Set<string>(api.series.filter((d: { flagged: boolean }) => d.flagged).map((d: { judge_model: string; date: string }) => `${d.judge_model} ${d.date}`));

    const query = await service.request('read', {
      method: 'POST',
      url: '/v1/query',
      payload: { range: { from: iso(START), to: iso(END) }, targets: [{ refId: 'A', kind: 'judge_drift' }] },
    });
    assert.equal(query.statusCode, 200, query.body);
    const fromQuery = new Set<string>();
    for (const frame of query.json().results.A.frames as Array<{ name: string; fields: Array<{ name: string; values: unknown[] }> }>) {
      const times = frame.fields.find((f) => f.name === 'Time')!.values as number[];
      const flagged = frame.fields.find((f) => f.name === 'flagged')!.values;
      times.forEach((t, i) => flagged[i] === true && fromQuery.add(`${frame.name} ${iso(t).slice(0, 10)}`));
    }

    const hunt = await service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: iso(START), to: iso(END), rules: ['judge_drift'] } });
    assert.equal(hunt.statusCode, 200, hunt.body);
    const alerts = (await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=judge_drift&limit=500&from=${iso(START - DAY)}&to=${iso(END + DAY)}` })).json().alerts;
    const fromRule = new Set<string>(alerts.map((a: { judge_model: string; window_start: string }) => `${a.judge_model} ${a.window_start.slice(0, 10)}`));

    assert.ok(fromApi.has(`judge-shifted ${day(SHIFT_DAY)}`) && fromApi.has(`judge-spread ${day(SPREAD_DAY)}`), [...fromApi].join(', '));
    assert.deepEqual([...fromQuery].sort(), [...fromApi].sort(), 'query kind = API');
    assert.deepEqual([...fromRule].sort(), [...fromApi].sort(), 'rule = API');
  });

  test("the day's mean, trailing mean, PSI and agreement equal values computed from the raw events", async () => {
    const d = SHIFT_DAY + 1;
    const response = await service.request('read', { method: 'GET', url: `/v1/metrics/judge-drift?from=${iso(START + d * DAY)}&to=${iso(START + (d + 1) * DAY)}&judge_model=judge-shifted` });
    const [entry, ...rest] = response.json().series;
    assert.equal(rest.length, 0);

    const scoresOf = (k: number) =>
      events.filter((e) => e.judge_model === 'judge-shifted' && e.timestamp >= iso(START + k * DAY) && e.timestamp < iso(START + (k + 1) * DAY)).map((e) => e.judge_score as number);
    const meanOf = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const today = scoresOf(d);
    assert.equal(entry.count, today.length);
    assert.ok(Math.abs(entry.mean_score - meanOf(today)) < 1e-9);
    const trailing = [1, 2, 3, 4, 5, 6, 7].map((k) => meanOf(scoresOf(d - k)));
    assert.ok(Math.abs(entry.trailing_mean - meanOf(trailing)) < 1e-9, 'seed 001 §6: mean of the daily means of the 7 days before');
    const reference = [1, 2, 3, 4, 5, 6, 7].flatMap((k) => scoresOf(d - k));
    assert.equal(entry.reference_count, reference.length);
    assert.ok(Math.abs(entry.psi - psiFromScores(today, reference)) < 1e-9, `${entry.psi} vs ${psiFromScores(today, reference)}`);

    const reviewed = events.filter((e) => e.judge_model === 'judge-shifted' && e.human_verdict && e.timestamp >= iso(START + d * DAY) && e.timestamp < iso(START + (d + 1) * DAY));
    assert.equal(entry.reviewed, reviewed.length);
    assert.equal(entry.agreed, reviewed.filter((e) => e.human_verdict === 'confirmed').length);
  });

  test('bad parameters are 400s', async () => {
    assert.equal((await service.request('read', { method: 'GET', url: `/v1/metrics/judge-drift?from=${iso(END)}&to=${iso(START)}` })).statusCode, 400);
    // the threshold is the judge_drift rule's (config/detection.yaml), so the API and the alert agree
    assert.equal((await service.request('read', { method: 'GET', url: '/v1/metrics/judge-drift?threshold=0.01' })).statusCode, 400);
  });
});

describe('GET /v1/metrics/guardrail-effectiveness', () => {
  const inRange = (e: TrafficEvent, from: number, to: number) => Date.parse(e.timestamp) >= from && Date.parse(e.timestamp) < to;
  const guardrail = (e: TrafficEvent) => e.category === 'guardrail_block';
  const judge = (e: TrafficEvent) => e.category === 'judge_flag' && e.guardrail_result === 'pass';
  const pct = (part: number, total: number) => Math.round((part / total) * 1000) / 10;

  test('overall, per policy and over time, as seed 001 panel 3 computes it', async () => {
    const response = await service.request('read', { method: 'GET', url: `/v1/metrics/guardrail-effectiveness?from=${iso(START)}&to=${iso(END)}&interval=1d` });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json();
    const scoped = events.filter((e) => inRange(e, START, END));
    const g = scoped.filter(guardrail).length;
    const j = scoped.filter(judge).length;
    assert.deepEqual(body.overall, { guardrail_caught: g, judge_caught: j, total: g + j, guardrail_pct: pct(g, g + j), judge_pct: pct(j, g + j) });

    const policies = new Set(scoped.filter((e) => guardrail(e) || judge(e)).map((e) => e.policy_violated as string));
    assert.equal(body.by_policy.length, policies.size);
    for (const p of body.by_policy) {
      const gp = scoped.filter((e) => guardrail(e) && e.policy_violated === p.policy).length;
      const jp = scoped.filter((e) => judge(e) && e.policy_violated === p.policy).length;
      assert.equal(p.guardrail_caught, gp, p.policy);
      assert.equal(p.judge_caught, jp, p.policy);
      assert.equal(p.guardrail_pct, pct(gp, gp + jp));
    }
    assert.equal(body.series.length, DAYS);
    for (const [k, bucket] of body.series.entries()) {
      assert.equal(bucket.timestamp, iso(START + k * DAY));
      const dayEvents = scoped.filter((e) => inRange(e, START + k * DAY, START + (k + 1) * DAY));
      assert.equal(bucket.guardrail_caught, dayEvents.filter(guardrail).length);
      assert.equal(bucket.judge_caught, dayEvents.filter(judge).length);
    }
  });

  test('the interval sets the bucket size; too many buckets or a bad interval is a 400', async () => {
    const response = await service.request('read', { method: 'GET', url: `/v1/metrics/guardrail-effectiveness?from=${iso(START)}&to=${iso(START + 2 * DAY)}&interval=12h` });
    assert.equal(response.json().series.length, 4);
    assert.equal((await service.request('read', { method: 'GET', url: `/v1/metrics/guardrail-effectiveness?from=${iso(START)}&to=${iso(END)}&interval=1m` })).statusCode, 400);
    assert.equal((await service.request('read', { method: 'GET', url: '/v1/metrics/guardrail-effectiveness?interval=fortnight' })).statusCode, 400);
  });
});

describe('daily metrics written back to Elasticsearch', () => {
  test('judge and guardrail days land in the metrics index with stable ids, queryable like a Grafana alert rule', async () => {
    const rebuild = await service.request('admin', { method: 'POST', url: '/v1/metrics/rebuild', payload: { from: iso(START), to: iso(END) } });
    assert.equal(rebuild.statusCode, 200, rebuild.body);
    const judgeDays = new Set(events.filter((e) => e.category === 'judge_flag').map((e) => `${e.judge_model}:${e.timestamp.slice(0, 10)}`));
    assert.equal(rebuild.json().judge_days, judgeDays.size, 'one document per judge model and day with scores');
    const index = `${service.prefix}-metrics`;
    const shiftDoc = await service.es.get<Record<string, unknown>>({ index, id: `judge_daily:judge-shifted:${day(SHIFT_DAY)}` });
    assert.equal(shiftDoc._source!.flagged, true);
    assert.equal(shiftDoc._source!['@timestamp'], iso(START + SHIFT_DAY * DAY));
    assert.equal(shiftDoc._source!.value, shiftDoc._source!.mean_score);
    assert.ok((shiftDoc._source!.distribution_p as number) < 0.001);
    assert.deepEqual(shiftDoc._source!.flags, ['mean_shift', 'distribution_shift', 'low_agreement']);

    // what a Grafana alert rule asks: flagged judge days in a range, and the daily guardrail percentage
    const flagged = await service.es.search({
      index,
      size: 100,
      query: { bool: { filter: [{ term: { metric: 'judge_daily' } }, { term: { flagged: true } }, { range: { '@timestamp': { gte: iso(START), lt: iso(END) } } }] } },
      aggs: { models: { terms: { field: 'judge_model' } }, worst: { max: { field: 'abs_diff' } } },
    });
    const models = (flagged.aggregations!.models as { buckets: Array<{ key: string }> }).buckets.map((b) => b.key);
    assert.deepEqual(models, ['judge-shifted', 'judge-spread']);
    const guardrailDays = await service.es.search({
      index,
      size: 0,
      query: { term: { metric: 'guardrail_daily' } },
      aggs: { pct: { avg: { field: 'guardrail_pct' } }, caught: { sum: { field: 'guardrail_caught' } } },
    });
    assert.equal((guardrailDays.aggregations!.caught as { value: number }).value, events.filter((e) => e.category === 'guardrail_block').length);

    // rewriting the same days overwrites, never duplicates
    const before = (await service.es.count({ index })).count;
    await service.request('admin', { method: 'POST', url: '/v1/metrics/rebuild', payload: { from: iso(START), to: iso(END) } });
    assert.equal((await service.es.count({ index })).count, before);
  });
});
