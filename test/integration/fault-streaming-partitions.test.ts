/**
 * Partitioned streaming (AISEC_DETECTION_PARTITIONS=2) across two replicas, each a real process: the first replica
 * streams both partitions alone; when the second starts, the partitions are rebalanced, one each, the first giving
 * one up from its stored checkpoint; then the first is killed with SIGKILL mid-stream and the survivor takes its
 * partition over once its lease and membership run out. Attacks arrive before, during and after each change. Across
 * all of it every attack gives exactly one alert per rule, with all its events, and a retro-hunt afterwards finds
 * nothing streaming missed: no alert lost or written twice across a rebalance or a takeover.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import type { ServiceProcess } from '../support/service-process.js';
import { processGroup } from '../support/process-group.js';
import { alerts, call, ingest, retroHunt, type ListedAlert } from '../support/replica-client.js';
import { TWO_ALERT_RULES, twoAlertAttack } from '../support/two-alert-attack.js';
import { deletePrefix, KEYS, uniquePrefix } from '../support/service.js';
import { aisec } from './cli-runner.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { waitFor as waitForValue } from '../support/wait.js';

const LEASE_MS = 3000;
const processes = processGroup();
const es = createElasticsearchClient({ url: testElasticsearchUrl(), requestTimeoutMs: 30_000, maxRetries: 0 });
const prefix = uniquePrefix('partitions');

after(async () => {
  await processes.stop();
  await deletePrefix(es, prefix);
  await es.close();
});

function replica(name: string): Promise<ServiceProcess> {
  return processes.start({
    name,
    prefix,
    env: {
      AISEC_REPLICA_ID: name,
      AISEC_DETECTION_PARTITIONS: '2',
      AISEC_DETECTION_LEASE_MS: String(LEASE_MS),
      AISEC_DETECTION_POLL_MS: '100',
      AISEC_DETECTION_OVERLAP_MS: '2000',
      AISEC_RATE_LIMIT_PER_MIN: '0',
    },
  });
}

interface Partition {
  partition: number;
  rules: string[];
  leader: boolean;
  takeovers: number;
  rule_ms: Record<string, number>;
}

async function partitions(p: ServiceProcess): Promise<Partition[]> {
  const response = await call(p, 'read', '/v1/detections/status');
  assert.equal(response.status, 200);
  return ((await response.json()) as { partitions: Partition[] }).partitions;
}

/** which partitions (1-based) each live replica streams, for waits and failure messages */
async function holders(...replicas: ServiceProcess[]): Promise<Record<string, number[]>> {
  const entries = await Promise.all(replicas.map(async (p) => [p.name, (await partitions(p)).filter((x) => x.leader).map((x) => x.partition)] as const));
  return Object.fromEntries(entries);
}

function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  return waitForValue(what, probe, timeoutMs, async () => {
    const live = processes.all.filter((p) => !p.exitStatus());
    const log = live.flatMap((p) => p.output().split('\n').filter((l) => /lease|partition|poll failed|membership/.test(l)).map((l) => `${p.name}: ${l.slice(0, 300)}`));
    return `holders ${JSON.stringify(await holders(...live).catch((e: Error) => e.message))}\n${log.join('\n')}`;
  });
}

/** One user's attack: a `prompt_injection_repeated` and a `repeated_policy_violations` alert. */
const attack = (user: string, start: number) => twoAlertAttack(user, start, '192.0.2.88');

const pairs = (list: ListedAlert[]) => list.map((a) => `${a.rule_id} ${a.user_id}`).sort();
const expected = (users: string[]) => users.flatMap((u) => TWO_ALERT_RULES.map((r) => `${r} ${u}`)).sort();
const users = (phase: string) => Array.from({ length: 5 }, (_, i) => `${phase}-${i}`);

/** Both partitions' stored checkpoints (read from Elasticsearch) have reached the newest event stored. */
async function caughtUp(): Promise<boolean | undefined> {
  await es.indices.refresh({ index: `${prefix}-events` });
  const newest = await es.search({ index: `${prefix}-events`, size: 0, aggs: { newest: { max: { field: 'event.ingested' } } } });
  const stored = (newest.aggregations as { newest: { value: number } }).newest.value;
  const docs = await es.mget<{ value?: { ingested: string } }>({ index: `${prefix}-state`, ids: ['detection-checkpoint:p1of2', 'detection-checkpoint:p2of2'] });
  const checkpoints = docs.docs.map((d) => ('found' in d && d.found ? Date.parse(d._source!.value!.ingested) : 0));
  return checkpoints.every((c) => c >= stored) ? true : undefined;
}

