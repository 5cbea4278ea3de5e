/** Liveness and readiness probes; open, no key needed. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { describeElasticsearchError } from '../../elasticsearch/errors.js';
import { readClusterHealth } from '../../elasticsearch/cluster-health.js';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health',
    { schema: { tags: ['operations'], summary: 'Liveness: the process answers', security: [], response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      config: { identify: true },
      schema: {
        tags: ['operations'],
        summary: 'Readiness: Elasticsearch reachable and indices bootstrapped',
        description:
          'Open, for probes: answers `{"status":"ready"}`. With a valid API key (any role) it also reports the Elasticsearch cluster ' +
          '(name, health, nodes) and the index bootstrap (templates, pipeline), which an anonymous caller is not told.',
        security: [],
        response: {
          200: Type.Object({
            status: Type.Literal('ready'),
            elasticsearch: Type.Optional(Type.Unknown({ description: 'with an API key only' })),
            bootstrap: Type.Optional(Type.Unknown({ description: 'with an API key only' })),
          }),
          503: Type.Object({ status: Type.Literal('not_ready'), reason: Type.String() }),
        },
      },
    },
    async (request, reply) => {
      if (!app.readiness.bootstrap) {
        return reply.code(503).send({ status: 'not_ready', reason: app.readiness.lastError ?? 'index bootstrap in progress' });
      }
      try {
        const health = await readClusterHealth(app.es);
        if (health.status === 'red') return reply.code(503).send({ status: 'not_ready', reason: 'Elasticsearch cluster health is red' });
        if (request.callerRole === undefined) return { status: 'ready' as const };
        return {
          status: 'ready' as const,
          elasticsearch: health,
          bootstrap: app.readiness.bootstrap,
        };
      } catch (error) {
        return reply.code(503).send({ status: 'not_ready', reason: describeElasticsearchError(error) });
      }
    },
  );
};
