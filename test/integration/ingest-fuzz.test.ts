/**
 * Property-based fuzzing of the ingest body and the events query parameters against the real service and
 * real Elasticsearch: whatever arrives, the answer is a 2xx/4xx with a JSON body — never a 5xx, never a crash —
 * and filter values never act as query syntax.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTestService, type TestService } from '../support/service.js';

let service: TestService;
before(async () => {
  service = await startTestService('fuzz', { AISEC_BODY_LIMIT_BYTES: String(2 * 1024 * 1024) });
});
after(async () => service.close());

const RUNS = Number(process.env.AISEC_FUZZ_RUNS ?? 150);

function assertHandled(status: number, body: string, what: string): void {
  assert.ok(status < 500, `${what} answered ${status}: ${body.slice(0, 300)}`);
  assert.doesNotThrow(() => JSON.parse(body), `${what} answered a non-JSON body`);
}

const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '', ' ', 'a.b', '@timestamp', 'gen_ai', 'extra', 'event');
const hostileString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.constantFrom('*', '?', '\\', '"', "'", '{"match_all":{}}', 'a OR b', '0x00\u0000', '\uD800', '\uFFFF', 'NaN', 'Infinity', '-0', '1e309', '9999-12-31T23:59:59Z', '0000-01-01T00:00:00Z', '+275760-09-13T00:00:00Z', '2026-02-30T00:00:00Z'),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map((b) => Number(b)));
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(fc.oneof(hostileKey, fc.string()), tie('value'), { maxKeys: 6 }),
})).value;

const contractish = fc.record(
  {
    timestamp: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), hostileString),
    category: fc.oneof(fc.constantFrom('request', 'prompt_attack', 'judge_flag', 'prompt_injection', 'nope'), hostileString),
    user_id: hostileString,
    judge_score: fc.oneof(fc.double(), hostileString),
    tokens_out: fc.oneof(fc.integer(), fc.double(), hostileString),
    src_ip: fc.oneof(fc.ipV4(), fc.ipV6(), hostileString),
    tool_params: hostileValue,
    input_text: hostileString,
  },
  { requiredKeys: [] },
);

test('any JSON body is answered with a per-event verdict, never a 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.oneof(hostileValue, fc.array(fc.oneof(contractish, hostileValue), { maxLength: 8 }), contractish), async (body) => {
      const response = await service.request('ingest', {
        method: 'POST',
        url: '/v1/events',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      assertHandled(response.statusCode, response.body, 'POST /v1/events');
      if (response.statusCode === 200 || response.statusCode === 400) {
        const result = response.json();
        if (typeof result.accepted === 'number') {
          const n = Array.isArray(body) ? body.length : 1;
          assert.equal(result.accepted + result.rejected + result.duplicates, n, 'every event is accounted for exactly once');
        }
      }
    }),
    { numRuns: RUNS },
  );
});

test('raw bytes, invalid UTF-8, deep nesting and odd content types never crash the service', async () => {
  const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
  const deepObject = (n: number) => `{"timestamp":"2026-01-01T00:00:00Z","category":"request","tool_params":${'{"a":'.repeat(n)}1${'}'.repeat(n)}}`;
  const cases: Array<[string, string | Buffer]> = [
    ['application/json', deep(5000)],
    ['application/json', deepObject(30)],
    ['application/json', deepObject(3000)],
    ['application/x-ndjson', deepObject(3000) + '\n' + deepObject(2)],
    ['application/json', Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d])],
    ['application/x-ndjson', Buffer.from([0xc3, 0x28, 0x0a, 0x7b, 0x7d])],
    ['application/json', '{"timestamp":"2026-01-01T00:00:00Z","category":"request","tokens_in":1e400}'],
    ['application/json', '{"timestamp":"2026-01-01T00:00:00Z","category":"request","__proto__":{"isAdmin":true}}'],
    ['application/json; charset=latin1', '{}'],
    ['application/vnd.api+json', '{}'],
    ['multipart/form-data; boundary=x', '--x--'],
    ['application/x-ndjson', '\n\n\n'],
  ];
  for (const [type, payload] of cases) {
    const response = await service.request('ingest', { method: 'POST', url: '/v1/events', headers: { 'content-type': type }, payload });
    assertHandled(response.statusCode, response.body, `POST ${type} ${String(payload).slice(0, 40)}`);
  }
  assert.equal(({} as Record<string, unknown>).isAdmin, undefined, 'no prototype pollution');
});

test('any query parameters are answered with 200 or 400, and filter values match only themselves', async () => {
  await service.request('ingest', {
    method: 'POST',
    url: '/v1/events?refresh=true',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ timestamp: '2026-01-01T00:00:00Z', category: 'request', user_id: 'fuzz-known-user' }),
  });
  const param = fc.constantFrom('since', 'from', 'to', 'user_id', 'category', 'decision', 'severity', 'model', 'endpoint', 'session_id', 'request_id', 'limit', 'cursor', 'format', 'unknown', '__proto__');
  await fc.assert(
    fc.asyncProperty(fc.dictionary(param, hostileString, { maxKeys: 4 }), async (params) => {
      const query = new URLSearchParams(params as Record<string, string>).toString();
      const response = await service.request('read', { method: 'GET', url: `/v1/events?${query}` });
      assert.ok([200, 400].includes(response.statusCode), `GET /v1/events?${query} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
      if (response.statusCode === 200 && params.format !== 'ndjson') {
        for (const event of response.json().events as Array<{ user_id?: string }>) {
          if (params.user_id !== undefined) assert.equal(event.user_id, params.user_id, 'a user_id filter matches only that exact value');
        }
      }
    }),
    { numRuns: RUNS },
  );
});
