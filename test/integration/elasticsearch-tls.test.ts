/**
 * TLS and authentication to Elasticsearch, against a real node with security on: HTTP TLS from a CA generated for
 * this test, and a file-realm user with the least-privilege role docs/hardening.md documents. The service is built
 * from its real configuration (loadConfig) and client (createElasticsearchClient), logging through its own redacting
 * options into a captured sink.
 *
 * - ES_URL=https://…, ES_CA_FILE and ES_USERNAME/ES_PASSWORD: the service bootstraps, ingests, reads and queries.
 * - No ES_CA_FILE: the node's certificate is not trusted; the service keeps running and /ready says why (503).
 * - A wrong password, or an API key Elasticsearch does not know: /ready reports an authentication failure.
 * - None of the credentials ever reaches the log, in any of these cases.
 *
 * API keys themselves cannot be created on Elastic's minimal distribution (the `.security` index needs the
 * analysis-common module it lacks), so ES_API_KEY is proven here only as far as Elasticsearch rejecting an unknown key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Client } from '@elastic/elasticsearch';
import { buildApp } from '../../analytics-service/src/app.js';
import { loadConfig } from '../../analytics-service/src/config.js';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { redactedLogOptions } from '../../analytics-service/src/logging.js';
import { startEmbeddedElasticsearch, type EmbeddedElasticsearch } from '../elasticsearch/embedded.js';
import { IN_PROCESS_SERVICE_ENV, KEYS, ndjson, uniquePrefix } from '../support/service.js';

const USER = 'aisec_service';
const PASSWORD = 'tls-test-Pa55word-must-not-leak';
const WRONG_PASSWORD = 'wrong-Pa55word-must-not-leak';
const UNKNOWN_API_KEY = Buffer.from('no-such-key-id:no-such-key-secret-must-not-leak').toString('base64');
const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
const SECRETS = [PASSWORD, WRONG_PASSWORD, UNKNOWN_API_KEY, basic(USER, PASSWORD), basic(USER, WRONG_PASSWORD), ...Object.values(KEYS)];
/** Test indices are `t-tls-<random>-*`; the role grants exactly what docs/hardening.md lists, on them. */
const ROLE = `${USER}:
  cluster: ['monitor', 'manage_index_templates', 'manage_ingest_pipelines']
  indices:
    - names: ['t-tls-*']
      privileges: ['create_index', 'write', 'read', 'manage']
`;

let node: EmbeddedElasticsearch;
before(async () => {
  node = await startEmbeddedElasticsearch({
    heap: '384m',
    clusterName: 'tls-test',
    security: { users: [{ username: USER, password: PASSWORD, roles: [USER] }], rolesYml: ROLE },
  });
});
after(async () => node?.stop());

interface Service {
  app: FastifyInstance;
  es: Client;
  log: () => string;
  close(): Promise<void>;
}

/** The service with its own config loader, client factory and log redaction; the log goes to memory. */
async function service(env: Record<string, string>): Promise<Service> {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig({
    ES_URL: node.url,
    AISEC_INDEX_PREFIX: uniquePrefix('tls'),
    AISEC_API_KEYS: Object.entries(KEYS).map(([role, key]) => `${role}:${key}`).join(','),
    ES_MAX_RETRIES: '0',
    ES_REQUEST_TIMEOUT_MS: '10000',
    AISEC_UEBA_REFRESH_INTERVAL: 'off',
    LOG_LEVEL: 'debug',
    ...IN_PROCESS_SERVICE_ENV,
    ...env,
  });
  const es = createElasticsearchClient(config.elasticsearch);
  const app = await buildApp({ config, es, logger: pino(redactedLogOptions('debug') as pino.LoggerOptions, sink) });
  await app.ready();
  // the whole configuration at start, as an operator might log it: the redaction must hold
  app.log.info({ config }, 'configuration');
  return {
    app,
    es,
    log: () => lines.join(''),
    async close() {
      await app.close();
      await es.close();
    },
  };
}

function assertNoSecrets(log: string) {
  assert.ok(log.length > 0, 'something was logged');
  for (const secret of SECRETS) assert.ok(!log.includes(secret), `a credential appears in the log: ${secret.slice(0, 6)}…`);
}

const auth = (role: keyof typeof KEYS) => ({ authorization: `Bearer ${KEYS[role]}` });

