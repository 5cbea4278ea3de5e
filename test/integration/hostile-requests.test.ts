/**
 * Hostile requests over every route the OpenAPI document lists (issue 12): malformed cursors, ranges, ids, filters,
 * headers, encodings and bodies, generated per operation from its declared parameters and body properties. With
 * Elasticsearch up, the service never answers 5xx, never puts Elasticsearch's, Java's or a stack trace's words in a
 * body, and its ingest counts agree with Elasticsearch and with the Prometheus counter.
 *
 * AISEC_HOSTILE_RUNS sets the requests per operation (default 25). The event stream is sent only requests that must
 * be refused (a valid one would stay open); concurrent triage is in triage-audit.test.ts, the ingest contract at its
 * edges in ingest-contract-differential.test.ts and ingest-truth.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { metrics } from '../../analytics-service/src/observability/metrics.js';
import { ELASTICSEARCH_TEXT } from '../support/leaks.js';
import { countStored, KEYS, postEvents, startTestService, type TestService } from '../support/service.js';

const RUNS = Number(process.env.AISEC_HOSTILE_RUNS ?? 25);

let service: TestService;
let exportDir: string;
let alertId = '0'.repeat(64);

interface Operation {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  query: string[];
  pathParams: string[];
  bodyProperties: string[] | undefined;
}
let operations: Operation[] = [];

before(async () => {
  exportDir = await mkdtemp(join(tmpdir(), 'aisec-hostile-'));
  service = await startTestService('hostile', { AISEC_EXPORT_DIR: exportDir, AISEC_DETECTION_STREAMING: 'false' });
  const attack = Array.from({ length: 5 }, (_, i) => ({ timestamp: `2026-03-02T09:00:0${i}Z`, category: 'prompt_attack', user_id: 'mallory', src_ip: '192.0.2.9' }));
  assert.equal((await postEvents(service, attack)).json().accepted, 5);
  const run = await service.request('admin', {
    method: 'POST',
    url: '/v1/detections/run',
    payload: { from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z', rules: ['prompt_injection_repeated'] },
  });
  assert.equal(run.statusCode, 200, run.body);
  alertId = (await service.request('read', { method: 'GET', url: '/v1/alerts' })).json().alerts[0]?.id ?? alertId;

  const doc = (await service.request(null, { method: 'GET', url: '/docs/json' })).json() as {
    paths: Record<string, Record<string, { parameters?: Array<{ in: string; name: string }>; requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> } }>>;
  };
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const parameters = op.parameters ?? [];
      const content = op.requestBody?.content ?? {};
      const schema = Object.values(content)[0]?.schema;
      operations.push({
        method: method.toUpperCase() as Operation['method'],
        path,
        query: parameters.filter((p) => p.in === 'query').map((p) => p.name),
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        bodyProperties: op.requestBody ? Object.keys(schema?.properties ?? {}) : undefined,
      });
    }
  }
  operations = operations.filter((o) => o.path !== '/v1/events/stream');
});
after(async () => {
  await service.close();
  await rm(exportDir, { recursive: true, force: true });
});

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** Values that have broken services like this one: cursors, ranges, ids, filter syntax, numbers, encodings. */
const hostileText = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  {
    weight: 5,
    arbitrary: fc.constantFrom(
      b64('[1e999,"x"]'), b64('[-1e999,"x"]'), b64('[null,"x"]'), b64('["a","b"]'), b64('[1,"x",3]'), b64('{}'), b64('[9e300,"x"]'), 'WzFlOTk5LCJ4Il0', '!!!', '%00',
      '999999w', '0m', '-5m', '5y', '1e3d', '2026-02-30T00:00:00Z', '2026-06-30T23:59:60Z', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '+275760-09-13T00:00:00Z', '2026-12-04 17:00:00Z',
      'not-an-ip', '10.0.0.0/8', '10.0.0.0/33', '::ffff:1.2.3.4%eth0', '256.1.1.1', 'fe80::1%eth0',
      '*', '?', 'a OR b', '{"match_all":{}}', '"', '\\', '__proto__', 'constructor', 'NaN', 'Infinity', '-1', '0', '1e308', '99999999999999999999', '1.5', 'true', 'null', '',
      'x'.repeat(3000), '0'.repeat(64), 'f'.repeat(64), 'exp-20260211-143000-3f9a1c2b', '../../etc/passwd', 'users', 'models', 'agents', 'spl', 'kql', 'sigma', 'json', 'ndjson', 'risk', 'volume',
    ),
  },
);

