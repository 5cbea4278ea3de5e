/**
 * The on-call chain end to end on real Elasticsearch: every rule of the catalogue (UEBA included) raises a real
 * alert through the detection engine; then the provisioned Grafana alert rules are evaluated the way Grafana's
 * Elasticsearch backend and alerting do (oncall/: the _msearch Grafana sends, the expressions, instance states,
 * the provisioned notification policy tree), on a simulated clock. Each alert must page exactly the receiver its
 * severity requires at the first evaluation, page again only when its severity rises, keep firing for an hour
 * while open, and resolve once closed in triage; an alert written by a retro-hunt about last week pages too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadCatalogue } from '../../analytics-service/src/detection/catalogue.js';
import { loadDetectionConfig } from '../../analytics-service/src/detection/config-schema.js';
// the app's decorations (app.ueba), for the type checker
import type {} from '../../analytics-service/src/http/plugins/ueba.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { startTestService, type TestService } from '../support/service.js';
import { DAY, ingest, type TrafficEvent } from '../support/ueba-traffic.js';
import { GrafanaSimulation } from './oncall/grafana-sim.js';
import type { Notification } from './oncall/notification-routing.js';
import { attackEpisodes, attempts, caseEvents, positiveCases, slotStart, uebaScenario } from './oncall/scenarios.js';
import { loadProvisioned, parseDuration } from './provisioned.js';

/**
 * Seed 004's severity mapping, as docs/grafana.md turns it into receivers: Critical → Incident, immediate response
 * (the on-call pager); High → Alert, triage within 1 hour (SOC on-call); Medium → Warning, triage within 4 hours
 * (the SOC channel, a ticket).
 */
const SEED_004_RECEIVER: Record<string, string> = { critical: 'aisec-pager', high: 'aisec-soc-oncall', medium: 'aisec-soc-channel' };
const PAGING_RULE = 'aisec-alert-open';
const RISK_RULE = 'aisec-entity-risk';

interface AlertDoc {
  id: string;
  rule_id: string;
  severity: string;
  status: string;
  '@timestamp': string;
  created_at: string;
  user_id?: string;
}

const provisioned = loadProvisioned();
const group = (uid: string) => provisioned.rules.groups.find((g) => g.rules.some((r) => r.uid === uid))!;
const intervalOf = (uid: string) => parseDuration(group(uid).interval)!;
const routeOf = (severity: string) => provisioned.policies.policies[0]!.routes!.find((r) => r.object_matchers?.some(([l, , v]) => l === 'severity' && v === severity))!;
const groupWaitOf = (severity: string) => parseDuration(routeOf(severity).group_wait!)!;

let service: TestService;
let sim: GrafanaSimulation;
const catalogue = loadCatalogue(loadDetectionConfig());
const NOW0 = Date.now();
const escalator = 'oncall-escalator';
const ESCALATION_START = NOW0 - 40 * 60_000;
let riskyUser = '';
let lastWeekAlertId = '';

async function hunt(from: number, to: number, rules?: string[]) {
  const response = await service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: new Date(from).toISOString(), to: new Date(to).toISOString(), ...(rules ? { rules } : {}) } });
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().status, 'succeeded', response.body);
  return response.json() as { created: number; updated: number };
}

async function alerts(): Promise<AlertDoc[]> {
  await service.es.indices.refresh({ index: `${service.prefix}-alerts` });
  const response = await service.es.search<AlertDoc>({ index: `${service.prefix}-alerts`, size: 5000, query: { match_all: {} } });
  return response.hits.hits.map((h) => h._source!);
}

/** Firing notifications that report the instance of this alert at this severity. */
const pagesOf = (sent: Notification[], id: string, severity?: string) =>
  sent.filter((n) => n.status === 'firing' && n.alerts.some((a) => a.id === id && (!severity || a.severity === severity)));

