/**
 * ueba_* rules in streaming detection: with baselines in place, a burst ingested now becomes a volume-spike
 * alert within seconds, and more of the same burst is the same episode: no second alert.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type {} from '../../analytics-service/src/http/plugins/detection.js';
import { EsTiming } from '../../analytics-service/src/elasticsearch/composite-pager.js';
import { inTimeOrder } from '../../analytics-service/src/elasticsearch/detection-store.js';
import { COUNTED_ONCE } from '../../analytics-service/src/detection/evaluation.js';
import { emptyTally } from '../../analytics-service/src/detection/engine.js';
import { RulePipeline } from '../../analytics-service/src/detection/rule-pipeline.js';
import type { EventDoc } from '../../analytics-service/src/detection/predicate.js';
import { paramsFor } from '../../analytics-service/src/ueba/anomaly.js';
import { LIVE_RESCORE_MS, SETTLE_MS } from '../../analytics-service/src/ueba/peer-evaluation.js';
import { evaluateUebaRules } from '../../analytics-service/src/ueba/window-evaluation.js';
import { SCORING_READ } from '../../analytics-service/src/ueba/window-context.js';
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

/** The earliest (asc) or latest (desc) event.ingested of these events, as stored. */
async function ingestedOf(events: Array<{ event_id: string }>, order: 'asc' | 'desc'): Promise<number> {
  const stored = await service.es.search<{ event: { ingested: string } }>({
    index: `${service.prefix}-events`,
    query: { terms: { event_id: events.map((e) => e.event_id) } },
    sort: [{ 'event.ingested': order }],
    size: 1,
  });
  return Date.parse(stored.hits.hits[0]!._source!.event.ingested);
}

/** A department-hour of this hour: 13 requests by `<department>-heavy`, one by each of six colleagues (13× the median). */
function outlierHour(department: string) {
  const at = (i: number) => new Date(Math.max(HOUR_START, NOW - i * 100)).toISOString();
  const request = (user: string, i: number) => ({ timestamp: at(i), category: 'request', user_id: `${department}-${user}`, user_department: department, event_id: `${department}-${user}-${i}` });
  return [...Array.from({ length: 13 }, (_, i) => request('heavy', i)), ...Array.from({ length: 6 }, (_, i) => request(`peer-${i}`, 20 + i))];
}

/** The peer rule called directly, as streaming calls it, with a count of its Elasticsearch requests. */
function peerRuleAsStreamingCallsIt() {
  const timing = new EsTiming();
  const ctx = { es: service.es, eventsIndex: service.app.indices.events, baselines: service.app.ueba.baselines, timeZone: 'UTC', timing };
  const rules = [{ rule_id: 'ueba_peer_outlier', anomaly: 'peer_outlier' as const, params: paramsFor('peer_outlier') }];
  return { timing, ctx, rules };
}

/** A run that must happen within SETTLE_MS of its events' ingest: on a machine too busy for that, again with new events. */
async function inTime<T extends { inTime: boolean }>(run: (attempt: number) => Promise<T>): Promise<T> {
  let result = await run(0);
  for (let attempt = 1; !result.inTime && attempt < 5; attempt++) result = await run(attempt);
  assert.ok(result.inTime, 'five attempts, none within SETTLE_MS');
  return result;
}

