/**
 * Fault test: the service is killed with SIGKILL during streaming detection and restarted. No alert is lost and
 * none is duplicated; detection catches up from its checkpoint.
 *
 * The service runs as a separate process (test/support/service-process.ts) on a fresh prefix. Two clients send a
 * day of benign traffic with attacks split across consecutive batches (so some episodes start before the kill and
 * grow after it), following the documented ingest contract: a batch that got no 200 (connection reset, service
 * down, 503) is sent again, and an event counts as acknowledged once a 200 accounts for it. Once streaming has
 * written alerts and stored a checkpoint well into the traffic, the process gets SIGKILL 5 ms after a client sent
 * it a batch, i.e. with an ingest request in flight and streaming behind the newest events. A new process on the
 * same prefix takes the streaming lease over from the dead one, and the clients send it the rest. Then: every acknowledged event is stored exactly once; the stored
 * checkpoint reaches the newest event.ingested and the new process evaluated what lay after the checkpoint (and
 * nothing from long before it); every attack has exactly one alert, grown to its full size, and no two alerts
 * cover the same episode; a retro-hunt over the whole range neither creates nor grows any alert.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Client, estypes } from '@elastic/elasticsearch';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { deletePrefix, ndjson } from '../support/service.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait.js';
import { ATTACK_KINDS, attacks, benignDay, type Attack, type TrafficEvent } from '../support/traffic.js';

const DAY = Date.parse('2026-06-15T00:00:00Z');
const POLL_MS = 100;
const OVERLAP_MS = 3000;
const ENV = {
  AISEC_DETECTION_POLL_MS: String(POLL_MS),
  AISEC_DETECTION_OVERLAP_MS: String(OVERLAP_MS),
  // without a checkpoint a process would start an hour back, i.e. re-read everything: the restart must not
  AISEC_DETECTION_LOOKBACK: '1h',
  // the dead process's lease runs out after this; the new process then takes streaming over
  AISEC_DETECTION_LEASE_MS: '4000',
  AISEC_UEBA_REFRESH_INTERVAL: 'off',
};
const BATCH = 40;
const CLIENTS = 2;
const PAUSE_MS = 200;
const CHECKPOINT_ID = 'detection-checkpoint';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface PlacedAttack extends Attack {
  /** the alert's entity: field and value */
  field: 'user_id' | 'agent_id';
  entity: string;
}

/** A benign day in batches, with six kinds of attack three times each, every attack split over two consecutive batches. */
function traffic(): { batches: TrafficEvent[][]; placed: PlacedAttack[] } {
  const benign = benignDay({ seed: 2026, users: 150, day: new Date(DAY), idPrefix: 'svckill' });
  const batches: TrafficEvent[][] = [];
  for (let i = 0; i < benign.length; i += BATCH) batches.push(benign.slice(i, i + BATCH));
  const placed: PlacedAttack[] = [];
  const count = ATTACK_KINDS.length * 3;
  for (let j = 0; j < count; j++) {
    const kind = ATTACK_KINDS[j % ATTACK_KINDS.length]!;
    const b = 2 + Math.floor((j * (batches.length - 8)) / count);
    const t = Date.parse(batches[b]![0]!.timestamp);
    // 12 injection attempts: the first half already fires (high), the second half raises it to critical
    const attack = kind === 'promptInjectionBurst' ? attacks.promptInjectionBurst(t, `svckill${j}`, 12) : attacks[kind](t, `svckill${j}`);
    const half = Math.ceil(attack.events.length / 2);
    batches[b]!.push(...attack.events.slice(0, half));
    batches[b + 1]!.push(...attack.events.slice(half));
    const first = attack.events[0]!;
    const field = typeof first.user_id === 'string' ? 'user_id' : 'agent_id';
    placed.push({ ...attack, field, entity: String(first[field]) });
  }
  return { batches, placed };
}

const processes: ServiceProcess[] = [];
let es: Client | undefined;
let prefix: string | undefined;
after(async () => {
  await Promise.all(processes.map((p) => p.stop(10_000)));
  if (!prefix) return;
  const client = createElasticsearchClient({ url: testElasticsearchUrl(), requestTimeoutMs: 10_000, maxRetries: 0 });
  await deletePrefix(client, prefix);
  await client.close();
  await es?.close();
});