before(async () => {
  service = await startTestService('oncall', { AISEC_DETECTION_STREAMING: 'false' });
  // 1. the first positive case of every non-UEBA rule, each in its own slot, found by a retro-hunt of that rule
  const cases = positiveCases();
  await ingest(service, cases.flatMap((c, i) => caseEvents(c, slotStart(i), `oncall-c${i}`)));
  for (const [i, c] of cases.entries()) await hunt(slotStart(i), slotStart(i) + 2 * DAY, [c.rule]);

  // 2. UEBA: baselines over four weeks, the anomalies of the fifth week found by the ueba_* rules
  const ueba = uebaScenario(NOW0);
  riskyUser = ueba.riskyUser;
  await ingest(service, ueba.events);
  const rebuild = await service.request('admin', { method: 'POST', url: '/v1/baselines/rebuild', payload: { from: new Date(ueba.start).toISOString(), to: new Date(ueba.baselineEnd).toISOString() } });
  assert.equal(rebuild.statusCode, 200, rebuild.body);
  await hunt(ueba.baselineEnd, ueba.end, catalogue.rules.filter((r) => r.type === 'ueba').map((r) => r.id));

  // 3. a user attacked 48 times in the last day: enough fresh critical alerts for a stored UEBA risk over 80
  const live: TrafficEvent[] = [...attackEpisodes(riskyUser, NOW0 - 2 * 60_000, 48), ...attempts(escalator, ESCALATION_START, 0, 4)];
  // 4. last week's credential exposure, which nobody had hunted for
  const exposure = positiveCases().find((c) => c.rule === 'credential_exposure')!;
  const lastWeek = Math.floor((NOW0 - 6 * DAY) / DAY) * DAY;
  live.push(...caseEvents(exposure, lastWeek, 'oncall-lastweek'));
  await ingest(service, live);
  await hunt(NOW0 - 25 * 3_600_000, NOW0, ['prompt_injection_repeated']);
  await hunt(NOW0 - 7 * DAY, NOW0, ['credential_exposure']);
  await service.app.ueba.refreshRisk(new Date());
  await service.es.indices.refresh({ index: `${service.prefix}-baselines` });

  // the provisioned rules, read through the datasources' own settings, on this test's node and index prefix
  sim = new GrafanaSimulation(provisioned, (ds) => ({ url: testElasticsearchUrl(), index: String(ds.jsonData?.index).replace(/^aisec-/, `${service.prefix}-`) }), Date.now());
});
after(async () => service?.close());

