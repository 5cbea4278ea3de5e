/**
 * The hourly rollups against the real node: every answer the event-count kinds (event_volume, risk_matrix, values of
 * model/endpoint/category) and the per-user answers (event_volume by user, risk_matrix's users and top user) compute
 * from the rollups (whole hours)
 * plus raw events (edges, events ingested since the watermark) equals, bucket for bucket, the answer from raw
 * events alone — and the raw answer's totals equal counts taken from the ingested events themselves. Covered:
 * ranges that do not start or end on an hour, several bucket widths, filters, late events (old @timestamp, new
 * event.ingested) before and after the job catches up, a replay of a run whose commit was lost, a run in progress
 * (rows newer than the committed watermark), concurrent runs and a restarted job.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@elastic/elasticsearch';
import type { AiSecurityEvent, Category } from '../../analytics-service/src/contract/event-schema.js';
import { DECISIONS, SEVERITIES } from '../../analytics-service/src/contract/event-schema.js';
import { indexNames } from '../../analytics-service/src/elasticsearch/index-names.js';
import { RollupStore } from '../../analytics-service/src/elasticsearch/rollup-store.js';
import type { FrameJson, QueryRequest, QueryResponse } from '../../analytics-service/src/query/kinds.js';
import { runQuery } from '../../analytics-service/src/query/run-query.js';
import { RollupJob } from '../../analytics-service/src/rollups/rollup-job.js';
import { DAILY_USER_COUNTS, HOURLY_COUNTS, HOURLY_USER_COUNTS, rollupDocId } from '../../analytics-service/src/rollups/hourly-rollup.js';
import { rollupMapping, userRollupMapping } from '../../analytics-service/src/elasticsearch/mappings.js';
import { seededRandom } from '../../cli/src/demo/random.js';
import { postEvents, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';
import { END, FIXTURE_SERVICE_ENV, START, seedQueryFixtures } from './query-fixtures.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

let service: TestService;
let events: AiSecurityEvent[];
let store: RollupStore;
/** the per-user rollups (daily, hourly), kept by the same job */
let userStore: RollupStore;
let hourlyUserStore: RollupStore;
let names: ReturnType<typeof indexNames>;

