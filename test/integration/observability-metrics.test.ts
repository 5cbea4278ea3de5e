/**
 * The service's own observability against real Elasticsearch: /metrics in Prometheus format with the ingest,
 * detection, Elasticsearch-error and HTTP series; request ids honoured, generated and echoed; and an OpenAPI
 * document that covers every registered route with a summary.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { buildApp } from '../../analytics-service/src/app.js';
import { loadConfig } from '../../analytics-service/src/config.js';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { IN_PROCESS_SERVICE_ENV, KEYS, postEvents, startTestService, type TestService } from '../support/service.js';
// brings the plugin's FastifyInstance augmentation (registeredRoutes) into this program
import type {} from '../../analytics-service/src/observability/plugin.js';
import { waitFor } from '../support/wait.js';

let service: TestService;

before(async () => {
  service = await startTestService('obs');
});
after(async () => service?.close());

function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (labels === '' && l.startsWith(`${name} `)));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

async function scrape(): Promise<string> {
  const response = await service.request('read', { method: 'GET', url: '/metrics' });
  assert.equal(response.statusCode, 200, response.body);
  assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
  return response.body;
}

test('/metrics needs a read key and exposes the documented series', async () => {
  assert.equal((await service.request(null, { method: 'GET', url: '/metrics' })).statusCode, 401);
  assert.equal((await service.request('ingest', { method: 'GET', url: '/metrics' })).statusCode, 403);
  const text = await scrape();
  for (const name of [
    'aisec_events_total',
    'aisec_ingest_request_duration_seconds',
    'aisec_detection_lag_seconds',
    'aisec_rule_evaluation_duration_seconds',
    'aisec_elasticsearch_errors_total',
    'aisec_webhook_deliveries_total',
    'aisec_webhook_pending',
    'aisec_webhook_oldest_pending_seconds',
    'aisec_http_request_duration_seconds',
    'aisec_event_stream_clients',
    'aisec_exports_total',
    'process_cpu_seconds_total',
    'nodejs_eventloop_lag_seconds',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), `${name} is exposed`);
  }
});

test('ingest counts accepted, rejected and duplicate events and times the request', async () => {
  const before = await scrape();
  const now = Date.now();
  const events = [
    { timestamp: new Date(now).toISOString(), category: 'request', event_id: 'obs-1', user_id: 'u' },
    { timestamp: new Date(now).toISOString(), category: 'request', event_id: 'obs-2', user_id: 'u' },
    { category: 'request' },
  ];
  assert.equal((await postEvents(service, events)).statusCode, 200);
  assert.equal((await postEvents(service, events.slice(0, 1))).statusCode, 200);
  const afterText = await scrape();
  const delta = (outcome: string) => sample(afterText, 'aisec_events_total', `{outcome="${outcome}"}`) - sample(before, 'aisec_events_total', `{outcome="${outcome}"}`);
  assert.equal(delta('accepted'), 2);
  assert.equal(delta('rejected'), 1);
  assert.equal(delta('duplicate'), 1);
  assert.equal(sample(afterText, 'aisec_ingest_request_duration_seconds_count') - sample(before, 'aisec_ingest_request_duration_seconds_count'), 2);
  assert.ok(sample(afterText, 'aisec_http_request_duration_seconds_count', '{method="POST",route="/v1/events",status_code="200"}') >= 2, 'HTTP requests are labelled by route pattern');
});

test('a retro-hunt records rule evaluation time per rule; streaming detection records its lag behind event.ingested', async () => {
  const t = Date.now() - 60_000;
  const attacks = Array.from({ length: 5 }, (_, i) => ({ timestamp: new Date(t + i * 1000).toISOString(), category: 'prompt_attack', user_id: 'obs-attacker', src_ip: '10.9.9.9', event_id: `obs-pa-${i}` }));
  assert.equal((await postEvents(service, attacks)).statusCode, 200);
  const run = await service.request('admin', { method: 'POST', url: '/v1/detections/run', payload: { from: new Date(t - 60_000).toISOString(), to: new Date(t + 60_000).toISOString(), rules: ['prompt_injection_repeated'] } });
  assert.equal(run.statusCode, 200, run.body);
  const text = await scrape();
  assert.ok(sample(text, 'aisec_rule_evaluation_duration_seconds_count', '{rule_id="prompt_injection_repeated"}') >= 1);
  // streaming detection runs in this app (default on): it has seen the events above by now or will shortly
  const lagCount = await waitFor('detection lag observed for streamed events', async () => {
    const count = sample(await scrape(), 'aisec_detection_lag_seconds_count');
    return count > 0 ? count : undefined;
  }, 15_000);
  assert.ok(lagCount > 0);
});

test('Elasticsearch failures are counted by kind', async () => {
  // a client pointed at a closed port: every request is a connection error
  const port = await new Promise<number>((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
  const config = loadConfig({ ES_URL: `http://127.0.0.1:${port}`, AISEC_API_KEYS: `read:${KEYS.read}`, ES_MAX_RETRIES: '0', AISEC_UEBA_REFRESH_INTERVAL: 'off', AISEC_DETECTION_STREAMING: 'false', ...IN_PROCESS_SERVICE_ENV });
  const es = createElasticsearchClient(config.elasticsearch);
  const before = sample(await scrape(), 'aisec_elasticsearch_errors_total', '{kind="connection"}');
  const app = await buildApp({ config, es, logger: false });
  // the index bootstrap at start talks to Elasticsearch, fails, and keeps retrying in the background
  await app.ready();
  assert.equal(app.readiness.bootstrap, undefined);
  await app.close();
  await es.close();
  assert.ok(sample(await scrape(), 'aisec_elasticsearch_errors_total', '{kind="connection"}') > before);
});

test('request ids: a caller’s x-request-id is kept and echoed; otherwise a UUID is made', async () => {
  const given = await service.request('read', { method: 'GET', url: '/v1/events?since=5m', headers: { 'x-request-id': 'gw-7f3a-0001' } });
  assert.equal(given.headers['x-request-id'], 'gw-7f3a-0001');
  const made = await service.request(null, { method: 'GET', url: '/health' });
  assert.match(String(made.headers['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const refused = await service.request(null, { method: 'GET', url: '/v1/events', headers: { 'x-request-id': 'gw-7f3a-0002' } });
  assert.equal(refused.statusCode, 401);
  assert.equal(refused.headers['x-request-id'], 'gw-7f3a-0002', 'errors carry the id too');
});

test('request ids appear on the structured log lines of the request', async () => {
  const lines: string[] = [];
  const { default: pino } = await import('pino');
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
  const config = loadConfig({ ES_URL: process.env.ES_URL!, AISEC_INDEX_PREFIX: `${service.prefix}-log`, AISEC_API_KEYS: `read:${KEYS.read}`, AISEC_UEBA_REFRESH_INTERVAL: 'off', AISEC_DETECTION_STREAMING: 'false', ...IN_PROCESS_SERVICE_ENV });
  const es = createElasticsearchClient(config.elasticsearch);
  const app = await buildApp({ config, es, logger });
  await app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'trace-me-42' } });
  await app.close();
  await es.close();
  const mine = lines.map((l) => JSON.parse(l) as { reqId?: string; msg: string }).filter((l) => l.reqId === 'trace-me-42');
  assert.ok(mine.some((l) => l.msg === 'incoming request') && mine.some((l) => l.msg === 'request completed'), 'JSON log lines carry reqId');
});

test('OpenAPI at /docs covers every registered route with a summary, and the new routes with examples', async () => {
  const doc = JSON.parse((await service.request(null, { method: 'GET', url: '/docs/json' })).body) as {
    paths: Record<string, Record<string, { summary?: string; requestBody?: unknown; responses?: Record<string, unknown> }>>;
  };
  const routes = service.app.registeredRoutes.filter((r) => !r.hidden && !r.url.startsWith('/docs'));
  assert.ok(routes.length >= 25, `routes were recorded (${routes.length})`);
  const missing: string[] = [];
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const operation = doc.paths[path]?.[route.method.toLowerCase()];
    if (!operation?.summary) missing.push(`${route.method} ${route.url}`);
  }
  assert.deepEqual(missing, [], 'every route is in /docs/json with a summary');
  const text = JSON.stringify(doc.paths['/v1/exports']) + JSON.stringify(doc.paths['/v1/events/stream']) + JSON.stringify(doc.paths['/metrics']);
  assert.match(text, /IR-2026-042/, 'export example');
  assert.match(text, /event: event/, 'stream example');
  assert.match(text, /aisec_events_total/, 'metrics example');
});