describe('on-call chain: detection engine → Grafana alert rules → notification policy → receivers', () => {
  test('every rule of the catalogue (UEBA included) has raised a real alert, with the severity its definition gives', async () => {
    const all = await alerts();
    const raised = new Set(all.map((a) => a.rule_id));
    assert.deepEqual(catalogue.rules.filter((r) => r.enabled !== false && !raised.has(r.id)).map((r) => r.id), [], 'rules without an alert');
    for (const alert of all) {
      const rule = catalogue.byId.get(alert.rule_id)!;
      const ladder: string[] = [rule.severity, ...(rule.severity_ladder ?? []).map((s) => s.severity)];
      assert.ok(ladder.includes(alert.severity), `${alert.rule_id}: ${alert.severity} is on its ladder ${ladder.join('/')}`);
      assert.equal(alert.status, 'open');
    }
    const escalating = all.filter((a) => a.user_id === escalator);
    assert.deepEqual(escalating.map((a) => a.severity), ['medium'], 'the escalation starts as one medium alert');
  });

  test('each open alert pages exactly the receiver its severity requires, once, within one evaluation interval', async () => {
    const all = await alerts();
    const start = sim.now;
    const interval = intervalOf(PAGING_RULE);
    await sim.runUntil(start + interval + Math.max(...Object.keys(SEED_004_RECEIVER).map(groupWaitOf)));
    const sent = sim.alertmanager.sent;
    const wrong: string[] = [];
    for (const alert of all) {
      const pages = pagesOf(sent, alert.id);
      const receivers = pages.map((n) => n.receiver);
      if (receivers.length !== 1 || receivers[0] !== SEED_004_RECEIVER[alert.severity]) wrong.push(`${alert.rule_id} ${alert.severity} ${alert.id.slice(0, 8)} → ${receivers.join(', ') || 'nobody'}`);
      else assert.ok(pages[0]!.at <= Math.max(Date.parse(alert.created_at), start) + interval + groupWaitOf(alert.severity), `${alert.rule_id}: paged at the first evaluation after it was written`);
    }
    assert.deepEqual(wrong, [], 'alerts paged to the wrong receiver, more than once, or not at all');
    const alertsPerReceiver = Object.fromEntries(Object.values(SEED_004_RECEIVER).map((r) => [r, sent.filter((n) => n.receiver === r).length]));
    console.log(`# ${all.length} open alerts → ${sent.length} notifications ${JSON.stringify(alertsPerReceiver)}`);
  });

  test('an alert written by a retro-hunt about last week pages too (the rule reads created_at, not the episode time)', async () => {
    const all = await alerts();
    const lastWeek = all.find((a) => a.rule_id === 'credential_exposure' && Date.parse(a['@timestamp']) < NOW0 - 5 * DAY)!;
    assert.ok(lastWeek, 'the retro-hunt wrote an alert about last week');
    lastWeekAlertId = lastWeek.id;
    assert.ok(Date.parse(lastWeek.created_at) >= NOW0, 'written now');
    assert.deepEqual(pagesOf(sim.alertmanager.sent, lastWeek.id).map((n) => n.receiver), [SEED_004_RECEIVER[lastWeek.severity]]);
  });

  test('a UEBA risk over 80 pages SOC on-call once it has held for the rule’s 15 minutes', async () => {
    // the stored risk the rule reads (the baseline document), refreshed from the user's 48 critical alerts
    const stored = await service.es.search<{ risk_score?: number; risk_updated_at?: string }>({ index: `${service.prefix}-baselines`, query: { bool: { filter: [{ term: { entity_kind: 'user' } }, { term: { entity_id: riskyUser } }] } } });
    const baseline = stored.hits.hits[0]?._source;
    assert.ok(baseline?.risk_score !== undefined && baseline.risk_score > 80, `stored risk ${JSON.stringify(baseline)}`);
    const forMs = parseDuration(group(RISK_RULE).rules.find((r) => r.uid === RISK_RULE)!.for!)!;
    const pendingSince = sim.now;
    const paged = () => sim.alertmanager.sent.filter((n) => n.status === 'firing' && n.alerts.some((a) => a.alertname === 'User risk over threshold' && a.entity_id === riskyUser));
    const at = await sim.runUntilTrue('the risk page', () => paged().length > 0, forMs + 2 * intervalOf(RISK_RULE) + 60_000);
    assert.ok(at - pendingSince >= forMs - intervalOf(RISK_RULE), 'not before the risk held for `for`');
    assert.deepEqual(paged().map((n) => n.receiver), [SEED_004_RECEIVER.high]);
  });

  test('a severity raise is a new page to the higher receiver; the lower page resolves', async () => {
    const [before] = (await alerts()).filter((a) => a.user_id === escalator);
    await ingest(service, attempts(escalator, ESCALATION_START, 4, 11));
    const result = await hunt(ESCALATION_START - 60 * 60_000, Date.now(), ['prompt_injection_repeated']);
    assert.ok(result.updated >= 1, JSON.stringify(result));
    const [after] = (await alerts()).filter((a) => a.user_id === escalator);
    assert.equal(after!.id, before!.id, 'the same alert, escalated');
    assert.equal(after!.severity, 'critical');
    const interval = intervalOf(PAGING_RULE);
    await sim.runUntilTrue('the critical page', () => pagesOf(sim.alertmanager.sent, after!.id, 'critical').length > 0, interval + groupWaitOf('critical') + 10_000);
    assert.deepEqual(pagesOf(sim.alertmanager.sent, after!.id, 'critical').map((n) => n.receiver), [SEED_004_RECEIVER.critical]);
    const resolvedMedium = () => sim.alertmanager.sent.filter((n) => n.status === 'resolved' && n.alerts.some((a) => a.id === before!.id && a.severity === 'medium'));
    await sim.runUntilTrue('the medium page resolving', () => resolvedMedium().length > 0, 3 * interval + parseDuration(routeOf('medium').group_interval!)!);
    assert.deepEqual(resolvedMedium().map((n) => n.receiver), [SEED_004_RECEIVER.medium]);
    assert.equal(pagesOf(sim.alertmanager.sent, before!.id, 'medium').length, 1, 'the medium page was sent once');
  });

  test('every open alert keeps firing for an hour, without a second notification', async () => {
    const open = (await alerts()).filter((a) => a.status === 'open');
    const sentBefore = sim.alertmanager.sent.length;
    await sim.runUntil(sim.now + 60 * 60_000);
    const firing = new Set([...sim.state(PAGING_RULE).instances.values()].filter((s) => s.state === 'Alerting').map((s) => `${s.labels.id} ${s.labels.severity}`));
    assert.deepEqual(open.filter((a) => !firing.has(`${a.id} ${a.severity}`)).map((a) => a.rule_id), [], 'open alerts whose page stopped firing');
    assert.deepEqual(sim.alertmanager.sent.slice(sentBefore), [], 'no reminder or duplicate page within the hour');
  });

  test('closing an alert in triage (PATCH /v1/alerts/{id}) resolves its page at the same receiver', async () => {
    const open = (await alerts()).filter((a) => a.status !== 'closed');
    for (const alert of open) {
      const response = await service.request('admin', { method: 'PATCH', url: `/v1/alerts/${alert.id}`, payload: { status: 'closed', resolution: 'true_positive', note: 'on-call chain test' } });
      assert.equal(response.statusCode, 200, response.body);
    }
    await service.es.indices.refresh({ index: `${service.prefix}-alerts` });
    const resolvedAt = (alert: AlertDoc) => sim.alertmanager.sent.find((n) => n.status === 'resolved' && n.alerts.some((a) => a.id === alert.id && a.severity === alert.severity));
    const closedAt = sim.now;
    const interval = intervalOf(PAGING_RULE);
    await sim.runUntilTrue('every page resolving', () => open.every((a) => resolvedAt(a)), 3 * interval + parseDuration(routeOf('medium').group_interval!)!);
    for (const alert of open) {
      const resolved = resolvedAt(alert)!;
      assert.equal(resolved.receiver, SEED_004_RECEIVER[alert.severity], `${alert.rule_id}: resolved where it paged`);
      assert.ok(resolved.at - closedAt <= 2 * interval + parseDuration(routeOf(alert.severity).group_interval!)!, `${alert.rule_id}: resolved within two evaluations`);
    }
    assert.ok(open.some((a) => a.id === lastWeekAlertId && resolvedAt(a)), 'the retro-hunt alert resolved too');
    assert.deepEqual([...sim.state(PAGING_RULE).instances.values()].filter((s) => s.state === 'Alerting'), [], 'nothing of the paging rule still fires');
  });
});