async function spikeAlerts(): Promise<Array<{ id: string; event_count: number; observed: number }>> {
  const response = await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=ueba_volume_spike&user_id=${spiky.id}` });
  return response.json().alerts;
}

test('a burst ingested now becomes one volume-spike alert; more of the burst adds no second alert', async () => {
  await ingest(service, burstNow(140, 'live'));
  const [first] = await waitFor(
    'the volume-spike alert',
    async () => {
      const alerts = await spikeAlerts();
      return alerts.length > 0 ? alerts : undefined;
    },
    60_000,
    async () => {
      const { checkpoint, events_processed, deferred, errors, last_error, alerts } = service.app.detection.streaming.stats;
      const baseline = await service.app.ueba.baselines.getMany('user', [spiky.id], undefined, SCORING_READ);
      return JSON.stringify({ checkpoint, events_processed, deferred, errors, last_error, alerts, baseline_as_scoring_reads_it: baseline.has(spiky.id) });
    },
  );
  assert.ok(first!.event_count >= 140);
  assert.ok(first!.observed >= 90 && first!.observed <= 100, `the anomaly score of a 20× hour: ${first!.observed}`);

  const stats = service.app.detection.streaming.stats;
  const processed = stats.events_processed;
  await ingest(service, burstNow(60, 'more').map((e) => ({ ...e, event_id: `${e.event_id}-more` })));
  await waitFor('streaming to process the rest of the burst', async () => (stats.events_processed >= processed + 60 ? true : undefined));
  const after = await spikeAlerts();
  assert.equal(after.length, 1, 'the same hour is the same episode');
  assert.equal(after[0]!.id, first!.id);
});

test('users who stand out only once colleagues\' later events arrive are flagged by streaming, with no event after theirs', async () => {
  // two departments at once: their put-off rechecks fall due together and are evaluated together
  const departments = ['peer-streaming-a', 'peer-streaming-b'];
  const at = (i: number) => new Date(Math.max(HOUR_START, NOW - i * 100)).toISOString();
  const request = (department: string, user: string, i: number) => ({ timestamp: at(i), category: 'request', user_id: `${department}-${user}`, user_department: department, event_id: `peer-${department}-${user}-${i}` });
  const stats = service.app.detection.streaming.stats;
  // in each department 13 requests by one user and one by a colleague: two active members, too few peers to compare with
  const first = departments.flatMap((d) => [...Array.from({ length: 13 }, (_, i) => request(d, 'heavy', i)), request(d, 'peer-0', 20)]);
  // nothing left over from the test before (its put-off evaluations hold the checkpoint back); then the stored
  // checkpoint passing the time these were sent means they and all earlier events are processed
  await waitFor('evaluations put off by the test before', async () => (stats.deferred === 0 ? true : undefined));
  const firstSentAt = Date.now();
  await ingest(service, first);
  await waitFor('streaming to process the first events', async () => (stats.checkpoint && Date.parse(stats.checkpoint) >= firstSentAt ? true : undefined));
  const peerAlerts = async (department: string) => (await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=ueba_peer_outlier&user_id=${department}-heavy` })).json().alerts as Array<{ observed: number }>;
  for (const d of departments) assert.equal((await peerAlerts(d)).length, 0, 'no peers yet');
  // five more colleagues in each, one request each: now each heavy user is 13× the department's median of the hour.
  // Streaming scored the department-hours as a whole moments ago, so it scores only the colleagues now, against the
  // statistics of then, and puts off scoring each group as a whole until 5 s have passed
  const later = departments.flatMap((d) => Array.from({ length: 5 }, (_, i) => request(d, `peer-${i + 1}`, 30 + i)));
  const processed = stats.events_processed;
  await ingest(service, later);
  const ingestedAt = await ingestedOf(later, 'asc');
  await waitFor('streaming to process the colleagues\' events', async () => (stats.events_processed >= processed + later.length ? true : undefined));
  assert.ok(stats.deferred >= 1, 'the department-hours wait to be scored again as a whole');
  // the stored checkpoint stays before the colleagues' events meanwhile: a restart now would read them again
  assert.ok(Date.parse(stats.checkpoint!) < ingestedAt, `checkpoint ${stats.checkpoint} is before the colleagues' events (ingested ${new Date(ingestedAt).toISOString()})`);
  for (const d of departments) assert.equal((await peerAlerts(d)).length, 0, 'not yet: the group is scored as a whole once 5 s have passed');
  // no further event: the put-off scoring runs by itself, for both departments
  for (const d of departments) {
    const [alert] = await waitFor(`the peer-outlier alert in ${d}`, async () => {
      const alerts = await peerAlerts(d);
      return alerts.length > 0 ? alerts : undefined;
    }, 15_000);
    assert.ok(alert!.observed >= 60, `score ${alert!.observed}`);
  }
  await waitFor('the checkpoint to pass the colleagues\' events', async () => (stats.deferred === 0 && Date.parse(stats.checkpoint!) >= ingestedAt ? true : undefined));
});

