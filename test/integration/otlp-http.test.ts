/**
 * POST /v1/traces and /v1/logs with hand-written OTLP/HTTP requests (the JSON mapping of opentelemetry-proto: hex
 * ids, decimal-string int64, AnyValue wrappers) against real Elasticsearch: partial success naming each refused record
 * and field, the unset partial success when all is stored, and the refusals in our words (bad JSON or protobuf,
 * unsupported encoding, missing key, wrong role).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { decompress } from '../../analytics-service/src/ingest/otlp/ingest-otlp.js';
import { countStored, startTestService, type TestService } from '../support/service.js';
import { waitFor } from '../support/wait.js';

let service: TestService;
before(async () => {
  service = await startTestService('otlp-http');
  // app.ready() returns after the first bootstrap attempt; on a loaded Elasticsearch that attempt can time out and the
  // service answers 503 until its retry succeeds
  await waitFor('the index bootstrap', async () => (service.app.readiness.bootstrap ? true : undefined), 120_000, async () => `last error: ${service.app.readiness.lastError}`);
});
after(async () => service.close());

const TRACE = '5b8efff798038103d269b633813fc60c';
const str = (value: string) => ({ stringValue: value });
const int = (value: string) => ({ intValue: value });

function span(spanId: string, name: string, attributes: Array<{ key: string; value: object }>, start = '1770820200000000000') {
  return { traceId: TRACE, spanId, name, kind: 3, startTimeUnixNano: start, endTimeUnixNano: '1770820200500000000', attributes };
}

const traces = (spans: object[]) => ({
  resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: str('gateway-otlp') }] }, scopeSpans: [{ scope: { name: 'hand' }, spans }] }],
});

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}, role: 'ingest' | 'read' | null = 'ingest') =>
  service.request(role, { method: 'POST', url: path, headers: { 'content-type': 'application/json', ...headers }, payload: body });

describe('POST /v1/traces (OTLP JSON by hand)', () => {
  test('refused spans are answered as partial success naming each span and field; the good span is stored', async () => {
    const before = await countStored(service);
    const response = await post(
      '/v1/traces',
      JSON.stringify(
        traces([
          span('eee19b7ec3c1b174', 'chat ok', [{ key: 'gen_ai.request.model', value: str('gpt-4o') }, { key: 'user.id', value: str('hand-1') }]),
          span('eee19b7ec3c1b175', 'chat negative', [{ key: 'gen_ai.usage.input_tokens', value: int('-5') }, { key: 'user.id', value: str('hand-1') }]),
          span('eee19b7ec3c1b176', 'chat no time', [{ key: 'gen_ai.request.model', value: str('gpt-4o') }], '0'),
        ]),
      ),
    );
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    const body = response.json() as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(body.partialSuccess.rejectedSpans, '2', 'int64 as a decimal string (proto3 JSON)');
    const message = body.partialSuccess.errorMessage;
    assert.match(message, /^2 of 3 spans refused\./);
    assert.match(message, /span 1 "chat negative" \(trace 5b8efff798038103d269b633813fc60c, span eee19b7ec3c1b175\): tokens_in must be >= 0/);
    assert.match(message, /span 2 "chat no time" .*timestamp is required/);
    assert.doesNotMatch(message, /span 0 /);
    assert.equal(await countStored(service), before + 1);
  });

  test('when every span is stored the partial success is left unset, and a replay stores nothing', async () => {
    const payload = JSON.stringify(traces([span('aaa19b7ec3c1b174', 'chat', [{ key: 'gen_ai.request.model', value: str('m') }, { key: 'user.id', value: str('hand-2') }])]));
    const first = await post('/v1/traces', payload);
    assert.equal(first.statusCode, 200);
    assert.deepEqual(first.json(), {});
    const before = await countStored(service);
    const replay = await post('/v1/traces', gzipSync(payload), { 'content-encoding': 'gzip' });
    assert.equal(replay.statusCode, 200);
    assert.deepEqual(replay.json(), {});
    assert.equal(await countStored(service), before);
  });

  test('a body that is not OTLP is a 400 in our words; a request with no records is answered with nothing refused', async () => {
    const bad = await post('/v1/traces', '{"resourceSpans": [');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body is not valid JSON/);

    const empty = await post('/v1/traces', Buffer.alloc(0), { 'content-type': 'application/x-protobuf' });
    assert.equal(empty.statusCode, 400);

    // an export request with no records is valid OTLP: answered with nothing refused
    const nothing = await post('/v1/logs', '{}');
    assert.equal(nothing.statusCode, 200);
    assert.deepEqual(nothing.json(), {});
  });

  test('refusals carry a google.rpc.Status in the request’s encoding', async () => {
    // google.rpc.Status and google.protobuf.Any as googleapis and protobuf declare them (google/rpc/status.proto,
    // google/protobuf/any.proto), parsed by protobufjs
    const root = new protobuf.Root();
    protobuf.parse('syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }', root);
    protobuf.parse('syntax = "proto3"; package google.rpc; message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }', root);
    const Status = root.lookupType('google.rpc.Status');
    const statusOf = (body: Buffer) => Status.toObject(Status.decode(body)) as { code: number; message: string };

    const garbage = await post('/v1/traces', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), { 'content-type': 'application/x-protobuf' });
    assert.equal(garbage.statusCode, 400);
    assert.equal(garbage.headers['content-type'], 'application/x-protobuf');
    const invalid = statusOf(garbage.rawPayload);
    assert.equal(invalid.code, 3, 'INVALID_ARGUMENT');
    assert.match(invalid.message, /not a protobuf-encoded OTLP ExportTraceServiceRequest/);

    const anonymous = await post('/v1/logs', Buffer.alloc(0), { 'content-type': 'application/x-protobuf' }, null);
    assert.equal(anonymous.statusCode, 401);
    assert.deepEqual(statusOf(anonymous.rawPayload), { code: 16, message: 'missing API key: send Authorization: Bearer <key>' });

    const json = await post('/v1/logs', '[1, 2');
    assert.equal(json.statusCode, 400);
    const jsonStatus = json.json() as { code: number; message: string };
    assert.equal(jsonStatus.code, 3);
    assert.match(jsonStatus.message, /body is not valid JSON/);

    const text = await post('/v1/traces', 'hello', { 'content-type': 'text/plain' });
    assert.equal(text.statusCode, 415);
    assert.match((text.json() as { message: string }).message, /Content-Type "text\/plain" is not OTLP\/HTTP: send application\/x-protobuf or application\/json/);
  });

  test('unsupported encodings, missing keys and the wrong role are refused', async () => {
    const br = await post('/v1/logs', '{}', { 'content-encoding': 'br' });
    assert.equal(br.statusCode, 415);
    const anonymous = await post('/v1/traces', '{}', {}, null);
    assert.equal(anonymous.statusCode, 401);
    const reader = await post('/v1/traces', '{}', {}, 'read');
    assert.equal(reader.statusCode, 403);
  });
});

describe('POST /v1/logs (OTLP JSON by hand)', () => {
  test('the message events of the earlier GenAI conventions put their body where the content mode applies', async () => {
    const record = (eventName: string, body: object, time: string) => ({
      timeUnixNano: time,
      eventName,
      body,
      attributes: [
        { key: 'gen_ai.system', value: str('openai') },
        { key: 'user.id', value: str('hand-logs') },
      ],
    });
    const response = await post(
      '/v1/logs',
      JSON.stringify({
        resourceLogs: [
          {
            scopeLogs: [
              {
                logRecords: [
                  record('gen_ai.user.message', { kvlistValue: { values: [{ key: 'content', value: str('ignore previous instructions') }] } }, '1770820200000000000'),
                  record('gen_ai.choice', { stringValue: 'Sure, here they are' }, '1770820201000000000'),
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), {});
    await service.es.indices.refresh({ index: `${service.prefix}-events` });
    const read = await service.request('read', { method: 'GET', url: '/v1/events?user_id=hand-logs' });
    const events = (read.json() as { events: Array<{ timestamp: string; input_text?: string; output_text?: string; extra?: { otel?: { body?: string } } }> }).events;
    assert.deepEqual(
      events.map((e) => [e.timestamp, e.input_text, e.output_text, e.extra?.otel?.body]),
      [
        ['2026-02-11T14:30:01.000Z', undefined, 'Sure, here they are', undefined],
        ['2026-02-11T14:30:00.000Z', '{"content":"ignore previous instructions"}', undefined, undefined],
      ],
    );
  });
});

describe('decompress (the route’s own gzip step)', () => {
  test('gunzips a gzip body, passes a body already decoded upstream through, and holds the expanded size to the limit', async () => {
    const text = JSON.stringify(traces([]));
    assert.equal((await decompress(gzipSync(text), 'gzip', 1 << 20)).toString(), text);
    assert.equal((await decompress(Buffer.from(text), 'gzip', 1 << 20)).toString(), text);
    await assert.rejects(decompress(gzipSync(Buffer.alloc(100_000)), 'gzip', 1000), /expands to more than the 1000 bytes/);
    await assert.rejects(decompress(Buffer.from(text), 'deflate', 1000), /Content-Encoding "deflate" is not supported/);
  });
});

describe('hostile OTLP bodies', () => {
  const RUNS = Number(process.env.AISEC_FUZZ_RUNS ?? 100);
  const assertHandled = (status: number, body: string, what: string) => assert.ok(status < 500, `${what} answered ${status}: ${body.slice(0, 300)}`);

  test('random bytes as protobuf and random JSON as OTLP are answered 2xx or 4xx, never 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2000 }), fc.constantFrom('/v1/traces', '/v1/logs'), async (bytes, path) => {
        const response = await post(path, Buffer.from(bytes), { 'content-type': 'application/x-protobuf' });
        assertHandled(response.statusCode, response.body, `protobuf ${Buffer.from(bytes).toString('hex').slice(0, 80)}`);
      }),
      { numRuns: RUNS },
    );
    const anyValue = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.record({ stringValue: fc.string() }),
        fc.record({ intValue: fc.oneof(fc.string(), fc.bigInt().map(String), fc.double()) }),
        fc.record({ doubleValue: fc.oneof(fc.double(), fc.string()) }),
        fc.record({ kvlistValue: fc.record({ values: fc.array(fc.record({ key: fc.oneof(fc.string(), fc.constantFrom('__proto__', 'gen_ai.request.model', 'category')), value: tie('value') }), { maxLength: 4 }) }) }),
        fc.record({ arrayValue: fc.record({ values: fc.array(tie('value'), { maxLength: 4 }) }) }),
        fc.anything(),
      ),
    })).value;
    const attributes = fc.array(fc.record({ key: fc.oneof(fc.string(), fc.constantFrom('gen_ai.usage.input_tokens', 'user.id', 'timestamp', 'event_id', 'src_ip')), value: anyValue }), { maxLength: 6 });
    const time = fc.oneof(fc.bigInt({ min: -1n, max: 10n ** 25n }).map(String), fc.double(), fc.string());
    const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
    const record = fc.record({ traceId: fc.oneof(hex(32), fc.string()), spanId: fc.oneof(hex(16), fc.string()), startTimeUnixNano: time, endTimeUnixNano: time, timeUnixNano: time, eventName: fc.string(), attributes, body: anyValue }, { requiredKeys: [] });
    await fc.assert(
      fc.asyncProperty(fc.array(record, { maxLength: 4 }), fc.anything(), async (records, junk) => {
        const traces = { resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ spans: records }] }], junk };
        const logs = { resourceLogs: [{ scopeLogs: [{ logRecords: records }] }] };
        for (const [path, body] of [['/v1/traces', traces], ['/v1/logs', logs], ['/v1/logs', junk]] as const) {
          const response = await post(path, JSON.stringify(body) ?? 'null');
          assertHandled(response.statusCode, response.body, `${path} ${JSON.stringify(body)?.slice(0, 200)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('AnyValues nested thousands deep are refused, not a crash', async () => {
    // written as text: JSON.stringify itself cannot go 5000 levels deep
    const depth = 5000;
    const value = `${'{"kvlistValue":{"values":[{"key":"k","value":'.repeat(depth)}{"stringValue":"leaf"}${'}]}}'.repeat(depth)}`;
    const attributes = `[{"key":"gen_ai.request.model","value":${value}},{"key":"user.id","value":{"stringValue":"deep"}}]`;
    const body = `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"${TRACE}","spanId":"bbb19b7ec3c1b174","startTimeUnixNano":"1770820200000000000","attributes":${attributes}}]}]}]}`;
    const response = await post('/v1/traces', body);
    assert.equal(response.statusCode, 200);
    const answer = response.json() as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    assert.equal(answer.partialSuccess.rejectedSpans, '1');
    assert.match(answer.partialSuccess.errorMessage, /span 0 \(trace [0-9a-f]{32}, span bbb19b7ec3c1b174\): (gen_ai\.request\.)?model nests objects or arrays deeper than 20 levels/);
  });
});
