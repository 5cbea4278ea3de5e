/** GET /v1/content-pack?format=spl|kql|sigma — the detection content for other SIEMs, from the same rules. */
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { contentPack } from '../../detection/content-pack/index.js';
import { ErrorResponse } from '../schemas/common.js';

export const contentPackRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/content-pack',
    {
      config: { role: 'read' },
      schema: {
        tags: ['detections'],
        summary: 'Export the rules as Splunk SPL, Sentinel KQL or Sigma (role: read)',
        description:
          'Generated from the same rule definitions and configuration the engine runs. Sigma output is a multi-document YAML ' +
          'of Sigma v2 rules and correlation rules (event_count, value_count, temporal_ordered); rules Sigma cannot express are listed in its header.',
        querystring: Type.Object(
          {
            format: Type.Union([Type.Literal('spl'), Type.Literal('kql'), Type.Literal('sigma')]),
            rules: Type.Optional(Type.String({ pattern: '^[a-z0-9_]+(,[a-z0-9_]+)*$', description: 'comma-separated rule ids' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.String(), 400: ErrorResponse },
      },
    },
    async (request, reply) => {
      const ids = request.query.rules?.split(',');
      const unknown = ids?.filter((id) => !app.detection.catalogue.byId.has(id)) ?? [];
      if (unknown.length) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: `unknown rules: ${unknown.join(', ')}` });
      const pack = contentPack(app.detection.catalogue, request.query.format, ids);
      return reply
        .type(pack.contentType)
        .header('content-disposition', `inline; filename="aisec-content-pack.${pack.extension}"`)
        .send(pack.body);
    },
  );
};