interface StreamingStatus {
  leader?: boolean;
  takeovers?: number;
  checkpoint?: string;
  polls: number;
  events_processed: number;
  errors: number;
  last_error?: string;
  alerts: { created: number; updated: number; unchanged: number };
}

async function streamingStatus(service: ServiceProcess): Promise<StreamingStatus> {
  const response = await service.request('read', '/v1/detections/status', { signal: AbortSignal.timeout(10_000) });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { streaming: StreamingStatus }).streaming;
}

type AlertDoc = { id: string; rule_id: string; entity_key: string; window_start: string; window_end: string; event_count: number; severity: string } & Record<string, unknown>;

test('SIGKILL during streaming detection, then restart: no alert lost or duplicated, detection catches up from its checkpoint', { timeout: 300_000 }, async (t) => {
  const { batches, placed } = traffic();
  const total = batches.reduce((n, b) => n + b.length, 0);
  const killAfterBatches = Math.floor(batches.length * 0.4);
  const gate = batches.length - 12; // batches from here on wait for the kill: traffic still flows after it
  es = createElasticsearchClient({ url: testElasticsearchUrl(), requestTimeoutMs: 60_000, maxRetries: 0 });
  const started = Date.now();
  let trafficStart = Infinity;

  const first = await startServiceProcess({ name: 'svckill-first', env: ENV });
  processes.push(first);
  prefix = first.prefix;
  const events = `${prefix}-events`;
  const state = `${prefix}-state`;
  const alertsIndex = `${prefix}-alerts`;

  let current: ServiceProcess | undefined = first;
  let finished = false;
  let failure: Error | undefined;
  const acknowledged = new Set<string>();
  let ackedBatches = 0;
  let refusals = 0;
  let connectionErrors = 0;
  let duplicates = 0;
  let inFlight = 0;
  let lastStatus: StreamingStatus | undefined;
  let killedAt: { acknowledged: number; batches: number; moment: string } | undefined;
  let killScheduled = false;
  let markKilled!: () => void;
  const killed = new Promise<void>((r) => (markKilled = r));

  /**
   * Time to kill: enough traffic has gone by, streaming has written alerts, and it has stored a checkpoint far
   * enough into this run's traffic that the restart has events behind its overlap to skip (the first poll, from
   * the lookback, can take a while).
   */
  const readyToKill = () =>
    !killScheduled &&
    ackedBatches >= killAfterBatches &&
    lastStatus !== undefined &&
    lastStatus.alerts.created >= 2 &&
    lastStatus.checkpoint !== undefined &&
    Date.parse(lastStatus.checkpoint) >= trafficStart + OVERLAP_MS + 2000;

  function kill(moment: string) {
    if (killedAt) return;
    killScheduled = true;
    killedAt = { acknowledged: acknowledged.size, batches: ackedBatches, moment };
    current = undefined;
    first.kill('SIGKILL');
    markKilled();
  }

  /** The documented client contract: send the same batch again until a 200 accounts for every event. */
  async function send(batch: TrafficEvent[]) {
    const giveUp = Date.now() + 120_000;
    for (;;) {
      if (finished) return;
      if (Date.now() > giveUp) throw new Error(`a batch went unacknowledged for 120 s (${connectionErrors} connection errors, ${refusals} refusals)`);
      const target = current;
      if (!target) {
        await sleep(100);
        continue;
      }
      let response: Response;
      let body: { accepted: number; rejected: number; duplicates: number; errors: unknown[] };
      try {
        const pending = target.request('ingest', '/v1/events', { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: ndjson(batch), signal: AbortSignal.timeout(30_000) });
        if (target === first) {
          inFlight++;
          void pending.catch(() => undefined).finally(() => inFlight--);
        }
        if (target === first && readyToKill()) {
          // kill while the service works on this request: its bulk write may or may not have reached Elasticsearch
          killScheduled = true;
          setTimeout(() => kill(`${inFlight} ingest request(s) in flight`), 5);
        }
        response = await pending;
        if (response.status === 503 || response.status === 429) {
          refusals++;
          await sleep(Math.min(Number(response.headers.get('retry-after')) || 1, 2) * 1000);
          continue;
        }
        body = (await response.json()) as typeof body;
      } catch {
        // the process died under the request (or before it): nothing is known, so send it again
        connectionErrors++;
        await sleep(100);
        continue;
      }
      assert.equal(response.status, 200, `unexpected ${response.status}: ${JSON.stringify(body).slice(0, 500)}`);
      assert.equal(body.rejected, 0, JSON.stringify(body.errors).slice(0, 500));
      assert.equal(body.accepted + body.duplicates, batch.length, 'a 200 accounts for every event');
      for (const e of batch) acknowledged.add(e.event_id);
      ackedBatches++;
      duplicates += body.duplicates;
      return;
    }
  }

  let next = 0;
  async function client() {
    for (;;) {
      const index = next++;
      if (index >= batches.length || finished) return;
      if (index >= gate) await killed;
      await send(batches[index]!);
      await sleep(PAUSE_MS);
    }
  }

  async function monitor() {
    while (!finished) {
      const target = current;
      if (target) lastStatus = await streamingStatus(target).catch(() => lastStatus);
      // the clients wait at the gate for the kill: do it between their requests
      if (next >= gate && readyToKill()) kill(`${inFlight} ingest request(s) in flight (clients at the gate)`);
      await sleep(150);
    }
  }

  /** newest event.ingested stored, and the stored checkpoint (epoch ms) */
  async function newestIngested(): Promise<number> {
    await es!.indices.refresh({ index: events });
    const response = await es!.search({ index: events, size: 0, aggs: { newest: { max: { field: 'event.ingested' } } } });
    return (response.aggregations!.newest as estypes.AggregationsMaxAggregate).value!;
  }
  async function storedCheckpoint(): Promise<number | undefined> {
    const doc = await es!.get<{ value?: { ingested: string } }>({ index: state, id: CHECKPOINT_ID }, { ignore: [404] });
    return doc.found && doc._source?.value ? Date.parse(doc._source.value.ingested) : undefined;
  }
  const countIngested = async (gt: number) => (await es!.count({ index: events, query: { range: { 'event.ingested': { gt: new Date(gt).toISOString() } } } })).count;

  trafficStart = Date.now();
  const clients = Array.from({ length: CLIENTS }, () => client().catch((error: unknown) => {
    failure ??= error as Error;
    markKilled(); // do not leave the test waiting on a kill that will never come
  }));
  const monitoring = monitor();
  try {
    await Promise.race([killed, Promise.all(clients)]);
    if (failure) throw failure;
    assert.ok(killedAt, `the kill happened while traffic flowed (acknowledged ${ackedBatches} of ${batches.length} batches; streaming status ${JSON.stringify(lastStatus)})`);

    // --- the moment of the kill
    const exit = await first.exited;
    assert.equal(exit.signal, 'SIGKILL', `the first process was killed (exit ${JSON.stringify(exit)})`);
    // a request the dead process had sent may still be applied by Elasticsearch: wait until no write to this
    // prefix's indices is in flight there
    await waitFor('Elasticsearch to finish the dead process\'s writes', async () => {
      const tasks = await es!.tasks.list({ actions: 'indices:data/write/*', detailed: true });
      const pending = Object.values(tasks.nodes ?? {}).flatMap((node) => Object.values(node.tasks ?? {})).filter((task) => task.description?.includes(`${prefix}-`));
      return pending.length === 0 ? true : undefined;
    }, 30_000);
    const checkpointAtKill = await storedCheckpoint();
    assert.ok(checkpointAtKill !== undefined, 'streaming had stored a checkpoint before the kill');
    const newestAtKill = await newestIngested();
    assert.ok(checkpointAtKill < newestAtKill, `streaming was behind when killed: checkpoint ${new Date(checkpointAtKill).toISOString()}, newest ingested ${new Date(newestAtKill).toISOString()}`);
    await es.indices.refresh({ index: alertsIndex });
    const alertsAtKill = (await es.count({ index: alertsIndex })).count;
    assert.ok(alertsAtKill > 0, 'alerts existed before the kill');

    // --- restart on the same prefix; the clients send it the rest
    const restartedAt = Date.now();
    const second = await startServiceProcess({ name: 'svckill-second', prefix, env: ENV });
    processes.push(second);
    const readyAfterMs = Date.now() - restartedAt;
    current = second;
    await Promise.all(clients);
    if (failure) throw failure;
    const trafficDoneAt = Date.now();

    // --- every acknowledged event stored exactly once
    assert.equal(acknowledged.size, total, 'every event was eventually acknowledged');
    const newest = await newestIngested();
    const stored = (await es.count({ index: events })).count;
    let distinct = 0;
    let duplicated = 0;
    let afterKey: Record<string, string | number | null> | undefined;
    const storedIds = new Set<string>();
    for (;;) {
      const page = await es.search({
        index: events,
        size: 0,
        aggs: { ids: { composite: { size: 10_000, sources: [{ id: { terms: { field: 'event_id' } } }], ...(afterKey ? { after: afterKey } : {}) } } },
      });
      const agg = page.aggregations!.ids as { buckets: Array<{ key: { id: string }; doc_count: number }>; after_key?: Record<string, string | number | null> };
      for (const b of agg.buckets) storedIds.add(b.key.id);
      distinct += agg.buckets.length;
      duplicated += agg.buckets.filter((b) => b.doc_count > 1).length;
      if (!agg.after_key || agg.buckets.length === 0) break;
      afterKey = agg.after_key;
    }
    assert.equal(duplicated, 0, 'no event is stored twice');
    assert.equal(stored, acknowledged.size, `acknowledged ${acknowledged.size}, stored ${stored}`);
    assert.equal(distinct, acknowledged.size);
    assert.deepEqual([...acknowledged].filter((id) => !storedIds.has(id)), [], 'every acknowledged event is stored');

    // --- detection catches up from the checkpoint
    await waitFor('the stored checkpoint to reach the newest event.ingested', async () => {
      const checkpoint = await storedCheckpoint();
      return checkpoint !== undefined && checkpoint >= newest ? true : undefined;
    }, 120_000);
    const caughtUpAt = Date.now();
    // two more polls, both started after every event was searchable: stragglers inside the overlap are done too
    const polls = (await streamingStatus(second)).polls;
    const status = await waitFor('two more polls', async () => {
      const s = await streamingStatus(second);
      return s.polls >= polls + 3 ? s : undefined;
    }, 60_000);
    finished = true;
    await monitoring;
    const afterCheckpoint = await countIngested(checkpointAtKill);
    const insideOverlap = await countIngested(checkpointAtKill - OVERLAP_MS);
    assert.ok(status.events_processed >= afterCheckpoint, `the new process evaluated every event after the checkpoint (${status.events_processed} < ${afterCheckpoint})`);
    assert.ok(status.events_processed <= insideOverlap, `the new process started from the checkpoint, not from its lookback (${status.events_processed} evaluated, ${insideOverlap} lie after checkpoint − overlap)`);
    assert.ok(insideOverlap < total, 'the checkpoint left events behind it for the new process to skip');

    // --- alerts: none duplicated, none lost
    await es.indices.refresh({ index: alertsIndex });
    const hits = (await es.search<AlertDoc>({ index: alertsIndex, size: 10_000, query: { match_all: {} } })).hits.hits;
    const alerts = hits.map((h) => h._source!);
    assert.deepEqual(hits.filter((h) => h._id !== h._source!.id).map((h) => h._id), [], 'every alert is stored under its own id');
    assert.equal(new Set(alerts.map((a) => a.id)).size, alerts.length, 'alert ids are unique');
    const byEntity = new Map<string, AlertDoc[]>();
    for (const a of alerts) byEntity.set(`${a.rule_id} ${a.entity_key}`, [...(byEntity.get(`${a.rule_id} ${a.entity_key}`) ?? []), a]);
    const overlapping: string[] = [];
    for (const [key, list] of byEntity) {
      list.sort((a, b) => Date.parse(a.window_start) - Date.parse(b.window_start));
      for (let i = 1; i < list.length; i++) {
        if (Date.parse(list[i]!.window_start) <= Date.parse(list[i - 1]!.window_end)) overlapping.push(`${key}: ${list[i - 1]!.id} and ${list[i]!.id}`);
      }
    }
    assert.deepEqual(overlapping, [], 'no two alerts of one rule and entity overlap');
    for (const attack of placed) {
      const found = alerts.filter((a) => a.rule_id === attack.rule && a[attack.field] === attack.entity);
      assert.equal(found.length, 1, `one ${attack.rule} alert for ${attack.field} ${attack.entity} (found ${found.length})`);
      if (attack.rule === 'prompt_injection_repeated' || attack.rule === 'guardrail_block_burst') {
        assert.equal(found[0]!.event_count, attack.events.length, `the ${attack.rule} alert for ${attack.entity} grew to the whole attack, across the kill`);
      }
      if (attack.rule === 'prompt_injection_repeated') assert.equal(found[0]!.severity, 'critical', `${attack.entity}: twelve attempts are critical`);
    }

    // --- a retro-hunt over everything finds nothing streaming had not already found
    const run = await second.request('admin', '/v1/detections/run', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: new Date(DAY).toISOString(), to: new Date(DAY + 86_400_000).toISOString() }),
      signal: AbortSignal.timeout(240_000),
    });
    const hunt = (await run.json()) as { status: string; created: number; updated: number; unchanged: number; by_rule: Record<string, { created: number; updated: number }> };
    assert.equal(run.status, 200, JSON.stringify(hunt));
    assert.equal(hunt.status, 'succeeded');
    const grown = Object.entries(hunt.by_rule).filter(([, r]) => r.created > 0 || r.updated > 0).map(([rule, r]) => `${rule}: created ${r.created}, updated ${r.updated}`);
    await es.indices.refresh({ index: alertsIndex });
    const before = new Map(alerts.map((a) => [a.id, a]));
    const changed = (await es.search<AlertDoc>({ index: alertsIndex, size: 10_000, query: { match_all: {} } })).hits.hits
      .map((h) => h._source!)
      .filter((a) => !before.has(a.id) || before.get(a.id)!.event_count !== a.event_count || before.get(a.id)!.window_end !== a.window_end)
      .map((a) => `${before.has(a.id) ? 'grown' : 'new'} ${a.rule_id} ${a.user_id ?? a.agent_id ?? a.entity_key} ${a.window_start}..${a.window_end} (${a.event_count} events)`);
    assert.equal(hunt.created, 0, `the retro-hunt created alerts streaming had missed: ${grown.join('; ')}: ${changed.join('; ')}`);
    assert.equal(hunt.updated, 0, `the retro-hunt grew alerts streaming had left short: ${grown.join('; ')}: ${changed.join('; ')}`);
    assert.deepEqual(changed, [], 'the retro-hunt changed no alert');
    const perRule = new Map<string, number>();
    for (const a of alerts) perRule.set(a.rule_id, (perRule.get(a.rule_id) ?? 0) + 1);
    const rules = [...perRule.keys()].sort();
    for (const rule of new Set(placed.map((a) => a.rule))) assert.ok(rules.includes(rule), `${rule} alerted`);

    t.diagnostic(`service-kill: acknowledged ${acknowledged.size}, stored ${stored}, alerts ${alerts.length}, retro-hunt created ${hunt.created}`);
    t.diagnostic(
      `service-kill details: killed with ${killedAt.moment} after ${killedAt.batches}/${batches.length} batches (${killedAt.acknowledged} events acknowledged, ${alertsAtKill} alerts stored, ` +
        `checkpoint ${newestAtKill - checkpointAtKill} ms behind the newest event.ingested); ${connectionErrors} connection errors and ${refusals} refusals retried, ${duplicates} events answered as duplicates; ` +
        `new process ready ${readyAfterMs} ms after the restart, rest of the traffic done ${trafficDoneAt - restartedAt} ms after it, checkpoint caught up ${caughtUpAt - trafficDoneAt} ms after the last batch; ` +
        `new process evaluated ${status.events_processed} events (${afterCheckpoint} after the checkpoint, ${insideOverlap} within the overlap), takeovers ${status.takeovers ?? 'n/a'}, failed polls ${status.errors}${status.last_error ? ` (last: ${status.last_error})` : ''}; ` +
        `retro-hunt unchanged ${hunt.unchanged}; alerts by rule ${rules.map((r) => `${r} ${perRule.get(r)}`).join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  } catch (error) {
    finished = true;
    for (const p of processes) {
      const log = p.output().split('\n').filter((line) => !/"msg":"(incoming request|request completed)"/.test(line)).join('\n');
      process.stderr.write(`\n---- service ${p.name} (pid ${p.pid}, exit ${JSON.stringify(p.exitStatus() ?? 'running')}), output without request logs ----\n${log.slice(-30_000)}\n`);
    }
    throw error;
  } finally {
    finished = true;
  }
});