const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, hostileText, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(fc.oneof(hostileText, fc.constantFrom('from', 'to', 'since', 'id', 'status', 'actor', 'filters', 'range', 'targets')), tie('value'), { maxKeys: 5 }),
})).value;

const hostileHeaders = fc.record(
  {
    'x-request-id': fc.oneof(fc.constant('x'.repeat(300)), fc.constant('<script>alert(1)</script>'), fc.string({ maxLength: 20 }).map((s) => s.replace(/[^\x20-\x7e]/g, '?'))),
    'content-encoding': fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'gzip, br', 'x-gzip', 'zstd'),
    'content-type': fc.constantFrom('application/json', 'application/x-ndjson', 'text/plain', 'application/json; charset=latin1', 'multipart/form-data; boundary=x', 'application/x-protobuf'),
    'last-event-id': fc.constantFrom(b64('[1e999,"x"]'), 'garbage', ''),
    authorization: fc.constantFrom('Bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer x y', `Bearer ${'k'.repeat(5000)}`),
  },
  { requiredKeys: [] },
);

function requestFor(op: Operation) {
  return fc.record({
    pathValues: fc.array(fc.oneof({ weight: 3, arbitrary: hostileText }, { weight: 1, arbitrary: fc.constant(alertId) }), { minLength: op.pathParams.length, maxLength: op.pathParams.length }),
    query: fc.array(fc.tuple(fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...(op.query.length > 0 ? op.query : ['x'])) }, { weight: 1, arbitrary: fc.constantFrom('unknown', '__proto__', 'limit') }), hostileText), { maxLength: 4 }),
    // most requests reach the handler; one in four carries hostile headers (which mostly stop it earlier)
    headers: fc.oneof({ weight: 3, arbitrary: fc.constant({} as Record<string, string>) }, { weight: 1, arbitrary: hostileHeaders }),
    body: op.bodyProperties === undefined ? fc.constant(undefined) : fc.oneof(
      { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...(op.bodyProperties.length > 0 ? op.bodyProperties : ['x']), 'unexpected'), hostileJson, { maxKeys: 5 }) },
      { weight: 1, arbitrary: hostileJson },
    ),
    gzipBody: fc.boolean(),
    role: fc.oneof({ weight: 6, arbitrary: fc.constant('admin' as const) }, { weight: 1, arbitrary: fc.constantFrom('read' as const, 'ingest' as const, null) }),
  });
}

function assertTruthful(what: string, status: number, body: string): void {
  assert.ok(status < 500, `${what} answered ${status}: ${body.slice(0, 300)}`);
  assert.doesNotMatch(body, ELASTICSEARCH_TEXT, `${what} leaks Elasticsearch, Java or stack text: ${body.slice(0, 300)}`);
}

