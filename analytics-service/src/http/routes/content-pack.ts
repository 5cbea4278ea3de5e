/** GET /v1/content-pack?format=spl|kql|sigma|kibana — the detection content for other SIEMs, from the same rules. */
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
        summary: 'Export the rules as Splunk SPL, Sentinel KQL, Sigma or Kibana detection rules (role: read)',
        description:
          'Generated from the same rule definitions and configuration the engine runs. Sigma output is a multi-document YAML ' +
          'of Sigma v2 rules and correlation rules (event_count, value_count, temporal_ordered); rules Sigma cannot express are listed in its header. ' +
          'Kibana output is the NDJSON Elastic Security\'s rule import takes (threshold, EQL sequence, new terms and Lucene query rules over ' +
          'this deployment\'s events data stream); rules it cannot express are named in the X-Aisec-Not-Exported header.',
        querystring: Type.Object(
          {
            format: Type.Union([Type.Literal('spl'), Type.Literal('kql'), Type.Literal('sigma'), Type.Literal('kibana')]),
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
      const pack = contentPack(app.detection.catalogue, app.detection.evaluators, request.query.format, ids, { eventsIndex: app.indices.events });
      if (pack.skipped?.length) reply.header('x-aisec-not-exported', pack.skipped.map((s) => (s.signal ? `${s.rule_id}/${s.signal}` : s.rule_id)).join(', '));
      return reply
        .type(pack.contentType)
        .header('content-disposition', `inline; filename="aisec-content-pack.${pack.extension}"`)
        .send(pack.body);
    },
  );
};
