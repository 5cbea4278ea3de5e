/**
 * GET /metrics — Prometheus exposition of the service's own metrics (observability/metrics.ts).
 * Needs a read key like every other data route ("nothing is anonymous unless a local-demo flag says so"):
 * configure the scrape job with `authorization: { type: Bearer, credentials_file: ... }`.
 */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { registry } from '../../observability/metrics.js';

const EXAMPLE = [
  '# HELP aisec_events_total Events received through POST /v1/events, by outcome: accepted (stored), rejected (invalid), duplicate (event_id already stored)',
  '# TYPE aisec_events_total counter',
  'aisec_events_total{outcome="accepted"} 1200',
  'aisec_events_total{outcome="rejected"} 3',
  '',
].join('\n');

export const serviceMetricsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/metrics',
    {
      config: { role: 'read' },
      schema: {
        tags: ['operations'],
        summary: 'Prometheus metrics of the service (role: read)',
        description:
          'Prometheus text format 0.0.4: ingest counts (aisec_events_total by outcome) and latency, detection lag behind event.ingested, ' +
          'rule evaluation time, Elasticsearch errors, webhook failures, HTTP request durations, open event streams, exports, and the ' +
          'Node.js process metrics. Scrape with a read key (`authorization: {type: Bearer, credentials: <key>}`).',
        produces: ['text/plain'],
        response: { 200: Type.String({ examples: [EXAMPLE] }) },
      },
    },
    async (_request, reply) => {
      const body = await registry.metrics();
      return reply.type(registry.contentType).send(body);
    },
  );
};
