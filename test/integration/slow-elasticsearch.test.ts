/**
 * A slow Elasticsearch (real node behind a TCP proxy that delays requests): timeouts become clear 503s with
 * Retry-After, excess ingest requests are refused before their bodies are read, and the service recovers.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { postEvents, startTestService, type TestService } from '../support/service.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { waitFor } from '../support/wait.js';

let delayMs = 0;
let proxy: net.Server;
let service: TestService;

before(async () => {
  const upstream = new URL(testElasticsearchUrl());
  proxy = net.createServer((client) => {
    const server = net.connect(Number(upstream.port), upstream.hostname);
    client.on('data', (chunk) => (delayMs > 0 ? setTimeout(() => server.writable && server.write(chunk), delayMs) : server.write(chunk)));
    server.pipe(client);
    const close = () => {
      client.destroy();
      server.destroy();
    };
    client.on('error', close).on('close', close);
    server.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as net.AddressInfo;
  service = await startTestService('slow', {
    ES_URL: `http://127.0.0.1:${port}`,
    ES_REQUEST_TIMEOUT_MS: '1000',
    AISEC_MAX_CONCURRENT_INGEST: '4',
    AISEC_DETECTION_STREAMING: 'false',
  });
  // slow Elasticsearch down only once the service is fully up (bootstrap retries on its own otherwise)
  await waitFor('the service to be ready', async () => ((await service.request(null, { method: 'GET', url: '/ready' })).statusCode === 200 ? true : undefined), 60_000);
});

after(async () => {
  delayMs = 0;
  await service.close();
  await new Promise((resolve) => proxy.close(resolve));
});

const batch = (name: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ timestamp: '2026-05-01T00:00:00Z', category: 'request', event_id: `${name}-${i}`, input_text: 'x'.repeat(500) }));

test('a timed-out write is a 503 with Retry-After that claims nothing', async () => {
  delayMs = 3000;
  const response = await postEvents(service, batch('slow', 10));
  assert.equal(response.statusCode, 503);
  assert.ok(Number(response.headers['retry-after']) > 0);
  assert.equal(response.json().accepted, 0);
  assert.match(response.json().message, /Elasticsearch/);
});

test('under a pile-up, requests beyond the concurrency limit are refused at once instead of buffered', async () => {
  delayMs = 3000;
  const started = Date.now();
  const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => postEvents(service, batch(`pile-${i}`, 50))));
  assert.ok(responses.every((r) => r.statusCode === 503), 'nothing is accepted while Elasticsearch cannot answer');
  const refusedAtAdmission = responses.filter((r) => /ingest requests are in progress/.test(r.json().message));
  assert.ok(refusedAtAdmission.length >= 16, `only 4 requests may be in progress; ${refusedAtAdmission.length} were refused at admission`);
  assert.ok(refusedAtAdmission.every((r) => r.headers['retry-after'] === '2'));
  assert.ok(Date.now() - started < 15_000);
});

test('the bound is one for every ingest route: OTLP requests in progress count against POST /v1/events too', async () => {
  delayMs = 3000;
  // a GenAI span per request: OTLP ingest writes to Elasticsearch like /v1/events, so it is held by the slow node
  const otlp = (i: number) =>
    JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'slow-gateway' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: (0x1000000000000000 + i).toString(16).padStart(16, '0'),
                  name: 'chat',
                  kind: 3,
                  startTimeUnixNano: '1770820200000000000',
                  endTimeUnixNano: '1770820200500000000',
                  attributes: [{ key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } }],
                },
              ],
            },
          ],
        },
      ],
    });
  const responses = await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => service.request('ingest', { method: 'POST', url: '/v1/traces', headers: { 'content-type': 'application/json' }, payload: otlp(i) })),
    ...Array.from({ length: 10 }, (_, i) => postEvents(service, batch(`mixed-${i}`, 20))),
  ]);
  const refusedAtAdmission = responses.filter((r) => r.statusCode === 503 && /ingest requests are in progress/.test(r.body));
  // per-route bounds would let 4 + 4 in and refuse 12
  assert.ok(refusedAtAdmission.length >= 16, `only 4 requests may be in progress across both routes; ${refusedAtAdmission.length} were refused at admission`);
});

test('when Elasticsearch is fast again, the same batches are stored', async (t) => {
  delayMs = 0;
  // a client following the ingest contract: a 503 says "retry the whole batch after Retry-After". The proxy adds no
  // delay now, but the service's 1 s request timeout is short for a real node on a busy machine, so a write may
  // still time out; the contract makes that harmless, and the count below proves nothing is stored twice.
  let response = await postEvents(service, batch('slow', 10));
  let retries = 0;
  while (response.statusCode === 503 && retries < 5) {
    const retryAfter = Number(response.headers['retry-after']);
    assert.ok(retryAfter > 0, 'a 503 always says when to retry');
    await new Promise((resolve) => setTimeout(resolve, retryAfter * 1000));
    retries++;
    response = await postEvents(service, batch('slow', 10));
  }
  assert.equal(response.statusCode, 200, response.body);
  assert.equal(response.json().accepted + response.json().duplicates, 10);
  await service.es.indices.refresh({ index: `${service.prefix}-events` });
  const stored = await service.es.count({ index: `${service.prefix}-events`, query: { prefix: { event_id: 'slow-' } } });
  assert.equal(stored.count, 10, 'each event of the batch stored exactly once');
  t.diagnostic(`slow-elasticsearch: recovery took ${retries} retries after Retry-After`);
});