/** The client with the indices of every search recorded, to tell whether an answer read the rollup. */
function recording(es: Client): { es: Client; indices: string[] } {
  const indices: string[] = [];
  const proxy = new Proxy(es, {
    get(target, property, receiver) {
      if (property === 'search') {
        return (request: { index?: string }, ...rest: unknown[]) => {
          indices.push(String(request.index));
          return (target.search as (...p: unknown[]) => Promise<unknown>)(request, ...rest);
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
  return { es: proxy, indices };
}

/** Extra traffic with every rollup dimension varied and sometimes missing (no risk tier, no decision, no model). */
function variedEvents(seed: number, count: number, from: number, to: number): AiSecurityEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const categories: Category[] = ['request', 'guardrail_block', 'judge_flag', 'prompt_attack', 'tool_invocation'];
  return Array.from({ length: count }, (_, i) => {
    const event: Record<string, unknown> = {
      event_id: `rollup-${seed}-${i}`,
      timestamp: new Date(from + Math.floor(random() * (to - from))).toISOString(),
      category: pick(categories),
      // four frequent users and 60 more of falling activity: cells with more users than the rollup's top-user candidates
      user_id: random() < 0.5 ? pick(['alice', 'bob', 'carol', 'erin']) : `user-${String(Math.floor(60 * random() ** 2)).padStart(2, '0')}`,
      severity: pick(SEVERITIES),
      endpoint: pick(['/api/v1/chat', '/api/v1/rag']),
    };
    if (random() < 0.8) event.risk_tier = 1 + Math.floor(random() * 4);
    if (random() < 0.7) event.decision = pick(DECISIONS);
    if (random() < 0.9) event.model = pick(['gpt-4o', 'claude-sonnet-4-5', 'llama-3']);
    return event as unknown as AiSecurityEvent;
  });
}

async function ingest(batch: AiSecurityEvent[]): Promise<void> {
  for (let i = 0; i < batch.length; i += 1000) {
    const response = await postEvents(service, batch.slice(i, i + 1000));
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().rejected, 0, response.body);
  }
  await service.es.indices.refresh({ index: names.events });
}

/** A run as the service's job does it; every stamped event is searchable after the refresh above, so no settle margin. */
/** every run brings every rollup up to date (the daily rollup's hourly pace is tested apart, below) */
const job = () => new RollupJob([store, userStore, hourlyUserStore], 0, false);

const TARGETS: Array<{ kind: string } & Record<string, unknown>> = [
  { kind: 'event_volume', groupBy: 'category' },
  { kind: 'event_volume', groupBy: 'severity' },
  { kind: 'event_volume', groupBy: 'decision' },
  { kind: 'event_volume', groupBy: 'model', limit: 2 },
  { kind: 'event_volume', groupBy: 'endpoint' },
  { kind: 'event_volume', groupBy: 'risk_tier' },
  { kind: 'event_volume', groupBy: 'category', model: ['gpt-4o'], severity: ['high', 'critical'] },
  { kind: 'event_volume', groupBy: 'severity', category: ['request', 'judge_flag'], endpoint: ['/api/v1/chat'] },
  { kind: 'risk_matrix' },
  { kind: 'risk_matrix', includeRequests: true },
  { kind: 'risk_matrix', model: ['claude-sonnet-4-5'] },
  { kind: 'risk_matrix', includeRequests: true, severity: ['low', 'medium'] },
  { kind: 'risk_matrix', user_id: ['alice', 'user-03'] },
  { kind: 'event_volume', groupBy: 'user_id' },
  { kind: 'event_volume', groupBy: 'user_id', limit: 3, category: ['request', 'judge_flag'], endpoint: ['/api/v1/chat'] },
  { kind: 'event_volume', groupBy: 'category', user_id: ['bob', 'user-01'] },
  { kind: 'values', field: 'model' },
  { kind: 'values', field: 'category', limit: 2 },
  { kind: 'values', field: 'endpoint', severity: ['high', 'critical'] },
];

/** Ranges starting and ending off the hour, and bucket widths of 1 h, 3 h and 1 day. */
const WINDOWS = [
  { from: START, to: END, intervalMs: HOUR, maxDataPoints: 1000 },
  { from: START + 7 * MINUTE, to: END - 23 * MINUTE, intervalMs: HOUR, maxDataPoints: 1000 },
  { from: START + 10 * 24 * HOUR + 37 * MINUTE, to: END + 2 * 24 * HOUR + 5 * MINUTE, intervalMs: 3 * HOUR, maxDataPoints: 1000 },
  { from: START - 13 * MINUTE, to: END + 5 * 24 * HOUR, intervalMs: 24 * HOUR, maxDataPoints: 100 },
];

function request(window: (typeof WINDOWS)[number]): QueryRequest {
  return {
    range: { from: new Date(window.from).toISOString(), to: new Date(window.to).toISOString() },
    intervalMs: window.intervalMs,
    maxDataPoints: window.maxDataPoints,
    targets: TARGETS.map((t, i) => ({ refId: `T${i}`, ...t })),
  };
}

const frames = (response: QueryResponse, refId: string): FrameJson[] => {
  const result = response.results[refId]!;
  assert.equal(result.status, 200, `${refId}: ${result.error}`);
  return result.frames;
};

/**
 * Every target in every window: the answer with the rollup deep-equals the answer from raw events alone.
 * `expectRollupRead`: whether the rollup index must (or must not) have been searched; undefined: either.
 */
async function assertRollupEqualsRaw(expectRollupRead?: boolean): Promise<void> {
  for (const window of WINDOWS) {
    const raw = await runQuery({ es: service.es, indices: names, useRollup: false }, request(window));
    const rec = recording(service.es);
    const rolled = await runQuery({ es: rec.es, indices: names }, request(window));
    for (const [i, target] of TARGETS.entries()) {
      assert.deepEqual(frames(rolled, `T${i}`), frames(raw, `T${i}`), `${JSON.stringify(target)} over ${JSON.stringify(window)}`);
    }
    if (expectRollupRead !== undefined) {
      assert.equal(rec.indices.includes(names.eventsHourly), expectRollupRead, `rollup ${expectRollupRead ? '' : 'not '}read over ${JSON.stringify(window)}`);
      const usersRead = rec.indices.some((index) => index.split(',').includes(names.eventsDailyUsers));
      assert.equal(usersRead, expectRollupRead, `per-user rollup ${expectRollupRead ? '' : 'not '}read over ${JSON.stringify(window)}`);
    }
  }
}

/** Events a rollup stands for (each row counts `_doc_count` of them), summed by Elasticsearch. */
async function rolledEvents(index = names.eventsHourly): Promise<number> {
  const response = await service.es.search({ index, size: 0, query: { exists: { field: '@timestamp' } }, aggs: { all: { filter: { match_all: {} } } } });
  return (response.aggregations?.all as { doc_count: number }).doc_count;
}

async function rowCount(index = names.eventsHourly): Promise<number> {
  await service.es.indices.refresh({ index });
  return (await service.es.count({ index, query: { exists: { field: '@timestamp' } } })).count;
}

/** A rollup's rows, id → row without the watermark it was written under, read in one search (asserted to fit). */
async function rowsOf(index: string): Promise<Map<string, Record<string, unknown>>> {
  await service.es.indices.refresh({ index });
  const found = await service.es.search<Record<string, unknown>>({ index, size: 10_000, track_total_hits: true, query: { exists: { field: '@timestamp' } } });
  const total = found.hits.total as { value: number };
  assert.ok(total.value < 10_000, `${index}: ${total.value} rows, more than one search reads`);
  return new Map(
    found.hits.hits.map((hit) => {
      const { ingested_before: _, ...row } = hit._source!;
      return [hit._id!, row];
    }),
  );
}

/** Both rollups stand for exactly the ingested events. */
async function assertRolledEveryEvent(): Promise<void> {
  assert.equal(await rolledEvents(), events.length);
  assert.equal(await rolledEvents(names.eventsDailyUsers), events.length);
  assert.equal(await rolledEvents(names.eventsHourlyUsers), events.length);
}

before(async () => {
  service = await startTestService('rollups', { ...FIXTURE_SERVICE_ENV, AISEC_ROLLUP_INTERVAL: 'off' });
  names = indexNames(service.prefix);
  store = new RollupStore(service.es, names.events, names.eventsHourly);
  userStore = new RollupStore(service.es, names.events, names.eventsDailyUsers, DAILY_USER_COUNTS);
  hourlyUserStore = new RollupStore(service.es, names.events, names.eventsHourlyUsers, HOURLY_USER_COUNTS);
  ({ events } = await seedQueryFixtures(service));
  const extra = variedEvents(1, 3000, START, END);
  await ingest(extra);
  events = [...events, ...extra];
});
after(async () => service.close());

describe('hourly rollup', () => {
  test('without a watermark the kinds read raw events only, and their totals equal the ingested events', async () => {
    assert.equal(await store.watermark(), undefined);
    assert.equal(await userStore.watermark(), undefined);
    await assertRollupEqualsRaw(false);
    const answer = await runQuery({ es: service.es, indices: names }, request(WINDOWS[0]!));
    const total = frames(answer, 'T0').reduce((n, f) => n + (f.fields[1]!.values as number[]).reduce((a, b) => a + b, 0), 0);
    assert.equal(total, events.length);
  });

  test('after a run every hour is rolled up: the rows stand for every event, and answers equal the raw ones', async () => {
    const report = await job().runOnce();
    assert.ok(report.committed);
    assert.ok(report.hours >= 30 * 8, `hours recomputed: ${report.hours}`);
    assert.equal(await userStore.watermark(), await store.watermark());
    assert.equal(await hourlyUserStore.watermark(), await store.watermark());
    await assertRolledEveryEvent();
    assert.ok((await rowCount()) < events.length, 'fewer rows than events');
    assert.ok((await rowCount(names.eventsDailyUsers)) < events.length, 'fewer per-user rows than events');
    await assertRollupEqualsRaw(true);
  });

  test('late events (old @timestamp, new event.ingested) count before the job catches up, and after it, once', async () => {
    const late = variedEvents(2, 400, START + 3 * 24 * HOUR, START + 4 * 24 * HOUR);
    await ingest(late);
    events = [...events, ...late];
    await assertRollupEqualsRaw(true);
    const report = await job().runOnce();
    // the hours of that day, and the day itself (the per-user rollup's bucket), which may start an hour already counted
    assert.ok(report.hours >= 20 && report.hours <= 26, `late hours recomputed: ${report.hours}`);
    await assertRolledEveryEvent();
    await assertRollupEqualsRaw(true);
  });

  test('a run whose commit was lost is replayed: same rows (same ids), nothing counted twice', async () => {
    const rowsBefore = await rowCount();
    const userRowsBefore = await rowCount(names.eventsDailyUsers);
    await store.resetWatermark();
    await userStore.resetWatermark();
    await hourlyUserStore.resetWatermark();
    await assertRollupEqualsRaw(false);
    const replay = await job().runOnce();
    assert.ok(replay.committed);
    assert.equal(await rowCount(), rowsBefore);
    assert.equal(await rowCount(names.eventsDailyUsers), userRowsBefore);
    await assertRolledEveryEvent();
    await assertRollupEqualsRaw(true);
  });

  test('rows newer than the committed watermark (a run in progress) are not read', async () => {
    const watermark = (await store.watermark())!;
    const hour = START + 5 * 24 * HOUR + 10 * HOUR;
    const row = { hour, key: { category: 'request' as const }, count: 1_000_000 };
    await store.writeRows([row], watermark + 1);
    await store.refresh();
    // the per-user rollup's rows are days
    const userRow = { hour: Math.floor(hour / (24 * HOUR)) * 24 * HOUR, key: { category: 'request' as const, user_id: 'user-00' }, count: 1_000_000 };
    await userStore.writeRows([userRow], (await userStore.watermark())! + 1);
    await userStore.refresh();
    const hourlyUserRow = { hour, key: { category: 'request' as const, user_id: 'user-00' }, count: 1_000_000 };
    await hourlyUserStore.writeRows([hourlyUserRow], (await hourlyUserStore.watermark())! + 1);
    await hourlyUserStore.refresh();
    // read, seen to be newer than the watermark wherever it matches the filters, and left out: raw events instead
    await assertRollupEqualsRaw();
    // the next run recomputes nothing for that hour (no new events) but its watermark is newer than the row's
    await service.es.delete({ index: names.eventsHourly, id: rollupDocId(hour, row.key), refresh: true });
    await service.es.delete({ index: names.eventsDailyUsers, id: rollupDocId(userRow.hour, userRow.key, DAILY_USER_COUNTS), refresh: true });
    await service.es.delete({ index: names.eventsHourlyUsers, id: rollupDocId(hour, hourlyUserRow.key, HOURLY_USER_COUNTS), refresh: true });
    await assertRollupEqualsRaw(true);
  });

  test('concurrent runs and a restarted job leave the rollup exact', async () => {
    const more = variedEvents(3, 600, START, END + 2 * HOUR);
    await ingest(more);
    events = [...events, ...more];
    const [a, b] = await Promise.all([job().runOnce(), job().runOnce()]);
    assert.ok(a.committed || b.committed);
    await assertRolledEveryEvent();
    await assertRollupEqualsRaw(true);
    const restarted = [
      new RollupStore(service.es, names.events, names.eventsHourly),
      new RollupStore(service.es, names.events, names.eventsDailyUsers, DAILY_USER_COUNTS),
      new RollupStore(service.es, names.events, names.eventsHourlyUsers, HOURLY_USER_COUNTS),
    ];
    const again = await new RollupJob(restarted, 0, false).runOnce();
    assert.equal(again.hours, 0);
    await assertRolledEveryEvent();
  });

  test('POST /v1/query answers from the rollup as the in-process query code does', async () => {
    const body = request(WINDOWS[1]!);
    const response = await service.request('read', { method: 'POST', url: '/v1/query', payload: body });
    assert.equal(response.statusCode, 200, response.body);
    const raw = await runQuery({ es: service.es, indices: names, useRollup: false }, body);
    for (const [i] of TARGETS.entries()) assert.deepEqual(frames(response.json(), `T${i}`), frames(raw, `T${i}`));
  });

  test('a round with more rows than a page is read and written a page at a time, to the same rows', async () => {
    const PAGE_ROWS = 7;
    const rollups = [
      { index: names.eventsHourly, definition: HOURLY_COUNTS, mappings: rollupMapping },
      { index: names.eventsDailyUsers, definition: DAILY_USER_COUNTS, mappings: userRollupMapping },
      { index: names.eventsHourlyUsers, definition: HOURLY_USER_COUNTS, mappings: userRollupMapping },
    ];
    const paged: RollupStore[] = [];
    for (const { index, definition, mappings } of rollups) {
      await service.es.indices.create({ index: `${index}-paged`, mappings });
      paged.push(new RollupStore(service.es, names.events, `${index}-paged`, definition, PAGE_ROWS));
    }
    // one day of per-user rows comes in several pages, none larger than asked
    const day = Math.floor((START + 2 * 24 * HOUR) / (24 * HOUR)) * 24 * HOUR;
    const pageSizes: number[] = [];
    for await (const page of paged[1]!.hourRowPages([day], Date.now())) pageSizes.push(page.length);
    assert.ok(pageSizes.length > 1 && pageSizes.every((n) => n > 0 && n <= PAGE_ROWS), `page sizes: ${pageSizes.join(', ')}`);
    const report = await new RollupJob(paged, 0, false).runOnce();
    assert.ok(report.committed);
    assert.equal(report.superseded, 0);
    for (const { index } of rollups) {
      // the same rows (ids and counts) as the rollups of the tests above, which equal the raw answers
      assert.deepEqual(await rowsOf(`${index}-paged`), await rowsOf(index), index);
      assert.equal(await rolledEvents(`${index}-paged`), events.length, index);
    }
  });

  test('the daily per-user rollup advances at most hourly; in between, answers stay exact from the raw events since its watermark', async () => {
    const paced = () => new RollupJob([store, userStore, hourlyUserStore], 0);
    await paced().runOnce(); // whatever is due now
    const daily = (await userStore.watermark())!;
    const late = variedEvents(4, 300, START + 6 * 24 * HOUR, START + 7 * 24 * HOUR);
    await ingest(late);
    events = [...events, ...late];
    const report = await paced().runOnce();
    assert.ok(report.hours > 0, 'the late events\' hours are recomputed');
    assert.ok((await store.watermark())! > daily, 'the hourly rollups move on');
    assert.equal(await userStore.watermark(), daily, 'the daily one waits for its hour');
    assert.equal(await rolledEvents(names.eventsDailyUsers), events.length - late.length, 'its rows do not count the late events yet');
    // …which the per-user answers read from raw events instead
    await assertRollupEqualsRaw(true);
    // an hour later (the run's clock moved on) it catches up. That commits watermarks an hour ahead: this must stay
    // the last test on this fixture
    const hourLater = await paced().runOnce(new Date(Date.now() + 61 * MINUTE));
    assert.ok(hourLater.committed);
    assert.ok((await userStore.watermark())! > daily);
    await assertRolledEveryEvent();
  });

  test('the service runs the job on its own every AISEC_ROLLUP_INTERVAL and commits watermarks 5 minutes behind', async () => {
    const scheduled = await startTestService('rollups-scheduled', { ...FIXTURE_SERVICE_ENV, AISEC_ROLLUP_INTERVAL: '1s' });
    try {
      const own = indexNames(scheduled.prefix);
      const reader = new RollupStore(scheduled.es, own.events, own.eventsHourly);
      const first = await waitFor('a committed watermark', () => reader.watermark());
      assert.ok(Math.abs(first - (Date.now() - 5 * MINUTE)) < MINUTE, `watermark ${new Date(first).toISOString()}`);
      await waitFor('a later watermark', async () => ((await reader.watermark())! > first ? true : undefined));
    } finally {
      await scheduled.close();
    }
  });
});
