/**
 * The alerts API over real Elasticsearch: filters, paging, evidence, triage kept in history and untouched by
 * detection updates, retro-hunt jobs with progress, the rule catalogue, roles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEY_NAMES, postEvents, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

let service: TestService;
const day = '2026-03-02';
const at = (hhmm: string, s = 0) => `${day}T${hhmm}:${String(s).padStart(2, '0')}Z`;
const attack = (user: string, ip: string, hhmm: string, n: number, prefix = user) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: at(hhmm, i * 5), category: 'prompt_attack', user_id: user, src_ip: ip, event_id: `${prefix}-${hhmm}-${i}` }));

async function hunt(body: Record<string, unknown>) {
  return service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: `${day}T00:00:00Z`, to: '2026-03-03T00:00:00Z', ...body } });
}

before(async () => {
  service = await startTestService('detalerts', { AISEC_DETECTION_STREAMING: 'false' });
  const events = [
    ...attack('alice', '192.0.2.1', '09:00', 4),
    ...attack('bob', '192.0.2.2', '10:00', 6),
    ...attack('carol', '192.0.2.3', '11:00', 11),
    { timestamp: at('12:00'), category: 'agent_boundary_violation', user_id: 'dave', endpoint: '/agent', agent_id: 'agent-1', event_id: 'abv-1' },
  ];
  assert.equal((await postEvents(service, events)).statusCode, 200);
  const run = await hunt({ rules: ['prompt_injection_repeated', 'agent_boundary_violation'] });
  assert.equal(run.statusCode, 200, run.body);
  assert.equal(run.json().created, 4);
});
after(async () => service.close());

const get = (url: string, role: 'read' | 'admin' | 'ingest' | null = 'read') => service.request(role, { method: 'GET', url });

describe('GET /v1/alerts', () => {
  test('filters are exact and combine', async () => {
    const bySeverity = (await get('/v1/alerts?severity=critical')).json();
    assert.deepEqual(bySeverity.alerts.map((a: { user_id: string }) => a.user_id), ['carol']);
    assert.equal((await get('/v1/alerts?rule_id=prompt_injection_repeated')).json().total, 3);
    assert.equal((await get('/v1/alerts?src_ip=192.0.2.2')).json().alerts[0].user_id, 'bob');
    assert.equal((await get('/v1/alerts?agent_id=agent-1')).json().total, 0, 'agent_boundary_violation groups by user and endpoint');
    assert.equal((await get('/v1/alerts?user_id=dave&rule_id=agent_boundary_violation')).json().total, 1);
    assert.equal((await get('/v1/alerts?user_id=*')).json().total, 0, 'a wildcard is a literal value');
    assert.equal((await get('/v1/alerts?status=open')).json().total, 4);
  });

  test('time filters apply to when the activity happened; paging walks every alert once', async () => {
    assert.equal((await get(`/v1/alerts?from=${at('10:00')}&to=${at('11:30')}`)).json().total, 2);
    assert.equal((await get('/v1/alerts?since=1h')).json().total, 0, 'the activity is months old');
    const seen: string[] = [];
    let url = '/v1/alerts?limit=1';
    for (;;) {
      const page = (await get(url)).json();
      seen.push(...page.alerts.map((a: { id: string }) => a.id));
      if (!page.next) break;
      url = `/v1/alerts?limit=1&cursor=${page.next}`;
    }
    assert.equal(seen.length, 4);
    assert.equal(new Set(seen).size, 4);
    assert.equal((await get('/v1/alerts?cursor=garbage')).statusCode, 400);
  });

  test('alert documents carry the issue’s fields', async () => {
    const [alert] = (await get('/v1/alerts?user_id=bob')).json().alerts;
    assert.equal(alert.rule_id, 'prompt_injection_repeated');
    assert.equal(alert.title, 'Prompt injection — repeated attempts');
    assert.equal(alert.severity, 'high');
    assert.equal(alert.timestamp, '2026-03-02T10:00:15.000Z', 'the fourth attempt crossed the threshold');
    assert.equal(alert.window_start, '2026-03-02T10:00:00.000Z');
    assert.equal(alert.window_end, '2026-03-02T10:00:25.000Z');
    assert.equal(alert.src_ip, '192.0.2.2');
    assert.equal(alert.observed, 6);
    assert.equal(alert.threshold, 3);
    assert.equal(alert.event_count, 6);
    assert.equal(alert.event_ids.length, 6);
    assert.deepEqual(alert.tags, ['AML.T0051', 'LLM01:2025']);
    assert.match(alert.response, /Block user after 10 attempts/);
    assert.equal(alert.escalated, true);
    assert.equal(alert.recommended_action, 'log_full_request');
    assert.ok(alert.created_at && alert.updated_at);
    assert.equal((await get('/v1/alerts?user_id=carol')).json().alerts[0].recommended_action, 'block_user');
  });

  test('reading alerts needs a read key', async () => {
    assert.equal((await get('/v1/alerts', null)).statusCode, 401);
    assert.equal((await get('/v1/alerts', 'ingest')).statusCode, 403);
  });
});

describe('GET /v1/alerts/{id}', () => {
  test('returns the alert with its evidence events', async () => {
    const [alert] = (await get('/v1/alerts?user_id=alice')).json().alerts;
    const response = await get(`/v1/alerts/${alert.id}`);
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.alert.id, alert.id);
    assert.deepEqual(body.evidence.map((e: { event_id: string }) => e.event_id).sort(), alert.event_ids.slice().sort());
    assert.equal(body.evidence[0].category, 'prompt_attack');
    assert.equal((await get(`/v1/alerts/${'0'.repeat(64)}`)).statusCode, 404);
  });
});

describe('PATCH /v1/alerts/{id}', () => {
  test('triage is recorded in history and survives the episode growing', async () => {
    const [alert] = (await get('/v1/alerts?user_id=alice')).json().alerts;
    const patch = (body: Record<string, unknown>, role: 'read' | 'admin' = 'admin') => service.request(role, { method: 'PATCH', url: `/v1/alerts/${alert.id}`, payload: body });
    assert.equal((await patch({ status: 'acknowledged' }, 'read')).statusCode, 403, 'triage needs an admin key');
    assert.equal((await patch({ status: 'resolved' })).statusCode, 400);
    assert.equal((await patch({})).statusCode, 400);
    const acked = await patch({ status: 'acknowledged', note: 'looking at it', actor: 'soc-l1@example.com' });
    assert.equal(acked.statusCode, 200, acked.body);
    assert.equal(acked.json().status, 'acknowledged');

    // the attack goes on: the same episode grows to 11 attempts and becomes critical
    assert.equal((await postEvents(service, attack('alice', '192.0.2.1', '09:01', 7, 'alice-more'))).statusCode, 200);
    const run = (await hunt({ rules: ['prompt_injection_repeated'] })).json();
    assert.equal(run.created, 0);
    assert.equal(run.by_rule.prompt_injection_repeated.updated, 1);
    const grown = (await get(`/v1/alerts/${alert.id}`)).json().alert;
    assert.equal(grown.severity, 'critical');
    assert.equal(grown.event_count, 11);
    assert.equal(grown.recommended_action, 'block_user');
    assert.equal(grown.status, 'acknowledged', 'detection never touches triage fields');

    const closed = await patch({ status: 'closed', resolution: 'true_positive', note: 'confirmed' });
    assert.equal(closed.statusCode, 200);
    const history = closed.json().history as Array<{ action: string; actor: string; status?: string; resolution?: string; note?: string; severity?: string }>;
    assert.deepEqual(
      history.map((h) => [h.action, h.status ?? h.severity, h.actor]),
      [
        ['created', 'medium', 'detection'],
        ['triage', 'acknowledged', KEY_NAMES.admin],
        ['updated', 'critical', 'detection'],
        ['triage', 'closed', KEY_NAMES.admin],
      ],
    );
    assert.equal(history.at(-1)!.resolution, 'true_positive');
    assert.equal((history[1] as { on_behalf_of?: string }).on_behalf_of, 'soc-l1@example.com', 'a body actor is kept as on_behalf_of only');
    assert.equal((await get('/v1/alerts?status=closed')).json().total, 1);
  });
});

describe('retro-hunt jobs and the catalogue', () => {
  test('a run without waiting answers 202 and reports progress by id', async () => {
    const started = await service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: '2026-02-25T00:00:00Z', to: '2026-03-03T00:00:00Z', rules: ['prompt_injection_repeated', 'agent_boundary_violation'], wait: false } });
    assert.equal(started.statusCode, 202);
    const { id, chunks_total } = started.json();
    assert.equal(chunks_total, 6, 'one chunk per UTC day');
    const state = await waitFor(`retro-hunt ${id} to finish`, async () => {
      const current = (await get(`/v1/detections/runs/${id}`)).json();
      return current.status === 'running' ? undefined : current;
    }, 30_000);
    assert.equal(state.status, 'succeeded');
    assert.equal(state.chunks_done, 6);
    assert.equal(state.created, 0, 'everything was already found');
    assert.equal((await get('/v1/detections/runs/6f1c1a52-0000-4000-8000-000000000000')).statusCode, 404);
  });

  test('bad runs are refused clearly', async () => {
    const post = (payload: Record<string, unknown>, role: 'admin' | 'read' = 'admin') => service.request(role, { method: 'POST', url: '/v1/detections/run', payload });
    assert.equal((await post({ from: '2026-03-02T00:00:00Z', to: '2026-03-01T00:00:00Z' })).statusCode, 400);
    const unknown = await post({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z', rules: ['nope'] });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().message, /unknown rule "nope"/);
    assert.equal((await post({ from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }, 'read')).statusCode, 403);
  });

  test('GET /v1/rules lists the catalogue with the configuration in force', async () => {
    const body = (await get('/v1/rules')).json();
    const ruleFiles = readdirSync(resolve(dirname(fileURLToPath(import.meta.url)), '../../analytics-service/rules')).filter((f) => f.endsWith('.yaml'));
    assert.equal(body.rules.length, ruleFiles.length, 'one rule per file of the catalogue');
    const rule = body.rules.find((r: { id: string }) => r.id === 'prompt_injection_repeated');
    assert.deepEqual(rule.config, { window: '15m', threshold: 3, high_above: 5, critical_above: 10 });
    assert.equal(rule.signals[0].threshold, 3);
    assert.deepEqual(rule.severity_ladder, [{ above: 5, severity: 'high' }, { above: 10, severity: 'critical' }]);
    assert.equal(rule.source, 'seed 001 §1');
    assert.deepEqual(rule.tags.atlas, ['AML.T0051']);
    assert.equal(body.detection_config.business_hours.start, '06:00');
    const openapi = (await service.request(null, { method: 'GET', url: '/docs/json' })).json();
    for (const path of ['/v1/alerts', '/v1/alerts/{id}', '/v1/rules', '/v1/detections/run', '/v1/detections/runs/{id}', '/v1/content-pack']) {
      assert.ok(openapi.paths[path], `${path} in the OpenAPI document`);
    }
  });
});
