/**
 * POST /v1/query against real Elasticsearch: every kind's frames checked against counts computed independently
 * from the fixture data, interval/maxDataPoints sizing, filters, per-target errors and auth.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AiSecurityEvent } from '../../analytics-service/src/contract/event-schema.js';
import type { FieldJson, FrameJson, QueryResponse } from '../../analytics-service/src/query/kinds.js';
import { startTestService, type TestService } from '../support/service.js';
import { DAY, DRIFT_DAY, END, FIXTURE_SERVICE_ENV, START, makeAlerts, seedQueryFixtures } from './query-fixtures.js';

let service: TestService;
let events: AiSecurityEvent[];
before(async () => {
  service = await startTestService('query', FIXTURE_SERVICE_ENV);
  ({ events } = await seedQueryFixtures(service));
});
after(async () => service.close());

const range = { from: new Date(START).toISOString(), to: new Date(END).toISOString() };

async function query(targets: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): Promise<QueryResponse> {
  const response = await service.request('read', { method: 'POST', url: '/v1/query', payload: { range, targets, ...extra } });
  assert.equal(response.statusCode, 200, response.body);
  return response.json();
}

async function one(target: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<FrameJson[]> {
  const result = (await query([{ refId: 'A', ...target }], extra)).results.A!;
  assert.equal(result.status, 200, result.error);
  return result.frames;
}

const fieldOf = (frame: FrameJson, name: string): FieldJson => {
  const found = frame.fields.find((f) => f.name === name);
  assert.ok(found, `frame ${frame.name} has field ${name}; it has ${frame.fields.map((f) => f.name).join(', ')}`);
  return found;
};
const sum = (values: FieldJson['values']) => values.reduce<number>((a, v) => a + (typeof v === 'number' ? v : 0), 0);
const countBy = <T>(items: T[], key: (t: T) => string | undefined) => {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
};

describe('POST /v1/query', () => {
  test('event_volume: one frame per category, counts equal to the events stored, labelled for multi-series', async () => {
    const frames = await one({ kind: 'event_volume' }, { maxDataPoints: 1000, intervalMs: 60_000 });
    const expected = countBy(events, (e) => e.category);
    assert.deepEqual(new Set(frames.map((f) => f.name)), new Set(expected.keys()));
    for (const frame of frames) {
      assert.equal(frame.refId, 'A');
      const time = fieldOf(frame, 'Time');
      const counts = fieldOf(frame, 'events');
      assert.equal(time.type, 'time');
      assert.equal(counts.type, 'number');
      assert.deepEqual(counts.labels, { category: frame.name });
      assert.equal(sum(counts.values), expected.get(frame.name!), `events of ${frame.name}`);
      assert.equal(time.values.length, counts.values.length);
      // 30 days in at most 1000 buckets of at least one minute: hourly buckets (720), empty ones filled with zero
      assert.equal(time.values.length, 720);
      assert.equal(time.values[0], START);
    }
  });

  test('event_volume honours maxDataPoints and intervalMs when sizing buckets', async () => {
    const coarse = await one({ kind: 'event_volume', groupBy: 'severity' }, { maxDataPoints: 40 });
    for (const frame of coarse) assert.ok(fieldOf(frame, 'Time').values.length <= 40, 'no more buckets than maxDataPoints');
    const daily = await one({ kind: 'event_volume', groupBy: 'severity' }, { maxDataPoints: 5000, intervalMs: DAY });
    for (const frame of daily) {
      const times = fieldOf(frame, 'Time').values as number[];
      assert.equal(times.length, 30);
      assert.equal(times[1]! - times[0]!, DAY);
    }
  });

  test('filters are exact, OR-ed within a field and AND-ed across fields', async () => {
    const frames = await one({ kind: 'event_volume', user_id: ['mallory', 'bob'], category: ['prompt_attack', 'credential_detected'] });
    const expected = countBy(
      events.filter((e) => ['mallory', 'bob'].includes(e.user_id!) && ['prompt_attack', 'credential_detected'].includes(e.category)),
      (e) => e.category,
    );
    assert.deepEqual(Object.fromEntries(frames.map((f) => [f.name, sum(fieldOf(f, 'events').values)])), Object.fromEntries(expected));
    const none = await one({ kind: 'event_volume', user_id: ['*'] });
    assert.deepEqual(none, [], 'a wildcard is a literal value, not a pattern');
  });

  test('risk_matrix: counts per tier × category, highest severity per cell, requests excluded by default', async () => {
    const [frame] = await one({ kind: 'risk_matrix' });
    assert.ok(frame);
    const tiers = fieldOf(frame, 'risk_tier').values;
    const categories = fieldOf(frame, 'category').values;
    const counts = fieldOf(frame, 'events').values;
    const severities = fieldOf(frame, 'max_severity').values;
    const security = events.filter((e) => e.category !== 'request');
    const expected = countBy(security, (e) => `${e.risk_tier ?? 0}/${e.category}`);
    const got = new Map(tiers.map((t, i) => [`${t}/${categories[i]}`, counts[i]]));
    assert.deepEqual(Object.fromEntries(got), Object.fromEntries(expected));
    const cell = (tier: number, category: string) => tiers.findIndex((t, i) => t === tier && categories[i] === category);
    assert.equal(severities[cell(4, 'prompt_attack')], 'critical');
    assert.equal(severities[cell(2, 'guardrail_block')], 'low');
    assert.equal(fieldOf(frame, 'top_user').values[cell(4, 'prompt_attack')], 'mallory');
    const [withRequests] = await one({ kind: 'risk_matrix', includeRequests: true });
    assert.ok(fieldOf(withRequests!, 'category').values.includes('request'));
  });

  test('judge_score_distribution: ten 0.1-wide buckets of judge_flag scores, a score of 1 in the last', async () => {
    const [frame] = await one({ kind: 'judge_score_distribution' });
    assert.ok(frame);
    assert.deepEqual(fieldOf(frame, 'xMin').values, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    assert.equal(fieldOf(frame, 'xMax').values[9], 1);
    const scores = events.filter((e) => e.category === 'judge_flag' && e.judge_score !== undefined).map((e) => e.judge_score!);
    const expected = new Array(10).fill(0);
    for (const s of scores) expected[Math.min(9, Math.floor(s * 10 + 1e-9))]++;
    assert.deepEqual(fieldOf(frame, 'count').values, expected);
    const [byModel] = await one({ kind: 'judge_score_distribution', byJudgeModel: true });
    const labelled = byModel!.fields.filter((f) => f.name === 'count').map((f) => f.labels?.judge_model).sort();
    assert.deepEqual(labelled, ['judge-claude', 'judge-gpt-4o']);
  });

  test('judge_drift: the day the judge’s scores jump is flagged, the steady judge never is', async () => {
    const frames = await one({ kind: 'judge_drift' });
    const drifting = frames.find((f) => f.name === 'judge-gpt-4o');
    const steady = frames.find((f) => f.name === 'judge-claude');
    assert.ok(drifting && steady);
    const times = fieldOf(drifting, 'Time').values as number[];
    const flagged = fieldOf(drifting, 'flagged').values;
    assert.equal(times.length, 30);
    const flaggedDays = times.filter((_, i) => flagged[i] === true).map((t) => (t - START) / DAY);
    assert.ok(flaggedDays.includes(DRIFT_DAY), `drift day ${DRIFT_DAY} flagged (flagged: ${flaggedDays.join(', ')})`);
    assert.ok(flaggedDays.every((d) => d >= DRIFT_DAY), 'nothing flagged before the jump');
    assert.ok(fieldOf(steady, 'flagged').values.every((v) => v === false));
    assert.equal(fieldOf(steady, 'mean_score').values[3], 0.7);
    assert.deepEqual(fieldOf(drifting, 'mean_score').labels, { judge_model: 'judge-gpt-4o' });
  });

  test('guardrail_effectiveness: guardrail-caught vs judge-caught-after-pass, as a series and as totals', async () => {
    const guardrail = events.filter((e) => e.category === 'guardrail_block').length;
    const judge = events.filter((e) => e.category === 'judge_flag' && e.guardrail_result === 'pass').length;
    const [series] = await one({ kind: 'guardrail_effectiveness' }, { intervalMs: DAY });
    assert.equal(sum(fieldOf(series!, 'guardrail_caught').values), guardrail);
    assert.equal(sum(fieldOf(series!, 'judge_caught_after_pass').values), judge);
    assert.equal(fieldOf(series!, 'guardrail_pct').config?.unit, 'percent');
    const [total] = await one({ kind: 'guardrail_effectiveness', format: 'total' });
    assert.deepEqual(fieldOf(total!, 'guardrail_caught').values, [guardrail]);
    assert.deepEqual(fieldOf(total!, 'guardrail_pct').values, [Math.round((guardrail / (guardrail + judge)) * 1000) / 10]);
    const [byPolicy] = await one({ kind: 'guardrail_effectiveness', format: 'total', byPolicy: true });
    assert.ok(fieldOf(byPolicy!, 'policy').values.includes('credential_exposure'));
  });

  test('alerts, alert_summary, top_users and annotations read the alerts index within the range', async () => {
    const inRange = makeAlerts().filter((a) => Date.parse(a['@timestamp']) >= START);
    const [table] = await one({ kind: 'alerts' });
    assert.equal(fieldOf(table!, 'id').values.length, inRange.length, 'the alert 40 days back is outside the range');
    const times = fieldOf(table!, 'Time').values as number[];
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
    const drift = fieldOf(table!, 'rule_id').values.indexOf('judge_drift');
    assert.equal(fieldOf(table!, 'entity').values[drift], 'judge_model=judge-gpt-4o', 'what the alert is about, from its group-by fields');

    const [summary] = await one({ kind: 'alert_summary' });
    const open = inRange.filter((a) => a.status === 'open');
    assert.deepEqual(fieldOf(summary!, 'severity').values, ['critical', 'high', 'medium', 'low']);
    assert.deepEqual(fieldOf(summary!, 'alerts').values, ['critical', 'high', 'medium', 'low'].map((s) => open.filter((a) => a.severity === s).length));

    const [top] = await one({ kind: 'top_users' });
    assert.equal(fieldOf(top!, 'user_id').values[0], 'mallory');
    assert.equal(fieldOf(top!, 'alerts').values[0], inRange.filter((a) => a.user_id === 'mallory').length);
    assert.equal(fieldOf(top!, 'critical').values[0], 2);
    // an alert without its own risk counts at its severity's default (medium: 47), as entity risk counts it
    const carol = (fieldOf(top!, 'user_id').values as string[]).indexOf('carol');
    assert.equal(fieldOf(top!, 'max_risk').values[carol], 47);
    assert.equal(fieldOf(top!, 'max_risk').values[0], 80, 'mallory: the largest explicit risk (critical fixture: 80)');

    const [fromEvents] = await one({ kind: 'top_users', source: 'events' });
    const highCritical = countBy(events.filter((e) => e.severity === 'high' || e.severity === 'critical'), (e) => e.user_id);
    const [topUser] = [...highCritical.entries()].sort((a, b) => b[1] - a[1]);
    assert.deepEqual([fieldOf(fromEvents!, 'user_id').values[0], fieldOf(fromEvents!, 'events').values[0]], topUser);

    const [annotations] = await one({ kind: 'annotations', minSeverity: 'critical' });
    assert.deepEqual(fieldOf(annotations!, 'title').values.length, inRange.filter((a) => a.severity === 'critical').length);
    assert.ok((fieldOf(annotations!, 'tags').values as string[][]).every((tags) => tags.includes('critical')));
    assert.ok((fieldOf(annotations!, 'timeEnd').values as number[]).every((t, i) => t >= (fieldOf(annotations!, 'time').values[i] as number)));
  });

  test('entity_baseline: stored baseline, usage in range and an hour-of-week grid for one user', async () => {
    const frames = await one({ kind: 'entity_baseline', entityKind: 'user', entityId: 'mallory' });
    assert.deepEqual(frames.map((f) => f.name), ['summary', 'profile', 'hour_of_week']);
    const [summary, profile, hours] = frames as [FrameJson, FrameJson, FrameJson];
    assert.deepEqual(fieldOf(summary, 'risk_score').values, [87]);
    const mallory = events.filter((e) => e.user_id === 'mallory');
    assert.deepEqual(fieldOf(summary, 'events').values, [mallory.length]);
    const features = fieldOf(profile, 'feature').values;
    assert.equal(fieldOf(profile, 'value').values[features.indexOf('tokens_out.p95')], 1700);
    assert.ok(features.includes('profile.distinct.countries'));
    assert.deepEqual(fieldOf(summary, 'risk_level').values, ['high']);
    const expected = fieldOf(hours, 'expected').values;
    assert.equal(expected[9], 1, 'Monday 09:00 is an office hour in the baseline');
    assert.equal(expected[1], 0);
    assert.equal(fieldOf(hours, 'events').values.length, 168);
    assert.equal(sum(fieldOf(hours, 'events').values), mallory.length);
    const nightAttacks = mallory.filter((e) => new Date(e.timestamp).getUTCHours() === 1).length;
    const atOne = (fieldOf(hours, 'hour').values as number[]).map((h, i) => (h === 1 ? (fieldOf(hours, 'events').values[i] as number) : 0));
    assert.equal(sum(atOne), nightAttacks);
    assert.deepEqual(await one({ kind: 'entity_baseline', entityKind: 'user', entityId: 'nobody' }), []);
    const only = await one({ kind: 'entity_baseline', entityKind: 'user', entityId: 'mallory', section: 'hour_of_week' });
    assert.deepEqual(only.map((f) => f.name), ['hour_of_week']);
  });

  test('values: distinct users from events and rule ids from alerts, for template variables', async () => {
    const [users] = await one({ kind: 'values', field: 'user_id' });
    assert.deepEqual([...(fieldOf(users!, 'text').values as string[])].sort(), ['alice', 'bob', 'carol', 'dave', 'mallory']);
    const [rules] = await one({ kind: 'values', field: 'rule_id' });
    assert.ok((fieldOf(rules!, 'text').values as string[]).includes('guardrail_bypass'));
  });

  test('a bad target is an error in its own result; the others in the batch are answered', async () => {
    const response = await query([
      { refId: 'good', kind: 'alert_summary' },
      { refId: 'unknown', kind: 'nonsense' },
      { refId: 'invalid', kind: 'judge_score_distribution', bucketSize: 5 },
      { refId: 'extra', kind: 'risk_matrix', queryText: 'x' },
      { refId: 'badFilter', kind: 'event_volume', severity: ['urgent'] },
    ]);
    assert.equal(response.results.good!.status, 200);
    assert.equal(response.results.unknown!.status, 400);
    assert.match(response.results.unknown!.error!, /unknown kind "nonsense": use one of event_volume/);
    assert.match(response.results.invalid!.error!, /bucketSize/);
    assert.match(response.results.extra!.error!, /queryText|additional/i);
    assert.match(response.results.badFilter!.error!, /severity/);
  });

  test('the batch itself fails only when malformed; the route needs a read key', async () => {
    const duplicate = await service.request('read', {
      method: 'POST',
      url: '/v1/query',
      payload: { range, targets: [{ refId: 'A', kind: 'values', field: 'user_id' }, { refId: 'A', kind: 'alerts' }] },
    });
    assert.equal(duplicate.statusCode, 400);
    assert.match(duplicate.json().message, /repeated: A/);
    const noRange = await service.request('read', { method: 'POST', url: '/v1/query', payload: { targets: [{ refId: 'A', kind: 'alerts' }] } });
    assert.equal(noRange.statusCode, 400);
    const anonymous = await service.request(null, { method: 'POST', url: '/v1/query', payload: { range, targets: [{ refId: 'A', kind: 'alerts' }] } });
    assert.equal(anonymous.statusCode, 401);
    const ingestKey = await service.request('ingest', { method: 'POST', url: '/v1/query', payload: { range, targets: [{ refId: 'A', kind: 'alerts' }] } });
    assert.equal(ingestKey.statusCode, 403);
  });
});