describe('Elasticsearch over TLS with authentication', () => {
  test('https + ES_CA_FILE + ES_USERNAME/ES_PASSWORD: bootstraps, ingests, reads and queries; no credential in the log', async () => {
    assert.match(node.url, /^https:\/\//);
    const svc = await service({ ES_CA_FILE: node.caFile!, ES_USERNAME: USER, ES_PASSWORD: PASSWORD });
    try {
      const ready = await svc.app.inject({ method: 'GET', url: '/ready', headers: auth('read') });
      assert.equal(ready.statusCode, 200, ready.body);
      assert.equal(ready.json().elasticsearch.cluster, 'tls-test', 'an authenticated caller is told the cluster');

      const events = Array.from({ length: 20 }, (_, i) => ({
        timestamp: new Date(Date.UTC(2026, 2, 1, 10, i)).toISOString(),
        category: i % 5 === 0 ? 'prompt_attack' : 'request',
        event_id: `tls-${i}`,
        user_id: `user-${i % 3}`,
      }));
      const ingest = await svc.app.inject({ method: 'POST', url: '/v1/events?refresh=true', headers: { ...auth('ingest'), 'content-type': 'application/x-ndjson' }, payload: ndjson(events) });
      assert.equal(ingest.statusCode, 200, ingest.body);
      assert.deepEqual(ingest.json(), { accepted: 20, rejected: 0, duplicates: 0, errors: [] });

      const read = await svc.app.inject({ method: 'GET', url: '/v1/events?user_id=user-1&limit=100', headers: auth('read') });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().total, events.filter((e) => e.user_id === 'user-1').length);

      const query = await svc.app.inject({
        method: 'POST',
        url: '/v1/query',
        headers: auth('read'),
        payload: { range: { from: '2026-03-01T00:00:00Z', to: '2026-03-02T00:00:00Z' }, targets: [{ refId: 'A', kind: 'values', field: 'category' }] },
      });
      assert.equal(query.statusCode, 200, query.body);
      const frame = query.json().results.A.frames[0];
      assert.deepEqual(Object.fromEntries(frame.fields[0].values.map((v: string, i: number) => [v, frame.fields[1].values[i]])), { request: 16, prompt_attack: 4 });

      // the data really went over TLS, as the service user
      const stored = await svc.es.count({ index: `${svc.app.indices.events}` });
      assert.equal(stored.count, 20);
      const who = await svc.es.security.authenticate();
      assert.equal(who.username, USER);
      assert.equal(who.authentication_realm.type, 'file');
      assertNoSecrets(svc.log());
    } finally {
      await svc.close();
    }
  });

  test('no ES_CA_FILE: the certificate is not trusted; /ready is 503 and names ES_CA_FILE, the service stays up', async () => {
    const svc = await service({ ES_USERNAME: USER, ES_PASSWORD: PASSWORD });
    try {
      const ready = await svc.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().status, 'not_ready');
      assert.match(ready.json().reason, /TLS certificate is not trusted \(.*(certificate|issuer).*\): set ES_CA_FILE/);
      assert.equal((await svc.app.inject({ method: 'GET', url: '/health' })).statusCode, 200, 'the process answers');
      const read = await svc.app.inject({ method: 'GET', url: '/v1/events', headers: auth('read') });
      assert.equal(read.statusCode, 503, 'data routes refuse with 503 until Elasticsearch can be used');
      assert.match(svc.log(), /"es":{"error":"ConnectionError","reason":"[^"]*certificate[^"]*"}.*index bootstrap failed: Elasticsearch.s TLS certificate is not trusted/);
      assertNoSecrets(svc.log());
    } finally {
      await svc.close();
    }
  });

  test('a wrong password: /ready reports an authentication failure; neither password is logged', async () => {
    const svc = await service({ ES_CA_FILE: node.caFile!, ES_USERNAME: USER, ES_PASSWORD: WRONG_PASSWORD });
    try {
      const ready = await svc.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json().reason, /Elasticsearch authentication failed \(401 security_exception: unable to authenticate user \[aisec_service\].*\): check ES_USERNAME\/ES_PASSWORD/);
      assert.match(svc.log(), /"es":{"error":"ResponseError","statusCode":401,/);
      assertNoSecrets(svc.log());
    } finally {
      await svc.close();
    }
  });

  test('an API key Elasticsearch does not know: /ready reports an authentication failure; the key is not logged', async () => {
    const svc = await service({ ES_CA_FILE: node.caFile!, ES_API_KEY: UNKNOWN_API_KEY });
    try {
      const ready = await svc.app.inject({ method: 'GET', url: '/ready' });
      assert.equal(ready.statusCode, 503);
      assert.match(ready.json().reason, /Elasticsearch authentication failed \(401 .*\): check ES_USERNAME\/ES_PASSWORD or ES_API_KEY/);
      assertNoSecrets(svc.log());
    } finally {
      await svc.close();
    }
  });

  test('configuration mistakes fail at start with the variable named', () => {
    const base = { ES_URL: node.url, AISEC_AUTH_DISABLED: 'true' };
    assert.throws(() => loadConfig({ ...base, ES_CA_FILE: '/nonexistent/ca.pem' }), /ES_CA_FILE cannot be read \(ENOENT\)/);
    assert.throws(() => loadConfig({ ...base, ES_CA_FILE: node.logFile }), /ES_CA_FILE must hold PEM certificates/);
    assert.throws(() => loadConfig({ ...base, ES_USERNAME: USER }), /ES_USERNAME and ES_PASSWORD must be set together/);
    assert.throws(() => loadConfig({ ...base, ES_API_KEY: UNKNOWN_API_KEY, ES_USERNAME: USER, ES_PASSWORD: PASSWORD }), /either ES_API_KEY or ES_USERNAME\/ES_PASSWORD/);
  });
});