test('two partitions on two replicas: rebalanced when one joins, taken over when it dies, no alert lost or twice', { timeout: 300_000 }, async (t) => {
  const t0 = Date.now() - 10 * 60_000;
  const a = await replica('replica-a');
  const alone = await waitFor('the first replica streams both partitions', async () => {
    const held = (await holders(a))['replica-a']!;
    return held.length === 2 ? held : undefined;
  });
  assert.deepEqual(alone, [1, 2]);
  const split = await partitions(a);
  const ruleHome = TWO_ALERT_RULES.map((rule) => split.find((p) => p.rules.includes(rule))!.partition);
  assert.notEqual(ruleHome[0], ruleHome[1], `the two rules this test watches stream in different partitions (${JSON.stringify(ruleHome)})`);

  // phase 1: one replica, both partitions
  for (const [i, user] of users('alone').entries()) await ingest(a, attack(user, t0 + i * 1000));
  await waitFor('phase 1 alerts', async () => ((await alerts(a)).length >= 10 ? true : undefined));

  // phase 2: a second replica joins; the first gives one partition up and the second takes it
  const b = await replica('replica-b');
  const rebalanced = await waitFor('one partition each', async () => {
    const held = await holders(a, b);
    return held['replica-a']!.length === 1 && held['replica-b']!.length === 1 ? held : undefined;
  });
  assert.notDeepEqual(rebalanced['replica-a'], rebalanced['replica-b']);
  for (const [i, user] of users('shared').entries()) await ingest(i % 2 === 0 ? a : b, attack(user, t0 + 60_000 + i * 1000));
  await waitFor('phase 2 alerts', async () => ((await alerts(b)).length >= 20 ? true : undefined));

  // phase 3: the first replica dies while attacks are arriving; the survivor takes its partition over
  const dying = users('takeover');
  await ingest(b, attack(dying[0]!, t0 + 120_000));
  const killedAt = Date.now();
  a.kill('SIGKILL');
  await a.exited;
  for (const [i, user] of dying.slice(1).entries()) await ingest(b, attack(user, t0 + 121_000 + i * 1000));
  const takeoverMs = await waitFor('the survivor streams both partitions', async () => ((await holders(b))['replica-b']!.length === 2 ? Date.now() - killedAt : undefined));
  await waitFor('phase 3 alerts', async () => ((await alerts(b)).length >= 30 ? true : undefined));
  await waitFor('both partitions caught up', caughtUp);

  const stored = await alerts(b);
  assert.deepEqual(pairs(stored), expected([...users('alone'), ...users('shared'), ...dying]), 'one alert per rule and attacker');
  assert.ok(stored.every((x) => x.event_count === 6), `every alert has its six events: ${JSON.stringify(stored.map((x) => x.event_count))}`);
  const final = await partitions(b);
  assert.ok(final.some((p) => p.takeovers >= 1 && p.leader));
  // each partition evaluated its own rules only
  for (const p of final) assert.deepEqual(Object.keys(p.rule_ms).filter((rule) => !p.rules.includes(rule)), [], `partition ${p.partition}`);

  // nothing missed: a retro-hunt over the whole span finds only what streaming already wrote
  const run = await retroHunt(b, t0 - 3_600_000, Date.now() + 60_000);
  assert.equal(run.created, 0, 'retro-hunt created nothing');
  assert.equal(run.updated, 0, 'retro-hunt grew nothing');
  // the operator's view: `aisec status` lists both partitions as streamed by the survivor
  const cli = await aisec(['status'], { AISEC_URL: b.url, AISEC_API_KEY: KEYS.read, NO_COLOR: '1' });
  assert.equal(cli.code, 0, cli.stderr);
  assert.match(cli.stdout, /partition 1\/2: \d+ rules, streamed here/);
  assert.match(cli.stdout, /partition 2\/2: \d+ rules, streamed here/);
  t.diagnostic(`partitions: alerts expected 30, stored ${stored.length}; rebalanced to ${JSON.stringify(rebalanced)}; takeover after SIGKILL ${takeoverMs} ms (lease ${LEASE_MS} ms)`);
});