test('a department-hour streaming meets only after it settled (streaming behind) is scored at once, from the new events', async () => {
  const department = 'peer-backlog';
  const events = outlierHour(department);
  const streaming = service.app.detection.streaming;
  await waitFor('evaluations put off by the tests before', async () => (streaming.stats.deferred === 0 ? true : undefined));
  await streaming.stop();
  try {
    await ingest(service, events);
    const newest = await ingestedOf(events, 'desc');
    await waitFor('the department-hour to settle while streaming is stopped', async () => (Date.now() > newest + SETTLE_MS ? true : undefined));
  } finally {
    streaming.start();
  }
  const alerts = await waitFor('the peer-outlier alert', async () => {
    const found = (await service.request('read', { method: 'GET', url: `/v1/alerts?rule_id=ueba_peer_outlier&user_id=${department}-heavy` })).json().alerts as Array<{ observed: number }>;
    return found.length > 0 ? found : undefined;
  });
  assert.equal(alerts.length, 1);
  assert.equal(streaming.stats.deferred, 0, 'settled when met: scored at once, nothing put off');
});

test('a department-hour Elasticsearch showed unsettled is not read again before it can settle, however far behind the stream is', async () => {
  const { timing, ctx, rules } = peerRuleAsStreamingCallsIt();

  /** One department-hour, and two slices of a stream 30 s behind meeting its events, both within SETTLE_MS of its newest event. */
  async function twoSlices(attempt: number) {
    const department = `peer-lagging-${attempt}`;
    const events = outlierHour(department);
    await ingest(service, events);
    await service.es.indices.refresh({ index: `${service.prefix}-events` });
    const newest = await ingestedOf(events, 'desc');
    // by their own event.ingested, as a stream 30 s behind meets them, the events look long settled
    const stale = new Date(newest - 30_000).toISOString();
    const met = events.map(({ timestamp, ...e }) => ({ ...e, '@timestamp': timestamp, event: { ingested: stale } }));
    const memory = new Map<string, unknown>();
    const rechecks: number[] = [];
    const slice = async () => {
      const requests = timing.requests;
      const found: string[] = [];
      const scope = { from: HOUR_START, to: HOUR_START + HOUR, entities: [...new Set(met.map((e) => e.user_id))], memory, events: met, recheck: (_h: number, _g: string, _u: string, due: number) => void rechecks.push(due) };
      for await (const c of evaluateUebaRules(ctx, scope, rules)) found.push(c.entity_id);
      return { requests: timing.requests - requests, found, recheck: rechecks.at(-1) };
    };
    const first = await slice();
    const second = await slice();
    return { department, newest, slice, first, second, inTime: Date.now() < newest + SETTLE_MS };
  }

  // the two slices must run within SETTLE_MS of the events' ingest
  const { department, newest, slice, first, second } = await inTime(twoSlices);
  assert.deepEqual(first, { requests: 1, found: [], recheck: newest + SETTLE_MS }, "one read of the group's activity: not settled, scored once SETTLE_MS have passed");
  assert.deepEqual(second, { requests: 0, found: [], recheck: newest + SETTLE_MS }, 'the same stale events again: no read, the group cannot have settled');

  await waitFor('the department-hour to settle', async () => (Date.now() > newest + SETTLE_MS ? true : undefined));
  const settled = await slice();
  assert.deepEqual(settled.found, [`${department}-heavy`], 'settled: read whole and scored');
});

