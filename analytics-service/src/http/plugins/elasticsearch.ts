/**
 * Decorates the app with the Elasticsearch client, index names and stores, and runs the index bootstrap
 * in the background: the service starts even while Elasticsearch is down, and /ready says when it can work.
 */
import fp from 'fastify-plugin';
import type { EsClient } from '../../elasticsearch/client.js';
import { bootstrapIndices, type BootstrapOptions, type BootstrapReport } from '../../elasticsearch/bootstrap.js';
import { describeElasticsearchError, ElasticsearchUnavailableError, logFields } from '../../elasticsearch/errors.js';
import { EventStore } from '../../elasticsearch/event-store.js';
import type { IndexNames } from '../../elasticsearch/index-names.js';

export interface Readiness {
  bootstrap?: BootstrapReport;
  lastError?: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    es: EsClient;
    indices: IndexNames;
    events: EventStore;
    readiness: Readiness;
    /** throws a 503-mapped error until the index bootstrap has completed */
    assertReady(): void;
  }
}

export interface ElasticsearchPluginOptions extends BootstrapOptions {
  client: EsClient;
  indices: IndexNames;
  bootstrapRetryMs?: number;
}

export const elasticsearch = fp<ElasticsearchPluginOptions>(
  async (app, options) => {
    const readiness: Readiness = {};
    app.decorate('es', options.client);
    app.decorate('indices', options.indices);
    app.decorate('events', new EventStore(options.client, options.indices.events));
    app.decorate('readiness', readiness);
    app.decorate('assertReady', () => {
      if (!readiness.bootstrap) {
        throw new ElasticsearchUnavailableError(
          `service is starting: Elasticsearch index bootstrap has not completed${readiness.lastError ? ` (${readiness.lastError})` : ''}`,
        );
      }
    });

    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    const attempt = async (): Promise<void> => {
      try {
        readiness.bootstrap = await bootstrapIndices(options.client, options.indices, options);
        delete readiness.lastError;
        app.log.info({ bootstrap: readiness.bootstrap }, 'Elasticsearch indices ready');
        if (!readiness.bootstrap.ingestPipeline) {
          app.log.warn(
            'this Elasticsearch has no ingest-common module: event.ingested is stamped by this service only, ' +
              'so events that shippers write straight to the data stream are not seen by streaming detection',
          );
        }
      } catch (error) {
        // certificate and credential problems name the setting to fix; /ready shows the same text
        readiness.lastError = describeElasticsearchError(error);
        app.log.warn(logFields(error), `index bootstrap failed: ${readiness.lastError}; retrying in ${options.bootstrapRetryMs ?? 5000} ms`);
        if (!closed) timer = setTimeout(() => void attempt(), options.bootstrapRetryMs ?? 5000);
      }
    };
    app.addHook('onReady', async () => {
      await attempt();
    });
    app.addHook('onClose', async () => {
      closed = true;
      if (timer) clearTimeout(timer);
    });
  },
  { name: 'elasticsearch' },
);
