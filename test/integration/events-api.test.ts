/**
 * POST and GET /v1/events against real Elasticsearch: storage, per-event errors, NDJSON, replay, limits,
 * aliases, filters that must never act as query syntax, and role checks.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countStored, ndjson, postEvents, startTestService, type TestService } from '../support/service.js';

let service: TestService;
before(async () => {
  service = await startTestService('events', { AISEC_BODY_LIMIT_BYTES: String(256 * 1024) });
});
after(async () => service.close());

const base = { timestamp: '2026-02-11T14:30:00Z', category: 'judge_flag' };

describe('POST /v1/events', () => {
  test('a valid batch is stored and can be read back in the contract shape', async () => {
    const events = [
      { ...base, event_id: 'valid-1', user_id: 'alice', endpoint: '/api/v1/chat', judge_score: 0.82, tool_params: { to: 'x@y.z' } },
      { ...base, event_id: 'valid-2', user_id: 'alice', timestamp: '2026-02-11T14:31:00Z', category: 'request', tokens_in: 10, tokens_out: 200 },
    ];
    const response = await postEvents(service, events);
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { accepted: 2, rejected: 0, duplicates: 0, errors: [] });

    const read = await service.request('read', { method: 'GET', url: '/v1/events?user_id=alice' });
    assert.equal(read.statusCode, 200);
    const body = read.json();
    assert.equal(body.total, 2);
    assert.deepEqual(
      body.events.map((e: { event_id: string }) => e.event_id),
      ['valid-2', 'valid-1'],
      'newest first',
    );
    assert.deepEqual(body.events[1], events[0], 'stored event comes back exactly as sent');
  });

  test('a mixed batch stores the good events and reports each bad one by index and field', async () => {
    const response = await postEvents(service, [
      { ...base, event_id: 'mixed-good-1', user_id: 'bob' },
      { ...base, event_id: 'mixed-bad-1', judge_score: 1.5 },
      { category: 'request', user_id: 'bob' },
      { ...base, event_id: 'mixed-good-2', user_id: 'bob', category: 'prompt_attack' },
      'not an object',
      { ...base, event_id: 'mixed-bad-2', risk_tier: 7, src_ip: '999.1.1.1', category: 'nonsense' },
    ]);
    assert.equal(response.statusCode, 200);
    const body = response.json();
    assert.equal(body.accepted, 2);
    assert.equal(body.rejected, 4);
    const byIndex = (i: number) => body.errors.filter((e: { index: number }) => e.index === i);
    assert.deepEqual(byIndex(1), [{ index: 1, event_id: 'mixed-bad-1', field: 'judge_score', message: 'judge_score must be <= 1 (got 1.5)' }]);
    assert.deepEqual(byIndex(2).map((e: { field: string }) => e.field), ['timestamp']);
    assert.match(byIndex(2)[0].message, /timestamp is required/);
    assert.match(byIndex(4)[0].message, /must be a JSON object/);
    assert.deepEqual(byIndex(5).map((e: { field: string }) => e.field).sort(), ['category', 'risk_tier', 'src_ip']);
    assert.equal(body.errors.filter((e: { index: number }) => e.index === 0 || e.index === 3).length, 0);

    const read = await service.request('read', { method: 'GET', url: '/v1/events?user_id=bob' });
    assert.deepEqual(read.json().events.map((e: { event_id: string }) => e.event_id).sort(), ['mixed-good-1', 'mixed-good-2']);
  });

  test('a batch in which every event is bad is answered 400 and stores nothing', async () => {
    const before = await countStored(service);
    const response = await postEvents(service, [{ category: 'request' }, { timestamp: 'yesterday', category: 'request' }]);
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().accepted, 0);
    assert.equal(response.json().rejected, 2);
    assert.equal(await countStored(service), before);
  });

  test('an invalid NDJSON line is an error for that line only', async () => {
    const body =
      JSON.stringify({ ...base, event_id: 'nd-1', user_id: 'carol' }) +
      '\n{"timestamp": "2026-02-11T14:30:00Z", "category": \n' +
      '\n' +
      JSON.stringify({ ...base, event_id: 'nd-2', user_id: 'carol' }) +
      '\n';
    const response = await postEvents(service, body, 'application/x-ndjson');
    assert.equal(response.statusCode, 200);
    const result = response.json();
    assert.equal(result.accepted, 2);
    assert.equal(result.rejected, 1);
    assert.equal(result.errors[0].index, 1, 'index is the 0-based line number');
    assert.match(result.errors[0].message, /line 2 is not valid JSON/);
  });

  test('a replayed batch reports duplicates and stores nothing twice, with or without event_id', async () => {
    const batch = [
      { ...base, event_id: 'replay-1', user_id: 'dave' },
      { ...base, user_id: 'dave', judge_score: 0.91 },
      { ...base, user_id: 'dave', judge_score: 0.92 },
    ];
    const first = await postEvents(service, ndjson(batch), 'application/x-ndjson');
    assert.deepEqual(first.json(), { accepted: 3, rejected: 0, duplicates: 0, errors: [] });
    const stored = await countStored(service);
    const replay = await postEvents(service, ndjson(batch), 'application/x-ndjson');
    assert.equal(replay.statusCode, 200);
    assert.deepEqual(replay.json(), { accepted: 0, rejected: 0, duplicates: 3, errors: [] });
    assert.equal(await countStored(service), stored);
    const read = await service.request('read', { method: 'GET', url: '/v1/events?user_id=dave' });
    assert.equal(read.json().total, 3);
    const ids = read.json().events.map((e: { event_id: string }) => e.event_id);
    assert.ok(ids.filter((id: string) => id.startsWith('sha256:')).length === 2, 'events without event_id get a content-hash id');
  });

  test('a body over the configured limit is refused with 413 and nothing is stored', async () => {
    const before = await countStored(service);
    const big = Array.from({ length: 2000 }, (_, i) => ({ ...base, event_id: `big-${i}`, input_text: 'x'.repeat(200) }));
    const response = await postEvents(service, big);
    assert.equal(response.statusCode, 413);
    assert.match(response.json().message, /larger than the 262144 bytes allowed/);
    assert.equal(await countStored(service), before);
  });

  test('an unsupported content type, an empty body and a non-event JSON value get clear 4xx errors', async () => {
    const text = await postEvents(service, 'hello', 'text/plain');
    assert.equal(text.statusCode, 415);
    assert.match(text.json().message, /application\/x-ndjson/);
    const empty = await postEvents(service, '', 'application/json');
    assert.equal(empty.statusCode, 400);
    const scalar = await postEvents(service, '42', 'application/json');
    assert.equal(scalar.statusCode, 400);
    assert.match(scalar.json().message, /event object or an array/);
    const ndjsonAsJson = await postEvents(service, ndjson([base, base]), 'application/json');
    assert.equal(ndjsonAsJson.statusCode, 400);
    assert.match(ndjsonAsJson.json().message, /application\/x-ndjson/);
  });
});

describe('alias normalization', () => {
  test('an OpenTelemetry GenAI-shaped event (dotted and nested) is mapped onto the contract', async () => {
    const response = await postEvents(service, [
      {
        timestamp: '2026-02-11T15:00:00Z',
        category: 'request',
        event_id: 'otel-1',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.provider.name': 'openai',
        gen_ai: { usage: { input_tokens: 120, output_tokens: 480 }, conversation: { id: 'conv-9' } },
        'user.id': 'erin',
        'gen_ai.operation.name': 'chat',
      },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    const [event] = (await service.request('read', { method: 'GET', url: '/v1/events?session_id=conv-9' })).json().events;
    assert.deepEqual(event, {
      timestamp: '2026-02-11T15:00:00Z',
      category: 'request',
      event_id: 'otel-1',
      model: 'gpt-4o',
      provider: 'openai',
      tokens_in: 120,
      tokens_out: 480,
      session_id: 'conv-9',
      user_id: 'erin',
      extra: { 'gen_ai.operation.name': 'chat' },
    });
  });

  test("seed 000's field names and seed 002's categories and context block are normalized", async () => {
    const response = await postEvents(service, [
      {
        event_type: 'ai_security',
        timestamp: '2026-02-11T15:01:00Z',
        category: 'Prompt-Injection',
        event_id: 'seed-1',
        user: 'frank',
        cost: 0.25,
        decision: 'BLOCKED',
        severity: 'Warning',
        policies_triggered: 'pii, jailbreak',
        context: { conversation_turn: 12, tool_calls_in_session: 3, session_cost_usd: 1.5 },
        finding: { description: 'ignore previous instructions', confidence: 0.9, attack_vector: 'direct' },
      },
    ]);
    assert.equal(response.statusCode, 200, response.body);
    const [event] = (await service.request('read', { method: 'GET', url: '/v1/events?user_id=frank' })).json().events;
    assert.equal(event.category, 'prompt_attack');
    assert.equal(event.source_category, 'Prompt-Injection');
    assert.equal(event.cost_usd, 0.25);
    assert.equal(event.decision, 'block');
    assert.equal(event.severity, 'medium', 'seed 004: Warning is the SOC equivalent of medium');
    assert.deepEqual(event.policies_triggered, ['pii', 'jailbreak']);
    assert.equal(event.conversation_turn, 12);
    assert.equal(event.session_cost_usd, 1.5);
    assert.equal(event.finding.attack_vector, 'direct');
    assert.equal(event.extra, undefined, 'the constant event_type discriminator is not kept');
  });
});

describe('GET /v1/events', () => {
  test('filter values are exact terms, never query syntax', async () => {
    await postEvents(service, [{ ...base, event_id: 'star-1', user_id: 'grace' }]);
    for (const value of ['*', 'gr*', 'grace OR 1=1', '{"match_all":{}}', 'user_id:grace']) {
      const response = await service.request('read', { method: 'GET', url: `/v1/events?user_id=${encodeURIComponent(value)}` });
      assert.equal(response.statusCode, 200);
      assert.equal(response.json().total, 0, `user_id=${value} must match nothing`);
    }
    const exact = await service.request('read', { method: 'GET', url: '/v1/events?user_id=grace' });
    assert.equal(exact.json().total, 1);
  });

  test('pages with a cursor through every event exactly once, as JSON and as NDJSON', async () => {
    const events = Array.from({ length: 25 }, (_, i) => ({
      ...base,
      event_id: `page-${String(i).padStart(2, '0')}`,
      user_id: 'heidi',
      timestamp: new Date(Date.UTC(2026, 1, 12, 0, 0, i % 10)).toISOString(),
    }));
    assert.equal((await postEvents(service, events)).json().accepted, 25);
    const seen: string[] = [];
    let url = '/v1/events?user_id=heidi&limit=10';
    for (let pages = 0; pages < 10; pages++) {
      const body = (await service.request('read', { method: 'GET', url })).json();
      seen.push(...body.events.map((e: { event_id: string }) => e.event_id));
      if (!body.next) break;
      url = `/v1/events?user_id=heidi&limit=10&cursor=${body.next}`;
    }
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);

    const stream = await service.request('read', { method: 'GET', url: '/v1/events?user_id=heidi&format=ndjson&limit=10000' });
    assert.equal(stream.statusCode, 200);
    assert.match(String(stream.headers['content-type']), /application\/x-ndjson/);
    const lines = stream.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(lines.map((e) => e.event_id).sort(), [...seen].sort());
  });

  test('time ranges: since and from/to select by event time; bad ranges and cursors are 400', async () => {
    const now = Date.now();
    await postEvents(service, [
      { ...base, event_id: 'recent-1', user_id: 'ivan', timestamp: new Date(now - 60_000).toISOString() },
      { ...base, event_id: 'old-1', user_id: 'ivan', timestamp: new Date(now - 3 * 86_400_000).toISOString() },
    ]);
    const recent = (await service.request('read', { method: 'GET', url: '/v1/events?user_id=ivan&since=1h' })).json();
    assert.deepEqual(recent.events.map((e: { event_id: string }) => e.event_id), ['recent-1']);
    const from = new Date(now - 4 * 86_400_000).toISOString();
    const to = new Date(now - 2 * 86_400_000).toISOString();
    const ranged = (await service.request('read', { method: 'GET', url: `/v1/events?user_id=ivan&from=${from}&to=${to}` })).json();
    assert.deepEqual(ranged.events.map((e: { event_id: string }) => e.event_id), ['old-1']);

    const both = await service.request('read', { method: 'GET', url: `/v1/events?since=1h&from=${from}` });
    assert.equal(both.statusCode, 400);
    assert.match(both.json().message, /either since or from\/to/);
    const badSince = await service.request('read', { method: 'GET', url: '/v1/events?since=forever' });
    assert.equal(badSince.statusCode, 400);
    assert.match(badSince.json().message, /since/);
    const badCursor = await service.request('read', { method: 'GET', url: '/v1/events?cursor=bm90LWEtY3Vyc29y' });
    assert.equal(badCursor.statusCode, 400);
    assert.match(badCursor.json().message, /cursor is not valid/);
    const badLimit = await service.request('read', { method: 'GET', url: '/v1/events?limit=10001' });
    assert.equal(badLimit.statusCode, 400);
    assert.match(badLimit.json().message, /limit/);
  });
});

describe('authentication', () => {
  test('/v1 routes need a key of the right role; health and readiness are open', async () => {
    const none = await service.request(null, { method: 'GET', url: '/v1/events' });
    assert.equal(none.statusCode, 401);
    assert.ok(String(none.headers['www-authenticate']).startsWith('Bearer'));
    const unknown = await service.request(null, { method: 'GET', url: '/v1/events', headers: { authorization: 'Bearer not-a-real-key-000000' } });
    assert.equal(unknown.statusCode, 401);
    assert.match(unknown.json().message, /unknown API key/);
    const wrongRole = await service.request('ingest', { method: 'GET', url: '/v1/events' });
    assert.equal(wrongRole.statusCode, 403);
    const readCannotWrite = await postEvents(service, [base], 'application/json', 'read');
    assert.equal(readCannotWrite.statusCode, 403);
    const adminCanDoBoth = await service.request('admin', { method: 'GET', url: '/v1/events?limit=1' });
    assert.equal(adminCanDoBoth.statusCode, 200);
    assert.equal((await postEvents(service, [{ ...base, event_id: 'admin-1' }], 'application/json', 'admin')).statusCode, 200);

    assert.equal((await service.request(null, { method: 'GET', url: '/health' })).statusCode, 200);
    const ready = await service.request(null, { method: 'GET', url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json().status, 'ready');
  });
});