test("a running department-hour due a live rescore is scored from streaming's tally, as Elasticsearch holds it, without reading it again", async () => {
  const { timing, ctx, rules } = peerRuleAsStreamingCallsIt();

  /**
   * A department-hour met by a stream: events stored before the tally began, two sets streamed in time, and one
   * streamed late, when it looks settled, while Elasticsearch holds newer events still.
   */
  async function stream(attempt: number) {
    const department = `peer-tally-${attempt}`;
    const now = Date.now();
    const hour = Math.floor(now / HOUR) * HOUR;
    const at = (i: number) => new Date(Math.max(hour, now - i * 100)).toISOString();
    const request = (user: string, i: number, tokens: number) => ({ timestamp: at(i), category: 'request', user_id: `${department}-${user}`, user_department: department, tokens_out: tokens, event_id: `${department}-${user}-${i}` });
    const requests = (user: string, from: number, count: number, tokens: number) => Array.from({ length: count }, (_, i) => request(user, from + i, tokens));
    const memory = new Map<string, unknown>();
    const key = `${hour}|${department}`;
    /** The events ingested, as stored (with their event.ingested), and the newest event.ingested among them. */
    const store = async (events: Array<ReturnType<typeof request>>) => {
      await ingest(service, events);
      const stored = await service.es.search<Record<string, unknown>>({ index: `${service.prefix}-events`, query: { terms: { event_id: events.map((e) => e.event_id) } }, size: events.length });
      const met = stored.hits.hits.map((h) => h._source!);
      return { met, newest: Math.max(...met.map((e) => Date.parse((e.event as { ingested: string }).ingested))) };
    };
    /** One slice meeting these stored events; `due`: the group last scored, or waiting since, LIVE_RESCORE_MS ago. */
    const slice = async (met: Array<Record<string, unknown>>, due: boolean) => {
      if (due) (memory.get('ueba:peer-groups') as Map<string, unknown>).set(key, { waitingSince: Date.now() - LIVE_RESCORE_MS });
      const before = timing.requests;
      const found: unknown[] = [];
      const scope = { from: hour, to: hour + HOUR, entities: [...new Set(met.map((e) => String(e.user_id)))], memory, events: met, countable: true, recheck: () => undefined };
      for await (const c of evaluateUebaRules(ctx, scope, rules)) found.push(c);
      return { requests: timing.requests - before, found };
    };
    /** What a retro-hunt of the hour finds in the department, from every event stored. */
    const retroHunt = async () => {
      const found: Array<{ entity_id: string }> = [];
      for await (const c of evaluateUebaRules(ctx, { from: hour, to: hour + HOUR }, rules)) if (c.entity_id.startsWith(`${department}-`)) found.push(c);
      return found;
    };
    /** Whether the group, newest event ingested at `newest`, is still unsettled and its hour running. */
    const unsettled = (newest: number) => Date.now() < Math.min(newest + SETTLE_MS, hour + HOUR);

    // before the tally: 4 requests by the heavy user, one by each of six colleagues
    const first = await slice((await store([...requests('heavy', 0, 4, 900), ...Array.from({ length: 6 }, (_, i) => request(`peer-${i}`, 20 + i, 300))])).met, false);
    const tallyBegan = Date.now();
    // the events stored before the tally began are read once they are all searchable
    await waitFor('the tally to be trusted', async () => (Date.now() > tallyBegan + SETTLE_MS ? true : undefined));
    // 9 more by the heavy user and a seventh colleague
    const secondSet = await store([...requests('heavy', 40, 9, 900), request('peer-6', 60, 300)]);
    const second = { ...(await slice(secondSet.met, true)), hunt: await retroHunt(), inTime: unsettled(secondSet.newest) };
    // 5 more by the heavy user and a second request by one colleague
    const thirdSet = await store([...requests('heavy', 70, 5, 1200), request('peer-0', 80, 300)]);
    const third = { ...(await slice(thirdSet.met, true)), hunt: await retroHunt(), inTime: unsettled(thirdSet.newest) };
    // a stream behind: 3 more by the heavy user met only once they look settled, while newer events are stored
    const lateSet = await store(requests('heavy', 90, 3, 900));
    await waitFor('the late events to look settled', async () => (Date.now() > lateSet.newest + SETTLE_MS ? true : undefined));
    const hunt = await retroHunt();
    const newer = await store([request('peer-1', 100, 300)]);
    const late = { ...(await slice(lateSet.met, true)), hunt, inTime: unsettled(newer.newest) };
    return { first, second, third, late, inTime: second.inTime && third.inTime && late.inTime };
  }

  // a live rescore is for running groups not settled: each slice must run within SETTLE_MS of the newest events' ingest
  const { first, second, third, late } = await inTime(stream);
  assert.deepEqual(first.found, [], 'not due: the group waits');
  assert.equal(second.found.length, 1, 'the heavy user stands out');
  assert.deepEqual(second.found, second.hunt, 'the tally (events before it, read once, and the streamed ones) scores as a retro-hunt of the stored events');
  assert.deepEqual(third.found, third.hunt, 'and again after more events');
  assert.equal(third.requests, 0, 'scored from the tally: no read of the group');
  assert.deepEqual(late.found, late.hunt, 'a stream behind scores the group as far as it has read it');
  assert.equal(late.requests, 1, "one read, of the group's activity: unsettled, so scored from the tally, not read whole");
});

