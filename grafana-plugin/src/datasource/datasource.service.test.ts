/**
 * The datasource against the real analytics service and real Elasticsearch: query(), metricFindQuery(),
 * annotations and testDatasource() go over HTTP through a stand-in for Grafana's data proxy.
 * Run by test/integration/query-grafana.test.ts, which starts the service, seeds it and sets:
 *   AISEC_SERVICE_URL, AISEC_READ_KEY, AISEC_INGEST_KEY, AISEC_RANGE_FROM, AISEC_RANGE_TO
 */
import { FieldType, dateTime, type DataFrame, type DataQueryRequest, type DataQueryResponse } from '@grafana/data';
import { setTemplateSrv, type TemplateSrv } from '@grafana/runtime';
import { lastValueFrom } from 'rxjs';
import { fixedTemplateSrv } from '../testing/grafanaProxy';
import { nodeTransport } from '../testing/nodeTransport';
import { proxiedDataSource } from '../testing/proxiedDataSource';
import { queryRequest } from '../testing/queryRequest';
import type { DataSource } from './datasource';
import type { AisecQuery } from './types';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run this suite through test/integration/query-grafana.test.ts`);
  return value;
};
const serviceUrl = env('AISEC_SERVICE_URL');
const from = dateTime(env('AISEC_RANGE_FROM'));
const to = dateTime(env('AISEC_RANGE_TO'));
const range = { from, to, raw: { from, to } };

function datasource(options: { apiKey?: string; url?: string } = {}): DataSource {
  return proxiedDataSource({ serviceUrl: options.url ?? serviceUrl, apiKey: options.apiKey ?? env('AISEC_READ_KEY'), transport: nodeTransport });
}

const run = (ds: DataSource, targets: AisecQuery[], extra: Partial<DataQueryRequest<AisecQuery>> = {}): Promise<DataQueryResponse> => lastValueFrom(ds.query(queryRequest(targets, range, { requestId: 'test', ...extra })));
const fieldNamed = (frame: DataFrame, name: string) => frame.fields.find((f) => f.name === name)!;

beforeEach(() => {
  setTemplateSrv(fixedTemplateSrv({ user: ['mallory'], users: ['mallory', 'bob'], everyone: '__all__' }) as unknown as TemplateSrv);
});

describe('datasource against the real analytics service', () => {
  it('answers a dashboard’s batch of queries with typed, labelled frames per refId', async () => {
    const response = await run(datasource(), [
      { refId: 'volume', kind: 'event_volume', groupBy: 'category' },
      { refId: 'matrix', kind: 'risk_matrix' },
      { refId: 'scores', kind: 'judge_score_distribution' },
      { refId: 'hidden', kind: 'alerts', hide: true },
    ]);
    expect(response.errors).toBeUndefined();
    const byRef = (refId: string) => response.data.filter((f: DataFrame) => f.refId === refId) as DataFrame[];
    const volume = byRef('volume');
    expect(volume.map((f) => f.name)).toEqual(expect.arrayContaining(['request', 'judge_flag', 'prompt_attack', 'guardrail_block']));
    for (const frame of volume) {
      const [time, events] = frame.fields;
      expect(time?.type).toBe(FieldType.time);
      expect(events?.type).toBe(FieldType.number);
      expect(events?.labels).toEqual({ category: frame.name });
      expect(frame.length).toBe(720); // 30 days of hourly buckets: intervalMs 1h, maxDataPoints 1000
    }
    const [matrix] = byRef('matrix');
    expect(matrix!.fields.map((f) => f.name)).toEqual(['risk_tier', 'category', 'events', 'max_severity', 'users', 'top_user']);
    const [scores] = byRef('scores');
    expect(fieldNamed(scores!, 'xMin').values).toHaveLength(10);
    expect(byRef('hidden')).toHaveLength(0);
  });

  it('expands template variables in filters and drops "All"', async () => {
    const ds = datasource();
    const one = await run(ds, [{ refId: 'A', kind: 'event_volume', user_id: ['$user'], category: ['prompt_attack'] }]);
    const both = await run(ds, [{ refId: 'A', kind: 'event_volume', user_id: ['$users'] }]);
    const all = await run(ds, [{ refId: 'A', kind: 'event_volume', user_id: ['$everyone'] }]);
    const total = (r: DataQueryResponse) => (r.data as DataFrame[]).reduce((n, f) => n + (fieldNamed(f, 'events').values as number[]).reduce((a, b) => a + b, 0), 0);
    expect(total(one)).toBe(35);
    expect(total(both)).toBeGreaterThan(total(one));
    expect(total(all)).toBeGreaterThan(total(both));
  });

  it('respects maxDataPoints and the interval', async () => {
    const response = await run(datasource(), [{ refId: 'A', kind: 'guardrail_effectiveness' }], { intervalMs: 86_400_000, maxDataPoints: 100 });
    expect((response.data[0] as DataFrame).length).toBe(30);
    const coarse = await run(datasource(), [{ refId: 'A', kind: 'guardrail_effectiveness' }], { intervalMs: 1000, maxDataPoints: 20 });
    expect((coarse.data[0] as DataFrame).length).toBeLessThanOrEqual(20);
  });

  it('reports a bad target as an error of that query only', async () => {
    const response = await run(datasource(), [
      { refId: 'good', kind: 'alert_summary' },
      { refId: 'bad', kind: 'judge_drift', threshold: 7 } as AisecQuery,
    ]);
    expect((response.data as DataFrame[]).map((f) => f.refId)).toEqual(['good']);
    expect(response.errors).toEqual([expect.objectContaining({ refId: 'bad', status: 400, message: expect.stringMatching(/threshold/) })]);
  });

  it('turns alerts into annotations frames and lists variable values', async () => {
    const ds = datasource();
    const annotations = await run(ds, [{ ...(ds.annotations!.getDefaultQuery!() as AisecQuery), refId: 'Anno' }]);
    const frame = annotations.data[0] as DataFrame;
    expect(frame.fields.map((f) => f.name)).toEqual(['time', 'timeEnd', 'title', 'text', 'tags', 'id']);
    expect(fieldNamed(frame, 'title').values.every((t: string) => /^\[(high|critical)\]/.test(t))).toBe(true);

    const users = await ds.metricFindQuery({ field: 'user_id' }, { range });
    expect(users.map((u) => u.text).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'mallory']);
    const rules = await ds.metricFindQuery('rule_id', { range });
    expect(rules.map((r) => r.text)).toContain('prompt_injection_repeated');
  });

  it('Save & test: succeeds with a read key, explains a wrong key, a key without the read role and an unreachable service', async () => {
    await expect(datasource().testDatasource()).resolves.toEqual(expect.objectContaining({ status: 'success', message: expect.stringMatching(/Connected to the analytics service .*can read/) }));
    await expect(datasource({ apiKey: 'not-a-real-key-000000' }).testDatasource()).resolves.toEqual({ status: 'error', message: expect.stringMatching(/rejected the API key \(401/) });
    await expect(datasource({ apiKey: env('AISEC_INGEST_KEY') }).testDatasource()).resolves.toEqual({ status: 'error', message: expect.stringMatching(/lacks the read role \(403/) });
    await expect(datasource({ url: 'http://127.0.0.1:9' }).testDatasource()).resolves.toEqual({ status: 'error', message: expect.stringMatching(/could not reach the analytics service at http:\/\/127\.0\.0\.1:9/) });
  });
});
