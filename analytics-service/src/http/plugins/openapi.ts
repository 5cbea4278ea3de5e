/** OpenAPI document generated from the route schemas, served with a UI at /docs. */
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

export const openapi = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'AI security analytics service',
          description:
            'Ingests ai_security events, runs detections and UEBA baselines over Elasticsearch, and serves Grafana. ' +
            'Every /v1 route needs `Authorization: Bearer <key>` with the role named in its description.',
          version: '0.1.0',
        },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
        security: [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs' });
  },
  { name: 'openapi' },
);
