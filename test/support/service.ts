/**
 * Builds the real service against the real Elasticsearch at ES_URL, on a private index prefix so test
 * files can run side by side. Requests go through Fastify's inject (real routing, auth, serialization).
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../analytics-service/src/app.js';
import { defaultKeyName, loadConfig, type ServiceConfig } from '../../analytics-service/src/config.js';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { testElasticsearchUrl } from './elasticsearch.js';
import { waitFor } from './wait.js';

export const KEYS = {
  ingest: 'test-ingest-key-0000000001',
  read: 'test-read-key-00000000002',
  admin: 'test-admin-key-0000000003',
} as const;

/** The names the service gives KEYS (given in the older `role:key` form, without a name): the actors in audit trails. */
export const KEY_NAMES = {
  ingest: defaultKeyName('ingest', KEYS.ingest),
  read: defaultKeyName('read', KEYS.read),
  admin: defaultKeyName('admin', KEYS.admin),
} as const;

export interface TestService {
  app: FastifyInstance;
  es: Client;
  config: ServiceConfig;
  prefix: string;
  request(role: keyof typeof KEYS | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export function uniquePrefix(name: string): string {
  return `t-${name}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

/**
 * For every service a test builds in its own process: such a service shares its event loop with the test driving
 * it (building and checking thousands of events), so on a busy machine load shedding would refuse the test's own
 * requests. Off unless a test enables it (hardening.test.ts does; the child-process services of the fault tests
 * keep the default).
 */
export const IN_PROCESS_SERVICE_ENV = { AISEC_MAX_EVENT_LOOP_DELAY_MS: '0' } as const;

export async function startTestService(name: string, env: Record<string, string> = {}): Promise<TestService> {
  const prefix = uniquePrefix(name);
  const config = loadConfig({
    ES_URL: testElasticsearchUrl(),
    AISEC_INDEX_PREFIX: prefix,
    AISEC_API_KEYS: Object.entries(KEYS)
      .map(([role, key]) => `${role}:${key}`)
      .join(','),
    ES_MAX_RETRIES: '0',
    ES_REQUEST_TIMEOUT_MS: '10000',
    // scheduled UEBA maintenance stays off in tests unless a test enables it
    AISEC_UEBA_REFRESH_INTERVAL: 'off',
    ...IN_PROCESS_SERVICE_ENV,
    ...env,
  });
  const es = createElasticsearchClient(config.elasticsearch);
  const app = await buildApp({ config, es, logger: false });
  await app.ready();
  // on a busy machine the first bootstrap attempt can time out and go on retrying in the background: a test's
  // first request would then get 503 "service is starting"
  await waitFor('the index bootstrap', async () => (app.readiness.bootstrap ? true : undefined), 180_000, async () => `last error: ${app.readiness.lastError ?? 'none'}`);
  return {
    app,
    es,
    config,
    prefix,
    request(role, options) {
      const headers = { ...(options.headers ?? {}) } as Record<string, string>;
      if (role) headers.authorization = `Bearer ${KEYS[role]}`;
      return app.inject({ ...options, headers });
    },
    async close() {
      await app.close();
      await deletePrefix(es, prefix);
      await es.close();
    },
  };
}

/**
 * Deletes a prefix's data streams and indices. Three requests: Elastic's minimal distribution (the embedded node)
 * has no data-stream API, and there a delete naming the events write index is refused as a whole — so the other
 * indices go in their own request, and only the events data stream stays behind.
 */
export async function deletePrefix(es: Client, prefix: string): Promise<void> {
  await es.indices.deleteDataStream({ name: `${prefix}-*` }, { ignore: [404, 405] }).catch(() => undefined);
  await es.indices.delete({ index: `${prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] }).catch(() => undefined);
  await es.indices.delete({ index: `.ds-${prefix}-*`, expand_wildcards: 'all' }, { ignore: [404] }).catch(() => undefined);
}

/** NDJSON body from events. */
export const ndjson = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';

export function postEvents(service: TestService, events: unknown[] | string, contentType = 'application/json', role: keyof typeof KEYS = 'ingest') {
  return service.request(role, {
    method: 'POST',
    url: '/v1/events?refresh=true',
    headers: { 'content-type': contentType },
    payload: typeof events === 'string' ? events : JSON.stringify(events),
  });
}

export async function countStored(service: TestService): Promise<number> {
  await service.es.indices.refresh({ index: `${service.prefix}-events` }, { ignore: [404] });
  const response = await service.es.count({ index: `${service.prefix}-events`, ignore_unavailable: true, allow_no_indices: true });
  return response.count;
}

/** Waits until GET /ready answers 200: a service answers 503 until its index bootstrap is through (slow on a busy node). */
export async function waitUntilReady(service: TestService, timeoutMs = 180_000): Promise<void> {
  let last = '';
  await waitFor(
    'the service to be ready (index bootstrap)',
    async () => {
      const ready = await service.request(null, { method: 'GET', url: '/ready' });
      last = ready.body;
      return ready.statusCode === 200 ? true : undefined;
    },
    timeoutMs,
    async () => `last /ready: ${last}`,
  );
}
