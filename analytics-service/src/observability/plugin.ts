/**
 * Observability of the service itself: echoes request ids, times every HTTP request by route pattern, and
 * counts Elasticsearch failures seen by the client (connection loss, timeouts, 429, 5xx) from the client's
 * diagnostic events, so no call site has to remember to.
 */
import fp from 'fastify-plugin';
import { onEveryResponse, type EsClient } from '../elasticsearch/client.js';
import { elasticsearchErrorKind } from '../elasticsearch/errors.js';
import { collectProcessMetrics, metrics } from './metrics.js';
import { REQUEST_ID_HEADER } from './request-id.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** every route registered after this plugin, for the OpenAPI coverage test and /metrics labels */
    registeredRoutes: Array<{ method: string; url: string; hidden: boolean }>;
  }
}

export { elasticsearchErrorKind };

export const observability = fp<{ es: EsClient }>(
  async (app, options) => {
    collectProcessMetrics();

    const routes: Array<{ method: string; url: string; hidden: boolean }> = [];
    app.decorate('registeredRoutes', routes);
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // Fastify adds a HEAD twin to every GET route; it is not a route of ours
        if (method === 'HEAD') continue;
        routes.push({ method, url: route.url, hidden: route.schema?.hide === true });
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      return payload;
    });

    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequests.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });

    const onResponse = (error: unknown) => {
      const kind = error ? elasticsearchErrorKind(error) : undefined;
      if (kind) metrics.elasticsearchErrors.inc({ kind });
    };
    const unsubscribe = onEveryResponse(options.es, onResponse);
    app.addHook('onClose', async () => {
      unsubscribe();
    });
  },
  { name: 'observability' },
);