test('a slice whose evaluation failed leaves no tally behind, so evaluated again its requests are counted once', async () => {
  const streaming = service.app.detection.streaming;
  const engine = service.app.detection.engine;
  const alerts = `${service.prefix}-alerts`;
  const department = 'peer-failed-slice';
  // a department's requests (tallied), and a burst: its volume-spike alert is written in the same slice
  const events = [...outlierHour(department), ...burstNow(140, 'failed-slice')];
  await streaming.stop();
  try {
    await ingest(service, events);
    const stored = await service.es.search<EventDoc>({ index: `${service.prefix}-events`, query: { terms: { event_id: events.map((e) => e.event_id) } }, size: events.length });
    const slice = inTimeOrder(stored.hits.hits.map((h) => h._source!));
    // the rules as streaming runs them, each at its own pace: the slice is done for some and failed for another
    const evaluate = async () => {
      const pipeline = new RulePipeline(engine, { lanes: 3, maxEvents: 20_000, tally: emptyTally(), ruleMs: {}, runs: {}, mayRun: () => true });
      pipeline.add({ events: slice, since: 0, meta: undefined });
      while (pipeline.pending > 0 && pipeline.failure === undefined) {
        const changed = pipeline.changed();
        pipeline.takeDone();
        if (pipeline.pending > 0) await changed;
      }
      await pipeline.stop();
      if (pipeline.failure !== undefined) throw pipeline.failure;
    };
    await service.es.indices.putSettings({ index: alerts, settings: { 'index.blocks.write': true } });
    try {
      await assert.rejects(evaluate(), 'the alert cannot be written: the slice fails');
    } finally {
      await service.es.indices.putSettings({ index: alerts, settings: { 'index.blocks.write': false } });
    }
    const kept = [...engine.ctx.memory.keys()];
    assert.deepEqual(kept.filter((k) => k.startsWith(COUNTED_ONCE)), [], 'the tally is dropped');
    assert.ok(kept.includes('ueba:peer-groups'), 'memories that an event met twice only raises are kept');
    await evaluate();
    assert.ok(engine.ctx.memory.has(`${COUNTED_ONCE}ueba:peer-tally:ueba_peer_outlier`), 'evaluated again: a new tally, from then on');
  } finally {
    streaming.start();
  }
});
