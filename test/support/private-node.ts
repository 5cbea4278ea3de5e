/**
 * The real service on its own Elasticsearch node, for fault tests that stop or restart that node.
 * The node keeps its data directory across restarts and comes back on the same port.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@elastic/elasticsearch';
import type { FastifyInstance } from 'fastify';
import { startEmbeddedElasticsearch, type EmbeddedElasticsearch } from '../elasticsearch/embedded.js';
import { buildApp } from '../../analytics-service/src/app.js';
import { loadConfig } from '../../analytics-service/src/config.js';
import { createElasticsearchClient } from '../../analytics-service/src/elasticsearch/client.js';
import { IN_PROCESS_SERVICE_ENV, KEYS } from './service.js';

export interface PrivateNodeService {
  app: FastifyInstance;
  es: Client;
  node(): EmbeddedElasticsearch;
  stopNode(): Promise<void>;
  /** starts the node again on the same port and data directory */
  startNode(): Promise<void>;
  close(): Promise<void>;
}

export async function startServiceOnPrivateNode(name: string, env: Record<string, string> = {}): Promise<PrivateNodeService> {
  const dataDir = mkdtempSync(join(tmpdir(), `aisec-${name}-`));
  const nodeOptions = { dataDir, heap: '384m', clusterName: `${name}-test` };
  let node = await startEmbeddedElasticsearch(nodeOptions);
  const port = Number(new URL(node.url).port);
  const config = loadConfig({
    ES_URL: node.url,
    AISEC_API_KEYS: `admin:${KEYS.admin}`,
    AISEC_INDEX_PREFIX: name,
    ES_MAX_RETRIES: '0',
    ES_REQUEST_TIMEOUT_MS: '5000',
    AISEC_DETECTION_STREAMING: 'false',
    AISEC_RATE_LIMIT_PER_MIN: '0',
    ...IN_PROCESS_SERVICE_ENV,
    ...env,
  });
  const es = createElasticsearchClient(config.elasticsearch);
  const app = await buildApp({ config, es, logger: false });
  await app.ready();
  return {
    app,
    es,
    node: () => node,
    stopNode: () => node.stop(),
    async startNode() {
      node = await startEmbeddedElasticsearch({ ...nodeOptions, httpPort: port });
      await es.cluster.health({ wait_for_status: 'yellow', timeout: '60s' });
    },
    async close() {
      await app.close();
      await es.close();
      await node.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
