/**
 * Hardening of the HTTP layer against real Elasticsearch: per-key rate limits, secure headers, no CORS by default,
 * secrets kept out of the logs, and nesting limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { buildApp } from '../../analytics-service/src/app.js';
import { loadConfig } from '../../analytics-service/src/config.js';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { IN_PROCESS_SERVICE_ENV, KEYS, startTestService, uniquePrefix } from '../support/service.js';
import { testElasticsearchUrl } from '../support/elasticsearch.js';
import { waitFor } from '../support/wait.js';

test('rate limits apply per API key with 429 + Retry-After; other keys and open routes are unaffected', async () => {
  const service = await startTestService('ratelimit', { AISEC_RATE_LIMIT_PER_MIN: '5' });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await service.request('read', { method: 'GET', url: '/v1/events?limit=1' })).statusCode, 200);
    const limited = await service.request('read', { method: 'GET', url: '/v1/events?limit=1' });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.match(limited.json().message, /5 requests per minute/);
    assert.equal((await service.request('admin', { method: 'GET', url: '/v1/events?limit=1' })).statusCode, 200, 'another key has its own budget');
    for (let i = 0; i < 10; i++) assert.equal((await service.request(null, { method: 'GET', url: '/health' })).statusCode, 200);
    for (let i = 0; i < 5; i++) await service.request(null, { method: 'GET', url: '/v1/events', headers: { authorization: `Bearer guess-${i}-0000000000000` } });
    const guessing = await service.request(null, { method: 'GET', url: '/v1/events', headers: { authorization: 'Bearer guess-0-0000000000000' } });
    assert.equal(guessing.statusCode, 429, 'guessing one key repeatedly is limited too');
  } finally {
    await service.close();
  }
});

test('when the event loop falls behind, requests are shed with 503 + Retry-After before any work, and served again once it recovers', async () => {
  const service = await startTestService('shedding', { AISEC_MAX_EVENT_LOOP_DELAY_MS: '20', AISEC_RATE_LIMIT_PER_MIN: '0' });
  try {
    const probe = () => service.request('read', { method: 'GET', url: '/v1/rules' });
    assert.equal((await probe()).statusCode, 200);
    // the service shares this process: keep its event loop busy (60 ms of work between short yields), as an
    // overloaded service would be, until the load check (sampled every second) sheds a request
    let shed: Awaited<ReturnType<typeof probe>> | undefined;
    const deadline = Date.now() + 10_000;
    while (!shed && Date.now() < deadline) {
      const until = Date.now() + 60;
      while (Date.now() < until) {
        // busy
      }
      await new Promise((resolve) => setImmediate(resolve));
      const response = await probe();
      if (response.statusCode !== 200) shed = response;
    }
    assert.ok(shed, 'a request was shed while the event loop was behind');
    assert.equal(shed.statusCode, 503);
    assert.equal(shed.headers['retry-after'], '5');
    assert.match(shed.json().message, /overloaded; retry later/);
    // idle again: after the next samples (one a second), requests are served
    const served = await waitFor('requests served again once the event loop is idle', async () => {
      const response = await probe();
      return response.statusCode === 200 ? response : undefined;
    }, 15_000);
    assert.equal(served.statusCode, 200);
  } finally {
    await service.close();
  }
});

test('secure headers are set and no CORS headers are sent by default', async () => {
  const service = await startTestService('headers');
  try {
    const response = await service.request('read', { method: 'GET', url: '/v1/events?limit=1', headers: { origin: 'https://evil.example' } });
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(response.headers['strict-transport-security']);
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  } finally {
    await service.close();
  }
});

test('API keys and Elasticsearch credentials never reach the log', async () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const prefix = uniquePrefix('logs');
  const config = loadConfig({
    ES_URL: testElasticsearchUrl(),
    ES_PASSWORD: 'es-password-must-not-leak',
    ES_USERNAME: 'elastic',
    AISEC_INDEX_PREFIX: prefix,
    AISEC_API_KEYS: `ingest:${KEYS.ingest},read:${KEYS.read}`,
    LOG_LEVEL: 'debug',
    ...IN_PROCESS_SERVICE_ENV,
  });
  // the sink uses the service's own redaction settings
  const { redactedLogOptions } = await import('../../analytics-service/src/logging.js');
  const options = redactedLogOptions('debug') as pino.LoggerOptions;
  const logger = pino(options, sink);
  const es = createElasticsearchClient({ ...config.elasticsearch, username: undefined, password: undefined });
  const app = await buildApp({ config, es, logger });
  try {
    await app.ready();
    app.log.info({ config }, 'config at start');
    await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: `Bearer ${KEYS.read}` } });
    await app.inject({ method: 'GET', url: '/v1/events', headers: { authorization: 'Bearer wrong-key-0000000000000' } });
    await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization: `Bearer ${KEYS.ingest}`, 'content-type': 'application/json' }, payload: '{"category":"request"}' });
    const log = lines.join('');
    assert.ok(log.length > 0, 'something was logged');
    for (const secret of [KEYS.read, KEYS.ingest, 'wrong-key-0000000000000', 'es-password-must-not-leak']) {
      assert.ok(!log.includes(secret), `${secret} appears in the log`);
    }
    assert.match(log, /\[redacted\]/);
  } finally {
    await app.close();
    await es.close();
  }
});

test('an event nested deeper than 20 levels is refused with a clear error, its neighbours stored', async () => {
  const service = await startTestService('depth');
  try {
    let nested: Record<string, unknown> = { leaf: 1 };
    for (let i = 0; i < 25; i++) nested = { n: nested };
    const response = await service.request('ingest', {
      method: 'POST',
      url: '/v1/events?refresh=true',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify([
        { timestamp: '2026-01-01T00:00:00Z', category: 'tool_invocation', tool_params: nested },
        { timestamp: '2026-01-01T00:00:00Z', category: 'tool_invocation', tool_params: { to: 'a@b.c' } },
      ]),
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().accepted, 1);
    assert.match(response.json().errors[0].message, /deeper than 20 levels/);
  } finally {
    await service.close();
  }
});