test('every route in the OpenAPI document answers hostile requests with a 2xx/4xx in its own words', { timeout: 30 * 60_000 }, async () => {
  assert.ok(operations.length >= 20, `the OpenAPI document lists the routes (${operations.length})`);
  const seen = new Map<string, Set<number>>();
  for (const op of operations) {
    await fc.assert(
      fc.asyncProperty(requestFor(op), async (r) => {
        let i = 0;
        const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.pathValues[i++] ?? ''));
        const params = new URLSearchParams();
        for (const [k, v] of r.query) params.append(k, v);
        const url = `${path}${params.size > 0 ? `?${params}` : ''}`;
        const headers: Record<string, string> = { ...r.headers };
        let payload: string | Buffer | undefined;
        if (r.body !== undefined) {
          payload = JSON.stringify(r.body) ?? 'null';
          headers['content-type'] ??= 'application/json';
          if (r.gzipBody) {
            payload = gzipSync(payload);
            headers['content-encoding'] ??= 'gzip';
          }
        }
        if (r.role) headers.authorization ??= `Bearer ${KEYS[r.role]}`;
        const response = await service.app.inject({ method: op.method, url, headers, ...(payload !== undefined ? { payload } : {}) });
        assertTruthful(`${op.method} ${url.slice(0, 200)} ${JSON.stringify(headers).slice(0, 200)}`, response.statusCode, response.body);
        const key = `${op.method} ${op.path}`;
        if (!seen.has(key)) seen.set(key, new Set());
        seen.get(key)!.add(response.statusCode);
      }),
      { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
    );
  }
  console.log(`# hostile requests: ${operations.length} operations × ${RUNS}; statuses seen: ${[...seen].map(([k, s]) => `${k} ${[...s].sort().join('/')}`).join('; ')}`);
});

test('the event stream refuses bad positions, ranges and filters before it opens', async () => {
  for (const [query, lastEventId] of [
    ['', b64('[1e999,"x"]')],
    ['', b64('[1e300,"x"]')],
    ['', 'garbage!'],
    ['since=999999w', undefined],
    ['since=5y', undefined],
    ['src_ip=not-an-ip', undefined],
    ['heartbeat=0', undefined],
    ['unknown=1', undefined],
  ] as Array<[string, string | undefined]>) {
    const response = await service.request('read', { method: 'GET', url: `/v1/events/stream?${query}`, headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId } });
    assert.equal(response.statusCode, 400, `${query} ${lastEventId}: ${response.body}`);
    assertTruthful(`stream ${query}`, response.statusCode, response.body);
  }
});

test('hostile ingest batches: every answer\'s counts agree with Elasticsearch and with the Prometheus counter', async () => {
  const counter = async () => {
    const values = (await metrics.events.get()).values;
    return Object.fromEntries(['accepted', 'rejected', 'duplicate'].map((o) => [o, values.find((v) => v.labels.outcome === o)?.value ?? 0]));
  };
  const event = fc.oneof(
    fc.record({ timestamp: fc.constantFrom('2026-03-01T10:00:00Z', '2026-03-01 10:00:00Z', '2026-13-01T10:00:00Z'), category: fc.constantFrom('request', 'nope'), event_id: fc.oneof(fc.uuid(), fc.constant('€'.repeat(200)), fc.constant('dup-1')), tokens_in: fc.constantFrom(1, 1.2e29, -1) }, { requiredKeys: ['timestamp', 'category'] }),
    hostileJson,
  );
  await fc.assert(
    fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 40 }), async (batch) => {
      const before = { stored: await countStored(service), counter: await counter() };
      const response = await service.request('ingest', { method: 'POST', url: '/v1/events?refresh=true', headers: { 'content-type': 'application/json' }, payload: JSON.stringify(batch) });
      assertTruthful('POST /v1/events', response.statusCode, response.body);
      const result = response.json();
      assert.equal(result.accepted + result.rejected + result.duplicates, batch.length, 'every event accounted for once');
      assert.equal((await countStored(service)) - before.stored, result.accepted, 'Elasticsearch holds what was reported accepted');
      const now = await counter();
      assert.deepEqual(
        [now.accepted! - before.counter.accepted!, now.rejected! - before.counter.rejected!, now.duplicate! - before.counter.duplicate!],
        [result.accepted, result.rejected, result.duplicates],
        'the Prometheus counter agrees',
      );
    }),
    { numRuns: Math.max(10, Math.round(RUNS / 2)), endOnFailure: true, includeErrorInReport: true },
  );
});
