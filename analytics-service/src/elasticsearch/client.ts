import { readFileSync } from 'node:fs';
import { Client, type ClientOptions } from '@elastic/elasticsearch';
import type { ElasticsearchConfig } from '../config.js';

/** The client's type, for the composition root and the plugins that hand it to this folder's stores. */
export type EsClient = Client;

/** Builds the one Elasticsearch client of the service. Credentials come from config, never from requests. */
export function createElasticsearchClient(config: ElasticsearchConfig): Client {
  const options: ClientOptions = {
    node: config.url,
    requestTimeout: config.requestTimeoutMs,
    maxRetries: config.maxRetries,
    compression: false,
  };
  if (config.apiKey) options.auth = { apiKey: config.apiKey };
  else if (config.username && config.password) options.auth = { username: config.username, password: config.password };
  if (config.caFile) options.tls = { ca: readFileSync(config.caFile), rejectUnauthorized: true };
  return new Client(options);
}

/** Calls `listener` with the error (or null) of every response the client sees; returns the unsubscribe. */
export function onEveryResponse(es: Client, listener: (error: unknown) => void): () => void {
  es.diagnostic.on('response', listener);
  return () => es.diagnostic.off('response', listener);
}
